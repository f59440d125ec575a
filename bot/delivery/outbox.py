"""The outbox: every message the bot must deliver for a broadcast or a schedule is a row first.

Using it (any feature)
----------------------
    from bot.delivery.outbox import OutMessage

    await svc.outbox.enqueue([
        OutMessage(chat_id, html_text, purpose="reminder", dedupe_key=f"att:{sid}:{member}",
                   batch=f"att:{sid}", reply_markup=markup.to_dict()),
    ])                                   # its own transaction, and wakes the sender
    async with svc.db.transaction() as tx:   # or inside the caller's transaction:
        ...                              # the feature's own writes
        await svc.outbox.enqueue(messages, tx=tx)   # commits or rolls back with them
    # inside `svc.db.write(fn)`: OutboxRepo.enqueue_sync(conn, messages), then svc.outbox.wake()

- `text` is HTML (escape what people typed); `kind` "photo"/"document" sends `media` (a
  Telegram file_id) or `file` (an `OutFile` of bytes, stored with the row; enqueue such rows
  with `enqueue` or `enqueue_sync`, not in a caller's `tx`) with `text` as the caption;
  `pin` pins it in a group once sent.
- `dedupe_key` is unique for all time: enqueueing a key again is a no-op, so a caller that is
  unsure whether its enqueue committed may simply do it again.
- `batch` groups rows for progress, cancel and status ("notice:12"); `svc.outbox.listen(purpose,
  fn)` registers `async fn(batch)` that the sender calls, at most every few seconds per batch
  and once more when the batch has drained, e.g. to edit a progress message
  (`listen(..., edits=True)`: see "Progress edits" in bot/delivery/sender.py).
- `svc.outbox.cancel(batch)` stops a broadcast: its pending rows become `cancelled`.
- Live messages (a session's tally, a leader's roll card) are edited by `OutEdit` rows
  (`OutboxRepo.enqueue_edits_sync(conn, edits)` inside the change's write, then `wake()`):
  `svc.outbox.editor(prefix, fn)` registers `async fn(ref, chat_id) -> Edit | None`, which the
  sender calls when it sends the row, so the text comes from the database at that moment.
  One pending edit per message (a newer request while one waits adds nothing), sent with the
  interactive turn, at most one per chat every `Sender.edit_every` seconds; an unchanged
  text is not sent again and Telegram's "message is not modified" counts as done.

Delivery: one sender (`bot/delivery/sender.py`) drains the table under the flood controller's
sliding windows (global, per group, per private chat) with `Priority.BULK`, so replies to a
person's own action (INTERACTIVE, same controller, same budget) always go first. 429 holds only
that chat for `retry_after`; 5xx, timeouts and network errors retry with bounded backoff; 403
and 400 (chat not found, and any other refusal that a retry cannot fix) make the row
`undeliverable` at once. A private chat that answers 403 is marked unreachable for later plans.

Why a crash neither loses nor repeats a message
-----------------------------------------------
Each row moves  pending -> sending -> sent | undeliverable  (or pending -> cancelled):

1. Enqueue is one INSERT per (message, chat) with a unique key, committed together with the
   change that wants it. After a crash either both exist or neither; nothing waits in memory.
2. Claim: a row becomes `sending` (attempt counted) in a committed transaction *before* its
   request leaves, and at most one row per chat is ever claimed. A few dozen rows are claimed
   ahead and wait in the flood controller so that no slot of the global budget is lost to a
   planner round; a claimed row that has not left yet was never sent.
3. Result: `sent` with Telegram's message id is committed as soon as the answer arrives (results
   are group-committed without any added delay). Only `pending` rows are ever picked, so a
   `sent` row is never sent again, and a `pending` row was never accepted by Telegram (not yet
   tried, or refused with 429/5xx/network error before delivery).
4. Restart: rows found in `sending` go back to `pending` (their `recovered` counter goes up)
   and are sent. Killing the process at any point therefore loses nothing.

The one case no bot can close: the process dies after Telegram accepted a request and before
the `sent` commit (or a request times out after Telegram accepted it). Telegram has no
idempotency key and a bot cannot read back its own messages, so the restart cannot tell this
row from one whose request never arrived. We resend it, because a lost notice is silent while a
repeated one is visible and harmless (its 收到 button counts a person once). The window is one
round trip plus the commit of its result, and it is narrow in count too: a row's request only
leaves holding one of `max_on_wire` (10) wire slots, given back when its result is committed,
and one row per chat is in flight; so a crash repeats at most 10 messages in all, at most one
per chat. Rows claimed ahead that are still waiting for the flood window were never sent.
`banzu outbox status` reports how many rows were recovered this way.
tests/test_crash_broadcast.py kills a real `banzu run` with SIGKILL while requests are in
flight that Telegram has not acted on, and checks that every recipient got exactly one copy;
tests/test_outbox.py pins the residual case (accepted, not recorded: sent again once, counted
as recovered) and the bound (never more than `max_on_wire` rows accepted and not recorded).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.db import Database, Tx
from bot.repos.outbox import PRIORITY_INTERACTIVE as PRIORITY_INTERACTIVE  # for handlers
from bot.repos.outbox import (
    OutboxRepo,
    Outcome,
    OutEdit,
    OutFile,
    OutMessage,
    OutRow,
    StatusLine,
)
from bot.repos.people import PeopleRepo

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup

    from bot.delivery.flood import FloodController
    from bot.delivery.sender import Sender

__all__ = [
    "Edit",
    "Editor",
    "Listener",
    "OutEdit",
    "OutFile",
    "OutMessage",
    "OutRow",
    "Outbox",
    "Outcome",
    "StatusLine",
]

Listener = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Edit:
    """What a live message should show now (an editor's answer for one chat)."""

    message_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    caption: bool = False  # the message is a photo or document: its caption is the text

    @property
    def signature(self) -> str:
        return self.text + repr(self.markup.to_dict() if self.markup else None)


# (ref, chat) -> the edit to make, or None when there is nothing to edit (message not sent,
# session gone or closed for that kind of message).
Editor = Callable[[str, int], Awaitable[Edit | None]]


class Outbox:
    """The outbox as features see it (`svc.outbox`); the sender runs while the app runs."""

    def __init__(self, db: Database) -> None:
        self.repo = OutboxRepo(db)
        self.people = PeopleRepo(db)
        self.listeners: dict[str, Listener] = {}
        self.editors: dict[str, Editor] = {}
        self.editing: set[str] = set()  # purposes whose listener sends a message per call
        # Tunables; tests shorten the timeout so an injected timeout fault costs little.
        self.send_timeout = 10.0
        self.max_inflight = 40  # rows claimed ahead; most wait for the flood window
        # Rows whose request may be on the wire or answered but not yet recorded: all a crash
        # can repeat. 30 messages/s in all need 30 x round trip slots: 10 keep the budget full
        # while a round trip (answer + commit) stays under ~0.3 s.
        self.max_on_wire = 10
        self.max_attempts = 6
        self._sender: Sender | None = None

    async def enqueue(self, messages: Sequence[OutMessage], tx: Tx | None = None) -> int:
        """Add messages (in `tx` if given); returns how many were new. Wakes the sender."""
        added = await self.repo.enqueue(messages, tx)
        self.wake()
        return added

    def wake(self) -> None:
        if self._sender is not None:
            self._sender.wake()

    def listen(self, purpose: str, fn: Listener, *, edits: bool = False) -> None:
        """`edits`: each call sends a message (a progress edit), which takes a slot of the
        global budget; the sender then holds intermediate calls while the batch saturates it."""
        self.listeners[purpose] = fn
        if edits:
            self.editing.add(purpose)
        else:
            self.editing.discard(purpose)

    def editor(self, prefix: str, fn: Editor) -> None:
        """`fn` renders edit rows whose ref starts with `prefix:`."""
        self.editors[prefix] = fn

    async def edit(self, edits: Sequence[OutEdit]) -> int:
        """Queue edits of live messages (own transaction); returns how many rows were new."""
        added = await self.repo.enqueue_edits(edits)
        if added:
            self.wake()
        return added

    async def cancel(self, batch: str) -> int:
        cancelled = await self.repo.cancel(batch)
        self.touch(batch)
        return cancelled

    def touch(self, batch: str) -> None:
        """Have the batch's listener called again (e.g. after its author's message changed)."""
        if self._sender is not None:
            self._sender.touch(batch)

    # ------------------------------------------------------------ lifecycle

    async def start(self, bot: Bot, flood: FloodController) -> None:
        from bot.delivery.sender import Sender

        if self._sender is None:
            self._sender = Sender(self, bot, flood)
            await self._sender.start()

    async def stop(self) -> None:
        if self._sender is not None:
            sender, self._sender = self._sender, None
            await sender.stop()

    @property
    def start_pause_s(self) -> float:
        """How long bulk rows wait after the sender starts (a killed predecessor's windows)."""
        return self._sender.cooldown if self._sender is not None else 0.0

    @property
    def running(self) -> bool:
        return self._sender is not None

    def busy(self) -> bool:
        """Requests in flight, results not yet written or progress calls not yet made."""
        return self._sender is not None and self._sender.busy()

    async def wait_idle(self, limit_s: float = 30.0) -> bool:
        """True once nothing is pending or in flight and every progress call was made."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        while loop.time() < deadline:
            if not self.busy() and await self.repo.unfinished() == 0 and not self.busy():
                return True
            await asyncio.sleep(0.01)
        return False

    # -- reads the handlers and the command line need, through the service

    async def batch_counts(self, batch: str) -> dict[str, int]:
        return await self.repo.batch_counts(batch)

    async def batch_rows(self, batch: str, state: str) -> list[tuple[int, str | None]]:
        return await self.repo.batch_rows(batch, state)

    async def pin_failures(self, batch: str) -> list[tuple[int, str | None, str]]:
        return await self.repo.pin_failures(batch)

    async def pins_unsettled(self, batch: str) -> int:
        return await self.repo.pins_unsettled(batch)
