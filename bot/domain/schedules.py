"""What a schedule is for and whom it reaches, the /schedule creation flow's state, and how an
occurrence and its reminders read for people (text rules over `Texts`, for the /schedule view
and the CLI alike).

`ScheduleDraft` is stored as the `schedule` conversation between the admin's answers: the
flow name, version and field names are the ones stored drafts were written with, so a draft
begun before an update still loads; a row that does not fit ends with the polite "start
again" (`bot.domain.flowstate`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.domain.flowstate import FlowState

if TYPE_CHECKING:
    from bot.texts import Texts
    from scheduler.holidays import HolidayCalendar
    from scheduler.rules import Occurrence


class Purpose(StrEnum):
    STUDY_REMINDER = "study_reminder"
    PRESHIFT = "preshift"
    MEETING = "meeting"
    CUSTOM = "custom"


class Scope(StrEnum):
    TEAM = "team"
    UNIT = "unit"
    ALL = "all"


class ScheduleStep(StrEnum):
    PURPOSE = "purpose"  # buttons: what it is for
    SCOPE = "scope"  # typed: 全体, a unit or a team
    RULE = "rule"  # typed: when
    TITLE = "title"  # typed, or 跳过
    BODY = "body"  # typed: a custom message's text
    CONFIRM = "confirm"  # the preview: 保存 or 取消


@dataclass(frozen=True)
class ScheduleDraft(FlowState, flow="schedule", version=1):
    step: ScheduleStep
    nonce: int
    purpose: Purpose | None = None
    scope: Scope | None = None
    unit_id: int | None = None
    team_id: int | None = None
    rule: str = ""
    title: str = ""
    body: str = ""


def reminder_times(times: list[datetime], tz: tzinfo, texts: Texts, lang: str | None) -> str:
    """'12-04 15:00、12-05 14:00' in local time, or the word for "none left"."""
    if not times:
        return texts.get("schedules.preview.no_reminders", lang)
    return texts.join((f"{t.astimezone(tz):%m-%d %H:%M}" for t in times), lang)


def describe_occurrence(
    occ: Occurrence, calendar: HolidayCalendar, texts: Texts, lang: str | None = None
) -> str:
    """'2026-11-03 周二 07:30 · 早班 08:00 · 调休上班' in the occurrence's local time."""
    local = occ.local
    weekdays = texts.get("schedules.weekdays", lang).split(",")
    parts = [f"{local:%Y-%m-%d} {weekdays[local.weekday()]} {local:%H:%M}"]
    if occ.shift is not None and occ.shift_start is not None:
        shift = texts.get(f"schedules.shift.{occ.shift.value}", lang)
        next_day = texts.get("schedules.preview.next_day", lang) if occ.day != local.date() else ""
        parts.append(f"{shift} {next_day}{occ.shift_start:%H:%M}")
    if occ.moved_from is not None:
        parts.append(texts.get("schedules.preview.moved", lang, day=f"{occ.moved_from:%m-%d}"))
    if calendar.is_makeup_workday(occ.day):
        parts.append(texts.get("schedules.preview.makeup", lang))
    elif calendar.is_holiday(occ.day):
        parts.append(texts.get("schedules.preview.holiday", lang))
    return " · ".join(parts)
