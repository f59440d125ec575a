"""The database: one writer, a separate reader, in the manner of datasette's `Database`.

Two connections to one WAL file. Reads (`fetchall`, `fetchone`, `fetchval`, `conn`) go to the
reader, which only ever sees committed rows: a coroutine's open transaction, later rolled
back, is invisible to every other coroutine. All writes go to the writer, a plain sqlite3
connection owned by one thread of its own, through one door, `write(fn)`; `execute`,
`execute_count`, `executemany` and `transaction()` are shapes of it:

- `write(fn)` runs `fn(conn)` (plain sqlite3, several statements) atomically; writes that
  arrive together are group-committed, each in its own SAVEPOINT (see `write`).
- `async with transaction() as tx:` holds the writer for a block that awaits between
  statements (`await tx.execute(...)`); reads through `tx` see the block's own rows.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.paths import MIGRATIONS

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# secure_delete=FAST: deleted or overwritten content (an inbox body, a changed ballot) is zeroed
# in its page where that costs no extra I/O, so the file keeps no readable remnant of it.
_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA secure_delete=FAST",
)


class Cursor:
    """What a statement inside `transaction()` returns: its rows, already fetched on the
    writer's thread, and the usual `lastrowid` / `rowcount`."""

    def __init__(self, rows: list[sqlite3.Row], lastrowid: int | None, rowcount: int) -> None:
        self._rows, self.lastrowid, self.rowcount = rows, lastrowid, rowcount

    async def fetchone(self) -> sqlite3.Row | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[sqlite3.Row]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []


class _Pending:
    """`await tx.execute(...)` or `async with tx.execute(...) as cur:`, as with aiosqlite."""

    def __init__(self, run: asyncio.Future[Cursor] | Any) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, Cursor]:
        return cast(Generator[Any, None, Cursor], self._run.__await__())

    async def __aenter__(self) -> Cursor:
        return cast(Cursor, await self._run)

    async def __aexit__(self, *exc: object) -> None:
        return None


class Tx:
    """The writer inside `transaction()`: every call runs on the writer's thread."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        return _Pending(self._db._on_writer(_statement, self._db._raw, sql, params))

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        cur = await self.execute(sql, params)
        return await cur.fetchall()

    async def executemany(self, sql: str, rows: Iterable[Params]) -> Cursor:
        rows = list(rows)
        return await self._db._on_writer(_many, self._db._raw, sql, rows)


def _statement(raw: sqlite3.Connection, sql: str, params: Params) -> Cursor:
    cur = raw.execute(sql, params)
    rows = cur.fetchall() if cur.description else []
    return Cursor(rows, cur.lastrowid, cur.rowcount)


def _many(raw: sqlite3.Connection, sql: str, rows: list[Params]) -> Cursor:
    cur = raw.executemany(sql, rows)
    return Cursor([], cur.lastrowid, cur.rowcount)


class _Worker(threading.Thread):
    """The writer's own thread: runs calls in order, hands each result to the event loop
    (a bare queue and one `call_soon_threadsafe`, as aiosqlite does for its connection)."""

    def __init__(self) -> None:
        super().__init__(name="banzu-db-writer", daemon=True)
        self._calls: queue.SimpleQueue[tuple[asyncio.Future[Any], Callable[..., Any], Any] | None]
        self._calls = queue.SimpleQueue()

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._calls.put((future, fn, args))
        return future

    def stop(self) -> None:
        self._calls.put(None)
        self.join()

    def run(self) -> None:
        while (call := self._calls.get()) is not None:
            future, fn, args = call
            try:
                result, error = fn(*args), None
            except BaseException as exc:
                result, error = None, exc
            future.get_loop().call_soon_threadsafe(_settle, future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Database:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._thread: _Worker | None = None
        self._write_lock = asyncio.Lock()
        self._queue: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @property
    def conn(self) -> aiosqlite.Connection:
        """The reader: committed rows only."""
        if self._conn is None:
            raise RuntimeError("Database.open() was not called")
        return self._conn

    @property
    def _raw(self) -> sqlite3.Connection:
        if self._writer is None:
            raise RuntimeError("Database.open() was not called")
        return self._writer

    async def open(self, migrations: Path = MIGRATIONS) -> None:
        # One thread owns the writer, so sqlite3's same-thread rule holds and statements of
        # one transaction run in order. isolation_level=None: BEGIN/COMMIT are ours, so a
        # migration and its record, or a multi-statement write, are one transaction.
        self._thread = _Worker()
        self._thread.start()
        self._writer = await self._on_writer(_connect_writer, self.path)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        for pragma in _PRAGMAS:
            await self._conn.execute(pragma)
        await self.migrate(migrations)

    async def close(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            await self._flusher
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        if self._writer is not None:
            await self._on_writer(self._writer.close)
            self._writer = None
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    def _on_writer(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        if self._thread is None:
            raise RuntimeError("Database.open() was not called")
        return self._thread.submit(fn, *args)

    async def migrate(self, folder: Path = MIGRATIONS) -> list[int]:
        await self.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {r[0] for r in await self.fetchall("SELECT version FROM schema_migrations")}
        applied: list[int] = []
        for version, name, script in read_migrations(folder):
            if version in done:
                continue
            async with self.transaction() as tx:
                for statement in split_sql(script):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_migrations(version, name, applied_at)"
                    " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                    (version, name),
                )
            log.info("applied migration %04d %s", version, name)
            applied.append(version)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._write_lock:
            await self._on_writer(self._raw.execute, "BEGIN IMMEDIATE")
            try:
                yield Tx(self)
            except BaseException:
                await self._on_writer(self._raw.execute, "ROLLBACK")
                raise
            else:
                await self._on_writer(self._raw.execute, "COMMIT")

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        # execute_fetchall is one trip to the database thread instead of three
        # (execute, fetch, close): reads are most of what a handler does.
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement (atomic by itself); returns lastrowid."""
        lastrowid, _ = await self.write(lambda conn: _run(conn, sql, params))
        return lastrowid

    async def execute_count(self, sql: str, params: Params = ()) -> int:
        """One write statement; returns how many rows it changed."""
        _, rowcount = await self.write(lambda conn: _run(conn, sql, params))
        return rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        rows = list(rows)
        await self.write(lambda conn: conn.executemany(sql, rows))

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on the writer's thread, atomically, and return its result once committed.

        The pattern of datasette's `execute_write_fn`: a write that needs several statements
        (read, check, update) runs as plain sqlite3 code in one trip to the database thread.

        Group commit: writes that arrive while a commit is in progress are queued and the next
        batch runs in ONE transaction, each write inside its own SAVEPOINT. A write that raises
        is rolled back alone and its caller gets the exception; the others commit. Each caller
        still returns only after its write is durable, so the semantics are those of one
        transaction per write, while a burst (300 workers pressing at once) costs a handful of
        commits instead of hundreds.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((fn, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return cast(T, await future)

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            async with self._write_lock:
                try:
                    outcomes = await self._on_writer(_run_batch, self._raw, [f for f, _ in batch])
                except BaseException as exc:  # the COMMIT itself failed: nobody's write landed
                    outcomes = [(False, exc)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)


def _connect_writer(path: str) -> sqlite3.Connection:
    raw = sqlite3.connect(path, isolation_level=None)  # opened, used, closed on one thread
    raw.row_factory = sqlite3.Row
    raw.execute("PRAGMA journal_mode=WAL")
    for pragma in _PRAGMAS:
        raw.execute(pragma)
    return raw


def _run_batch(
    raw: sqlite3.Connection, fns: list[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]]:
    outcomes: list[tuple[bool, Any]] = []
    raw.execute("BEGIN IMMEDIATE")
    try:
        for fn in fns:
            raw.execute("SAVEPOINT w")
            try:
                outcomes.append((True, fn(raw)))
            except Exception as exc:
                raw.execute("ROLLBACK TO w")
                outcomes.append((False, exc))
            raw.execute("RELEASE w")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")
    return outcomes


def _run(conn: sqlite3.Connection, sql: str, params: Params) -> tuple[int, int]:
    cur = conn.execute(sql, params)
    return cur.lastrowid or 0, cur.rowcount


def read_migrations(folder: Path) -> list[tuple[int, str, str]]:
    """(version, name, script) of every migration file, in order; read once at start."""
    out = []
    for path in sorted(folder.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if m is None:
            raise RuntimeError(f"migration file name not understood: {path.name}")
        out.append((int(m.group(1)), m.group(2), path.read_text(encoding="utf-8")))
    return out


def split_sql(script: str) -> list[str]:
    """Statements of a migration file. sqlite3.complete_statement decides where one ends, so a
    `;` inside a comment, a string literal or a trigger body does not split it."""
    statements: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            text = "\n".join(
                ln for ln in buffer.splitlines() if not ln.strip().startswith("--")
            ).strip()
            if text.strip(";").strip():
                statements.append(text)
            buffer = ""
    if buffer.strip(" \n\t;"):
        tail = "\n".join(ln for ln in buffer.splitlines() if not ln.strip().startswith("--"))
        if tail.strip(" \n\t;"):
            raise RuntimeError(f"migration ends with an incomplete statement: {tail[:80]!r}")
    return statements
