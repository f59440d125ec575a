"""Attendance rules without a bot: windows, lateness, roll-call cycling, allowed changes,
rates, report months, and the live tally's pacing."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.flood import FloodController, FloodLimits
from bot.delivery.tally import Rendered, Tally
from bot.domain.attendance import (
    Phase,
    Refusal,
    Rules,
    Status,
    check_change,
    checkin_status,
    makeup_allowed,
    next_roll_status,
    phase,
    rate,
    window_for,
)
from bot.services.reports import Month, parse_month

START = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minutes", "expected", "status"),
    [
        (-16, Phase.EARLY, None),
        (-15, Phase.ON_TIME, Status.PRESENT),
        (4.9, Phase.ON_TIME, Status.PRESENT),
        (5, Phase.LATE, Status.LATE),
        (29.9, Phase.LATE, Status.LATE),
        (30, Phase.OVER, None),
    ],
)
def test_window(minutes: float, expected: Phase, status: Status | None) -> None:
    w = window_for(START, Rules())
    p = phase(w, START + timedelta(minutes=minutes))
    assert p is expected and checkin_status(p) is status


def test_grace_longer_than_window_still_ends_with_window() -> None:
    w = window_for(START, Rules(grace=timedelta(hours=2)))
    assert w.late_from == w.closes


def test_roll_cycle_open_and_closed() -> None:
    seen, s = [], Status.PENDING
    for _ in range(5):
        s = next_roll_status(s, closed=False, recorded=Status.PENDING)
        seen.append(s)
    assert seen == [Status.PRESENT, Status.LATE, Status.ABSENT, Status.LEAVE, Status.PRESENT]
    # After closing, an absence may become a make-up; other records never can.
    assert next_roll_status(Status.LEAVE, closed=True, recorded=Status.ABSENT) is Status.MAKEUP
    assert next_roll_status(Status.LEAVE, closed=True, recorded=Status.PRESENT) is Status.PRESENT


@pytest.mark.parametrize(
    ("old", "new", "closed", "reason", "refusal"),
    [
        (Status.PENDING, Status.PRESENT, False, None, None),
        (Status.ABSENT, Status.PRESENT, True, None, Refusal.REASON_REQUIRED),
        (Status.ABSENT, Status.PRESENT, True, "  ", Refusal.REASON_REQUIRED),
        (Status.ABSENT, Status.PRESENT, True, "补录", None),
        (Status.ABSENT, Status.MAKEUP, False, "x", Refusal.MAKEUP_AFTER_CLOSE),
        (Status.PRESENT, Status.MAKEUP, True, "x", Refusal.MAKEUP_ONLY_ABSENT),
        (Status.ABSENT, Status.MAKEUP, True, "补学", None),
        (Status.LATE, Status.LATE, True, "x", Refusal.UNCHANGED),
        (Status.LATE, Status.PENDING, False, None, Refusal.NOT_A_STATUS),
    ],
)
def test_check_change(
    old: Status, new: Status, closed: bool, reason: str | None, refusal: Refusal | None
) -> None:
    assert check_change(old, new, closed=closed, reason=reason) is refusal


def test_makeup_days_and_rate() -> None:
    rules = Rules(makeup_days=7)
    assert makeup_allowed(START, START + timedelta(days=7), rules)
    assert not makeup_allowed(START, START + timedelta(days=7, seconds=1), rules)
    assert rate(present=6, late=2, leave=2, total=12) == 0.8
    assert rate(present=0, late=0, leave=3, total=3) is None


def test_months() -> None:
    assert parse_month("2026-11") == Month(2026, 11)
    assert parse_month("2026年3月") == Month(2026, 3)
    assert parse_month("2026-13") is None and parse_month("11月") is None
    start, end = Month(2026, 12).bounds(ZoneInfo("Asia/Shanghai"))
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert Month(2026, 1).shift(-1) == Month(2025, 12)


class FakeBot:
    def __init__(self) -> None:
        self.edits: list[tuple[float, int, str]] = []

    async def edit_message_text(self, text: str, chat_id: int, message_id: int, **_: Any) -> None:
        self.edits.append((asyncio.get_running_loop().time(), chat_id, text))


async def test_tally_debounces_and_ends_exact() -> None:
    """Many presses in a burst: few edits per group, spaced by the group window, and the last
    edit shows the final count; an unchanged text is never sent again."""
    flood = FloodController(FloodLimits().scaled(100))  # 20 per 0.6 s per group
    tally = Tally(flood)
    counts = {1: 0, 2: 0}
    bot = FakeBot()

    async def render(session_id: int) -> Rendered:
        chat = -session_id
        return Rendered([(chat, 10)], f"已签到 {counts[session_id]}/30", None)

    tally.attach(cast(Any, bot), render)
    began = asyncio.get_running_loop().time()
    for _ in range(30):
        for sid in counts:
            counts[sid] += 1
            tally.mark(sid)
        await asyncio.sleep(0.002)
    burst = asyncio.get_running_loop().time() - began
    assert await tally.drain(5)
    for sid in counts:
        mine = [e for e in bot.edits if e[1] == -sid]
        assert mine[-1][2] == "已签到 30/30"
        # 30 changes, but at most one edit per min_interval (+ the first and the final one);
        # the bound follows the burst's real length, so a slow machine cannot fail it.
        assert len(mine) <= burst / tally.min_interval + 2 < 30
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(mine)]
        assert all(g >= tally.min_interval * 0.5 for g in gaps)
    before = len(bot.edits)
    tally.mark(1)
    assert await tally.drain(5)
    assert len(bot.edits) == before


def test_correction_choices_leave_out_the_recorded_status() -> None:
    from bot.domain.attendance import correction_choices

    assert correction_choices(Status.ABSENT) == (
        Status.PRESENT, Status.LATE, Status.LEAVE, Status.MAKEUP
    )  # fmt: skip
    assert correction_choices(Status.PRESENT) == (Status.LATE, Status.ABSENT, Status.LEAVE)
    assert Status.MAKEUP not in correction_choices(Status.LATE)
