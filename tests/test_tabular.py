"""The bounded table reader: what Excel writes is read as shown; hostile files are refused
with the limit they hit, before the work grows."""

from __future__ import annotations

import codecs
import io
import os
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook

from bot.domain.tabular import (
    MB,
    Limits,
    TableError,
    column_letter,
    format_number,
    read_table,
)
from bot.texts import Texts
from bot.views.files import table_error

ROSTER = "单位,班组,工号,姓名\n一分场,蒸发一班,10001,刘建国\n一分场,蒸发一班,10002,王伟\n"


def workbook(build: Callable[[Any], None]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    build(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types '
    'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
_WB = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def raw_xlsx(sheet: bytes | str, extra: dict[str, bytes | str] | None = None) -> bytes:
    """A hand-made workbook, for the parts openpyxl would never write."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return buf.getvalue()


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
    except TableError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / MB


def error_of(data: bytes, name: str = "x.xlsx", limits: Limits | None = None) -> TableError:
    with pytest.raises(TableError) as info:
        read_table(data, name, limits or Limits())
    return info.value


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (ROSTER.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + ROSTER.encode("utf-8"), "utf-8"),
        (ROSTER.encode("gbk"), "gbk"),
        (ROSTER.encode("utf-16"), "utf-16"),
    ],
)
def test_csv_encodings_excel_writes(encoded: bytes, encoding: str) -> None:
    table = read_table(encoded, "名单.csv")
    assert table.kind == "csv" and table.encoding == encoding
    assert table.rows[0].cells == ("单位", "班组", "工号", "姓名")
    assert table.rows[2].cells == ("一分场", "蒸发一班", "10002", "王伟")
    assert [r.number for r in table.rows] == [1, 2, 3]


def test_csv_delimiter_found_below_a_title_without_one() -> None:
    text = "XX盐场职工花名册\n" + ROSTER.replace(",", "\t")
    table = read_table(text.encode(), "a.txt")
    assert table.rows[1].cells[:2] == ("单位", "班组")
    assert table.rows[1].number == 2


def test_unclosed_quote_is_reported_with_its_row_not_guessed() -> None:
    text = ROSTER + '"未闭合的引号,职工,一分场,0班,805008\n一分场,0班,805009,孙八\n'
    err = error_of(text.encode(), "a.csv")
    assert (err.code, err.row) == ("bad_quote", 4)


def test_text_after_a_closing_quote_is_malformed() -> None:
    err = error_of((ROSTER + '一分场,"蒸发"一班,10003,李四\n').encode(), "a.csv")
    assert (err.code, err.row) == ("bad_quote", 4)


def test_quoted_cell_over_a_line_break_refused_unless_allowed() -> None:
    text = ROSTER + '一分场,"蒸发\n一班",10003,李四\n一分场,蒸发一班,10004,赵五\n'
    assert error_of(text.encode(), "a.csv").row == 4
    table = read_table(text.encode(), "a.csv", Limits(multiline_cells=True))
    assert table.rows[3].cells[1] == "蒸发\n一班"
    assert table.rows[4].number == 6  # the row after still carries its line number


def test_properly_quoted_commas_are_fine() -> None:
    table = read_table((ROSTER + '一分场,"蒸发一班,夜班",10003,"李""四"\n').encode(), "a.csv")
    assert table.rows[3].cells == ("一分场", "蒸发一班,夜班", "10003", '李"四')


def test_six_mb_csv_refused_by_size_before_decoding() -> None:
    big = (ROSTER * 80_000).encode()
    assert len(big) > 6 * MB
    err = error_of(big, "a.csv")
    assert (err.code, err.limit) == ("too_large", 5 * MB)
    assert peak_mb(lambda: read_table(big, "a.csv")) < 1


def test_csv_rows_columns_cells_and_cell_length_limits() -> None:
    many = "\n".join(f"u,t,{i},n" for i in range(30)).encode()
    assert error_of(many, "a.csv", Limits(max_rows=20)).code == "too_many_rows"
    wide = ("a," * 70 + "b\n").encode()
    err = error_of(wide, "a.csv")
    assert (err.code, err.row, err.column) == ("too_many_columns", 1, "BM")
    assert error_of(many, "a.csv", Limits(max_cells=50)).code == "too_many_cells"
    long_cell = ("a," + "x" * 40_000 + "\n").encode()
    assert error_of(long_cell, "a.csv").code == "cell_too_long"
    # trailing empty cells (a sheet exported with 200 blank columns) cost nothing
    assert read_table(("a,b" + "," * 200 + "\n").encode(), "a.csv").rows[0].cells == ("a", "b")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b" \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_table"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "xls"),
        (b"\xff\xfe\x00\xd8", "encoding"),
        (b",,,\n,,\n", "empty"),
    ],
)
def test_files_that_are_not_tables(data: bytes, code: str) -> None:
    assert error_of(data, "a.csv").code == code


def test_password_protected_xlsx_is_named_as_such() -> None:
    assert error_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50).code == "encrypted"


# ---------------------------------------------------------------- XLSX as Excel shows it


def test_number_formatted_employee_no_read_as_displayed() -> None:
    def build(ws: Any) -> None:
        ws.append(["XX盐场职工花名册"])
        ws.merge_cells("A1:E1")
        ws.append(["车间", "班组", "工号", "姓名", "入职日期"])
        ws.append(["一分场", "蒸发一班", 101, "刘建国", date(2019, 7, 1)])
        ws.append(["一分场", "蒸发一班", 10002.0, "王伟", None])
        ws["C3"].number_format = "000000"
        ws["C4"].number_format = "General"

    table = read_table(workbook(build), "名单.xlsx")
    assert table.kind == "xlsx" and table.sheet == "Sheet"
    assert [r.number for r in table.rows] == [1, 2, 3, 4]
    assert table.rows[0].cells == ("XX盐场职工花名册",)  # the merged title, once
    assert table.rows[2].cells == ("一分场", "蒸发一班", "000101", "刘建国", "2019-07-01")
    assert table.rows[3].cells == ("一分场", "蒸发一班", "10002", "王伟")


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (101, "000000", "000101"),
        (101, '"GH"0000', "GH0101"),
        (101, "\\A0000", "A0101"),
        (3.14159, "0.00", "3.14"),
        (1234567.891, "#,##0.00", "1,234,567.89"),
        (0.256, "0.0%", "25.6%"),
        (-5, "0;(0)", "(5)"),
        (-5, "0", "-5"),
        (12.5, "General", "12.5"),
        (10023.0, "General", "10023"),
        (10023, "@", "10023"),
        (43647, "yyyy-mm-dd", "2019-07-01"),
        (43647, 'yyyy"年"m"月"d"日"', "2019-07-01"),
        (43647.5, "yyyy-mm-dd h:mm", "2019-07-01 12:00:00"),
        (0.75, "h:mm", "18:00:00"),
        (12.5, "[Red]0.0", "12.5"),
        (1.5e20, "0.00E+00", "1.5e+20"),
    ],
)
def test_format_number(value: float, code: str, shown: str) -> None:
    assert format_number(float(value), code) == shown


def test_builtin_and_chinese_date_formats_and_1904() -> None:
    def build(ws: Any) -> None:
        ws.append([43647, 43647, 1.0])
        ws["A1"].number_format = "yyyy/m/d"
        ws["B1"].number_format = 'yyyy"年"m"月"'
        ws["C1"].number_format = "0.00"

    cells = read_table(workbook(build)).rows[0].cells
    assert cells == ("2019-07-01", "2019-07-01", "1.00")
    assert format_number(0, "yyyy-mm-dd", date1904=True) == "1904-01-01"


def test_shared_inline_boolean_and_formula_cells_and_phonetics() -> None:
    sheet = (
        f"<worksheet {_NS}><sheetData>"
        '<row r="2"><c r="B2" t="s"><v>0</v></c><c r="D2" t="inlineStr"><is><t>王</t>'
        '<r><t>伟</t></r></is></c><c r="E2" t="b"><v>1</v></c>'
        '<c r="F2" t="str"><f>A1</f><v>公式结果</v></c><c r="G2" t="e"><v>#N/A</v></c></row>'
        "</sheetData></worksheet>"
    )
    sst = (
        f'<sst {_NS} count="1"><si><r><t>刘</t></r><r><t>建国</t></r>'
        "<rPh><t>リュウ</t></rPh></si></sst>"
    )
    table = read_table(raw_xlsx(sheet, {"xl/sharedStrings.xml": sst}))
    assert table.rows[0].number == 2
    assert table.rows[0].cells == ("", "刘建国", "", "王伟", "TRUE", "公式结果", "#N/A")


def test_first_visible_sheet_is_read_and_others_named() -> None:
    wb = Workbook()
    hidden = wb.active
    assert hidden is not None
    hidden.title = "说明"
    hidden.append(["隐藏的说明页"])
    hidden.sheet_state = "hidden"
    roster = wb.create_sheet("花名册")
    roster.append(["姓名"])
    wb.create_sheet("统计").append(["合计"])
    buf = io.BytesIO()
    wb.save(buf)
    table = read_table(buf.getvalue(), "a.xlsx")
    assert table.sheet == "花名册" and table.rows[0].cells == ("姓名",)
    assert table.skipped_sheets == ("统计",)


# ---------------------------------------------------------------- hostile XLSX


def test_huge_claimed_dimension_costs_nothing() -> None:
    """2.5 MB workbook whose sheet claims A1:XFD1048576 and has a cell at the far corner row."""
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>职工{r}</t></is></c></row>'
        for r in range(1, 11)
    )
    rows += '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>末行</t></is></c></row>'
    sheet = f'<worksheet {_NS}><dimension ref="A1:XFD1048576"/><sheetData>{rows}</sheetData>'
    sheet += "</worksheet>"
    data = raw_xlsx(sheet, {"xl/media/image1.png": os.urandom(int(2.5 * MB))})
    assert len(data) > 2.5 * MB
    table = read_table(data)
    assert len(table.rows) == 11 and table.rows[-1].number == 1048576
    assert peak_mb(lambda: read_table(data)) < 8


def test_cell_in_column_xfd_is_refused_with_its_place() -> None:
    sheet = (
        f'<worksheet {_NS}><dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="7"><c r="XFD7"><v>1</v></c></row></sheetData></worksheet>'
    )
    err = error_of(raw_xlsx(sheet))
    assert (err.code, err.row, err.column, err.limit) == ("too_many_columns", 7, "XFD", 64)


def test_huge_shared_strings_table_refused_while_reading_it() -> None:
    sst = f"<sst {_NS}>" + "<si><t>重复</t></si>" * 1_000_000 + "</sst>"
    data = raw_xlsx(f"<worksheet {_NS}><sheetData/></worksheet>", {"xl/sharedStrings.xml": sst})
    assert len(data) < 400 * 1024
    err = error_of(data)
    assert (err.code, err.limit) == ("too_many_strings", 400_000)
    # Memory grows with the strings kept until the limit; measured on a lower limit to keep
    # tracemalloc's slowdown out of the suite (bench/tabular.py measures the default).
    small = Limits(max_shared_strings=40_000)
    assert peak_mb(lambda: read_table(data, "a.xlsx", small)) < 16


def test_shared_string_characters_bounded() -> None:
    sst = f"<sst {_NS}><si><t>" + "长" * 3000 + "</t></si>" * 1 + "</sst>"
    data = raw_xlsx(f"<worksheet {_NS}><sheetData/></worksheet>", {"xl/sharedStrings.xml": sst})
    assert error_of(data, limits=Limits(max_shared_chars=1000)).code == "too_many_strings"


def test_inflated_size_checked_before_inflating() -> None:
    sheet = f"<worksheet {_NS}><sheetData>" + "<row/>" * 3_000_000 + "</sheetData></worksheet>"
    data = raw_xlsx(sheet)
    assert len(data) < 200 * 1024  # 18 MB of XML in a small file
    err = error_of(data, limits=Limits(max_member_bytes=4 * MB))
    assert (err.code, err.limit) == ("unpacked_too_large", 4 * MB)
    assert peak_mb(lambda: read_table(data, "a.xlsx", Limits(max_member_bytes=4 * MB))) < 2


def test_lying_central_directory_cannot_inflate_more_than_declared() -> None:
    sheet = f"<worksheet {_NS}><sheetData>" + "<row/>" * 200_000 + "</sheetData></worksheet>"
    data = bytearray(raw_xlsx(sheet))
    # Shrink the declared size of sheet1.xml in the central directory: zipfile stops there
    # and the CRC no longer matches, so the member is refused as damaged, never over-read.
    name = b"xl/worksheets/sheet1.xml"
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[at + 24 : at + 28] = (100).to_bytes(4, "little")
    assert error_of(bytes(data)).code == "bad_xlsx"


def test_entity_expansion_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<worksheet {_NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;'
        "</t></is></c></row></sheetData></worksheet>"
    )
    assert error_of(raw_xlsx(bomb)).code == "bad_xlsx"


def test_rows_and_cells_counted_as_they_stream() -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 101))
    data = raw_xlsx(f"<worksheet {_NS}><sheetData>{rows}</sheetData></worksheet>")
    err = error_of(data, limits=Limits(max_rows=50))
    assert (err.code, err.row) == ("too_many_rows", 51)
    assert error_of(data, limits=Limits(max_cells=10)).code == "too_many_cells"


def test_time_limit() -> None:
    data = workbook(lambda ws: ws.append(["a"]))
    assert error_of(data, limits=Limits(max_seconds=-1)).code == "timeout"


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04garbage",
        raw_xlsx("<worksheet><sheetData><row>"),  # truncated XML
    ],
)
def test_damaged_workbooks(data: bytes) -> None:
    assert error_of(data).code == "bad_xlsx"


def test_csv_named_xlsx_is_not_a_workbook() -> None:
    assert error_of(ROSTER.encode(), "名单.xlsx").code == "bad_xlsx"


def test_column_letters() -> None:
    assert [column_letter(i) for i in (1, 26, 27, 64, 16384)] == ["A", "Z", "AA", "BL", "XFD"]


# ---------------------------------------------------------------- the reply


CODES = [
    "empty",
    "too_large",
    "unpacked_too_large",
    "too_many_rows",
    "too_many_columns",
    "too_many_cells",
    "cell_too_long",
    "too_many_strings",
    "timeout",
    "encoding",
    "xls",
    "encrypted",
    "bad_xlsx",
    "not_a_table",
    "bad_quote",
]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_error_has_a_one_line_reply_in_both_languages(lang: str) -> None:
    texts = Texts()
    for code in CODES:
        line = table_error(TableError(code, limit=5, row=3, column="B"), texts, lang)
        assert "\n" not in line and "{" not in line
    assert not {k for k in texts.missing_in("en") if k.startswith("files.")}


def test_reply_names_the_limit_and_the_row() -> None:
    texts = Texts()
    big = error_of(b"x" * (5 * MB + 1), "a.csv")
    assert "5 MB" in table_error(big, texts)
    quote = error_of((ROSTER + '"a,b\n').encode(), "a.csv")
    assert "第 4 行" in table_error(quote, texts)
    assert "Row 4" in table_error(quote, texts, "en")
    slow = TableError("timeout", limit=10.0)
    assert "10 秒" in table_error(slow, texts)
