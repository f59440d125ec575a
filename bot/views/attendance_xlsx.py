"""The attendance month workbook: 汇总 (every team in scope, those without a study included),
缺勤统计 (per person), 明细 (per person per session, real dates and times) and 修改记录
(every change a leader made to a record, with who, when and why) and 请假申请 (leave asked
ahead with a day in the month: type, days, status, who decided).

Each sheet has a title row, a scope row and a frozen header (`bot.views.workbook`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.attendance import rate
from bot.views.workbook import Col, Workbook

if TYPE_CHECKING:
    from bot.repos.attendance import PersonRow, TeamRow
    from bot.texts import Texts

XLSX_LANG = "zh-CN"


@dataclass(frozen=True)
class ChangeRow:
    unit: str
    team: str
    employee_no: str
    name: str
    day: date
    topic: str
    at: datetime
    actor: str
    old: str  # label
    new: str  # label
    reason: str


@dataclass(frozen=True)
class LeaveRow:
    unit: str
    team: str
    employee_no: str
    name: str
    kind: str  # label
    first: date
    last: date
    days: int
    status: str  # label
    asked_at: datetime
    decided_by: str
    decided_at: datetime | None
    note: str


def _cols(texts: Texts, key: str, kinds: str) -> list[Col]:
    headers = texts.get(f"attendance.xlsx.{key}_headers", XLSX_LANG).split(",")
    kind_of = {
        "t": "text", "i": "int", "p": "percent", "d": "date", "h": "time", "w": "datetime",
    }  # fmt: skip
    if len(headers) != len(kinds):
        raise ValueError(f"attendance.xlsx.{key}_headers: {len(headers)} headers, {len(kinds)}")
    return [Col(h, kind_of[k]) for h, k in zip(headers, kinds, strict=True)]  # type: ignore[arg-type]


def write(
    target: Path,
    *,
    tz: ZoneInfo,
    texts: Texts,
    month_label: str,
    scope: str,
    generated_at: datetime,
    teams: Sequence[TeamRow],
    people: Sequence[PersonRow],
    detail: Iterable[Sequence[object]],
    changes: Iterable[ChangeRow],
    leave: Iterable[LeaveRow] = (),
) -> int:
    """Writes the workbook to `target` (rows streamed); returns the number of detail rows."""
    g = texts.get
    lang = XLSX_LANG
    scope_line = g(
        "attendance.xlsx.scope",
        lang,
        scope=scope,
        month=month_label,
        at=generated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
    )
    book = Workbook(target, tz=tz, constant_memory=True)
    try:
        summary = book.sheet(
            g("attendance.xlsx.summary", lang),
            title=g("attendance.xlsx.title_summary", lang, month=month_label),
            scope=scope_line,
            columns=_cols(texts, "summary", "ttiiiiiiip"),
        )
        none = g("attendance.xlsx.no_study", lang)
        sums = [0] * 7
        for r in teams:
            counts = [r.sessions, r.total, r.present, r.late, r.leave, r.absent, r.makeup]
            sums = [a + b for a, b in zip(sums, counts, strict=True)]
            value = rate(r.present, r.late, r.leave, r.total)
            summary.row([r.unit, r.team, *counts, none if value is None else value])
        total_rate = rate(sums[2], sums[3], sums[4], sums[1])
        summary.row(
            [
                g("attendance.xlsx.total_row", lang),
                "",
                *sums,
                none if total_rate is None else total_rate,
            ],
            bold=True,
        )
        summary.note(g("attendance.xlsx.rate_note", lang))

        per_person = book.sheet(
            g("attendance.xlsx.people", lang),
            title=g("attendance.xlsx.title_people", lang, month=month_label),
            scope=scope_line,
            columns=_cols(texts, "people", "ttttiiii"),
        )
        for p in people:
            per_person.row(
                [p.unit, p.team, p.employee_no, p.name, p.absent, p.late, p.leave, p.makeup]
            )

        sheet = book.sheet(
            g("attendance.xlsx.detail", lang),
            title=g("attendance.xlsx.title_detail", lang, month=month_label),
            scope=scope_line,
            columns=_cols(texts, "detail", "ttttdhttht"),
        )
        n = 0
        for d in detail:  # unit, team, no, name, date, start, topic, status, check-in, note
            sheet.row(d)
            n += 1

        log = book.sheet(
            g("attendance.xlsx.changes", lang),
            title=g("attendance.xlsx.title_changes", lang, month=month_label),
            scope=scope_line,
            columns=_cols(texts, "changes", "ttttdtwtttt"),
        )
        for c in changes:
            log.row(
                [c.unit, c.team, c.employee_no, c.name, c.day, c.topic, c.at, c.actor, c.old,
                 c.new, c.reason]
            )  # fmt: skip

        asked = book.sheet(
            g("attendance.xlsx.leave", lang),
            title=g("attendance.xlsx.title_leave", lang, month=month_label),
            scope=scope_line,
            columns=_cols(texts, "leave", "tttttdditwtwt"),
        )
        for lv in leave:
            asked.row(
                [lv.unit, lv.team, lv.employee_no, lv.name, lv.kind, lv.first, lv.last, lv.days,
                 lv.status, lv.asked_at, lv.decided_by, lv.decided_at, lv.note]
            )  # fmt: skip
    finally:
        book.close()
    return n
