"""Reading and checking roster files: encodings, XLSX, header synonyms, every kind of bad row."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bot.domain.org_import import (
    FileError,
    ImportResult,
    ImportSummary,
    RawRow,
    RosterFileError,
    RowError,
    read_roster,
    validate,
)
from bot.paths import DEMO
from bot.texts import Texts
from bot.views.roster_import import render_errors, render_file_error, render_summary

HERE = Path(__file__).parent / "data" / "roster"
ZH_CSV = "单位,班组,工号,姓名,角色,标签\n一分场,蒸发一班,10001,刘建国,班组长,党员;团员\n"
EN_CSV = "Unit,Team,Employee_No,Name,Role,Tags\nPlant 1,Shift A,10001,Liu Jianguo,team_leader,\n"


def xlsx(rows: list[list[Any]], title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title is not None:
        ws.append([title])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def first(data: bytes, filename: str = "roster.csv") -> RawRow:
    return read_roster(data, filename)[0]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        pytest.param(ZH_CSV.encode("utf-8"), "r.csv", id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + ZH_CSV.encode("utf-8"), "r.csv", id="utf-8-bom"),
        pytest.param(ZH_CSV.encode("gbk"), "r.csv", id="gbk"),
        pytest.param(ZH_CSV.replace("\n", "\r\n").encode("gb18030"), "r.csv", id="gb18030-crlf"),
        pytest.param(ZH_CSV.encode("utf-16"), "r.txt", id="utf-16-unicode-text"),
        pytest.param(ZH_CSV.replace(",", "\t").encode("utf-8"), "r.txt", id="tab-separated"),
        pytest.param(
            xlsx(
                [
                    ["单位", "班组", "工号", "姓名", "角色", "标签"],
                    ["一分场", "蒸发一班", 10001, "刘建国", "班组长", "党员;团员"],
                ]
            ),
            "r.xlsx",
            id="xlsx-number-cell",
        ),
        pytest.param(
            xlsx(
                [
                    ["单位", "班组", "工号", "姓名", "角色", "标签"],
                    ["一分场", "蒸发一班", 10001.0, "刘建国", "班组长", "党员;团员"],
                ]
            ),
            "upload.bin",
            id="xlsx-by-magic-float-cell",
        ),
        pytest.param(
            xlsx(
                [
                    ["单位", "班组", "工号", "姓名", "角色", "标签"],
                    ["一分场", "蒸发一班", "10001", "刘建国", "班组长", "党员;团员"],
                ],
                title="某盐场职工花名册",
            ),
            "r.xlsx",
            id="xlsx-title-row",
        ),
    ],
)
def test_reads_chinese_roster(data: bytes, filename: str) -> None:
    rows = read_roster(data, filename)
    assert len(rows) == 1
    row = rows[0]
    assert (row.unit, row.team, row.employee_no, row.name) == (
        "一分场",
        "蒸发一班",
        "10001",
        "刘建国",
    )
    good, errors = validate(rows)
    assert errors == []
    assert good[0].roles == frozenset({"team_leader"})
    assert good[0].tags == ("党员", "团员")


def test_title_row_keeps_excel_row_numbers() -> None:
    data = xlsx(
        [["单位", "班组", "工号", "姓名", "角色"], ["一分场", "一班", "1", "甲", "老大"]], "名册"
    )
    _, errors = validate(read_roster(data, "r.xlsx"))
    assert errors == [RowError(3, "unknown_role", "role", "老大")]


def test_english_headers_and_role_codes() -> None:
    row = first(EN_CSV.encode())
    assert (row.unit, row.team, row.name, row.role) == (
        "Plant 1",
        "Shift A",
        "Liu Jianguo",
        "team_leader",
    )


@pytest.mark.parametrize(
    "header",
    [
        "单位,班组,工号,姓名,角色",
        "车间,班组,员工编号,姓名,角色",
        "工区,班组,工号,姓名,角色",
        " 分场 ,\u3000班组,工号*,姓名,角色",
        "unit,team,employee no,name,roles",
        "UNIT,TEAM,Employee-No,NAME,ROLE",
    ],
)
def test_header_synonyms(header: str) -> None:
    row = first(f"{header}\n一分场,一班,7,甲,\n".encode())
    assert (row.unit, row.employee_no, row.tags) == ("一分场", "7", "")


def test_gbk_file_as_excel_writes_it() -> None:
    rows = read_roster((HERE / "excel_gbk.csv").read_bytes(), "名单.csv")
    good, errors = validate(rows)
    assert errors == []
    assert [r.row for r in good] == [2, 3, 5]  # blank row 4 skipped, numbering kept
    assert good[1].name == "王秀"  # alignment padding between CJK characters removed
    assert good[1].tags == ("女工", "党员")
    assert good[2].employee_no == "10023"  # full-width digits typed with a Chinese IME
    assert good[2].roles == frozenset({"worker", "admin"})


def test_cells_are_cleaned() -> None:
    text = (
        "单位,班组,工号,姓名,角色,标签\n"
        "\u3000一分场 , 蒸发  一班 ,\ufeff10001 , Li  Lei ,职工 ; 职工,\n"
    )
    row = first(text.encode())
    assert (row.unit, row.team, row.employee_no, row.name) == (
        "一分场",
        "蒸发 一班",
        "10001",
        "Li Lei",
    )
    assert validate([row])[0][0].roles == frozenset({"worker"})


def test_blank_rows_skipped_in_csv_and_xlsx() -> None:
    text = "单位,班组,工号,姓名,角色\n\n一分场,一班,1,甲,\n , , , ,\n,,,,\n一分场,一班,2,乙,\n"
    assert [r.row for r in read_roster(text.encode(), "r.csv")] == [3, 6]
    data = xlsx(
        [["单位", "班组", "工号", "姓名", "角色"], [None] * 5, ["一分场", "一班", 1, "甲", None]]
    )
    assert [r.row for r in read_roster(data, "r.xlsx")] == [3]


@pytest.mark.parametrize(
    ("cell", "roles"),
    [
        ("", {"worker"}),
        ("职工", {"worker"}),
        ("班组长;职工", {"team_leader", "worker"}),
        ("班组长；单位负责人", {"team_leader", "unit_leader"}),
        ("单位负责人、管理员", {"unit_leader", "admin"}),
        ("车间负责人,管理员", {"unit_leader", "admin"}),
        ("分场负责人，职工", {"unit_leader", "worker"}),
        ("team_leader/admin", {"team_leader", "admin"}),
        ("Team Leader; WORKER", {"team_leader", "worker"}),
        ("管理员;管理员;admin", {"admin"}),
    ],
)
def test_roles(cell: str, roles: set[str]) -> None:
    good, errors = validate([RawRow(2, "一分场", "一班", "1", "甲", cell, "")])
    assert errors == []
    assert good[0].roles == roles


def raw(**changes: str) -> RawRow:
    values = {"unit": "一分场", "team": "一班", "employee_no": "1", "name": "甲", "role": "职工"}
    values.update(changes)
    return RawRow(row=2, tags=values.pop("tags", ""), **values)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (raw(unit=""), [RowError(2, "missing_field", "unit")]),
        (raw(employee_no=""), [RowError(2, "missing_field", "employee_no")]),
        (raw(name=""), [RowError(2, "missing_field", "name")]),
        (raw(team=""), [RowError(2, "empty_team", "team")]),
        (raw(role="老大"), [RowError(2, "unknown_role", "role", "老大")]),
        (
            raw(role="职工;班长;boss;头儿"),
            [
                RowError(2, "unknown_role", "role", "boss"),
                RowError(2, "unknown_role", "role", "头儿"),
            ],
        ),
        (raw(name="张" * 65), [RowError(2, "too_long", "name", "张" * 65)]),
        (raw(team="班" * 65), [RowError(2, "too_long", "team", "班" * 65)]),
        (raw(tags="党员;" + "标" * 33), [RowError(2, "too_long", "tags", "标" * 33)]),
        (raw(employee_no="A1 2"), [RowError(2, "bad_employee_no", "employee_no", "A1 2")]),
        (raw(employee_no="工号1"), [RowError(2, "bad_employee_no", "employee_no", "工号1")]),
        (raw(employee_no="1" * 33), [RowError(2, "bad_employee_no", "employee_no", "1" * 33)]),
        (raw(employee_no="10023.5"), [RowError(2, "bad_employee_no", "employee_no", "10023.5")]),
        (
            raw(unit="", name=""),
            [RowError(2, "missing_field", "unit"), RowError(2, "missing_field", "name")],
        ),
    ],
)
def test_bad_row(row: RawRow, expected: list[RowError]) -> None:
    good, errors = validate([row])
    assert good == []
    assert errors == expected


def test_good_edge_values() -> None:
    good, errors = validate([raw(employee_no="HR-0001", name="张" * 64, tags="标" * 32)])
    assert errors == []
    assert good[0].employee_no == "HR-0001"


def test_duplicate_names_both_rows() -> None:
    rows = [
        raw(),
        RawRow(5, "一分场", "二班", "1", "乙", "", ""),
        RawRow(9, "二分场", "三班", "1", "丙", "", ""),
    ]
    good, errors = validate(rows)
    assert [g.row for g in good] == [2]
    assert errors == [
        RowError(5, "duplicate_employee_no", "employee_no", "1", other_row=2),
        RowError(9, "duplicate_employee_no", "employee_no", "1", other_row=2),
    ]


def test_duplicate_after_width_normalisation() -> None:
    _, errors = validate([raw(employee_no="10023"), raw(employee_no="１００２３")])
    assert [e.code for e in errors] == ["duplicate_employee_no"]


def test_every_bad_row_reported() -> None:
    good, errors = validate(read_roster((HERE / "bad_rows.csv").read_bytes(), "bad.csv"))
    assert [g.row for g in good] == [2]
    assert [(e.row, e.code) for e in errors] == [
        (3, "empty_team"),
        (4, "unknown_role"),
        (5, "duplicate_employee_no"),
        (6, "missing_field"),
        (7, "bad_employee_no"),
    ]


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + bytes(
        40
    )


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "r.csv", FileError("empty")),
        (b"  \r\n\n", "r.csv", FileError("empty")),
        ("单位,班组,工号,姓名,角色\n".encode(), "r.csv", FileError("empty")),
        ("单位,班组,工号,姓名,角色\n,,,,\n".encode(), "r.csv", FileError("empty")),
        (png(), "photo.png", FileError("not_a_roster")),
        (png(), "roster.csv", FileError("not_a_roster")),
        (bytes(range(256)) * 4, "r.csv", FileError("not_a_roster")),
        (b"\x81\x30\x81", "r.csv", FileError("encoding")),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "r.xls", FileError("xls")),
        (b"PK\x03\x04garbage", "r.xlsx", FileError("bad_xlsx")),
        (b"just text", "r.xlsx", FileError("bad_xlsx")),
        (docx(), "r.docx", FileError("bad_xlsx")),
        ("日期,产量,备注\n2024-05-01,120,\n".encode(), "r.csv", FileError("not_a_roster")),
        (b"hello world\n", "r.txt", FileError("not_a_roster")),
        (
            "单位,班组,姓名\n一分场,一班,甲\n".encode(),
            "r.csv",
            FileError("missing_columns", ("employee_no",)),
        ),
        (
            "工号,姓名,姓名,单位,班组,角色\n".encode(),
            "r.csv",
            FileError("duplicate_columns", ("name",)),
        ),
        (xlsx([]), "r.xlsx", FileError("empty")),
        (
            xlsx([["姓名", "电话"], ["甲", "123"]]),
            "r.xlsx",
            FileError("missing_columns", ("unit", "team", "employee_no")),
        ),
    ],
)
def test_unreadable_file(data: bytes, filename: str, expected: FileError) -> None:
    with pytest.raises(RosterFileError) as caught:
        read_roster(data, filename)
    assert caught.value.error == expected


def test_header_far_down_is_not_found() -> None:
    text = "\n".join(["说明"] * 12 + ["单位,班组,工号,姓名,角色", "一分场,一班,1,甲,"])
    with pytest.raises(RosterFileError) as caught:
        read_roster(text.encode(), "r.csv")
    assert caught.value.error.code == "not_a_roster"


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.domain.org_import.MAX_ROWS", 3)
    text = "单位,班组,工号,姓名,角色\n" + "".join(f"一分场,一班,{i},甲,\n" for i in range(4))
    with pytest.raises(RosterFileError) as caught:
        read_roster(text.encode(), "r.csv")
    assert caught.value.error.code == "too_large"


def test_demo_roster_is_valid() -> None:
    good, errors = validate(read_roster((DEMO / "roster.csv").read_bytes(), "roster.csv"))
    assert errors == []
    teams = {(g.unit, g.team) for g in good}
    assert len({u for u, _ in teams}) == 2 and len(teams) == 4
    for team in teams:
        leaders = [g for g in good if (g.unit, g.team) == team and "team_leader" in g.roles]
        assert len(leaders) == 1
    assert {g.unit for g in good if "unit_leader" in g.roles} == {u for u, _ in teams}
    assert any("admin" in g.roles for g in good)


# ---------------------------------------------------------------- rendering


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts()


def test_render_errors_chinese(texts: Texts) -> None:
    lines = render_errors(
        [
            RowError(5, "unknown_role", "role", "组长"),
            RowError(6, "duplicate_employee_no", "employee_no", "10001", other_row=2),
            RowError(7, "missing_field", "name"),
            RowError(8, "empty_team", "team"),
            RowError(9, "too_long", "name", "张" * 70),
            RowError(10, "bad_employee_no", "employee_no", "a b"),
        ],
        texts,
        "zh-CN",
    )
    assert lines[0] == "第 5 行：角色「组长」无法识别（可用：职工、班组长、单位负责人、管理员）"
    assert lines[1] == "第 6 行：工号 10001 与第 2 行重复"
    assert lines[2] == "第 7 行：缺少「姓名」"
    assert lines[3] == "第 8 行：班组为空"
    assert "最多 64 个字" in lines[4] and lines[4].endswith("…")
    assert "a b" in lines[5]


def test_render_errors_english_escaped_and_limited(texts: Texts) -> None:
    errors = [RowError(n, "unknown_role", "role", "<b>") for n in range(2, 12)]
    lines = render_errors(errors, texts, "en", limit=3)
    assert len(lines) == 4
    assert lines[0].startswith("Row 2: role “&lt;b&gt;” is not recognised")
    assert "7 more" in lines[-1]


def test_every_code_has_texts(texts: Texts) -> None:
    codes = [
        "missing_field",
        "unknown_role",
        "duplicate_employee_no",
        "empty_team",
        "too_long",
        "bad_employee_no",
        "more",
    ]
    files = [
        "empty",
        "encoding",
        "xls",
        "bad_xlsx",
        "not_a_roster",
        "missing_columns",
        "duplicate_columns",
        "too_large",
    ]
    keys = [f"org.row.{c}" for c in codes] + [f"org.file.{c}" for c in files]
    assert all(texts.has(k) for k in keys)
    assert not {k for k in texts.missing_in("en") if k.startswith("org.")}


def test_render_file_error(texts: Texts) -> None:
    error = FileError("missing_columns", ("employee_no", "role"))
    assert "工号、角色" in render_file_error(error, texts, "zh-CN")
    assert "employee number, role" in render_file_error(error, texts, "en")


def test_render_summary(texts: Texts) -> None:
    done = ImportResult(rows=28, summary=ImportSummary(2, 4, 28))
    assert "28" in render_summary(done, texts, "zh-CN")
    rejected = ImportResult(errors=[RowError(3, "empty_team", "team")])
    assert render_summary(rejected, texts, "zh-CN").splitlines()[1] == "第 3 行：班组为空"
    assert "编码" in render_summary(ImportResult(file_error=FileError("encoding")), texts)


def test_lists_are_joined_with_the_language_separator(texts: Texts) -> None:
    assert texts.join(["张三", "李四"], "zh-CN") == "张三、李四"
    assert texts.join(["Zhang", "Li"], "en") == "Zhang, Li"
    assert texts.join(["安全 3", "质量 1"], "zh-CN", kind="group") == "安全 3；质量 1"
    assert texts.join(["a 3", "b 1"], "en", kind="group") == "a 3; b 1"
    assert texts.join([], "en") == ""
