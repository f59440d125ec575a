"""Leave asked ahead: types and day ranges as workers write them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.leave_rules import LeaveError, LeaveType, covers, parse_days, parse_type

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("今天", date(2026, 12, 2), date(2026, 12, 2)),
        ("明天", date(2026, 12, 3), date(2026, 12, 3)),
        ("后天", date(2026, 12, 4), date(2026, 12, 4)),
        ("12-05", date(2026, 12, 5), date(2026, 12, 5)),
        ("2026-12-05", date(2026, 12, 5), date(2026, 12, 5)),
        ("12月5日", date(2026, 12, 5), date(2026, 12, 5)),
        ("5号", date(2026, 12, 5), date(2026, 12, 5)),
        ("12-05至12-07", date(2026, 12, 5), date(2026, 12, 7)),
        ("12月5日到7日", date(2026, 12, 5), date(2026, 12, 7)),
        ("12-05 ~ 12-07", date(2026, 12, 5), date(2026, 12, 7)),
        ("明天到后天", date(2026, 12, 3), date(2026, 12, 4)),
        ("12-30至01-02", date(2026, 12, 30), date(2027, 1, 2)),
        ("01-03", date(2027, 1, 3), date(2027, 1, 3)),
        ("１２－０５", date(2026, 12, 5), date(2026, 12, 5)),
    ],
)
def test_days(text: str, first: date, last: date) -> None:
    assert parse_days(text, TODAY) == (first, last)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("昨天", "bad_date"),
        ("13-01", "bad_date"),
        ("02-30", "bad_date"),
        ("下礼拜", "bad_date"),
        ("2026-11-30", "past"),
        ("12-07至2026-12-05", "reversed"),
        ("12-01至12-05", "past"),
        ("12-03至2027-03-01", "too_long"),
    ],
)
def test_bad_days(text: str, code: str) -> None:
    with pytest.raises(LeaveError) as err:
        parse_days(text, TODAY)
    assert err.value.code == code


def test_types() -> None:
    assert parse_type("病假") is LeaveType.SICK
    assert parse_type(" 事假 ") is LeaveType.PERSONAL
    assert parse_type("公休") is LeaveType.OFFICIAL
    assert parse_type("其他") is LeaveType.OTHER
    assert parse_type("sick") is LeaveType.SICK
    with pytest.raises(LeaveError) as err:
        parse_type("旷工")
    assert err.value.code == "bad_type"


def test_covers() -> None:
    assert covers(date(2026, 12, 5), date(2026, 12, 7), date(2026, 12, 7))
    assert not covers(date(2026, 12, 5), date(2026, 12, 7), date(2026, 12, 8))
