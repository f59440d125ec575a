"""Rules of the rectification register (整改销号: "改一销一，不改不销"). Pure: no I/O.

    open ──submit evidence (owner)──▶ rectified ──verify (not the owner)──▶ closed
      ▲                                   │
      └──────── sent back (reason) ◀──────┘
    open / rectified ──postpone (reason, new date)──▶ same state, new deadline
    closed ──reopen (反弹, reason)──▶ open          (history kept: every move is an event)

Nothing is closed without verification, and the person who rectified never verifies.
Overdue items escalate a step a time: the owner, then the owner's leader, then the admins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum

from bot.domain.flowstate import FlowState
from bot.domain.text import is_blank


class State(StrEnum):
    OPEN = "open"
    RECTIFIED = "rectified"
    CLOSED = "closed"


class Move(StrEnum):
    SUBMIT = "submit"  # the owner reports it fixed, with evidence
    VERIFY = "verify"  # checked and closed (销号)
    SEND_BACK = "send_back"  # not fixed: back to the owner, with a reason
    POSTPONE = "postpone"  # new deadline, with a reason
    REOPEN = "reopen"  # the problem came back (反弹)


class Refusal(StrEnum):
    WRONG_STATE = "wrong_state"
    NOT_OWNER = "not_owner"
    SELF_VERIFY = "self_verify"
    NEED_REASON = "need_reason"
    NEED_EVIDENCE = "need_evidence"
    BAD_DATE = "bad_date"


_FROM: dict[Move, frozenset[State]] = {
    Move.SUBMIT: frozenset({State.OPEN}),
    Move.VERIFY: frozenset({State.RECTIFIED}),
    Move.SEND_BACK: frozenset({State.RECTIFIED}),
    Move.POSTPONE: frozenset({State.OPEN, State.RECTIFIED}),
    Move.REOPEN: frozenset({State.CLOSED}),
}
_TO: dict[Move, State | None] = {
    Move.SUBMIT: State.RECTIFIED,
    Move.VERIFY: State.CLOSED,
    Move.SEND_BACK: State.OPEN,
    Move.POSTPONE: None,  # the state stays
    Move.REOPEN: State.OPEN,
}


@dataclass(frozen=True)
class Request:
    move: Move
    state: State
    actor_is_owner: bool
    actor_submitted: bool  # the actor is who submitted the current evidence
    reason: str = ""
    evidence: bool = False
    new_deadline: date | None = None
    deadline: date | None = None
    today: date | None = None


def decide(r: Request) -> State | Refusal:
    """The state after the move, or why it is refused. Roles (who may verify at all) are
    checked by the authorisation table; this decides what the register itself forbids."""
    if r.state not in _FROM[r.move]:
        return Refusal.WRONG_STATE
    if r.move is Move.SUBMIT:
        if not r.actor_is_owner:
            return Refusal.NOT_OWNER
        if not r.evidence:
            return Refusal.NEED_EVIDENCE
    if r.move is Move.VERIFY and (r.actor_is_owner or r.actor_submitted):
        return Refusal.SELF_VERIFY
    if r.move in (Move.SEND_BACK, Move.POSTPONE, Move.REOPEN) and is_blank(r.reason):
        return Refusal.NEED_REASON
    if r.move is Move.POSTPONE:
        if r.new_deadline is None or (r.today is not None and r.new_deadline <= r.today):
            return Refusal.BAD_DATE
        if r.deadline is not None and r.new_deadline <= r.deadline:
            return Refusal.BAD_DATE
    return _TO[r.move] or r.state


class Level(IntEnum):
    """Who is told of an overdue item, by how long it has been overdue."""

    NONE = 0
    OWNER = 1
    LEADER = 2
    ADMINS = 3


# Days overdue at which each level is reached.
ESCALATION_DAYS: dict[Level, int] = {Level.OWNER: 0, Level.LEADER: 3, Level.ADMINS: 7}


def escalation(state: State, deadline: date, today: date) -> Level:
    """The highest level due for an item today (an item not overdue, or closed, is NONE)."""
    if state is State.CLOSED or today <= deadline:
        return Level.NONE
    late = (today - deadline).days
    return max((lv for lv, d in ESCALATION_DAYS.items() if late > d), default=Level.NONE)


def closing_rate(closed: int, total: int) -> float | None:
    """销号率: closed over all items of the period; None when there were none."""
    return closed / total if total else None


# ---------------------------------------------------------------- deadlines people write

MAX_PROBLEM_CHARS = 500
MAX_REASON_CHARS = 300
MAX_DEADLINE_DAYS = 366  # a deadline beyond a year is a plan, not a rectification

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_MD = re.compile(r"^(\d{1,2})[-/.](\d{1,2})$")
_ZH = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?$")
_DAYS = re.compile(r"^(\d{1,3})\s*天(?:后|内|以内)?$")


class DeadlineError(ValueError):
    """`code`: "bad" (not a date), "past" (today or before), "far" (beyond a year)."""

    def __init__(self, code: str, value: str) -> None:
        super().__init__(f"{code}: {value!r}")
        self.code = code
        self.value = value


def parse_deadline(text: str, today: date) -> date:
    """A deadline as people write it: 2026-12-31, 12-31, 12月31日, 2026年12月31日, 10天.
    A month-day without a year is the next such day; the result is after today."""
    t = text.strip().replace(" ", "")
    day: date | None = None
    try:
        if m := _ISO.match(t):
            day = date(int(m[1]), int(m[2]), int(m[3]))
        elif m := _ZH.match(t):
            year = int(m[1]) if m[1] else today.year
            day = date(year, int(m[2]), int(m[3]))
            if not m[1] and day <= today:
                day = day.replace(year=today.year + 1)
        elif m := _MD.match(t):
            day = date(today.year, int(m[1]), int(m[2]))
            if day <= today:
                day = day.replace(year=today.year + 1)
        elif m := _DAYS.match(t):
            day = today + timedelta(days=int(m[1]))
    except ValueError:
        day = None
    if day is None:
        raise DeadlineError("bad", text.strip()[:20])
    if day <= today:
        raise DeadlineError("past", day.isoformat())
    if (day - today).days > MAX_DEADLINE_DAYS:
        raise DeadlineError("far", day.isoformat())
    return day


# ---------------------------------------------------------------- the monthly register (台账)


@dataclass(frozen=True)
class Event:
    """One recorded move of an item, as the ledger replays it."""

    move: str  # "raise" or a Move value
    at: datetime  # UTC
    new_deadline: date | None = None


@dataclass(frozen=True)
class MonthFigures:
    open: int = 0  # not closed at the month's end (open or awaiting verification)
    closed: int = 0  # closed during the month and still closed at its end
    overdue: int = 0  # not closed at the month's end and past its deadline then
    postponed: int = 0  # postponed at least once during the month
    reopened: int = 0  # came back (反弹) during the month

    @property
    def rate(self) -> float | None:
        """本月销号率: closed this month over closed this month plus still open."""
        return closing_rate(self.closed, self.closed + self.open)

    def __add__(self, other: MonthFigures) -> MonthFigures:
        return MonthFigures(
            self.open + other.open,
            self.closed + other.closed,
            self.overdue + other.overdue,
            self.postponed + other.postponed,
            self.reopened + other.reopened,
        )


def month_figures(
    events: list[Event], start: datetime, end: datetime, last_day: date
) -> MonthFigures:
    """One item's contribution to the month [start, end) (UTC bounds of the local month):
    its history replayed up to the month's end, so a later move never rewrites a past month.
    `last_day` is the local day the month is judged on (its last day, or today if sooner)."""
    state: State | None = None
    deadline: date | None = None
    closed_in_month = postponed = reopened = False
    for e in sorted(events, key=lambda e: e.at):
        if e.at >= end:
            break
        inside = e.at >= start
        if e.move == "raise":
            state, deadline = State.OPEN, e.new_deadline
            continue
        move = Move(e.move)
        if move is Move.POSTPONE:
            deadline = e.new_deadline or deadline
            postponed = postponed or inside
            continue
        if move is Move.REOPEN and e.new_deadline is not None:
            deadline = e.new_deadline
        state = _TO[move] or state
        if move is Move.VERIFY:
            closed_in_month = inside
        if move is Move.REOPEN:
            closed_in_month = False
            reopened = reopened or inside
    if state is None:
        return MonthFigures()
    if state is State.CLOSED:
        return MonthFigures(
            closed=int(closed_in_month), postponed=int(postponed), reopened=int(reopened)
        )
    late = deadline is not None and deadline < last_day
    return MonthFigures(open=1, overdue=int(late), postponed=int(postponed), reopened=int(reopened))


class NewStep(StrEnum):
    PROBLEM = "problem"
    OWNER = "owner"
    DEADLINE = "deadline"


@dataclass(frozen=True)
class RectDraft(FlowState, flow="rect_new", version=1):
    """/rectify_new: the problem, then the owner, then the deadline (kept in the
    conversations table between messages)."""

    step: NewStep
    source: str = "manual"  # manual | meeting | suggestion
    problem: str = ""
    owner: int = 0  # member id
    suggestion: int = 0


class ReasonStep(StrEnum):
    REASON = "reason"
    DATE = "date"


@dataclass(frozen=True)
class RectReason(FlowState, flow="rect_reason", version=1):
    """Send back (a reason), postpone and reopen (a reason, then a date) of one item."""

    step: ReasonStep
    item: int
    ver: int  # the item's version when the button was pressed: a move in between wins
    move: Move
    deadline: str = ""  # the current deadline, to say what the new one must beat
    reason: str = ""
