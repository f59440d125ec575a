"""One aiosqlite connection behind one class, in the manner of datasette's `Database`.

Reads may run at any time; writes go through `transaction()`, which holds the single writer
lock, so statements that belong together commit or roll back together and never interleave
with another coroutine's writes on the shared connection.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.paths import MIGRATIONS

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class Database:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

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
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement in its own transaction; returns lastrowid."""
        async with self.transaction() as tx, tx.execute(sql, params) as cur:
            return cur.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)


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
    """Statements of a migration file; our migrations keep `;` out of literals and triggers."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
