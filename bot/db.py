"""One aiosqlite connection behind one class, in the manner of datasette's `Database`.

Reads may run at any time; writes go through `transaction()`, which holds the single writer
lock, so statements that belong together commit or roll back together and never interleave
with another coroutine's writes on the shared connection.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.paths import MIGRATIONS

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class Database:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._queue: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("Database.open() was not called")
        return self._conn

    async def open(self, migrations: Path = MIGRATIONS) -> None:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a migration and its
        # record, or a multi-statement write, are one transaction and nothing is implicit.
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA synchronous=NORMAL")
        await self._conn.execute("PRAGMA busy_timeout=5000")
        # Deleted or overwritten content (an inbox body, a changed ballot) is zeroed in its page
        # where that costs no extra I/O, so the file keeps no readable remnant of it.
        await self._conn.execute("PRAGMA secure_delete=FAST")
        await self.migrate(migrations)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def migrate(self, folder: Path = MIGRATIONS) -> list[int]:
        await self.conn.execute(
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
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

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
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on the database thread, atomically, and return its result once committed.

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
        conn = self.conn
        # aiosqlite runs all work of a connection on its own thread; `_execute` is the entry its
        # public methods use (aiosqlite is pinned <0.23 in pyproject).
        run: Callable[..., Awaitable[list[tuple[bool, Any]]]] = conn._execute
        while self._queue:
            batch, self._queue = self._queue, []
            async with self._write_lock:
                try:
                    outcomes = await run(_run_batch, conn._conn, [fn for fn, _ in batch])
                except BaseException as exc:  # the COMMIT itself failed: nobody's write landed
                    outcomes = [(False, exc)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)


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
