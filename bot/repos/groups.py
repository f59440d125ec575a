"""SQL for the group chats the bot is in and the team each is bound to."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database


@dataclass(frozen=True)
class Binding:
    chat_id: int
    team_id: int
    active: bool


class GroupsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_bot_status(
        self, chat_id: int, chat_type: str, title: str | None, status: str
    ) -> None:
        """The bot joined or left a chat. Leaving (left/kicked) deactivates the chat's binding."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO bot_chats(chat_id, type, title, bot_status) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(chat_id) DO UPDATE SET type = excluded.type,"
                " title = coalesce(excluded.title, bot_chats.title),"
                " bot_status = excluded.bot_status,"
                " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
                (chat_id, chat_type, title, status),
            )
            if status in ("left", "kicked"):
                await tx.execute(
                    "UPDATE group_bindings SET active = 0 WHERE chat_id = ?", (chat_id,)
                )

    async def bot_status(self, chat_id: int) -> str | None:
        value = await self.db.fetchval(
            "SELECT bot_status FROM bot_chats WHERE chat_id = ?", (chat_id,)
        )
        return None if value is None else str(value)

    async def binding(self, chat_id: int) -> Binding | None:
        row = await self.db.fetchone(
            "SELECT chat_id, team_id, active FROM group_bindings WHERE chat_id = ?", (chat_id,)
        )
        return Binding(row[0], row[1], bool(row[2])) if row else None

    async def team_groups(self) -> dict[int, int]:
        """team -> its bound, active group chat."""
        rows = await self.db.fetchall(
            "SELECT team_id, chat_id FROM group_bindings WHERE active = 1"
        )
        return {r[0]: r[1] for r in rows}

    async def team_chat(self, team_id: int) -> int | None:
        value = await self.db.fetchval(
            "SELECT chat_id FROM group_bindings WHERE team_id = ? AND active = 1", (team_id,)
        )
        return None if value is None else int(value)

    async def bind(self, chat_id: int, team_id: int, by_user: int) -> int | None:
        """Bind the chat to the team; returns the team's previous group if it had another."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT chat_id FROM group_bindings WHERE team_id = ? AND active = 1"
                " AND chat_id != ?",
                (team_id, chat_id),
            ) as cur:
                row = await cur.fetchone()
            previous = int(row[0]) if row else None
            if previous is not None:
                await tx.execute(
                    "UPDATE group_bindings SET active = 0 WHERE chat_id = ?", (previous,)
                )
            await tx.execute(
                "INSERT INTO group_bindings(chat_id, team_id, bound_by, active)"
                " VALUES (?, ?, ?, 1) ON CONFLICT(chat_id) DO UPDATE SET"
                " team_id = excluded.team_id, bound_by = excluded.bound_by, active = 1,"
                " bound_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
                (chat_id, team_id, by_user),
            )
            return previous
