"""Report periods: the forms admins write, and everything else refused."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.periods import Period, PeriodError, parse_period

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 on 2 December in Shanghai


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("", Period("month", 2026, 12)),
        ("本月", Period("month", 2026, 12)),
        ("上月", Period("month", 2026, 11)),
        ("last-month", Period("month", 2026, 11)),
        ("2026-11", Period("month", 2026, 11)),
        ("2026/3", Period("month", 2026, 3)),
        ("202611", Period("month", 2026, 11)),
        ("2026年11月", Period("month", 2026, 11)),
        ("２０２６年１１月", Period("month", 2026, 11)),
        ("本季度", Period("quarter", 2026, 4)),
        ("quarter", Period("quarter", 2026, 4)),
        ("上季度", Period("quarter", 2026, 3)),
        ("2026-Q4", Period("quarter", 2026, 4)),
        ("2026q3", Period("quarter", 2026, 3)),
        ("2026年第四季度", Period("quarter", 2026, 4)),
        ("2025年1季度", Period("quarter", 2025, 1)),
        ("本年", Period("year", 2026, 1)),
        ("去年", Period("year", 2025, 1)),
        ("2025", Period("year", 2025, 1)),
        ("2025年", Period("year", 2025, 1)),
    ],
)
def test_accepted_forms(text: str, period: Period) -> None:
    assert parse_period(text, NOW, TZ) == period


@pytest.mark.parametrize(
    "text", ["2026-Q5", "2026-13", "Q4", "十一月", "garbage", "2026-11-05", "week", "26-11"]
)
def test_unknown_periods_refused(text: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text, NOW, TZ)
    assert err.value.code == "bad" and err.value.value == text


@pytest.mark.parametrize("text", ["2027-Q1", "2027", "2027-01"])
def test_future_periods_refused(text: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text, NOW, TZ)
    assert err.value.code == "future"


def test_bounds_labels_and_keys() -> None:
    q4 = Period("quarter", 2026, 4)
    assert q4.start(TZ) == datetime(2026, 10, 1, tzinfo=TZ)
    assert q4.end(TZ) == datetime(2027, 1, 1, tzinfo=TZ)
    assert q4.label("zh-CN") == "2026年第四季度" and q4.label("en") == "2026-Q4"
    assert q4.key == "quarter:2026-Q4"
    dec = Period("month", 2026, 12)
    assert dec.end(TZ) == datetime(2027, 1, 1, tzinfo=TZ)
    assert dec.previous() == Period("month", 2026, 11)
    assert Period("month", 2026, 1).previous() == Period("month", 2025, 12)
    assert Period("year", 2026, 1).label("zh-CN") == "2026年"
