"""Attendance reports: a short text, a PNG chart and an XLSX workbook for a month and a scope.

Everything is aggregated in SQL (`bot.repos.attendance.ReportQueries`); the one big sheet,
明细 (one row per person per session), streams from the query into xlsxwriter in constant-memory
mode, so a month of a 10,000-worker enterprise costs little more than the query and the
writing themselves. Functions here are synchronous: the bot runs them in a worker thread on
a read-only connection, the CLI and the benchmark call them directly.

Definitions (the 汇总 sheet): 应到人次 = records of closed sessions; 实到 = 出勤 + 迟到;
出勤率 = 实到 / (应到 − 请假). 补学 is counted apart and never as 出勤.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter

from bot.domain.attendance import Status, rate
from bot.repos.attendance import PersonRow, ReportQueries, TeamRow
from bot.texts import Texts

log = logging.getLogger(__name__)
_MONTH = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})月?\s*$")
XLSX_LANG = "zh-CN"  # the workbook is for Chinese admins whatever the asker's language
TREND_MONTHS = 6
TEXT_TEAMS = 15
TEXT_PEOPLE = 10
DETAIL_STATUSES = (
    Status.PRESENT,
    Status.LATE,
    Status.ABSENT,
    Status.LEAVE,
    Status.MAKEUP,
    Status.PENDING,
)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The month in local time, as UTC instants [start, end)."""
        start = datetime(self.year, self.month, 1, tzinfo=tz)
        nxt = self.shift(1)
        end = datetime(nxt.year, nxt.month, 1, tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)


def parse_month(text: str) -> Month | None:
    m = _MONTH.match(text)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        return None
    return Month(int(m.group(1)), int(m.group(2)))


def current_month(now: datetime, tz: ZoneInfo) -> Month:
    local = now.astimezone(tz)
    return Month(local.year, local.month)


@dataclass(frozen=True)
class Totals:
    sessions: int = 0
    total: int = 0
    present: int = 0
    late: int = 0
    leave: int = 0
    absent: int = 0
    makeup: int = 0

    @property
    def rate(self) -> float | None:
        return rate(self.present, self.late, self.leave, self.total)


def totals(rows: Iterable[TeamRow]) -> Totals:
    rows = list(rows)
    return Totals(
        sum(r.sessions for r in rows),
        sum(r.total for r in rows),
        sum(r.present for r in rows),
        sum(r.late for r in rows),
        sum(r.leave for r in rows),
        sum(r.absent for r in rows),
        sum(r.makeup for r in rows),
    )


@dataclass
class Report:
    month: Month
    scope: str
    teams: list[TeamRow]
    people: list[PersonRow]
    trend: list[tuple[Month, float | None]] = field(default_factory=list)

    @property
    def total(self) -> Totals:
        return totals(self.teams)

    @property
    def empty(self) -> bool:
        return not self.teams


def build(
    q: ReportQueries,
    month: Month,
    team_ids: Sequence[int] | None,
    tz: ZoneInfo,
    scope: str,
) -> Report:
    start, end = month.bounds(tz)
    teams = q.team_totals(start, end, team_ids)
    people = q.people(start, end, team_ids)
    trend = []
    for back in range(TREND_MONTHS - 1, 0, -1):
        m = month.shift(-back)
        trend.append((m, totals(q.team_totals(*m.bounds(tz), team_ids)).rate))
    trend.append((month, totals(teams).rate))
    return Report(month, scope, teams, people, trend)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# ==================================================================== text


def report_text(report: Report, texts: Texts, lang: str, legend: list[str] | None = None) -> str:
    t = report.total
    if report.empty:
        return texts.get(
            "attendance.report.empty", lang, month=report.month.label, scope=report.scope
        )
    lines = [
        texts.get("attendance.report.head", lang, month=report.month.label, scope=report.scope),
        texts.get(
            "attendance.report.total",
            lang,
            sessions=t.sessions,
            total=t.total,
            rate=pct(t.rate),
            late=t.late,
            leave=t.leave,
            absent=t.absent,
            makeup=t.makeup,
        ),
    ]
    ordered = sorted(report.teams, key=lambda r: rate(r.present, r.late, r.leave, r.total) or 0)
    for r in ordered[:TEXT_TEAMS]:
        lines.append(
            texts.get(
                "attendance.report.team",
                lang,
                unit=r.unit,
                team=r.team,
                rate=pct(rate(r.present, r.late, r.leave, r.total)),
                late=r.late,
                leave=r.leave,
                absent=r.absent,
                makeup=r.makeup,
            )
        )
    if len(ordered) > TEXT_TEAMS:
        lines.append(texts.get("attendance.report.more_teams", lang, n=len(ordered) - TEXT_TEAMS))
    absent = [p for p in report.people if p.absent][:TEXT_PEOPLE]
    if absent:
        names = texts.join(
            (
                texts.get("attendance.report.person", lang, name=p.name, team=p.team, n=p.absent)
                for p in absent
            ),
            lang,
        )
        lines.append(texts.get("attendance.report.absentees", lang, names=names))
    if legend:
        lines.append(
            texts.get(
                "attendance.report.legend", lang, legend=texts.join(legend, lang, kind="group")
            )
        )
    return "\n".join(lines)


# ==================================================================== XLSX


def write_xlsx(
    q: ReportQueries,
    report: Report,
    team_ids: Sequence[int] | None,
    tz: ZoneInfo,
    texts: Texts,
    out: str | Path,
) -> int:
    """汇总 (per team), 缺勤统计 (per person) and 明细 (per person per session); returns the
    number of detail rows."""
    h = _headers(texts)
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    try:
        bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        percent = wb.add_format({"num_format": "0.0%"})
        _summary_sheet(wb, report, h["summary"], bold, percent, texts)
        _people_sheet(wb, report, h["people"], bold, texts)
        start, end = report.month.bounds(tz)
        rows = detail_rows(q, start, end, team_ids, tz, texts)
        n = _detail_sheet(wb, rows, h["detail"], bold, texts)
    finally:
        wb.close()
    return n


def _headers(texts: Texts) -> dict[str, list[str]]:
    return {
        name: texts.get(f"attendance.xlsx.{name}_headers", XLSX_LANG).split(",")
        for name in ("summary", "people", "detail")
    }


def _sheet(
    wb: xlsxwriter.Workbook,
    texts: Texts,
    key: str,
    headers: list[str],
    bold: object,
    widths: list[tuple[int, int, int]],
) -> Any:
    """A sheet whose bold header row stays in view; `widths` are (first, last, width) column
    ranges, set before any row is written (the workbook streams rows: constant_memory)."""
    ws = wb.add_worksheet(texts.get(f"attendance.xlsx.{key}", XLSX_LANG))
    ws.freeze_panes(1, 0)
    for first, last, width in widths:
        ws.set_column(first, last, width)
    ws.write_row(0, 0, headers, bold)
    return ws


def _summary_sheet(
    wb: xlsxwriter.Workbook,
    report: Report,
    headers: list[str],
    bold: object,
    percent: object,
    texts: Texts,
) -> None:
    ws = _sheet(wb, texts, "summary", headers, bold, [(0, 1, 14), (2, len(headers) - 1, 10)])
    row = 1
    for r in report.teams:
        values = [
            r.unit,
            r.team,
            r.sessions,
            r.total,
            r.present,
            r.late,
            r.leave,
            r.absent,
            r.makeup,
        ]
        ws.write_row(row, 0, values)
        _write_rate(ws, row, len(values), rate(r.present, r.late, r.leave, r.total), percent)
        row += 1
    t = report.total
    values = [
        texts.get("attendance.xlsx.total_row", XLSX_LANG),
        "",
        t.sessions,
        t.total,
        t.present,
        t.late,
        t.leave,
        t.absent,
        t.makeup,
    ]
    ws.write_row(row, 0, values, bold)
    _write_rate(ws, row, len(values), t.rate, percent)


def _write_rate(ws: object, row: int, col: int, value: float | None, fmt: object) -> None:
    if value is None:
        ws.write_string(row, col, "—")  # type: ignore[attr-defined]
    else:
        ws.write_number(row, col, value, fmt)  # type: ignore[attr-defined]


def _people_sheet(
    wb: xlsxwriter.Workbook, report: Report, headers: list[str], bold: object, texts: Texts
) -> None:
    ws = _sheet(wb, texts, "people", headers, bold, [(0, 3, 12)])
    for i, p in enumerate(report.people, start=1):
        values = (p.unit, p.team, p.employee_no, p.name, p.absent, p.late, p.leave, p.makeup)
        ws.write_row(i, 0, values)


def _detail_sheet(
    wb: xlsxwriter.Workbook,
    rows: Iterator[Sequence[object]],
    headers: list[str],
    bold: object,
    texts: Texts,
) -> int:
    ws = _sheet(wb, texts, "detail", headers, bold, [(0, 1, 12), (6, 6, 24)])
    write = ws.write_row
    n = 0
    for n, row in enumerate(rows, start=1):
        write(n, 0, row)
    return n


def detail_rows(
    q: ReportQueries,
    start: datetime,
    end: datetime,
    team_ids: Sequence[int] | None,
    tz: ZoneInfo,
    texts: Texts,
) -> Iterator[Sequence[object]]:
    labels = {
        s.value: texts.get(f"attendance.status.{s.value}", XLSX_LANG) for s in DETAIL_STATUSES
    }
    return q.detail(
        start, end, team_ids, offset_minutes=fixed_offset(tz, start, end), labels=labels
    )


def fixed_offset(tz: ZoneInfo, start: datetime, end: datetime) -> int:
    """Minutes east of UTC over [start, end). SQL shifts times by one offset for the month;
    that is exact for Asia/Shanghai (no daylight saving). For a zone that changes offset
    within the month, the offset at the start is used and the times after the change are off
    by the difference — reported here rather than hidden."""
    a = start.astimezone(tz).utcoffset() or timedelta(0)
    b = (end - timedelta(seconds=1)).astimezone(tz).utcoffset() or timedelta(0)
    if a != b:
        log.warning("time zone %s changes offset within the month; detail times use %s", tz, a)
    return int(a.total_seconds() // 60)


# ==================================================================== everything at once


@dataclass(frozen=True)
class Files:
    text: str
    png: bytes | None
    xlsx: bytes | None
    detail_rows: int


def build_files(
    db_path: str,
    month: Month,
    team_ids: Sequence[int] | None,
    scope: str,
    tz: ZoneInfo,
    texts: Texts,
    lang: str,
    workdir: Path,
) -> Files:
    """Text, chart and workbook for the bot (call in a worker thread)."""
    from bot.views import charts  # matplotlib is heavy: only when a report is asked for

    conn = _connect(db_path)
    try:
        q = ReportQueries(conn)
        report = build(q, month, team_ids, tz, scope)
        if report.empty:
            return Files(report_text(report, texts, lang), None, None, 0)
        png, legend = charts.attendance_chart(report, texts)
        path = workdir / f"attendance-{month.label}.xlsx"
        n = write_xlsx(q, report, team_ids, tz, texts, path)
        return Files(report_text(report, texts, lang, legend), png, path.read_bytes(), n)
    finally:
        conn.close()


def _connect(db_path: str) -> sqlite3.Connection:
    from bot.repos.attendance import open_readonly

    return open_readonly(db_path)
