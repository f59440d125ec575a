"""Telegram's flood limits as sliding windows.

- 30 messages per second over all chats;
- 20 messages per minute per group or supergroup;
- private chats: about 1 message per second with a small burst, modelled as 3 messages within
  any 3 seconds (a bot may answer a button press and follow up at once, but not stream).

Every method that produces or edits a message counts. A call is admitted only if every window
that applies still has room; a refused call consumes nothing. ``scale`` divides the window
durations (scale 10: 300/s overall, 20 per 6 s per group) so benchmarks stay short.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

GLOBAL = (30, 1.0)
GROUP = (20, 60.0)
PRIVATE = (3, 3.0)

COUNTED_METHODS = frozenset(
    m.lower()
    for m in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendAnimation",
        "sendVideoNote",
        "sendSticker",
        "sendPoll",
        "sendDice",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendMediaGroup",
        "sendChecklist",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
        "stopPoll",
    )
)


@dataclass(slots=True)
class Window:
    limit: int
    seconds: float
    stamps: deque[float] = field(default_factory=deque)

    def wait(self, now: float, scale: float) -> float:
        """Seconds until this window admits one more event (0 if it does now)."""
        span = self.seconds / scale
        while self.stamps and self.stamps[0] <= now - span:
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return 0.0
        return self.stamps[0] + span - now


@dataclass(slots=True)
class FloodControl:
    enforce: bool = True
    scale: float = 1.0
    global_window: Window = field(default_factory=lambda: Window(*GLOBAL))
    chats: dict[int, Window] = field(default_factory=dict)

    def admit(self, chat_id: int, chat_type: str, now: float) -> int | None:
        """Record one message to ``chat_id``; or the ``retry_after`` seconds if over a limit."""
        if not self.enforce:
            return None
        windows = [self.global_window]
        if chat_type in ("group", "supergroup", "private"):
            if chat_id not in self.chats:
                self.chats[chat_id] = Window(*(PRIVATE if chat_type == "private" else GROUP))
            windows.append(self.chats[chat_id])
        wait = max(w.wait(now, self.scale) for w in windows)
        if wait > 0:
            return max(1, math.ceil(wait))
        for w in windows:
            w.stamps.append(now)
        return None

    def configure(self, enforce: bool, scale: float) -> None:
        self.enforce, self.scale = enforce, scale
        self.reset()

    def reset(self) -> None:
        self.global_window = Window(*GLOBAL)
        self.chats.clear()
