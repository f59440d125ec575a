"""SQL for multi-step conversations in progress, kept so that a restart resumes them.

The table is the source of truth. Every private message asks "is this person in the middle of
something?" and the answer is almost always no, so the repository keeps in memory the keys of
the conversations that exist and answers a "no" from there. A "yes" is read from the table
(committed rows only): another repository may have ended the conversation inside its own
transaction, together with the work it finished, and nobody has to tell this one. Only this
repository starts a conversation, so a key it does not hold has no row.
"""

from __future__ import annotations

import asyncio
import itertools
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
# together with the work it finishes (a registration, a saved suggestion). Parameters:
# (chat_id, user_id).
END_CONVERSATION_SQL = "DELETE FROM conversations WHERE chat_id = ? AND user_id = ?"


class ConversationsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        # key -> the generation of its last start or step: a read that finds no row forgets
        # the key only if nothing wrote it meanwhile (a flow started while the read waited
        # would otherwise become invisible)
        self._keys: dict[tuple[int, int], int] | None = None
        self._generations = itertools.count(1)
        self._loading = asyncio.Lock()

    async def load(self) -> None:
        rows = await self.db.fetchall("SELECT chat_id, user_id FROM conversations")
        self._keys = {(r["chat_id"], r["user_id"]): 0 for r in rows}

    async def _known(self) -> dict[tuple[int, int], int]:
        if self._keys is not None:
            return self._keys
        # Loaded once; the lock keeps two first callers from both loading, the later load
        # forgetting a conversation the other one had just started.
        async with self._loading:
            if self._keys is None:
                await self.load()
        assert self._keys is not None
        return self._keys

    async def get(self, chat_id: int, user_id: int) -> Conversation | None:
        keys = await self._known()
        key = (chat_id, user_id)
        if key not in keys:
            return None
        seen = keys[key]
        row = await self.db.fetchone(
            "SELECT flow, step, data FROM conversations WHERE chat_id = ? AND user_id = ?", key
        )
        if row is None:  # ended by another repository's transaction
            self._forget(keys, key, seen)
            return None
        return Conversation(chat_id, user_id, row["flow"], row["step"], json.loads(row["data"]))

    async def set(
        self, chat_id: int, user_id: int, flow: str, step: str, data: dict[str, Any]
    ) -> None:
        keys = await self._known()
        await self.db.execute(
            "INSERT INTO conversations(chat_id, user_id, flow, step, data) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(chat_id, user_id) DO UPDATE SET flow = excluded.flow,"
            " step = excluded.step, data = excluded.data,"
            " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
            (chat_id, user_id, flow, step, json.dumps(data, ensure_ascii=False)),
        )
        keys[(chat_id, user_id)] = next(self._generations)

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

    async def clear(self, chat_id: int, user_id: int) -> bool:
        """End this person's conversation; False if there was none."""
        keys = await self._known()
        key = (chat_id, user_id)
        if key not in keys:
            return False
        seen = keys[key]
        ended = await self.db.execute_count(END_CONVERSATION_SQL, key)
        self._forget(keys, key, seen)
        return ended > 0

    @staticmethod
    def _forget(keys: dict[tuple[int, int], int], key: tuple[int, int], seen: int) -> None:
        if keys.get(key) == seen:
            del keys[key]
