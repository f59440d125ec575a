"""The Database: migrations recorded once, group commit semantics, conversations copy."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database
from bot.repos.conversations import ConversationsRepo


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "t.db")
    await database.open()
    yield database
    await database.close()  # an open aiosqlite thread would keep the test process alive


async def test_migrations_are_recorded_once(db: Database) -> None:
    versions = [r[0] for r in await db.fetchall("SELECT version FROM schema_migrations")]
    assert versions == sorted(versions) and versions[0] == 1
    assert await db.migrate() == []  # a second start applies nothing
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    assert await db.fetchval("PRAGMA journal_mode") == "wal"


async def test_group_commit_isolates_a_failing_write(db: Database) -> None:
    await db.execute("CREATE TABLE t (x INTEGER UNIQUE)")

    def insert(x: int):  # type: ignore[no-untyped-def]
        return lambda conn: conn.execute("INSERT INTO t(x) VALUES (?)", (x,)).lastrowid

    def two_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t(x) VALUES (100)")
        conn.execute("INSERT INTO t(x) VALUES (1)")  # duplicate of a neighbour: must undo 100

    results = await asyncio.gather(
        db.write(insert(1)), db.write(two_then_fail), db.write(insert(2)), return_exceptions=True
    )
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert not isinstance(results[0], BaseException) and not isinstance(results[2], BaseException)
    assert [r[0] for r in await db.fetchall("SELECT x FROM t ORDER BY x")] == [1, 2]


async def test_write_returns_after_commit_visible_to_reads(db: Database) -> None:
    await db.execute("CREATE TABLE t (x INTEGER)")
    await asyncio.gather(*(db.execute("INSERT INTO t(x) VALUES (?)", (i,)) for i in range(50)))
    assert await db.fetchval("SELECT count(*) FROM t") == 50


async def test_conversation_started_during_first_load_is_kept(db: Database) -> None:
    repo = ConversationsRepo(db)
    # The first reader loads the table; a conversation started meanwhile must survive it.
    await asyncio.gather(repo.get(1, 1), repo.set(2, 2, "register", "employee_no", {}))
    assert await repo.get(2, 2) is not None
    fresh = ConversationsRepo(db)  # a restart reads it back from the table
    conv = await fresh.get(2, 2)
    assert conv is not None and conv.flow == "register"
    assert await fresh.clear(2, 2) and not await fresh.clear(2, 2)
    assert await ConversationsRepo(db).get(2, 2) is None


async def test_a_read_never_sees_another_coroutines_uncommitted_rows(db: Database) -> None:
    """The old single connection let B read A's row, which A then rolled back."""
    await db.execute("CREATE TABLE t (x INTEGER)")
    inserted, seen_by_other = asyncio.Event(), asyncio.Event()
    own: list[int] = []

    async def writer_then_rollback() -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t(x) VALUES (1)")
                own.extend(r[0] for r in await tx.execute_fetchall("SELECT x FROM t"))
                inserted.set()
                await seen_by_other.wait()
                raise RuntimeError("changed its mind")

    async def reader() -> int:
        await inserted.wait()
        try:
            return int(await db.fetchval("SELECT count(*) FROM t"))
        finally:
            seen_by_other.set()

    _, count = await asyncio.gather(writer_then_rollback(), reader())
    assert own == [1]  # inside its transaction the writer sees its own row
    assert count == 0  # nobody else does
    assert await db.fetchval("SELECT count(*) FROM t") == 0


async def test_writes_queued_during_a_transaction_commit_after_it(db: Database) -> None:
    await db.execute("CREATE TABLE t (x INTEGER)")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO t(x) VALUES (1)")
        pending = asyncio.ensure_future(db.execute("INSERT INTO t(x) VALUES (2)"))
        await asyncio.sleep(0.01)
        assert not pending.done()  # one writer: the group commit waits for the block
    await pending
    assert [r[0] for r in await db.fetchall("SELECT x FROM t ORDER BY x")] == [1, 2]


async def test_conversations_change_only_after_commit(db: Database) -> None:
    """The store follows the table: it shows a change once it has committed, never while it
    is in flight, and never one that rolled back."""
    repo = ConversationsRepo(db)
    await repo.set(1, 1, "suggest", "text", {"n": 1})
    # A trigger makes the next change fail inside the writer, as a constraint would.
    await db.execute(
        "CREATE TRIGGER refuse BEFORE UPDATE ON conversations WHEN NEW.step = 'bad'"
        " BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        await repo.set(1, 1, "suggest", "bad", {"n": 2})
    conv = await repo.get(1, 1)
    assert conv is not None and (conv.step, conv.data) == ("text", {"n": 1})

    async with db.transaction() as tx:  # a step written and not committed, another queued
        await tx.execute("UPDATE conversations SET step = 'held' WHERE chat_id = 1")
        in_flight = asyncio.ensure_future(repo.set(1, 1, "suggest", "topic", {"n": 3}))
        await asyncio.sleep(0.01)
        assert not in_flight.done()  # one writer: it waits for the open transaction
        conv = await repo.get(1, 1)
        assert conv is not None and conv.step == "text"  # nobody sees an uncommitted step
    await in_flight
    conv = await repo.get(1, 1)
    assert conv is not None and conv.step == "topic"
    fresh = await ConversationsRepo(db).get(1, 1)  # and a fresh store reads the same
    assert fresh is not None and fresh.step == "topic"


async def test_a_flow_started_while_a_read_waits_stays_visible(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read finds no row (another repository ended the flow) while, before it returns, the
    same person starts a new flow (a group press starting a private step): the new flow must
    not be forgotten with the old one."""
    from bot.repos.conversations import END_CONVERSATION_SQL

    repo = ConversationsRepo(db)
    await repo.set(5, 5, "register", "employee_no", {})
    await db.write(lambda conn: conn.execute(END_CONVERSATION_SQL, (5, 5)))
    real, fetched, go_on = db.fetchone, asyncio.Event(), asyncio.Event()

    async def slow(sql: str, params: Any = ()) -> Any:
        row = await real(sql, params)
        fetched.set()
        await go_on.wait()
        return row

    monkeypatch.setattr(db, "fetchone", slow)
    reading = asyncio.ensure_future(repo.get(5, 5))
    await fetched.wait()  # it has read: no row
    monkeypatch.setattr(db, "fetchone", real)
    await repo.set(5, 5, "att_leave", "reason", {"session": 1})
    go_on.set()
    assert await reading is None  # what it read was the end
    now = await repo.get(5, 5)
    assert now is not None and now.flow == "att_leave"
    assert await repo.clear(5, 5) and await ConversationsRepo(db).get(5, 5) is None


async def test_conversation_ended_in_another_write_is_gone_once_committed(db: Database) -> None:
    """Another repository ends a conversation inside its own write (END_CONVERSATION_SQL) and
    tells nobody: the store shows it ended once that write commits, and a rollback leaves it."""
    from bot.repos.conversations import END_CONVERSATION_SQL

    repo = ConversationsRepo(db)
    await repo.set(3, 3, "register", "employee_no", {})

    def end_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute(END_CONVERSATION_SQL, (3, 3))
        raise RuntimeError("the work the conversation finished failed")

    with pytest.raises(RuntimeError):
        await db.write(end_then_fail)
    assert await repo.get(3, 3) is not None
    assert await ConversationsRepo(db).get(3, 3) is not None  # the row too

    def end(conn: sqlite3.Connection) -> None:
        conn.execute(END_CONVERSATION_SQL, (3, 3))

    await db.write(end)
    assert await repo.get(3, 3) is None and await ConversationsRepo(db).get(3, 3) is None
    assert not await repo.clear(3, 3)  # nothing left to end
    await repo.set(3, 3, "register", "phone", {})  # and the same person can start again
    got = await repo.get(3, 3)
    assert got is not None and got.step == "phone"
