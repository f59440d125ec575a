"""The outbox and its sender through the emulator: limits, faults, order, cancel, crash residue."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from collections import Counter
from typing import Any

from PIL import Image

from bot.repos.outbox import OutboxRepo, OutEdit, OutFile, OutMessage
from tests.botfixtures import Harness

GROUPS = [-1002000000000 - i for i in range(6)]
USERS = [200000 + i for i in range(40)]


def started(h: Harness, users: list[int]) -> None:
    for uid in users:
        h.user(uid, f"工{uid % 100}")
        h.emu.state.users[uid].started = True  # as if each had written to the bot first


def groups(h: Harness) -> None:
    for chat in GROUPS:
        h.emu.add_chat(chat, "supergroup", title=f"群{chat % 100}")
        h.emu.set_member(chat, h.emu.bot_id, "member")


def messages(chats: list[int], batch: str = "t:1", parts: int = 1) -> list[OutMessage]:
    return [
        OutMessage(chat, f"消息 {chat} 第{p}段", "test", f"{batch}:{chat}:{p}", batch=batch)
        for p in range(1, parts + 1)
        for chat in chats
    ]


def delivered(h: Harness, after: int = 0) -> Counter[tuple[int, str]]:
    return Counter(
        (int(e["chat_id"]), str(e["text"]))
        for e in h.emu.transcript(after_seq=after)
        if e["method"] == "sendMessage" and str(e["text"]).startswith("消息")
    )


async def drain(h: Harness) -> None:
    assert await h.svc.outbox.wait_idle(20), "outbox did not drain"
    await h.settle()


async def test_broadcast_each_chat_once_in_order_without_429(harness: Harness) -> None:
    h = harness
    started(h, USERS)
    groups(h)
    chats = USERS + GROUPS
    # Three parts per chat: each private chat must wait its own window between parts.
    assert await h.svc.outbox.enqueue(messages(chats, parts=3)) == 3 * len(chats)
    assert await h.svc.outbox.enqueue(messages(chats, parts=3)) == 0  # same keys: no-op
    await drain(h)
    got = delivered(h)
    assert set(got.values()) == {1} and len(got) == 3 * len(chats)
    for chat in chats:
        texts = [e["text"] for e in h.emu.transcript(chat_id=chat) if e["text"].startswith("消息")]
        assert texts == [f"消息 {chat} 第{p}段" for p in (1, 2, 3)]
    assert h.emu.stats()["flood_429"] == 0
    counts = await h.svc.outbox.repo.batch_counts("t:1")
    assert counts["sent"] == 3 * len(chats)


async def test_faults_are_retried_and_delivered_once(harness: Harness) -> None:
    h = harness
    started(h, USERS[:20])
    h.svc.outbox.send_timeout = 0.3
    h.emu.fail_next("sendMessage", "429", count=2, retry_after=1)
    h.emu.fail_next("sendMessage", "500", count=3)
    h.emu.fail_next("sendMessage", "timeout", count=1)
    await h.svc.outbox.enqueue(messages(USERS[:20]))
    await drain(h)
    got = delivered(h)
    assert len(got) == 20 and set(got.values()) == {1}
    assert h.emu.stats()["faults_injected"] == 6


async def test_blocked_and_missing_chats_are_undeliverable_not_retried(harness: Harness) -> None:
    h = harness
    started(h, USERS[:5])
    blocked, missing = USERS[0], -1009999999999
    h.emu.block(blocked)
    await h.settle()
    await h.svc.people.touch_user(blocked, "工", None, None, None, True)
    await h.svc.outbox.enqueue(messages([*USERS[:5], missing]))
    await drain(h)
    counts = await h.svc.outbox.repo.batch_counts("t:1")
    assert counts["sent"] == 4 and counts["undeliverable"] == 2
    failed = dict(await h.svc.outbox.repo.batch_rows("t:1", "undeliverable"))
    assert str(failed[blocked]).startswith("403")
    assert "not found" in str(failed[missing])
    assert not await h.svc.people.private_ok(blocked)
    assert h.emu.stats()["calls"]["sendMessage"] == 6  # one try each, no retry


async def test_cancel_while_draining_stops_the_rest(harness: Harness) -> None:
    h = harness
    groups(h)
    # 6 groups x 30 parts: the per-group limit (20 a window) makes this take several windows.
    await h.svc.outbox.enqueue(messages(GROUPS, parts=30))
    while (await h.svc.outbox.repo.batch_counts("t:1"))["sent"] < 10:
        await h.svc.outbox.wait_idle(0.05)
    cancelled = await h.svc.outbox.cancel("t:1")
    await drain(h)
    counts = await h.svc.outbox.repo.batch_counts("t:1")
    assert cancelled > 0 and counts["cancelled"] == cancelled
    assert counts["sent"] + counts["cancelled"] == 180
    assert sum(delivered(h).values()) == counts["sent"]


async def test_restart_resends_rows_caught_in_flight(harness: Harness) -> None:
    """The residual window of bot/delivery/outbox.py, pinned: a row claimed (`sending`) whose
    request never arrived is sent once after a restart; one Telegram accepted but whose result
    was never recorded is sent again — counted as recovered, never lost."""
    h = harness
    outbox = h.svc.outbox
    started(h, USERS[:2])
    lost, accepted = USERS[0], USERS[1]
    await outbox.stop()
    await outbox.enqueue(messages([lost, accepted]))
    rows = {r.chat_id: r for r in await outbox.repo.due(10)}
    assert await outbox.repo.claim([r.id for r in rows.values()]) == {r.id for r in rows.values()}
    await h.app.bot.send_message(accepted, rows[accepted].text)  # then the process "died"
    await outbox.start(h.app.bot, h.svc.flood)
    await drain(h)
    got = delivered(h)
    assert got[(lost, rows[lost].text)] == 1
    assert got[(accepted, rows[accepted].text)] == 2
    assert await outbox.repo.recovered_count() == 2


async def test_at_most_max_on_wire_rows_accepted_and_not_yet_recorded(
    harness: Harness,
) -> None:
    """The uncertain set (Telegram has the message, the outbox does not say `sent` yet) is what
    a crash repeats: it stays within `max_on_wire` even while results are slow to commit."""
    h = harness
    outbox = h.svc.outbox
    started(h, USERS)
    real_record = outbox.repo.record

    async def slow_record(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.05)  # a busy database: answers pile up behind the commit
        return await real_record(*args, **kwargs)

    outbox.repo.record = slow_record  # type: ignore[method-assign]
    peak, done = 0, False

    async def sample() -> None:
        nonlocal peak
        while not done:
            accepted = sum(delivered(h).values())  # read first: never an over-estimate
            recorded = (await outbox.repo.batch_counts("t:1")).get("sent", 0)
            peak = max(peak, accepted - recorded)
            await asyncio.sleep(0.002)

    sampler = asyncio.create_task(sample())
    await outbox.enqueue(messages(USERS, parts=2))
    await drain(h)
    done = True
    await sampler
    assert sum(delivered(h).values()) == 2 * len(USERS)
    assert 2 <= peak <= outbox.max_on_wire < len(USERS)


async def test_a_failed_commit_of_results_is_retried_not_fatal(harness: Harness) -> None:
    """The database refusing a results commit (disk full, locked) must not end the writer: its
    wire slots would never come back and nothing would be sent until a restart."""
    h = harness
    outbox = h.svc.outbox
    started(h, USERS)
    real_record = outbox.repo.record
    failures = 0

    async def flaky_record(*args: Any, **kwargs: Any) -> Any:
        nonlocal failures
        if failures < 3:
            failures += 1
            raise sqlite3.OperationalError("database or disk is full")
        return await real_record(*args, **kwargs)

    outbox.repo.record = flaky_record  # type: ignore[method-assign]
    await outbox.enqueue(messages(USERS, parts=3))  # more rows than wire slots
    await drain(h)
    assert failures == 3
    assert sum(delivered(h).values()) == 3 * len(USERS) > outbox.max_on_wire
    assert (await outbox.repo.batch_counts("t:1")).get("sent", 0) == 3 * len(USERS)
    assert set(delivered(h).values()) == {1}  # nothing sent twice for it


async def test_interactive_reply_overtakes_a_broadcast(harness: Harness) -> None:
    h = harness
    started(h, USERS)
    asker = h.user(300001, "问")
    await h.svc.outbox.enqueue(messages(USERS, parts=3))
    mark = h.mark()
    h.emu.send_message(asker, asker, "/help")
    await drain(h)
    later = h.emu.transcript(after_seq=mark)
    reply_seq = next(e["seq"] for e in later if e["chat_id"] == asker)
    bulk = [e["seq"] for e in later if e["chat_id"] in USERS]
    assert reply_seq < bulk[len(bulk) // 4], "the reply waited behind the broadcast"


async def test_files_are_uploaded_once_then_sent_by_file_id_and_dropped(harness: Harness) -> None:
    h = harness
    started(h, USERS[:3])
    # A real picture: Telegram (and the emulator) refuse a photo of 0x0 pixels.
    buf = io.BytesIO()
    Image.new("RGB", (4, 3)).save(buf, "PNG")
    png = OutFile("chart.png", buf.getvalue())
    rows = [OutMessage(chat, "", "test", f"f:{chat}", kind="photo", file=png) for chat in USERS[:3]]
    assert await h.svc.outbox.enqueue(rows) == 3
    assert await h.svc.outbox.enqueue(rows) == 0  # known keys: no second copy of the bytes
    assert await h.svc.db.fetchval("SELECT count(*) FROM outbox_files") == 1
    await drain(h)
    photos = [e for e in h.emu.transcript() if e["method"] == "sendPhoto"]
    assert sorted(int(e["chat_id"]) for e in photos) == USERS[:3]
    ids = {
        h.emu.message(int(e["chat_id"]), int(e["message_id"]))["photo"][-1]["file_id"]  # type: ignore[index]
        for e in photos
    }
    assert len(ids) == 1  # one upload; the others reused Telegram's file_id
    stored = await h.svc.db.fetchone("SELECT data, file_id FROM outbox_files")
    assert stored is not None and stored["data"] is None and stored["file_id"] in ids
    assert h.emu.file_bytes(ids.pop()) == png.data


async def test_chats_of_keys_is_a_prefix_and_nothing_else(harness: Harness) -> None:
    """The leave cards are found by their key prefix: "leave:1:ask:" is not "leave:12:ask:",
    and edit rows (whose keys start "edit:") are never counted as messages."""
    h = harness
    rows = [
        OutMessage(7, "卡片", "leave", "leave:1:ask:7"),
        OutMessage(8, "卡片", "leave", "leave:1:ask:8"),
        OutMessage(9, "卡片", "leave", "leave:12:ask:9"),
        OutMessage(10, "别的", "leave", "leave:1:told"),
    ]
    await h.svc.outbox.repo.enqueue(rows)
    await h.svc.outbox.repo.enqueue_edits([OutEdit(11, "leave:1", "leave:1:ask:11")])
    found = await h.svc.db.write(lambda conn: OutboxRepo.chats_of_keys_sync(conn, "leave:1:ask:"))
    assert found == [7, 8]
    assert await h.svc.outbox.repo.sent_message("leave:1:ask:7") is None  # not sent yet
