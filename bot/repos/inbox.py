"""SQL of the durable inbox (data/migrations/0008_inbox.sql)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db import Database


@dataclass(frozen=True)
class Stored:
    update_id: int
    body: str
    received_at: float


class InboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def store(self, updates: Sequence[tuple[int, str]], received_at: float) -> set[int]:
        """Store raw updates (one commit for the batch); returns the ids that were new."""

        def write(conn: sqlite3.Connection) -> set[int]:
            new: set[int] = set()
            for update_id, body in updates:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO inbox(update_id, body, received_at) VALUES (?, ?, ?)",
                    (update_id, body, received_at),
                )
                if cur.rowcount == 1:
                    new.add(update_id)
            return new

        return await self.db.write(write)

    async def pending(self) -> list[Stored]:
        rows = await self.db.fetchall(
            "SELECT update_id, body, received_at FROM inbox WHERE done_at IS NULL"
            " ORDER BY update_id"
        )
        return [Stored(int(r[0]), str(r[1]), float(r[2])) for r in rows]

    async def mark_done(self, update_ids: Sequence[int]) -> None:
        """Mark handled updates done and drop their bodies: the id alone guards against a
        redelivery, while a body would keep what people typed or pressed (a ballot token in
        callback data, an anonymous comment) next to their user id."""
        now = time.time()
        await self.db.executemany(
            "UPDATE inbox SET done_at = ?, body = '' WHERE update_id = ? AND done_at IS NULL",
            [(now, u) for u in update_ids],
        )

    async def prune(self, older_than_s: float) -> int:
        """Forget processed updates after a while (the ids only grow, so a kept row guards
        nothing once Telegram can no longer redeliver it)."""
        return await self.db.execute_count(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
            (time.time() - older_than_s,),
        )
