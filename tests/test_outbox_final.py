"""A batch's progress reaches its final state after any crash: killed after every row was
`sent` but before the listener's last call, the next start calls the listener once more;
once it has run on a drained batch, later starts leave the batch alone."""

from __future__ import annotations

from bot.repos.outbox import OutMessage
from tests.botfixtures import Harness
from tests.test_outbox import GROUPS, groups


async def test_progress_is_finished_after_a_kill_between_last_send_and_last_edit(
    harness: Harness,
) -> None:
    h = harness
    groups(h)
    calls: list[str] = []

    async def progress(batch: str) -> None:
        calls.append(batch)

    outbox = h.svc.outbox
    outbox.listen("final", progress)
    await outbox.stop()  # the process "dies" with the rows handed over but no progress call
    await outbox.enqueue(
        [OutMessage(c, f"通知 {c}", "final", f"final:1:{c}", batch="final:1") for c in GROUPS]
    )
    await h.svc.db.execute("UPDATE outbox SET state = 'sent', done_at = created_at")
    await outbox.start(h.app.bot, h.svc.flood)
    assert await outbox.wait_idle(20)
    assert calls == ["final:1"]
    assert await outbox.repo.unfinal_batches() == []

    await outbox.stop()  # a further restart: the batch is final, nobody is called
    await outbox.start(h.app.bot, h.svc.flood)
    assert await outbox.wait_idle(20)
    assert calls == ["final:1"]


async def test_a_batch_still_sending_is_not_final(harness: Harness) -> None:
    h = harness
    groups(h)
    outbox = h.svc.outbox
    await outbox.stop()
    await outbox.enqueue([OutMessage(GROUPS[0], "通知", "final", "final:2:a", batch="final:2")])
    from bot.clock import utcnow

    assert not await outbox.repo.mark_final("final:2", utcnow())
    assert await outbox.repo.unfinal_batches() == [("final:2", "final")]
    await outbox.start(h.app.bot, h.svc.flood)
    assert await outbox.wait_idle(20)
    assert await outbox.repo.unfinal_batches() == []
