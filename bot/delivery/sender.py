"""The one sender that drains the outbox under flood control (see bot/delivery/outbox.py).

A planner task picks rows whose chat may be written to (its own window has room, no 429 hold,
no other row of that chat in flight), claims them in one transaction and starts one short task
per row, up to `max_inflight` claimed rows. A claimed row's request only leaves once it holds
one of `max_on_wire` wire slots, and the slot is given back when the row's result is
*committed*, not when the answer arrives: so at any moment at most `max_on_wire` rows can be
"accepted by Telegram, not yet recorded as sent" — the only rows a crash can repeat. The
slot holders take their turn in the flood controller's global window with `Priority.BULK`,
so several requests are in flight at once (a sequential loop would waste the budget on round
trips) and a freed slot is used at once by an already claimed row. Rows that must wait get no
task: the planner sleeps until the earliest of them may go, or until an enqueue or a finished
send wakes it. One writer task records results as they arrive (one commit for whatever
arrived meanwhile, no added delay). Progress listeners are called at most every
`progress_every` seconds per batch.

Progress edits and the budget: an edit counts against the same 30 messages/s as the
broadcast it reports on. While a batch has more rows claimed than can be on the wire (the
global budget is the bottleneck), an edit-sending listener (`Outbox.listen(..., edits=True)`)
is called only once the author has seen nothing for `progress_stale` seconds, and not at all
when the batch will have drained within `progress_every` anyway (its final call follows).
Each edit taken from a full budget delays the broadcast by one slot, and a broadcast that
exactly fills its windows by a whole window: 330 messages at 30/s plus three edits end at
11 s instead of 10. The call once the batch has drained always happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.clock import utcnow
from bot.delivery.flood import FloodController, Priority
from bot.delivery.outbox import Edit, Outbox
from bot.repos.outbox import Outcome, OutRow

log = logging.getLogger(__name__)

FETCH = 2000  # rows the planner looks at per read: one per chat, in order
# An enqueue inside a caller's transaction wakes the planner before that transaction commits,
# and the reader connection cannot see uncommitted rows: so an idle planner looks again at
# least this often instead of sleeping until the next wake.
RECHECK_S = 0.5
# A result that could not be committed (disk full, database locked) is tried again after this,
# doubling up to the maximum.
WRITE_RETRY_S = 0.2
WRITE_RETRY_MAX_S = 5.0
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


PRIVATE_BURST = 3
# A tally must not wait behind a broadcast: people look at it after pressing (typed as Any:
# ExtBot[None] types the rate limiter's arguments as None).
_LIVE: dict[str, Any] = {"rate_limit_args": Priority.INTERACTIVE}
SHOWN_MAX = 20_000  # live messages whose last edit we remember (the cache is only a saving)
# While a broadcast saturates the global budget, the author still sees its progress at least
# this many global periods apart (10 s at Telegram's limits).
PROGRESS_STALE = 10


class Sender:
    def __init__(self, outbox: Outbox, bot: Bot, flood: FloodController) -> None:
        self.outbox = outbox
        self.repo = outbox.repo
        self.bot = bot
        self.flood = flood
        # Backoff and progress pace follow the controller's (possibly sped-up) windows.
        self.unit = flood.limits.global_period
        self.progress_every = 3 * flood.limits.private_period
        self.progress_stale = PROGRESS_STALE * flood.limits.global_period
        # A process that just started cannot know what its predecessor sent in the last
        # moment (Telegram still counts it): bulk traffic waits out the global and private
        # windows first. Replies to people (and interactive outbox rows) are not held back.
        # Telegram lets a private chat have a short burst (a few messages within a few
        # seconds), so "the private window" is three of our one-per-period slots: a
        # predecessor killed right after a burst to one chat must not push a fresh process
        # into a 429 there.
        lim = flood.limits
        self.cooldown = max(lim.global_period, PRIVATE_BURST * lim.private_period) * (
            1 + lim.margin
        )
        self._bulk_from = 0.0  # loop time from which bulk rows may go (start + cooldown)
        # Live messages: at most one edit per chat every `edit_every` seconds (a group's
        # window spread evenly, 60 s / 20 = 3 s with Telegram's limits), so thirty presses in
        # a minute never fill the group's window and the final edit never waits behind a full
        # one; and what each message was last edited to, so an unchanged text is not sent.
        self.edit_every = lim.group_period * (1 + lim.margin) / lim.group_count
        self._edit_from: dict[int, float] = {}  # chat -> flood-clock time of its next edit
        self._shown: dict[tuple[int, int], str] = {}
        self._wake = asyncio.Event()
        self._results_ready = asyncio.Event()
        self._progress_ready = asyncio.Event()
        self._inflight: dict[int, OutRow] = {}  # row id -> row, until its result is committed
        # Rows whose request may have left and whose result is not committed yet (see above).
        self._wire = asyncio.Semaphore(outbox.max_on_wire)
        self.on_wire = 0  # how many hold a wire slot now (status, tests)
        self.on_wire_peak = 0
        self._inflight_chats: set[int] = set()
        self._file_locks: dict[int, asyncio.Lock] = {}  # file_ref -> one upload at a time
        self._results: list[tuple[Outcome, OutRow]] = []
        self._dirty = True
        self._enqueued = True
        self._refetch_at: float | None = None
        self._batches: dict[str, str] = {}  # batch -> purpose, waiting for a progress call
        self._last_progress: dict[str, float] = {}
        self._shown_at: dict[str, float] = {}  # batch -> when its author last saw progress
        self._look_at: dict[str, float] = {}  # batch -> a held edit is looked at again then
        self._calling = False  # a progress listener is running
        self._tasks: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._bulk_from = asyncio.get_running_loop().time() + self.cooldown
        recovered = await self.repo.recover()
        if recovered:
            log.warning(
                "%d outbox row(s) were in flight when the bot stopped; sending them again"
                " (a message Telegram had already accepted will arrive twice)",
                recovered,
            )
        for batch, purpose in await self._open_batches():
            self._batches[batch] = purpose
        # Batches whose rows are all done but whose progress message may never have been
        # edited to its final state (killed in between): their listener runs once more.
        for batch, purpose in await self.repo.unfinal_batches():
            self._batches.setdefault(batch, purpose)
        self._loops = [
            asyncio.create_task(self._plan(), name="outbox-planner"),
            asyncio.create_task(self._write(), name="outbox-writer"),
            asyncio.create_task(self._progress(), name="outbox-progress"),
        ]
        for row_id, chat_id, message_id, pin_batch in await self.repo.pins_due():
            self._spawn(self._pin(row_id, chat_id, message_id, pin_batch))  # sent, not pinned yet
        self._progress_ready.set()

    async def stop(self) -> None:
        planner, writer, progress = self._loops
        planner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await planner
        if self._tasks:  # let requests in flight finish so their results are kept
            await asyncio.wait(self._tasks, timeout=self.outbox.send_timeout + 1)
        for task in self._tasks:
            task.cancel()
        if self._results:
            await self._flush()
        for task in (writer, progress):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        """New rows: re-read the table at once (they may go before the buffered ones)."""
        self._enqueued = True
        self._wake.set()

    def _changed(self) -> None:
        """Results came in: a chat's next row may now go; re-read when the buffer runs dry."""
        self._dirty = True
        self._wake.set()

    def touch(self, batch: str) -> None:
        purpose = batch.split(":", 1)[0]
        self._batches[batch] = purpose
        self._progress_ready.set()
        self.wake()

    def busy(self) -> bool:
        return bool(
            self._inflight or self._results or self._batches or self._tasks or self._calling
        )

    async def _open_batches(self) -> list[tuple[str, str]]:
        return [
            (s.batch, s.purpose)
            for s in await self.repo.status()
            if s.batch and s.state in ("pending", "sending")
        ]

    # ------------------------------------------------------------ planning

    async def _plan(self) -> None:
        loop = asyncio.get_running_loop()
        buffer: list[OutRow] = []
        while True:
            self._wake.clear()
            if self._refetch_at is not None and loop.time() >= self._refetch_at:
                self._refetch_at, self._dirty = None, True
            if self._enqueued or (self._dirty and not self._pickable(buffer)):
                self._enqueued = self._dirty = False
                buffer = await self.repo.due(FETCH)
            picked, wait = self._pick(buffer)
            if picked:
                claimed = await self.repo.claim([r.id for r in picked])
                taken = {r.id for r in picked}
                buffer = [r for r in buffer if r.id not in taken]
                for row in picked:
                    if row.id in claimed:
                        self._start(row)
                    else:  # cancelled meanwhile
                        self._inflight_chats.discard(row.chat_id)
                continue
            if self._capacity() > 0:
                later = await self.repo.next_due_in()
                if later is not None:
                    self._refetch_at = loop.time() + later
                    wait = later if wait is None else min(wait, later)
            if self._wake.is_set():
                continue
            recheck = wait is None or wait > RECHECK_S
            try:
                await asyncio.wait_for(self._wake.wait(), RECHECK_S if recheck else wait)
            except TimeoutError:
                self._dirty = self._dirty or recheck

    def _pickable(self, buffer: list[OutRow]) -> bool:
        """Whether the buffer still has a row that could go now (else re-read the table)."""
        if self._capacity() <= 0:
            return True  # nothing could go anyway; re-read once there is room
        now = self.flood._clock()
        return any(
            r.chat_id not in self._inflight_chats
            and self._edit_wait(r, now) <= 0
            and self.flood.delay(r.chat_id, now) <= self.flood.delay(None, now)
            for r in buffer
        )

    def _edit_wait(self, row: OutRow, now: float) -> float:
        """Seconds until an edit row's chat may be edited again (0: now; other rows: 0)."""
        if row.kind != "edit":
            return 0.0
        return self._edit_from.get(row.chat_id, 0.0) - now

    def _capacity(self) -> int:
        return self.outbox.max_inflight - len(self._inflight)

    def _pick(self, buffer: list[OutRow]) -> tuple[list[OutRow], float | None]:
        """Rows whose chat may be written to as soon as the global window allows, and how
        long until the next of the others might. Up to `max_inflight` rows are claimed ahead
        and wait in the flood controller, so a freed global slot is used at once instead of
        after a planner round (a claimed row that has not left yet is simply sent after a
        crash: it was never sent)."""
        room = self._capacity()
        if room <= 0:
            return [], None  # a finished send wakes the planner
        now = self.flood._clock()
        shared = self.flood.delay(None, now)  # the global window: every chat waits for it
        picked: list[OutRow] = []
        wait: float | None = None
        held = self._bulk_from - asyncio.get_running_loop().time()  # > 0: start-up pause
        for row in buffer:
            if row.chat_id in self._inflight_chats:
                continue
            if held > 0 and not row.interactive:
                wait = held if wait is None else min(wait, held)
                continue
            spaced = self._edit_wait(row, now)
            if spaced > 0:
                wait = spaced if wait is None else min(wait, spaced)
                continue
            delay = self.flood.delay(row.chat_id, now)
            if delay > shared:
                wait = delay if wait is None else min(wait, delay)
                continue
            picked.append(row)
            self._inflight_chats.add(row.chat_id)
            if len(picked) >= room:
                break
        return picked, wait

    # ------------------------------------------------------------ sending

    def _start(self, row: OutRow) -> None:
        self._inflight[row.id] = row
        self._spawn(self._send(row))

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, row: OutRow) -> None:
        await self._wire.acquire()
        self.on_wire += 1
        self.on_wire_peak = max(self.on_wire_peak, self.on_wire)
        try:
            outcome = await self._outcome(row)
        except BaseException:  # cancelled at stop: the row stays `sending`, recovered on start
            self._unwire()
            raise
        self._results.append((outcome, row))  # the slot is given back once this is committed
        self._results_ready.set()

    def _unwire(self) -> None:
        self.on_wire -= 1
        self._wire.release()

    async def _outcome(self, row: OutRow) -> Outcome:
        attempt = row.attempts + 1
        try:
            if row.kind == "edit":
                return await self._edit(row)
            message = await self._call(row)
            poll_id = message.poll.id if message.poll is not None else None
            outcome = Outcome(row.id, "sent", message_id=message.message_id, poll_id=poll_id)
        except RetryAfter as exc:
            outcome = self._retry(row, f"429 retry after {exc.retry_after}", _seconds(exc))
        except Forbidden as exc:
            outcome = Outcome(row.id, "undeliverable", error=f"403 {exc.message}")
            if row.chat_id > 0:
                await self.outbox.people.set_private_ok(row.chat_id, False)
        except ChatMigrated as exc:
            outcome = Outcome(
                row.id, "pending", error="migrated", retry_at=utcnow(),
                chat_id=exc.new_chat_id,
            )  # fmt: skip
        except BadRequest as exc:
            # chat not found, message too long, ...: the same request would fail again.
            outcome = Outcome(row.id, "undeliverable", error=f"400 {exc.message}")
        except (NetworkError, TelegramError) as exc:  # 5xx, timeouts, connection errors
            if attempt >= self.outbox.max_attempts:
                outcome = Outcome(row.id, "undeliverable", error=f"gave up: {exc}")
            else:
                outcome = self._retry(row, str(exc), self.unit * 2 ** (attempt - 1))
        except Exception as exc:  # a bug must not kill the sender nor leave the row stuck
            log.exception("outbox row %s failed", row.id)
            outcome = Outcome(row.id, "undeliverable", error=f"error: {exc!r}"[:500])
        return outcome

    def _retry(self, row: OutRow, error: str, seconds: float) -> Outcome:
        at = utcnow() + timedelta(seconds=min(seconds, 60 * self.unit))
        return Outcome(row.id, "pending", error=error[:500], retry_at=at)

    async def _call(self, row: OutRow) -> Message:
        markup = (
            InlineKeyboardMarkup.de_json(row.reply_markup, self.bot) if row.reply_markup else None
        )
        common: dict[str, Any] = {
            "parse_mode": ParseMode.HTML,
            "reply_markup": markup,
            "read_timeout": self.outbox.send_timeout,
            "write_timeout": self.outbox.send_timeout,
            # Someone waits for an interactive row: it takes the turn of a reply.
            "rate_limit_args": Priority.INTERACTIVE if row.interactive else Priority.BULK,
        }
        if row.poll is not None:
            return await self._send_poll(row, common)
        if row.kind in ("photo", "document"):
            return await self._send_media(row, common)
        return await self.bot.send_message(
            row.chat_id, row.text, link_preview_options=_NO_PREVIEW, **common
        )

    async def _edit(self, row: OutRow) -> Outcome:
        """An edit row: render what the message shows now, and edit it if that changed."""
        prefix = (row.ref or "").split(":", 1)[0]
        editor = self.outbox.editors.get(prefix)
        edit = await editor(row.ref or "", row.chat_id) if editor is not None else None
        if edit is None:
            return Outcome(row.id, "cancelled", error="nothing to edit")
        key = (row.chat_id, edit.message_id)
        signature = edit.signature
        if self._shown.get(key) == signature:
            return Outcome(row.id, "sent", message_id=edit.message_id, error="unchanged")
        self._edit_from[row.chat_id] = self.flood._clock() + self.edit_every
        await self._edit_call(row, edit)
        if len(self._shown) >= SHOWN_MAX:
            self._shown.clear()
        self._shown[key] = signature
        return Outcome(row.id, "sent", message_id=edit.message_id)

    async def _edit_call(self, row: OutRow, edit: Edit) -> None:
        try:
            if edit.caption:
                await self.bot.edit_message_caption(
                    row.chat_id,
                    edit.message_id,
                    caption=edit.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=edit.markup,
                    read_timeout=self.outbox.send_timeout,
                    write_timeout=self.outbox.send_timeout,
                    **_LIVE,
                )
                return
            await self.bot.edit_message_text(
                edit.text,
                row.chat_id,
                edit.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=edit.markup,
                link_preview_options=_NO_PREVIEW,
                read_timeout=self.outbox.send_timeout,
                write_timeout=self.outbox.send_timeout,
                **_LIVE,
            )
        except BadRequest as exc:
            # After a restart we do not know what the message shows; Telegram does.
            if "not modified" not in str(exc).lower():
                raise

    async def _send_poll(self, row: OutRow, common: dict[str, Any]) -> Message:
        p = dict(row.poll or {})
        options = [o["text"] if isinstance(o, dict) else str(o) for o in p.pop("options")]
        question = p.pop("question")
        # Bot API 10 takes the right answers as `correct_option_ids` (a list, so a quiz may
        # have several); PTB 22's send_poll still has the single `correct_option_id`, so the
        # list goes as an extra API parameter.
        extra = {k: p.pop(k) for k in ("correct_option_ids",) if k in p}
        del common["parse_mode"]  # poll texts are plain; explanation_parse_mode is not used
        return await self.bot.send_poll(
            row.chat_id,
            question,
            options,
            is_anonymous=p.pop("is_anonymous", False),
            type=p.pop("type", "quiz"),
            allows_multiple_answers=p.pop("allows_multiple_answers", None),
            explanation=p.pop("explanation", None),
            open_period=p.pop("open_period", None),
            api_kwargs={**extra, **p} or None,
            **common,
        )

    async def _send_media(self, row: OutRow, common: dict[str, Any]) -> Message:
        if row.file_ref is None:
            return await self._media_call(row, row.media or "", common)
        # Rows sharing a file go one at a time until the first upload has given its file_id:
        # later recipients get the id, not the bytes again.
        lock = self._file_locks.setdefault(row.file_ref, asyncio.Lock())
        async with lock:
            name, stored = await self.repo.file_for_upload(row.file_ref)
            if isinstance(stored, bytes):
                sent = await self._media_call(row, InputFile(stored, filename=name), common)
                found = sent.photo[-1] if sent.photo else sent.document
                if found is not None:
                    await self.repo.remember_file_id(row.file_ref, found.file_id)
                return sent
        return await self._media_call(row, stored, common)

    async def _media_call(
        self, row: OutRow, media: str | InputFile, common: dict[str, Any]
    ) -> Message:
        caption = row.text or None
        if row.kind == "photo":
            return await self.bot.send_photo(row.chat_id, media, caption=caption, **common)
        return await self.bot.send_document(row.chat_id, media, caption=caption, **common)

    async def _pin(self, row_id: int, chat_id: int, message_id: int, batch: str | None) -> None:
        error = None
        try:
            await self.bot.pin_chat_message(chat_id, message_id, disable_notification=True)
        except TelegramError as exc:  # not an admin in that group: the notice stays unpinned
            error = f"pin: {exc}"
        await self.repo.mark_pinned(row_id, error)
        if batch:
            # never silent: the batch's listener runs again once its pins are settled and tells
            # the author which groups could not be pinned (OutboxRepo.pin_failures)
            self.touch(batch)

    # ------------------------------------------------------------ results, progress

    async def _write(self) -> None:
        backoff = WRITE_RETRY_S
        while True:
            await self._results_ready.wait()
            self._results_ready.clear()
            try:
                await self._flush()
            except Exception:
                # The results stay queued and their wire slots held (they are not committed):
                # a writer that died here would keep every slot, and nothing would be sent
                # again until a restart. Try again, more slowly each time.
                log.exception("could not record %d outbox result(s); retrying", len(self._results))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, WRITE_RETRY_MAX_S)
                self._results_ready.set()
            else:
                backoff = WRITE_RETRY_S

    async def _flush(self) -> None:
        done, self._results = self._results, []
        if not done:
            return
        batches = sorted({r.batch for _, r in done if r.batch})
        files = any(r.file_ref for _, r in done)
        try:
            await self.repo.record([o for o, _ in done], files=files, batches=batches)
        except BaseException:
            self._results = done + self._results  # not recorded: kept, in order, for the retry
            raise
        for outcome, row in done:
            self._unwire()
            self._inflight.pop(row.id, None)
            self._inflight_chats.discard(row.chat_id)
            if row.batch:
                self._batches[row.batch] = row.purpose
            if outcome.state == "sent" and row.pin and outcome.message_id is not None:
                self._spawn(self._pin(row.id, row.chat_id, outcome.message_id, row.batch))
        self._progress_ready.set()
        self._changed()

    async def _progress(self) -> None:
        await asyncio.sleep(self.cooldown)
        loop = asyncio.get_running_loop()
        while True:
            self._progress_ready.clear()  # before looking: a touch from now on is not lost
            timeout: float | None = None
            now = loop.time()
            for batch, purpose in list(self._batches.items()):
                due = max(
                    self._last_progress.get(batch, -math.inf) + self.progress_every,
                    self._look_at.get(batch, -math.inf),
                )
                if due <= now and await self._hold_edit(batch, purpose, now):
                    # looked at again each global period, and when the author's view goes stale
                    stale_in = self._shown_at[batch] + self.progress_stale - now
                    due = now + (stale_in if 0 < stale_in < self.unit else self.unit)
                    self._look_at[batch] = due
                if due > now:
                    timeout = due - now if timeout is None else min(timeout, due - now)
                    continue
                del self._batches[batch]
                self._last_progress[batch] = self._shown_at[batch] = now
                await self._call_listener(batch, purpose)
            if self._progress_ready.is_set():
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress_ready.wait(), timeout)

    async def _hold_edit(self, batch: str, purpose: str, now: float) -> bool:
        """Whether an edit listener's call for `batch` waits (see "Progress edits" above)."""
        shown = self._shown_at.setdefault(batch, now)
        if purpose not in self.outbox.editing:
            return False
        counts = await self.repo.batch_counts(batch)
        pending, sending = counts.get("pending", 0), counts.get("sending", 0)
        if pending + sending == 0:
            return False  # the final call
        if pending == 0:
            return True  # every row left is claimed: the final call follows within a second
        if len(self._inflight) <= self.on_wire:
            return False  # no claimed row waits for a wire slot: the budget has room
        lim = self.flood.limits
        finish_in = (pending + sending) / lim.global_count * lim.global_period
        # Stale or not, an edit just before the final one is a slot lost for nothing.
        return now - shown < self.progress_stale or finish_in < self.progress_every

    async def _call_listener(self, batch: str, purpose: str) -> None:
        listener = self.outbox.listeners.get(purpose)
        self._calling = True
        try:
            seen = utcnow()  # the listener shows what was done before this moment
            if listener is not None:
                await listener(batch)
            await self.repo.mark_final(batch, seen)  # only if nothing of it is left
        except Exception:
            log.exception("outbox progress for %s failed", batch)
        finally:
            self._calling = False


def _seconds(exc: RetryAfter) -> float:
    value: Any = exc.retry_after
    return float(value.total_seconds() if hasattr(value, "total_seconds") else value)
