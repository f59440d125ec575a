"""What the /schedule use cases return (bot.services.schedules, bot.services.schedule_admin): a
page of the list, what a list button did, a draft's preview and the schedule saved from it, or
why a draft does not make a schedule yet; with them the checked request (`ScheduleSpec`) and the
message moments it plans (`Planned`). They live apart from the services so that the view of
/schedule (bot.views.schedules) reads them without importing the use cases that made them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.schedules import Purpose, ScheduleDraft, Scope
from bot.repos.schedules import Schedule
from scheduler.holidays import HolidayCalendar
from scheduler.rule_text import RuleSyntaxError
from scheduler.rules import HolidayPolicy, Occurrence, Rule


class ScheduleError(ValueError):
    """A schedule request that cannot be accepted; `code` keys `schedules.error.<code>`."""

    def __init__(self, code: str, **values: str) -> None:
        detail = ", ".join(f"{k}={v!r}" for k, v in values.items())
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.values = values


@dataclass(frozen=True, order=True)
class Planned:
    occurs_at: datetime  # aware UTC: when the message is due
    event_at: datetime  # aware UTC: the event it is about
    lead_minutes: int

    def as_row(self) -> tuple[datetime, datetime, int]:
        return (self.occurs_at, self.event_at, self.lead_minutes)


@dataclass(frozen=True)
class ScheduleSpec:
    scope: Scope
    team_id: int | None
    unit_id: int | None
    purpose: Purpose
    rule: Rule
    rule_text: str  # canonical
    policy: HolidayPolicy
    leads: tuple[int, ...]
    title: str
    body: str | None


class Change(StrEnum):
    """What a list button did (text key schedules.cli.<value>)."""

    NOT_FOUND = "not_found"
    DELETED = "deleted"
    UNCHANGED = "unchanged"
    PAUSED = "paused"
    RESUMED = "resumed"


@dataclass(frozen=True)
class Page:
    items: list[Schedule]  # this page's
    page: int  # 0-based, clamped
    pages: int
    total: int


@dataclass(frozen=True)
class Invalid:
    """A draft that does not make a schedule (yet): the error names the problem."""

    error: ScheduleError | RuleSyntaxError


@dataclass(frozen=True)
class Ambiguous:
    """A scope typed as a team name several units share."""

    count: int


@dataclass(frozen=True)
class Unknown:
    """A scope that is neither 全体, a unit nor a team."""


@dataclass(frozen=True)
class Preview:
    draft: ScheduleDraft  # at its CONFIRM step
    spec: ScheduleSpec
    unit: str  # the scope's names ("" where it has none)
    team: str
    calendar: HolidayCalendar
    upcoming: list[tuple[Occurrence, list[datetime]]]  # events, and their reminders


@dataclass(frozen=True)
class Saved:
    schedule_id: int
    first: Planned | None  # the first message moment
