"""The store of multi-step conversations as handlers see it: typed flow state per (chat,
user), kept in the database (so a restart resumes a flow) behind ConversationsRepo."""

from __future__ import annotations

from typing import TypeVar

from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState
from bot.repos.conversations import ConversationsRepo

S = TypeVar("S", bound=FlowState)


class Conversations:
    def __init__(self, repo: ConversationsRepo) -> None:
        self.repo = repo  # services that write a flow's end in their own transaction use it

    async def get(self, chat_id: int, user_id: int) -> Conversation | None:
        """The stored conversation, whatever its flow (for the dispatcher)."""
        return await self.repo.get(chat_id, user_id)

    async def state(self, chat_id: int, user_id: int, cls: type[S]) -> S | None:
        """The flow's typed state; None if there is none, or it no longer fits (then it
        is ended)."""
        return await self.repo.state(chat_id, user_id, cls)

    async def put(self, chat_id: int, user_id: int, state: FlowState) -> None:
        await self.repo.put(chat_id, user_id, state)

    async def clear(self, chat_id: int, user_id: int) -> bool:
        return await self.repo.clear(chat_id, user_id)
