"""XLSX workbooks an admin can use as they are.

Every sheet starts with a title row and a scope row (who, which period, when generated),
then a frozen, filterable header row. Cells are typed by their column: dates are real dates,
shares are percentages (0.6667 shows as 66.7%), money has two decimals, and text is always
written as text — a worker's "=1+1" or "http://…" never becomes a formula or a link, and an
employee number "00123" keeps its zeros.

    book = Workbook(buf, tz=tz)
    sheet = book.sheet("汇总", title="学习考勤汇总", scope="一分场 · 2026年11月 · 生成于 …",
                       columns=[Col("班组", "text"), Col("出勤率", "percent")])
    sheet.row(["蒸发一班", 0.875])
    book.close()
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

Kind = Literal["text", "int", "number", "money", "percent", "date", "datetime", "time"]

OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
_NUM_FORMATS: dict[str, str] = {
    "int": "0",
    "number": "0.##",
    "money": "#,##0.00",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "time": "hh:mm",
}
_MIN_WIDTH = {"date": 11.0, "datetime": 17.0, "time": 6.0, "percent": 8.0, "money": 10.0}
_MAX_WIDTH = 60.0
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
TITLE_ROW, SCOPE_ROW, HEADER_ROW = 0, 1, 2
# Column widths follow the first rows only: measuring every cell of a 200,000-row detail
# sheet would cost more than writing it.
FIT_ROWS = 500


@dataclass(frozen=True)
class Col:
    header: str
    kind: Kind = "text"
    width: float | None = None


def text_width(text: str) -> float:
    """Display width in Excel's units: a CJK character takes two."""
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text))


def sheet_name(name: str) -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\."""
    clean = _BAD_SHEET_CHARS.sub("_", name).strip("'") or "Sheet"
    return clean[:31]


@dataclass
class Sheet:
    _book: Workbook
    _ws: Any
    columns: Sequence[Col]
    _next: int = HEADER_ROW + 1
    _data_end: int = HEADER_ROW
    _widths: list[float] = field(default_factory=list)

    def row(
        self, values: Sequence[object], *, bold: bool = False, kinds: dict[int, Kind] | None = None
    ) -> int:
        """Writes one data row, each cell by its column's kind (or `kinds[column]` for this
        row, e.g. a percentage in a column of counts); returns its row number. None leaves
        the cell blank; a text such as "—" may stand in any column."""
        if len(values) > len(self.columns):
            raise ValueError(f"{len(values)} values for {len(self.columns)} columns")
        r = self._next
        fit = r <= HEADER_ROW + FIT_ROWS
        for c, (col, value) in enumerate(zip(self.columns, values, strict=False)):
            if kinds and c in kinds:
                col = Col(col.header, kinds[c], col.width)
            self._cell(r, c, col, value, bold, fit)
        self._next += 1
        self._data_end = r
        return r

    def rows(self, values: Sequence[Sequence[object]]) -> None:
        for v in values:
            self.row(v)

    def note(self, text: str) -> None:
        """A line of plain text under the table (a footnote, a legend), outside its filter."""
        if self._next == self._data_end + 1:
            self._next += 1  # a blank row between the table and its notes
        self._ws.write_string(self._next, 0, text, self._book.fmt("note"))
        self._next += 1

    def _cell(self, r: int, c: int, col: Col, value: object, bold: bool, fit: bool) -> None:
        ws, book = self._ws, self._book
        if value is None:
            ws.write_blank(r, c, None, book.fmt(col.kind, bold))
            return
        if isinstance(value, str) or col.kind == "text":
            text = str(value)
            ws.write_string(r, c, text, book.fmt("text", bold))
            if fit:
                self._fit(c, text_width(text))
            return
        if col.kind in ("date", "datetime", "time"):
            if isinstance(value, time):
                ws.write_datetime(r, c, value, book.fmt(col.kind, bold))
            elif isinstance(value, datetime):
                when = value.astimezone(book.tz) if value.tzinfo else value
                ws.write_datetime(r, c, when.replace(tzinfo=None), book.fmt(col.kind, bold))
            elif isinstance(value, date):
                ws.write_datetime(r, c, value, book.fmt(col.kind, bold))
            else:
                raise TypeError(f"column {col.header!r} wants a date, got {value!r}")
            return
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"column {col.header!r} wants a number, got {value!r}")
        ws.write_number(r, c, value, book.fmt(col.kind, bold))
        if fit:
            self._fit(c, text_width(f"{value:,}") + (2 if col.kind == "percent" else 0))

    def _fit(self, c: int, width: float) -> None:
        if width > self._widths[c]:
            self._widths[c] = width

    def finish(self) -> None:
        last_col = len(self.columns) - 1
        for c, col in enumerate(self.columns):
            width = col.width or min(_MAX_WIDTH, max(self._widths[c], _MIN_WIDTH.get(col.kind, 4)))
            self._ws.set_column(c, c, width + 1)
        self._ws.autofilter(HEADER_ROW, 0, max(self._data_end, HEADER_ROW), last_col)


class Workbook:
    """An xlsxwriter workbook with the safe options and the shared formats. `target` is a
    path (written on close; `constant_memory` streams rows for large exports) or a BytesIO."""

    def __init__(
        self, target: Path | BytesIO, *, tz: ZoneInfo, constant_memory: bool = False
    ) -> None:
        import xlsxwriter  # only when a workbook is written: it is not needed to start the bot

        options: dict[str, object] = dict(OPTIONS)
        if isinstance(target, BytesIO):
            options["in_memory"] = True
            self._book = xlsxwriter.Workbook(target, options)
        else:
            options["constant_memory"] = constant_memory
            self._book = xlsxwriter.Workbook(str(target), options)
        self.tz = tz
        self._formats: dict[tuple[str, bool], Any] = {}
        self._sheets: list[Sheet] = []
        self._closed = False

    def fmt(self, kind: str, bold: bool = False) -> Any:
        key = (kind, bold)
        if key not in self._formats:
            spec: dict[str, object] = {"valign": "top"}
            if kind in _NUM_FORMATS:
                spec["num_format"] = _NUM_FORMATS[kind]
            if kind == "title":
                spec.update(bold=True, font_size=14)
            elif kind == "scope":
                spec.update(font_color="#595959")
            elif kind == "header":
                spec.update(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True)
            elif kind == "note":
                spec.update(font_color="#595959", italic=True)
            if bold:
                spec["bold"] = True
            self._formats[key] = self._book.add_format(spec)
        return self._formats[key]

    def sheet(self, name: str, *, title: str, scope: str, columns: Sequence[Col]) -> Sheet:
        """A sheet with its title, scope and frozen header row written."""
        ws = self._book.add_worksheet(sheet_name(name))
        ws.write_string(TITLE_ROW, 0, title, self.fmt("title"))
        ws.write_string(SCOPE_ROW, 0, scope, self.fmt("scope"))
        for c, col in enumerate(columns):
            ws.write_string(HEADER_ROW, c, col.header, self.fmt("header"))
        ws.freeze_panes(HEADER_ROW + 1, 0)
        sheet = Sheet(self, ws, columns, _widths=[text_width(c.header) for c in columns])
        self._sheets.append(sheet)
        return sheet

    def close(self) -> None:
        if self._closed:
            return
        for sheet in self._sheets:
            sheet.finish()
        self._book.close()
        self._closed = True


def to_bytes(build: Any, *, tz: ZoneInfo) -> bytes:
    """Runs `build(book)` on an in-memory workbook and returns the file's bytes."""
    buf = BytesIO()
    book = Workbook(buf, tz=tz)
    build(book)
    book.close()
    return buf.getvalue()
