"""The one clock: set, advance, back to real time; moving it moves every service that reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import Clock, utcnow
from tests.botfixtures import Harness


def test_set_advance_real() -> None:
    clock = Clock()
    assert abs((clock() - utcnow()).total_seconds()) < 5
    moment = datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    clock.set(moment)
    assert clock() == moment and clock().tzinfo is UTC
    assert clock.advance(90) == moment + timedelta(seconds=90) == clock.now()
    clock.real()
    assert abs((clock() - utcnow()).total_seconds()) < 5
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 12, 1, 8, 0))  # naive: which 8 o'clock?


async def test_moving_the_clock_moves_runner_attendance_and_quiz(harness: Harness) -> None:
    svc = harness.svc
    moment = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)
    svc.clock.set(moment)
    assert svc.runner.now() == moment
    assert svc.attendance.now() == moment
    assert svc.quiz.clock() == moment
    svc.clock.advance(3600)
    assert svc.runner.now() == svc.attendance.now() == moment + timedelta(hours=1)
