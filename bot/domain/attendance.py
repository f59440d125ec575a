"""Attendance rules (学习考勤) as plain functions: check-in windows, lateness, roll-call cycling,
which changes of a record are allowed, and rates. No I/O here: the session service and the
reports call these, and tests check them without a bot.

Records must be trustworthy (the seeds ask for 严格的考勤制度; party-building systems forbid
back-filling): a worker's own check-in is judged by the clock against the window fixed when the
session opened; every other change is audited, and after closing a change needs a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"  # session still open, not checked in yet
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    LEAVE = "leave"
    MAKEUP = "makeup"  # 补学: absent, then studied within the allowed days; never 'present'


class Phase(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    OVER = "over"


@dataclass(frozen=True)
class Rules:
    """Defaults: check in from 15 minutes before the start to 30 after; late after 5."""

    before: timedelta = timedelta(minutes=15)
    after: timedelta = timedelta(minutes=30)
    grace: timedelta = timedelta(minutes=5)
    duration: timedelta = timedelta(minutes=60)  # length of an ad-hoc /study session
    makeup_days: int = 7


@dataclass(frozen=True)
class Window:
    opens: datetime
    late_from: datetime
    closes: datetime


def window_for(starts_at: datetime, rules: Rules) -> Window:
    closes = starts_at + rules.after
    late_from = min(starts_at + rules.grace, closes)
    return Window(opens=starts_at - rules.before, late_from=late_from, closes=closes)


def phase(window: Window, now: datetime) -> Phase:
    if now < window.opens:
        return Phase.EARLY
    if now < window.late_from:
        return Phase.ON_TIME
    if now < window.closes:
        return Phase.LATE
    return Phase.OVER


def checkin_status(p: Phase) -> Status | None:
    """The status a press of 签到 earns in this phase (None: the press is refused)."""
    return {Phase.ON_TIME: Status.PRESENT, Phase.LATE: Status.LATE}.get(p)


_CYCLE = (Status.PRESENT, Status.LATE, Status.ABSENT, Status.LEAVE)


def next_roll_status(current: Status, *, closed: bool, recorded: Status) -> Status:
    """Roll call: each press moves a member one step along present → late → absent → leave.

    After closing, a member recorded absent may also be set to make-up (补学). `current` is what
    the button shows now (maybe a change still waiting for its reason), `recorded` what the
    database holds.
    """
    cycle = _CYCLE + ((Status.MAKEUP,) if closed and recorded is Status.ABSENT else ())
    if current not in cycle:
        return Status.PRESENT
    return cycle[(cycle.index(current) + 1) % len(cycle)]


def correction_choices(recorded: Status) -> tuple[Status, ...]:
    """After closing, the statuses a leader may pick for a record, the recorded one left out:
    present, late, absent, leave — and make-up (补学) for a record of absence."""
    choices = (*_CYCLE, *((Status.MAKEUP,) if recorded is Status.ABSENT else ()))
    return tuple(s for s in choices if s is not recorded)


class Refusal(StrEnum):
    UNCHANGED = "unchanged"
    REASON_REQUIRED = "reason_required"
    MAKEUP_ONLY_ABSENT = "makeup_only_absent"
    MAKEUP_AFTER_CLOSE = "makeup_after_close"
    NOT_A_STATUS = "not_a_status"


def check_change(old: Status, new: Status, *, closed: bool, reason: str | None) -> Refusal | None:
    """None if a leader may change a record from `old` to `new`; else why not."""
    if new is Status.PENDING:
        return Refusal.NOT_A_STATUS
    if new is old:
        return Refusal.UNCHANGED
    if new is Status.MAKEUP and not closed:
        return Refusal.MAKEUP_AFTER_CLOSE
    if new is Status.MAKEUP and old is not Status.ABSENT:
        return Refusal.MAKEUP_ONLY_ABSENT
    if closed and not (reason or "").strip():
        return Refusal.REASON_REQUIRED
    return None


def makeup_allowed(session_start: datetime, now: datetime, rules: Rules) -> bool:
    """补学 counts only within `makeup_days` after the session."""
    return session_start <= now <= session_start + timedelta(days=rules.makeup_days)


@dataclass(frozen=True)
class Counts:
    total: int = 0
    pending: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    leave: int = 0
    makeup: int = 0

    @property
    def checked_in(self) -> int:
        return self.present + self.late


def rate(present: int, late: int, leave: int, total: int) -> float | None:
    """出勤率 = (出勤 + 迟到) / (应到 − 请假); None when nobody was expected."""
    expected = total - leave
    return (present + late) / expected if expected > 0 else None
