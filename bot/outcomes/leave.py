"""What the use cases of leave asked ahead (请假) return: a request asked, decided or
cancelled with what came of it, a new draft, the requests waiting for a leader, and the steps
of a refusal. They live apart from the service so that the leave view, which the service
itself renders its cards and notices through, reads them without importing the use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.leave import Leave


class Tier(StrEnum):
    """Who was asked to decide (named to the worker)."""

    TEAM_LEADER = "team_leader"
    UNIT_LEADER = "unit_leader"
    ADMIN = "admin"


class Asked(StrEnum):
    CREATED = "created"
    OVERLAP = "overlap"  # the member has waiting or approved leave on one of these days
    STARTED = "started"  # the first day passed while the draft waited


@dataclass(frozen=True)
class AskResult:
    outcome: Asked
    leave: Leave | None = None
    clash: Leave | None = None
    tier: Tier | None = None  # None with CREATED: nobody can be told


class Decided(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"
    NOT_ALLOWED = "not_allowed"
    DONE_ALREADY = "done_already"
    GONE = "gone"


@dataclass(frozen=True)
class DecideResult:
    outcome: Decided
    leave: Leave | None = None
    marked: int = 0  # sessions already opened where the record became 请假


class Cancelled(StrEnum):
    CANCELLED = "cancelled"
    REFUSED = "refused"  # begun, decided as refused, cancelled already, or not theirs


@dataclass(frozen=True)
class CancelResult:
    outcome: Cancelled
    leave: Leave | None = None
    unmarked: int = 0  # open sessions where the record is no longer 请假


@dataclass(frozen=True)
class Begun:
    """/leave privately: a new draft; what the question of days shows with it."""

    mine: list[Leave]  # the person's own leave still to come
    waiting: int  # requests waiting for this person as a leader
    today: date
    days: str  # the days given with the command ("/leave 明天"), "" if none


@dataclass(frozen=True)
class Pending:
    """`/leave 审批`: the requests waiting for this leader."""

    waiting: list[Leave]


@dataclass(frozen=True)
class OpenPrivate:
    """不批准 pressed by a leader the bot may not write to privately yet."""


@dataclass(frozen=True)
class ReasonAsked:
    """不批准 pressed: the reason is asked privately (a conversation waits for it)."""

    name: str  # whose leave
