"""Rules of the rectification register: every move from every state, self-verification
refused, postponement needs a reason and a later date, escalation by days overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain import rectification as rules
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


# ---------------------------------------------------------------- deadlines as people write them

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026/12/31", date(2026, 12, 31)),
        ("12-31", date(2026, 12, 31)),
        ("12月31日", date(2026, 12, 31)),
        ("12月31号", date(2026, 12, 31)),
        ("2027年1月5日", date(2027, 1, 5)),
        ("1月5日", date(2027, 1, 5)),  # a month-day already past is next year's
        ("11-30", date(2027, 11, 30)),
        ("10天", date(2026, 12, 12)),
        ("10 天内", date(2026, 12, 12)),
        (" 3天后 ", date(2026, 12, 5)),
    ],
)
def test_parse_deadline(text: str, expected: date) -> None:
    assert rules.parse_deadline(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("下周", "bad"),
        ("2026-02-30", "bad"),
        ("13月1日", "bad"),
        ("", "bad"),
        ("0天", "past"),
        ("2026-12-02", "past"),
        ("2026-11-30", "past"),
        ("2028-01-01", "far"),
        ("400天", "far"),
    ],
)
def test_parse_deadline_refuses(text: str, code: str) -> None:
    with pytest.raises(rules.DeadlineError) as e:
        rules.parse_deadline(text, TODAY)
    assert e.value.code == code


# ---------------------------------------------------------------- the monthly register

NOV_START = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 2026-11-01 00:00 in Shanghai
NOV_END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
NOV_LAST = date(2026, 11, 30)


def ev(move: str, day: int, month: int = 11, deadline: date | None = None) -> rules.Event:
    return rules.Event(move, datetime(2026, month, day, 4, 0, tzinfo=UTC), deadline)


def figures(*events: rules.Event) -> rules.MonthFigures:
    return rules.month_figures(list(events), NOV_START, NOV_END, NOV_LAST)


def test_month_figures_replay_history_up_to_the_month_end() -> None:
    due = date(2026, 12, 10)  # after the month: not overdue at its end
    assert figures(ev("raise", 3, deadline=due)) == rules.MonthFigures(open=1)
    assert figures(ev("raise", 3, deadline=date(2026, 11, 10))).overdue == 1
    closed = figures(ev("raise", 3, deadline=due), ev("submit", 5), ev("verify", 6))
    assert closed == rules.MonthFigures(closed=1)
    # Closed in October: not counted in November at all.
    early = figures(ev("raise", 3, 10, due), ev("submit", 5, 10), ev("verify", 6, 10))
    assert early == rules.MonthFigures()
    # Verified after the month's end: still open in November (a later move rewrites nothing).
    later = figures(ev("raise", 3, deadline=due), ev("submit", 5), ev("verify", 2, 12))
    assert later == rules.MonthFigures(open=1)
    # Postponed in the month: counted, and judged on the new deadline.
    moved = figures(
        ev("raise", 3, deadline=date(2026, 11, 10)), ev("postpone", 9, deadline=date(2026, 11, 20))
    )
    assert moved == rules.MonthFigures(open=1, postponed=1, overdue=1)
    fine = figures(
        ev("raise", 3, deadline=date(2026, 11, 10)), ev("postpone", 9, deadline=date(2026, 12, 20))
    )
    assert fine == rules.MonthFigures(open=1, postponed=1)
    # Closed then reopened (反弹) in the month: open again, counted as come back.
    back = figures(
        ev("raise", 3, deadline=due),
        ev("submit", 4),
        ev("verify", 5),
        ev("reopen", 8, deadline=date(2026, 12, 10)),
    )
    assert back == rules.MonthFigures(open=1, reopened=1)
    # Raised after the month: nothing.
    assert figures(ev("raise", 3, 12, due)) == rules.MonthFigures()


def test_month_closing_rate_and_sums() -> None:
    total = rules.MonthFigures(open=1, closed=1) + rules.MonthFigures(open=1, postponed=1)
    assert total == rules.MonthFigures(open=2, closed=1, postponed=1)
    assert total.rate == pytest.approx(1 / 3)
    assert rules.MonthFigures().rate is None
