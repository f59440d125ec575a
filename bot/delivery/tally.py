"""The live tally ("已签到 18/30"): one message per group, edited at most every few seconds.

Thirty people pressing 签到 within a minute must not cost thirty group messages (Telegram
allows 20 per minute per group, edits included, and 30 per second in all). A press only marks
its session dirty; one loop here edits dirty sessions' messages:

- per session, at most one edit per `min_interval` (the group window spread evenly: 60 s /
  20 = 3 s with Telegram's limits), so the group's window never fills and a final edit is
  never stuck behind a full window;
- sessions are served in the order they became dirty, and a session is only handed to the
  sender when flood control says its chat may be written to now — so with hundreds of busy
  groups the global 30/s budget goes round them fairly, and after the last press every
  session needs at most one more edit;
- the text is read when the edit is made (never a stale count) and an unchanged text is not
  sent again (Telegram would answer "message is not modified").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.delivery.flood import FloodController, Priority

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    """What a session's messages should show now."""

    posts: list[tuple[int, int]]  # (chat_id, message_id)
    text: str
    markup: InlineKeyboardMarkup | None

    @property
    def signature(self) -> str:
        return self.text + repr(self.markup.to_dict() if self.markup else None)


Render = Callable[[int], Awaitable[Rendered | None]]
# Tallies give way to replies a person is waiting for (typed as Any: ExtBot[None] says None).
_BULK: dict[str, Any] = {"rate_limit_args": Priority.BULK}


class Tally:
    def __init__(
        self,
        flood: FloodController,
        *,
        workers: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.flood = flood
        self._workers = workers
        self._clock = clock
        self._render: Render | None = None
        self._bot: ExtBot[None] | None = None
        self._dirty: dict[int, None] = {}  # insertion-ordered: the fair queue
        self._inflight: set[int] = set()
        self._last_edit: dict[int, float] = {}
        self._chats: dict[int, tuple[int, ...]] = {}
        self._shown: dict[tuple[int, int], str] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.edits = 0

    def attach(self, bot: ExtBot[None], render: Render) -> None:
        self._bot, self._render = bot, render

    @property
    def min_interval(self) -> float:
        lim = self.flood.limits
        return lim.group_period * (1 + lim.margin) / lim.group_count

    def mark(self, session_id: int) -> None:
        """Something changed in this session: its messages will be edited soon."""
        self._dirty.setdefault(session_id, None)
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="attendance-tally")

    def shown(self, chat_id: int, message_id: int, rendered: Rendered) -> None:
        """The message was sent or edited elsewhere showing this (e.g. when posted)."""
        self._shown[(chat_id, message_id)] = rendered.signature

    def forget(self, session_id: int) -> None:
        """The session is closed and its final text written: drop what we kept about it."""
        self._dirty.pop(session_id, None)
        self._last_edit.pop(session_id, None)
        for chat_id in self._chats.pop(session_id, ()):
            for key in [k for k in self._shown if k[0] == chat_id]:
                del self._shown[key]

    async def drain(self, limit_s: float = 10.0) -> bool:
        """Wait until every marked session has been edited (tests, shutdown)."""
        try:
            await asyncio.wait_for(self._idle.wait(), limit_s)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # ------------------------------------------------------------------ the loop

    def _ready_at(self, session_id: int, now: float) -> float:
        ready = self._last_edit.get(session_id, -1e18) + self.min_interval
        for chat_id in self._chats.get(session_id, ()):
            ready = max(ready, now + self.flood.delay(chat_id, now))
        return ready

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self._workers)
        pending: set[asyncio.Task[None]] = set()
        while True:
            self._wake.clear()
            now = self._clock()
            pick, soonest = None, None
            # While the global budget is spent, no session can go: skip the scan (a press
            # marks a session 150 times a second in a busy minute).
            full = self.flood.delay(None, now)
            if full > 0 and self._dirty:
                soonest = now + full
            for sid in self._dirty if full <= 0 else ():
                if sid in self._inflight:
                    continue
                ready = self._ready_at(sid, now)
                if ready <= now:
                    pick = sid
                    break
                soonest = ready if soonest is None else min(soonest, ready)
            if pick is None:
                if not self._dirty and not self._inflight:
                    # Nothing to do: end the task (the next mark starts one), so that no
                    # task outlives the application.
                    self._idle.set()
                    self._task = None
                    return
                timeout = None if soonest is None else max(0.001, soonest - now)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                continue
            await slots.acquire()
            del self._dirty[pick]
            self._inflight.add(pick)
            self._last_edit[pick] = self._clock()
            task = asyncio.create_task(self._edit(pick, slots))
            pending.add(task)
            task.add_done_callback(pending.discard)

    async def _edit(self, session_id: int, slots: asyncio.Semaphore) -> None:
        try:
            assert self._render is not None and self._bot is not None
            rendered = await self._render(session_id)
            if rendered is None:
                return
            self._chats[session_id] = tuple(c for c, _ in rendered.posts)
            for chat_id, message_id in rendered.posts:
                await self._edit_one(chat_id, message_id, rendered)
        except Exception:
            log.exception("tally edit for session %s failed", session_id)
        finally:
            self._inflight.discard(session_id)
            slots.release()
            self._wake.set()

    async def _edit_one(self, chat_id: int, message_id: int, rendered: Rendered) -> None:
        key = (chat_id, message_id)
        signature = rendered.signature
        if self._shown.get(key) == signature:
            return
        assert self._bot is not None
        try:
            await self._bot.edit_message_text(
                rendered.text,
                chat_id,
                message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=rendered.markup,
                **_BULK,
            )
            self.edits += 1
        except BadRequest as exc:
            # After a restart we do not know what the message shows; Telegram does. Any other
            # refusal (message deleted) will not get better by retrying.
            if "not modified" not in str(exc).lower():
                log.warning("tally message %s in %s not edited: %s", message_id, chat_id, exc)
        except Forbidden as exc:
            log.warning("tally message %s in %s not edited: %s", message_id, chat_id, exc)
        except TelegramError as exc:
            # Network trouble: leave it unmarked so the next change (or tick) retries.
            log.warning("tally message %s in %s not edited yet: %s", message_id, chat_id, exc)
            return
        self._shown[key] = signature
