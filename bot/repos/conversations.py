"""SQL for multi-step conversations in progress, kept so that a restart resumes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db import Database


@dataclass(frozen=True)
class Conversation:
    chat_id: int
    user_id: int
    flow: str
    step: str
    data: dict[str, Any]


class ConversationsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, chat_id: int, user_id: int) -> Conversation | None:
        row = await self.db.fetchone(
            "SELECT flow, step, data FROM conversations WHERE chat_id = ? AND user_id = ?",
            (chat_id, user_id),
        )
        if row is None:
            return None
        return Conversation(chat_id, user_id, row["flow"], row["step"], json.loads(row["data"]))

    async def set(
        self, chat_id: int, user_id: int, flow: str, step: str, data: dict[str, Any]
    ) -> None:
        await self.db.execute(
            "INSERT INTO conversations(chat_id, user_id, flow, step, data) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(chat_id, user_id) DO UPDATE SET flow = excluded.flow,"
            " step = excluded.step, data = excluded.data,"
            " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
            (chat_id, user_id, flow, step, json.dumps(data, ensure_ascii=False)),
        )

    async def clear(self, chat_id: int, user_id: int) -> bool:
        async with (
            self.db.transaction() as tx,
            tx.execute(
                "DELETE FROM conversations WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
            ) as cur,
        ):
            return cur.rowcount > 0
