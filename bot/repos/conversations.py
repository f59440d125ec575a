"""SQL for multi-step conversations in progress, kept so that a restart resumes them.

The table is the source of truth; a copy lives in memory because every private message asks
"is this person in the middle of something?" and the answer is almost always no. Only the bot
process writes this table (the command line never does), so the copy, loaded at start and
written through on every change, cannot go stale.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, TypeVar

from bot.db import Database
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState, StaleState, dump, load

__all__ = ["END_CONVERSATION_SQL", "Conversation", "ConversationsRepo"]

log = logging.getLogger(__name__)
S = TypeVar("S", bound=FlowState)

# Ends a conversation inside another repository's transaction, when the end must commit
# together with the work it finishes (a registration, a saved suggestion); that caller then
# calls ConversationsRepo.drop_cached. Parameters: (chat_id, user_id).
END_CONVERSATION_SQL = "DELETE FROM conversations WHERE chat_id = ? AND user_id = ?"


class ConversationsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._live: dict[tuple[int, int], Conversation] | None = None
        self._loading = asyncio.Lock()

    async def load(self) -> None:
        sql = "SELECT chat_id, user_id, flow, step, data FROM conversations"
        rows = await self.db.fetchall(sql)
        self._live = {
            (r["chat_id"], r["user_id"]): Conversation(
                r["chat_id"], r["user_id"], r["flow"], r["step"], json.loads(r["data"])
            )
            for r in rows
        }

    async def _cache(self) -> dict[tuple[int, int], Conversation]:
        if self._live is not None:
            return self._live
        # Loaded once; the lock keeps two first callers from both loading, the later load
        # overwriting a conversation the other one had just started.
        async with self._loading:
            if self._live is None:
                await self.load()
        assert self._live is not None
        return self._live

    async def get(self, chat_id: int, user_id: int) -> Conversation | None:
        return (await self._cache()).get((chat_id, user_id))

    async def set(
        self, chat_id: int, user_id: int, flow: str, step: str, data: dict[str, Any]
    ) -> None:
        live = await self._cache()
        await self.db.execute(
            "INSERT INTO conversations(chat_id, user_id, flow, step, data) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(chat_id, user_id) DO UPDATE SET flow = excluded.flow,"
            " step = excluded.step, data = excluded.data,"
            " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
            (chat_id, user_id, flow, step, json.dumps(data, ensure_ascii=False)),
        )
        live[(chat_id, user_id)] = Conversation(chat_id, user_id, flow, step, dict(data))

    async def put(self, chat_id: int, user_id: int, state: FlowState) -> None:
        """Store a flow's typed state (bot.domain.flowstate) as this person's conversation."""
        flow, step, data = dump(state)
        await self.set(chat_id, user_id, flow, step, data)

    async def state(self, chat_id: int, user_id: int, cls: type[S]) -> S | None:
        """This person's conversation as `cls`, or None when there is none of that flow.

        A stored row of that flow which no longer fits the class (an older version, a field
        changed) is ended here, so nobody is stuck in a conversation the code cannot read.
        """
        conv = await self.get(chat_id, user_id)
        if conv is None or conv.flow != cls.flow:
            return None
        state = load(cls, conv)
        if isinstance(state, StaleState):
            log.info("conversation %s of %s ended: %s", conv.flow, user_id, state.reason)
            await self.clear(chat_id, user_id)
            return None
        return state

    def drop_cached(self, chat_id: int, user_id: int) -> None:
        """Another repository ended this conversation inside its own transaction (so that the
        work and the end of the conversation commit together): forget the copy."""
        if self._live is not None:
            self._live.pop((chat_id, user_id), None)

    async def clear(self, chat_id: int, user_id: int) -> bool:
        live = await self._cache()
        if (chat_id, user_id) not in live:
            return False
        await self.db.execute(END_CONVERSATION_SQL, (chat_id, user_id))
        del live[(chat_id, user_id)]
        return True
