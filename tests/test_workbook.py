"""Workbooks: title and scope rows, frozen headers, typed cells, text never a formula."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.views.workbook import Col, Workbook, sheet_name, text_width, to_bytes

TZ = ZoneInfo("Asia/Shanghai")
COLUMNS = [
    Col("班组"),
    Col("工号"),
    Col("日期", "date"),
    Col("签到时间", "datetime"),
    Col("出勤率", "percent"),
    Col("金额（元）", "money"),
    Col("人数", "int"),
]


def _fill(book: Workbook) -> None:
    sheet = book.sheet(
        "考勤/11月", title="学习考勤汇总", scope="全部班组 · 2026年11月", columns=COLUMNS
    )
    sheet.row(
        ["=HYPERLINK(\"http://x\")", "00123", date(2026, 11, 3),
         datetime(2026, 11, 3, 6, 30, tzinfo=UTC), 2 / 3, 12.5, 3]
    )  # fmt: skip
    sheet.row(["http://example.com/a", "007", None, None, "—", None, 0])
    sheet.note("注：— 表示本月无学习")


@pytest.mark.parametrize("streamed", [False, True])
def test_sheet_layout_and_types(tmp_path: Path, streamed: bool) -> None:
    if streamed:
        path = tmp_path / "a.xlsx"
        book = Workbook(path, tz=TZ, constant_memory=True)
        _fill(book)
        book.close()
        wb = openpyxl.load_workbook(path)
    else:
        wb = openpyxl.load_workbook(BytesIO(to_bytes(_fill, tz=TZ)))
    ws = wb.active
    assert ws.title == "考勤_11月"
    assert ws["A1"].value == "学习考勤汇总"
    assert ws["A2"].value == "全部班组 · 2026年11月"
    assert [c.value for c in ws[3]] == [c.header for c in COLUMNS]
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:G5"
    row = ws[4]
    assert row[0].value == '=HYPERLINK("http://x")' and row[0].data_type == "s"
    assert row[1].value == "00123" and row[1].data_type == "s"
    assert row[2].value == datetime(2026, 11, 3) and row[2].number_format == "yyyy-mm-dd"
    # an aware time is shown in the organisation's zone
    assert row[3].value == datetime(2026, 11, 3, 14, 30)
    assert row[4].value == pytest.approx(2 / 3) and row[4].number_format == "0.0%"
    assert row[5].number_format == "#,##0.00"
    assert ws["A5"].hyperlink is None and ws["A5"].data_type == "s"
    assert ws["E5"].value == "—"
    assert ws["A7"].value == "注：— 表示本月无学习"
    assert ws.column_dimensions["A"].width >= text_width("http://example.com/a")


def test_wrong_value_for_a_column_is_an_error() -> None:
    def build(book: Workbook) -> None:
        book.sheet("x", title="t", scope="s", columns=[Col("日期", "date")]).row([3])

    with pytest.raises(TypeError):
        to_bytes(build, tz=TZ)

    def too_many(book: Workbook) -> None:
        book.sheet("x", title="t", scope="s", columns=[Col("a")]).row(["1", "2"])

    with pytest.raises(ValueError):
        to_bytes(too_many, tz=TZ)


def test_sheet_names_excel_accepts() -> None:
    assert sheet_name("a[b]:c*d?e/f\\g") == "a_b__c_d_e_f_g"
    assert len(sheet_name("长" * 40)) == 31
    assert text_width("班组a") == 5
