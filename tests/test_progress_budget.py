"""Progress edits and the global budget: while a broadcast keeps the budget full, a listener
that edits a message is called only every `progress_stale` seconds (each edit would cost the
broadcast a slot, and a broadcast that exactly fills its windows a whole window), yet the author
still sees progress on a long broadcast and always the final state. A listener that sends
nothing keeps its old pace."""

from __future__ import annotations

import asyncio
import itertools

from bot.delivery.sender import Sender
from tests.botfixtures import Harness
from tests.test_outbox import messages, started

USERS = [300000 + i for i in range(600)]


def _sender(h: Harness) -> Sender:
    sender = h.svc.outbox._sender
    assert sender is not None
    return sender


async def _broadcast(h: Harness, edits: bool) -> list[tuple[float, int]]:
    """(loop time, rows of the batch left) at each listener call."""
    loop = asyncio.get_running_loop()
    calls: list[tuple[float, int]] = []

    async def progress(batch: str) -> None:
        counts = await h.svc.outbox.batch_counts(batch)
        calls.append((loop.time(), counts.get("pending", 0) + counts.get("sending", 0)))

    h.svc.outbox.listen("test", progress, edits=edits)
    await asyncio.sleep(_sender(h).cooldown)  # the start-up pause would stretch the first gap
    await h.svc.outbox.enqueue(messages(USERS))
    assert await h.svc.outbox.wait_idle(60), "outbox did not drain"
    return calls


async def test_edits_are_held_while_the_budget_is_full_but_progress_is_still_seen(
    harness: Harness,
) -> None:
    h = harness
    started(h, USERS)
    sender = _sender(h)
    calls = await _broadcast(h, edits=True)
    assert calls[-1][1] == 0, "the last call shows the drained batch"
    middle = [t for t, left in calls if left > 0]
    # 600 messages at 30 per window take 20 windows, twice `progress_stale` (10 windows): the
    # author saw progress in between.
    assert middle, calls
    shown = [*middle, calls[-1][0]]
    gaps = [b - a for a, b in itertools.pairwise(shown)]
    # Far apart, not every `progress_every` (3 windows) as for a listener that sends nothing.
    assert all(g >= 0.9 * sender.progress_stale for g in gaps[:-1]), gaps
    span = calls[-1][0] - calls[0][0]
    assert len(middle) <= span / sender.progress_stale + 1, (calls, span)
    assert h.emu.stats()["flood_429"] == 0


async def test_a_listener_that_sends_nothing_keeps_its_pace(harness: Harness) -> None:
    h = harness
    started(h, USERS)
    sender = _sender(h)
    calls = await _broadcast(h, edits=False)
    assert calls[-1][1] == 0
    middle = [t for t, left in calls if left > 0]
    span = calls[-1][0] - calls[0][0]
    assert span > 2 * sender.progress_every
    # Called at once and then every `progress_every` while rows are left.
    assert len(middle) >= span / sender.progress_stale + 1, (calls, span)
