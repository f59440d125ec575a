"""Attendance rules without a bot: windows, lateness, roll-call cycling, allowed changes,
rates, report months, and the live tally's pacing."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.delivery.flood import FloodController, FloodLimits
from bot.delivery.outbox import Edit, Outbox, OutEdit
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
from bot.repos.outbox import OutboxRepo
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


async def test_tally_edits_coalesce_and_end_exact(tmp_path: Path) -> None:
    """Many presses in a burst: through the outbox, at most one edit row waits per message,
    few edits per group, spaced by the group window, and the last edit shows the final count
    (rendered when sent); an unchanged text is never sent again."""
    db = Database(str(tmp_path / "t.db"))
    await db.open()
    flood = FloodController(FloodLimits().scaled(100))  # 20 per 0.6 s per group
    outbox = Outbox(db)
    counts = {1: 0, 2: 0}

    async def render(ref: str, chat_id: int) -> Edit:
        return Edit(10, f"已签到 {counts[int(ref.split(':')[1])]}/30")

    outbox.editor("t", render)
    bot = FakeBot()
    await outbox.start(cast(Any, bot), flood)
    try:
        began = asyncio.get_running_loop().time()
        added = 0
        for _ in range(30):
            for sid in counts:
                counts[sid] += 1
                added += await outbox.edit([OutEdit(-sid, f"t:{sid}", f"t:{sid}")])
            await asyncio.sleep(0.002)
        burst = asyncio.get_running_loop().time() - began
        assert await outbox.wait_idle(5)
        waiting = await db.fetchval(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM outbox WHERE state = 'pending'"
            " GROUP BY coalesce_key)"
        )
        assert waiting is None  # all done; while pressing, never more than one per message
        assert added < 60
        interval = 60 / 100 * 1.03 / 20
        for sid in counts:
            mine = [e for e in bot.edits if e[1] == -sid]
            assert mine[-1][2] == "已签到 30/30"
            # 30 changes, but at most one edit per interval (+ the first and the final one);
            # the bound follows the burst's real length, so a slow machine cannot fail it.
            assert len(mine) <= burst / interval + 2 < 30
            gaps = [b[0] - a[0] for a, b in itertools.pairwise(mine)]
            assert all(g >= interval * 0.5 for g in gaps)
        before = len(bot.edits)
        await outbox.edit([OutEdit(-1, "t:1", "t:1")])
        assert await outbox.wait_idle(5)
        assert len(bot.edits) == before
    finally:
        await outbox.stop()
        await db.close()


async def test_a_pending_edit_takes_the_place_of_one_cut_off(tmp_path: Path) -> None:
    """A crash while an edit was in flight and a newer one waited: on restart the old one
    does not come back beside the newer (never two edits queued for one message)."""
    db = Database(str(tmp_path / "t.db"))
    await db.open()
    repo = OutboxRepo(db)
    assert await repo.enqueue_edits([OutEdit(-5, "t:1", "t:1")]) == 1
    assert await repo.enqueue_edits([OutEdit(-5, "t:1", "t:1")]) == 0  # coalesced
    (row,) = await repo.due(10)
    assert await repo.claim([row.id]) == {row.id}
    assert await repo.enqueue_edits([OutEdit(-5, "t:1", "t:1")]) == 1  # after the one in flight
    await repo.recover()
    states = await db.fetchall("SELECT state, error FROM outbox ORDER BY id")
    assert [tuple(r) for r in states] == [("cancelled", "superseded"), ("pending", None)]
    await db.close()


def test_correction_choices_leave_out_the_recorded_status() -> None:
    from bot.domain.attendance import correction_choices

    assert correction_choices(Status.ABSENT) == (
        Status.PRESENT, Status.LATE, Status.LEAVE, Status.MAKEUP
    )  # fmt: skip
    assert correction_choices(Status.PRESENT) == (Status.LATE, Status.ABSENT, Status.LEAVE)
    assert Status.MAKEUP not in correction_choices(Status.LATE)
