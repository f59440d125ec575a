"""Rules of the rectification register: every move from every state, self-verification
refused, postponement needs a reason and a later date, escalation by days overdue."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.rectification import (
    Level,
    Move,
    Refusal,
    Request,
    State,
    closing_rate,
    decide,
    escalation,
)

TODAY = date(2026, 12, 2)
OP, R, C = State.OPEN, State.RECTIFIED, State.CLOSED


@pytest.mark.parametrize(
    ("move", "state", "owner", "submitted", "reason", "evidence", "expected"),
    [
        (Move.SUBMIT, OP, True, False, "", True, R),
        (Move.SUBMIT, OP, False, False, "", True, Refusal.NOT_OWNER),
        (Move.SUBMIT, OP, True, False, "", False, Refusal.NEED_EVIDENCE),
        (Move.SUBMIT, R, True, False, "", True, Refusal.WRONG_STATE),
        (Move.SUBMIT, C, True, False, "", True, Refusal.WRONG_STATE),
        (Move.VERIFY, R, False, False, "", False, C),
        (Move.VERIFY, R, True, False, "", False, Refusal.SELF_VERIFY),
        (Move.VERIFY, R, False, True, "", False, Refusal.SELF_VERIFY),
        (Move.VERIFY, OP, False, False, "", False, Refusal.WRONG_STATE),
        (Move.VERIFY, C, False, False, "", False, Refusal.WRONG_STATE),
        (Move.SEND_BACK, R, False, False, "护栏没装牢", False, OP),
        (Move.SEND_BACK, R, False, False, "  ", False, Refusal.NEED_REASON),
        (Move.SEND_BACK, OP, False, False, "x", False, Refusal.WRONG_STATE),
        (Move.REOPEN, C, False, False, "又漏了", False, OP),
        (Move.REOPEN, C, False, False, "", False, Refusal.NEED_REASON),
        (Move.REOPEN, OP, False, False, "x", False, Refusal.WRONG_STATE),
    ],
)
def test_moves(
    move: Move,
    state: State,
    owner: bool,
    submitted: bool,
    reason: str,
    evidence: bool,
    expected: State | Refusal,
) -> None:
    assert decide(Request(move, state, owner, submitted, reason, evidence)) == expected


def test_postpone_needs_reason_and_a_later_date() -> None:
    base = dict(
        state=OP,
        actor_is_owner=False,
        actor_submitted=False,
        today=TODAY,
        deadline=date(2026, 12, 10),
    )
    ok = Request(Move.POSTPONE, reason="等备件", new_deadline=date(2026, 12, 20), **base)  # type: ignore[arg-type]
    assert decide(ok) == OP
    no_reason = Request(Move.POSTPONE, new_deadline=date(2026, 12, 20), **base)  # type: ignore[arg-type]
    assert decide(no_reason) == Refusal.NEED_REASON
    earlier = Request(Move.POSTPONE, reason="x", new_deadline=date(2026, 12, 5), **base)  # type: ignore[arg-type]
    assert decide(earlier) == Refusal.BAD_DATE
    missing = Request(Move.POSTPONE, reason="x", **base)  # type: ignore[arg-type]
    assert decide(missing) == Refusal.BAD_DATE
    assert (
        decide(Request(Move.POSTPONE, C, False, False, "x", new_deadline=date(2027, 1, 1)))
        == Refusal.WRONG_STATE
    )


@pytest.mark.parametrize(
    ("late_days", "level"),
    [
        (-1, Level.NONE),
        (0, Level.NONE),
        (1, Level.OWNER),
        (3, Level.OWNER),
        (4, Level.LEADER),
        (7, Level.LEADER),
        (8, Level.ADMINS),
        (90, Level.ADMINS),
    ],
)
def test_escalation_by_days_overdue(late_days: int, level: Level) -> None:
    deadline = date(2026, 11, 1)
    today = date.fromordinal(deadline.toordinal() + late_days)
    assert escalation(OP, deadline, today) == level
    assert escalation(C, deadline, today) == Level.NONE


def test_closing_rate() -> None:
    assert closing_rate(3, 4) == 0.75
    assert closing_rate(0, 0) is None
