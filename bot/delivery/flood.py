"""Flood control for everything the bot sends: one controller, plugged into PTB as its rate limiter.

Telegram's limits (about 30 messages/s in all, 20/min per group, about 1/s per private chat;
edits count) are kept with sliding windows on our side so that Telegram never has to refuse
us. Two priorities share the budget: INTERACTIVE (a reply to what a person just did) and BULK
(outbox traffic: broadcasts, schedules). A bulk request yields whenever an interactive one is
waiting, so a broadcast in progress never makes a worker wait for the answer to a button press.

A 429 that still happens (another process using the same token, clock skew) blocks only the
chat it names for `retry_after`; every other chat keeps flowing — unlike PTB's AIORateLimiter,
which pauses everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Methods that create or change a message: what Telegram's flood limits count.
MESSAGE_METHODS = frozenset(
    m.lower()
    for m in (
        "sendMessage", "sendPhoto", "sendDocument", "sendAudio", "sendVideo", "sendAnimation",
        "sendVoice", "sendVideoNote", "sendMediaGroup", "sendLocation", "sendVenue",
        "sendContact", "sendPoll", "sendDice", "sendSticker", "sendInvoice", "copyMessage",
        "copyMessages", "forwardMessage", "forwardMessages", "editMessageText",
        "editMessageCaption", "editMessageMedia", "editMessageReplyMarkup", "stopPoll",
        "editMessageLiveLocation", "stopMessageLiveLocation",
    )
)  # fmt: skip


class Priority(IntEnum):
    INTERACTIVE = 0
    BULK = 1


@dataclass(frozen=True)
class FloodLimits:
    global_count: int = 30
    global_period: float = 1.0
    group_count: int = 20
    group_period: float = 60.0
    private_count: int = 1
    private_period: float = 1.0
    # A bare `acquire()` stamps a request when it leaves; Telegram stamps it when it arrives, a
    # little later. This pad on such stamps keeps that jitter from turning into a 429 at a
    # window's edge. Requests sent through PTB are stamped when their answer arrives (later
    # than Telegram's stamp for sure) and need no pad; see `Window`.
    margin: float = 0.03

    def scaled(self, scale: float) -> FloodLimits:
        """The same limits `scale` times faster (the emulator's `/_emu/limits` scale)."""
        return FloodLimits(
            self.global_count,
            self.global_period / scale,
            self.group_count,
            self.group_period / scale,
            self.private_count,
            self.private_period / scale,
            self.margin,
        )


class Window:
    """At most `count` events in any `period` seconds.

    A request in flight holds a slot (`begin`) and is stamped when its answer arrives (`end`):
    Telegram stamps it somewhere in between, so counting from the answer can never be early,
    however long the request waited in queues on either side (under load, stamping at
    departure let a burst's late arrivals and the next burst's early ones meet in one window).
    """

    __slots__ = ("count", "events", "inflight", "pad", "period")

    def __init__(self, count: int, period: float, pad: float = 0.0) -> None:
        self.count = count
        self.period = period
        self.pad = pad  # for departure stamps only: an answer's time needs none
        self.events: deque[float] = deque()
        self.inflight = 0

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0 if it fits now)."""
        events = self.events
        while events and events[0] <= now - self.period:
            events.popleft()
        if len(events) + self.inflight < self.count:
            return 0.0
        if events:
            return events[0] + self.period - now
        return self.period / 10  # every slot is in flight: look again shortly

    def add(self, now: float) -> None:
        self.events.append(now + self.pad)

    def begin(self) -> None:
        self.inflight += 1

    def end(self, now: float) -> None:
        self.inflight = max(0, self.inflight - 1)
        self.events.append(now)


def chat_kind(chat_id: object) -> tuple[str, int | str | None]:
    """('group'|'private'|'none', key) for a chat_id as PTB passes it (int or str)."""
    if chat_id is None:
        return "none", None
    with contextlib.suppress(TypeError, ValueError):
        chat_id = int(str(chat_id))
    if isinstance(chat_id, int):
        return ("group" if chat_id < 0 else "private"), chat_id
    return "group", str(chat_id)  # @channelusername


class FloodController(BaseRateLimiter[int]):
    """PTB rate limiter; `rate_limit_args` is a `Priority` (default INTERACTIVE)."""

    def __init__(
        self,
        limits: FloodLimits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_retries: int = 5,
    ) -> None:
        self.limits = limits or FloodLimits()
        self._clock = clock
        self._max_retries = max_retries
        self._global = self._make(self.limits.global_count, self.limits.global_period)
        self._chats: dict[int | str, Window] = {}
        self._blocked_until: dict[int | str, float] = {}
        self._interactive_waiting = 0
        self._no_interactive = asyncio.Event()
        self._no_interactive.set()

    def _make(self, count: int, period: float) -> Window:
        return Window(count, period, period * self.limits.margin)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _window(self, kind: str, key: int | str) -> Window:
        window = self._chats.get(key)
        if window is None:
            if len(self._chats) > 50_000:
                self._forget_idle()
            lim = self.limits
            window = (
                self._make(lim.group_count, lim.group_period)
                if kind == "group"
                else self._make(lim.private_count, lim.private_period)
            )
            self._chats[key] = window
        return window

    def _forget_idle(self) -> None:
        now = self._clock()
        idle = [k for k, w in self._chats.items() if w.wait(now) == 0 and not w.events]
        for key in [k for k in idle if not self._chats[k].inflight]:
            del self._chats[key]

    def delay(self, chat_id: object, now: float | None = None) -> float:
        """Seconds until a message to `chat_id` may go out (0 = now). For the outbox's planning."""
        now = self._clock() if now is None else now
        kind, key = chat_kind(chat_id)
        waits = [self._global.wait(now)]
        if key is not None:
            waits.append(self._window(kind, key).wait(now))
            waits.append(self._blocked_until.get(key, 0.0) - now)
        return max(0.0, *waits)

    def block(self, chat_id: object, seconds: float) -> None:
        """Telegram said 429 for this chat: hold only this chat."""
        _, key = chat_kind(chat_id)
        if key is not None:
            until = self._clock() + seconds
            self._blocked_until[key] = max(until, self._blocked_until.get(key, 0.0))

    async def acquire(
        self, chat_id: object, priority: Priority = Priority.INTERACTIVE, *, hold: bool = False
    ) -> None:
        """Wait for a slot. With `hold`, the slot stays in flight until `release(chat_id)`."""
        interactive = priority is Priority.INTERACTIVE
        if interactive:
            self._interactive_waiting += 1
            self._no_interactive.clear()
        try:
            while True:
                if not interactive and self._interactive_waiting:
                    await self._no_interactive.wait()
                    continue
                now = self._clock()
                wait = self.delay(chat_id, now)
                if wait <= 0:
                    kind, key = chat_kind(chat_id)
                    windows = [self._global]
                    if key is not None:
                        windows.append(self._window(kind, key))
                    for window in windows:
                        if hold:
                            window.begin()
                        else:
                            window.add(now)
                    return
                await asyncio.sleep(wait)
        finally:
            if interactive:
                self._interactive_waiting -= 1
                if not self._interactive_waiting:
                    self._no_interactive.set()

    def release(self, chat_id: object) -> None:
        """The answer to a request taken with `acquire(hold=True)` arrived: stamp it now."""
        now = self._clock()
        self._global.end(now)
        kind, key = chat_kind(chat_id)
        if key is not None:
            self._window(kind, key).end(now)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint.lower() not in MESSAGE_METHODS:
            return await callback(*args, **kwargs)
        priority = Priority.INTERACTIVE if rate_limit_args is None else Priority(rate_limit_args)
        chat_id = data.get("chat_id")
        for attempt in range(self._max_retries + 1):
            await self.acquire(chat_id, priority, hold=True)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = exc.retry_after
                wait = seconds.total_seconds() if hasattr(seconds, "total_seconds") else seconds
                self.block(chat_id, float(wait))
                log.warning("429 for chat %s: holding it %.1fs", chat_id, wait)
                if attempt == self._max_retries:
                    raise
            finally:
                self.release(chat_id)
        raise AssertionError("unreachable")
