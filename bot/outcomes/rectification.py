"""What the rectification register's use cases (整改销号) return: the refusals and their
problems, an item's card with the moves its viewer may make, the evidence draft, the register
and the monthly 台账. They live apart from `bot.services.rectification` because the service
renders the messages a move queues through the rectification view: were the view to import
the service for these types, the two would import each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.domain.periods import Period
from bot.domain.rectification import MonthFigures, Move
from bot.repos.rectification import EventRow, Item


class Problem(StrEnum):
    FORBIDDEN = "forbidden"
    NO_ITEM = "no_item"
    STALE = "stale"
    BLANK = "blank"
    TOO_LONG = "too_long"
    OWNER_NOT_FOUND = "owner_not_found"
    OWNER_AMBIGUOUS = "owner_ambiguous"
    OWNER_OUT_OF_SCOPE = "owner_out_of_scope"
    BAD_DATE = "bad_date"
    PAST_DATE = "past_date"
    FAR_DATE = "far_date"
    LATE_DATE = "late_date"  # a postponement must move the deadline later
    WRONG_STATE = "wrong_state"
    NOT_OWNER = "not_owner"
    SELF_VERIFY = "self_verify"
    NEED_REASON = "need_reason"
    NEED_EVIDENCE = "need_evidence"
    NO_SUGGESTION = "no_suggestion"
    NOT_ADOPTED = "not_adopted"
    ALREADY_RAISED = "already_raised"
    FILE_TOO_BIG = "file_too_big"
    DRAFT_FULL = "draft_full"
    UNKNOWN_UNIT = "unknown_unit"
    BAD_MONTH = "bad_month"  # /rectify_month with a month it cannot read
    FUTURE_MONTH = "future_month"


@dataclass(frozen=True)
class Refused:
    problem: Problem
    detail: str = ""


@dataclass(frozen=True)
class Raised:
    """The raising flow is over: the item, or why it could not be raised."""

    item: Item | Refused


class Op(StrEnum):
    """What a viewer may do with an item now (the card's buttons)."""

    SUBMIT = "submit"
    EVIDENCE = "evidence"
    VERIFY = "verify"
    SEND_BACK = "back"
    POSTPONE = "postpone"
    REOPEN = "reopen"


@dataclass(frozen=True)
class Card:
    item: Item
    events: list[EventRow]
    ops: frozenset[Op]
    evidence: int  # pieces of the latest submission


@dataclass(frozen=True)
class Moved:
    item: Item  # after the move
    move: Move


@dataclass(frozen=True)
class Draft:
    item: Item
    pieces: int


@dataclass(frozen=True)
class Row:
    unit_id: int
    unit_name: str
    figures: MonthFigures


@dataclass(frozen=True)
class Register:
    """/rectify's list: the open items the asker may see, today, and whether they may raise."""

    items: list[Item]
    today: date
    may_raise: bool


@dataclass(frozen=True)
class ReasonGiven:
    """A reason flow complete: the move to make with its reason (and new deadline)."""

    reason: str
    new_deadline: date | None = None


@dataclass(frozen=True)
class Ledger:
    period: Period
    unit_name: str | None  # None: every unit
    rows: list[Row]
    at: datetime  # when it was drawn up (the workbook's "as of")
    items: list[Item] = field(default_factory=list)
    events: dict[int, list[EventRow]] = field(default_factory=dict)

    @property
    def total(self) -> MonthFigures:
        out = MonthFigures()
        for r in self.rows:
            out = out + r.figures
        return out
