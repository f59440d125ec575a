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

import asyncio
import logging
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.domain.attendance import Status, rate
from bot.domain.auth import Action, Actor, Reach, can, reach, teams_for
from bot.domain.periods import PeriodError, parse_period
from bot.outcomes.reports import Files as Files  # the outcomes, re-exported: others read them here
from bot.outcomes.reports import Month as Month
from bot.outcomes.reports import Report as Report
from bot.outcomes.reports import ReportAsked as ReportAsked
from bot.outcomes.reports import ReportRefused as ReportRefused
from bot.outcomes.reports import Totals as Totals
from bot.outcomes.reports import totals as totals
from bot.repos.attendance import ReportQueries
from bot.repos.org import OrgRepo
from bot.texts import Html, Texts
from bot.views import attendance_xlsx

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


def parse_month(text: str) -> Month | None:
    m = _MONTH.match(text)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        return None
    return Month(int(m.group(1)), int(m.group(2)))


def current_month(now: datetime, tz: ZoneInfo) -> Month:
    local = now.astimezone(tz)
    return Month(local.year, local.month)


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
    active = [r for r in report.teams if r.sessions]
    ordered = sorted(active, key=lambda r: rate(r.present, r.late, r.leave, r.total) or 0)
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
    idle = report.idle_teams
    if idle:
        names = texts.join((f"{r.unit}·{r.team}" for r in idle[:TEXT_TEAMS]), lang)
        more = len(idle) - TEXT_TEAMS
        if more > 0:
            names += texts.get("attendance.report.idle_more", lang, n=more)
        lines.append(texts.get("attendance.report.idle", lang, n=len(idle), teams=Html(names)))
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
    generated_at: datetime,
) -> int:
    """汇总 (every team in scope), 缺勤统计 (per person), 明细 (per person per session) and
    修改记录 (changes made by leaders); returns the number of detail rows."""
    start, end = report.month.bounds(tz)
    return attendance_xlsx.write(
        Path(out),
        tz=tz,
        texts=texts,
        month_label=f"{report.month.year}年{report.month.month}月",
        scope=report.scope,
        generated_at=generated_at,
        teams=report.teams,
        people=report.people,
        detail=detail_rows(q, start, end, team_ids, tz, texts),
        changes=change_rows(q, start, end, team_ids, tz, texts),
        leave=leave_rows(q, report.month, team_ids, texts),
    )


def leave_rows(
    q: ReportQueries, month: Month, team_ids: Sequence[int] | None, texts: Texts
) -> list[attendance_xlsx.LeaveRow]:
    """Leave asked ahead with a day in the month, whatever became of it (approved, refused,
    withdrawn, still waiting): the sessions count the approved days as 请假; this says why."""
    first = date(month.year, month.month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    rows = q.leave_asked(first, last, team_ids)
    names = q.actor_names([r[9] for r in rows if r[9] is not None])

    def t(key: str) -> str:
        return texts.get(key, XLSX_LANG)

    out = []
    for unit, team, number, name, kind, a, b, status, asked, by, decided, note in rows:
        first_day, last_day = date.fromisoformat(a), date.fromisoformat(b)
        out.append(
            attendance_xlsx.LeaveRow(
                unit,
                team,
                number,
                name,
                t(f"leave.type.{kind}"),
                first_day,
                last_day,
                (last_day - first_day).days + 1,
                t(f"leave.status.{status}"),
                parse_iso(asked),
                names.get(by, str(by)) if by is not None else "",
                parse_iso(decided) if decided else None,
                note,
            )
        )
    return out


def change_rows(
    q: ReportQueries,
    start: datetime,
    end: datetime,
    team_ids: Sequence[int] | None,
    tz: ZoneInfo,
    texts: Texts,
) -> list[attendance_xlsx.ChangeRow]:
    rows = q.changes(start, end, team_ids)
    names = q.actor_names([r[7] for r in rows if r[7] is not None])

    def label(status: str) -> str:
        return texts.get(f"attendance.status.{status}", XLSX_LANG)

    # fmt: off
    return [
        attendance_xlsx.ChangeRow(
            unit, team, number, name,
            parse_iso(starts).astimezone(tz).date(), topic, parse_iso(at),
            names.get(actor, str(actor)) if actor is not None else "",
            label(old), label(new), reason,
        )
        for unit, team, number, name, starts, topic, at, actor, old, new, reason in rows
    ]
    # fmt: on


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
    rows = q.detail(
        start, end, team_ids, offset_minutes=fixed_offset(tz, start, end), labels=labels
    )
    day, clock = date.fromisoformat, time.fromisoformat
    # Real dates and times in the sheet, not text: converted here, row by row as they stream.
    return (
        (
            *r[:4],
            day(str(r[4])),
            clock(str(r[5])),
            r[6],
            r[7],
            clock(str(r[8])) if r[8] else None,
            r[9],
        )
        for r in rows
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


def build_files(
    db_path: str,
    month: Month,
    team_ids: Sequence[int] | None,
    scope: str,
    tz: ZoneInfo,
    texts: Texts,
    lang: str,
    workdir: Path,
    now: datetime,
) -> Files:
    """Text, chart and workbook for the bot (call in a worker thread); `now` is the
    workbook's 生成时间."""
    from bot.views.attendance_chart import attendance_chart  # matplotlib is heavy: only when asked

    conn = _connect(db_path)
    try:
        q = ReportQueries(conn)
        report = build(q, month, team_ids, tz, scope)
        if report.empty:
            return Files(report_text(report, texts, lang), None, None, 0)
        png = attendance_chart(report, texts, lang)
        path = workdir / f"attendance-{month.label}.xlsx"
        n = write_xlsx(q, report, team_ids, tz, texts, path, now)
        return Files(report_text(report, texts, lang), png, path.read_bytes(), n)
    finally:
        conn.close()


def _connect(db_path: str) -> sqlite3.Connection:
    from bot.repos.attendance import open_readonly

    return open_readonly(db_path)


# ==================================================================== /report


class AttendanceReports:
    """`Services.reports`: /report's use cases — what the asker may see of which month, and
    the files for it (built on a read-only connection in a worker thread)."""

    def __init__(
        self, org: OrgRepo, texts: Texts, db_path: str, tz: ZoneInfo, clock: Callable[[], datetime]
    ) -> None:
        self.org, self.texts, self.db_path, self.tz, self.clock = org, texts, db_path, tz, clock

    async def ask(self, actor: Actor, arg: str, lang: str) -> ReportAsked | ReportRefused:
        if not can(actor, Action.VIEW_REPORT):
            return ReportRefused("attendance.report.refused")
        try:
            period = parse_period(arg, self.clock(), self.tz)
        except PeriodError as err:
            return ReportRefused(f"attendance.report.{err.code}_month", err.value)
        if period.kind != "month":
            return ReportRefused("attendance.report.bad_month", arg)
        team_ids, scope = await self._scope(actor, lang)
        return ReportAsked(Month(period.year, period.index), team_ids, scope)

    async def _scope(self, actor: Actor, lang: str) -> tuple[list[int] | None, str]:
        """Team ids the asker may see (None = all) and how to name that scope."""
        t = self.texts
        if reach(actor, Action.VIEW_REPORT) is Reach.ALL:
            return None, t.get("attendance.report.scope_all", lang)
        teams = teams_for(actor, Action.VIEW_REPORT, await self.org.teams())
        if len(teams) == 1:
            return [teams[0].id], t.get(
                "attendance.report.scope_team", lang, unit=teams[0].unit_name, team=teams[0].name
            )
        unit = teams[0].unit_name if teams else ""
        return [x.id for x in teams], t.get("attendance.report.scope_unit", lang, unit=unit)

    async def files(self, asked: ReportAsked, lang: str) -> Files:
        with tempfile.TemporaryDirectory(prefix="banzu-report-") as tmp:
            return await asyncio.to_thread(
                build_files, self.db_path, asked.month, asked.team_ids, asked.scope,
                self.tz, self.texts, lang, Path(tmp), self.clock(),
            )  # fmt: skip
