"""Which command menus have been set for whom (table `published_menus`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import iso
from bot.db import Database


@dataclass(frozen=True)
class Published:
    scope: str
    user_id: int
    chat_id: int
    digest: str


class MenusRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def published(self, user_id: int | None = None) -> dict[str, Published]:
        sql = "SELECT scope, user_id, chat_id, digest FROM published_menus"
        rows = await (
            self.db.fetchall(sql + " WHERE user_id = ?", (user_id,))
            if user_id is not None
            else self.db.fetchall(sql)
        )
        return {r[0]: Published(r[0], r[1], r[2], r[3]) for r in rows}

    async def record(
        self, scope: str, user_id: int, chat_id: int, digest: str, now: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO published_menus(scope, user_id, chat_id, digest, published_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET digest = excluded.digest,"
            " published_at = excluded.published_at",
            (scope, user_id, chat_id, digest, iso(now)),
        )

    async def forget(self, scope: str) -> None:
        await self.db.execute("DELETE FROM published_menus WHERE scope = ?", (scope,))
