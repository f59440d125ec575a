"""Update processing: concurrent across people, in order for one person in one chat.

PTB's default handles one update at a time, so a reply waiting for its flood-control slot
would hold up everybody. Fully concurrent processing would let one worker's two quick messages
overtake each other mid-conversation. Keying on (chat, user) gives both: order where it
matters, concurrency everywhere else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def update_key(update: object) -> tuple[int, int] | None:
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    user = update.effective_user
    if chat is None and user is None:
        return None
    return (chat.id if chat else 0, user.id if user else 0)


class KeyedUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent_updates: int = 256,
        on_done: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        # Told each update id once its handlers finished (the durable inbox marks it done).
        self._on_done = on_done
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}
        self._users: dict[tuple[int, int], int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self._process(update, coroutine)
        # Not reached when cancelled (shutdown): that update is processed again after a start.
        if self._on_done is not None and isinstance(update, Update):
            self._on_done(update.update_id)

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                # Nobody else queued on this key: drop the lock so the map stays small.
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
