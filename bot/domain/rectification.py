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

from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum


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
    if r.move in (Move.SEND_BACK, Move.POSTPONE, Move.REOPEN) and not r.reason.strip():
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
