"""The durable inbox: an update is acknowledged to Telegram only once it is stored.

PTB's updater acknowledges a batch of updates by asking for the next one (`getUpdates` with
`offset` = last id + 1) as soon as it has put the batch on its queue — before any handler ran.
A crash then loses every update in flight for good. `InboxRequest` wraps the transport of
`getUpdates`: the raw updates of each answer are committed to the `inbox` table (keyed by
`update_id`) before the answer reaches PTB, so the next offset — the acknowledgment — can only
leave after the commit. The update processor marks each update done when its handlers have
finished (`Inbox.done`, group-committed). On start, the first `getUpdates` answer is prefixed
with every stored update that was not done: processing is at least once, and the handlers are
idempotent per update (a press recorded twice is one check-in). An update Telegram delivers
again after a crash (we stored it, the acknowledgment never left) is not handed over twice.

Telegram refuses an answer to a button press after about 15 s. A stored press replayed after a
restart, or one that waited too long behind a burst, may be past that: the same wrapper on the
main transport turns such an `answerCallbackQuery` (known to be too old by the time the update
reached us, or refused as too old) into a message through the outbox, privately if the person
has a private chat with the bot, else in the chat of the button — so the person is told what
was recorded instead of seeing a spinner and nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram._utils.types import ODVInput
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.db import Database
from bot.repos.inbox import InboxRepo
from bot.texts import Html, Texts

if TYPE_CHECKING:
    from bot.delivery.outbox import Outbox
    from bot.repos.people import PeopleRepo

log = logging.getLogger(__name__)

# Telegram's limit is 15 s from the press; a press reached us a little after it was made, and
# the answer needs a round trip: past this age we do not try.
ANSWER_WINDOW_S = 14.0
_TOO_OLD = b"query is too old"
# An edit sets a message to a state: sending it again cannot do anything twice, so a server
# error or a timeout is tried once more at once (a ballot's tick, a tally, a toggle would
# otherwise be lost: the draft lives in the buttons). A send is retried only on a 5xx answer
# (Telegram said it failed); after a timeout it may have been delivered, so it is not.
_IDEMPOTENT = frozenset({"editmessagetext", "editmessagereplymarkup", "editmessagecaption"})
_RETRY_ON_5XX = _IDEMPOTENT | {"sendmessage", "sendphoto", "senddocument"}
_FAKE_OK = b'{"ok":true,"result":true}'


@dataclass(frozen=True)
class Press:
    received_at: float  # unix time the update reached us (or was stored before a crash)
    user_id: int
    name: str
    chat_id: int | None
    lang: str
    replayed: bool = False  # stored by a process that died before handling it


class Inbox:
    def __init__(self, db: Database, texts: Texts) -> None:
        self.repo = InboxRepo(db)
        self.texts = texts
        self.outbox: Outbox | None = None
        self.people: PeopleRepo | None = None
        self.window_s = ANSWER_WINDOW_S
        self._received: dict[int, float] = {}
        self._replayed: set[int] = set()
        self._presses: dict[str, Press] = {}
        self._done: list[int] = []
        self._flusher: asyncio.Task[None] | None = None
        self._replay_pending = True
        self._intaking = 0
        self.replayed = 0
        self.late_answers = 0

    def attach(self, outbox: Outbox, people: PeopleRepo) -> None:
        self.outbox, self.people = outbox, people

    # ------------------------------------------------------------ intake

    @property
    def busy(self) -> bool:
        """Updates taken from Telegram that the handlers have not finished (or are being
        stored): "nothing to do" for a caller waiting until the bot is idle means none."""
        return self._intaking > 0 or bool(self._received)

    async def intake(self, body: bytes) -> bytes:
        """A `getUpdates` answer: store its updates, prefix those left from before a crash,
        drop those already stored; returns the answer PTB is to see."""
        self._intaking += 1
        try:
            return await self._intake(body)
        finally:
            self._intaking -= 1

    async def _intake(self, body: bytes) -> bytes:
        try:
            data = json.loads(body)
        except ValueError:
            return body
        result = data.get("result") if isinstance(data, dict) and data.get("ok") else None
        if not isinstance(result, list):
            return body
        now = time.time()
        replay = await self.repo.pending() if self._replay_pending else []
        pairs = [(int(u["update_id"]), json.dumps(u, ensure_ascii=False)) for u in result]
        new = await self.repo.store(pairs, now) if pairs else set()
        self._replay_pending = False
        out: dict[int, tuple[dict[str, Any], float]] = {
            s.update_id: (json.loads(s.body), s.received_at) for s in replay
        }
        self.replayed += len(out)
        self._replayed.update(out)
        for u in result:
            if int(u["update_id"]) in new:
                out.setdefault(int(u["update_id"]), (u, now))
        ordered = sorted(out.items())
        for update_id, (update, at) in ordered:
            self._note(update_id, update, at, update_id in self._replayed)
        if not replay and len(new) == len(result):
            return body  # the common case: hand PTB the bytes it would have had
        return json.dumps({"ok": True, "result": [u for _, (u, _) in ordered]}).encode()

    def _note(self, update_id: int, update: dict[str, Any], at: float, replayed: bool) -> None:
        self._received[update_id] = at
        query = update.get("callback_query")
        if isinstance(query, dict):
            who = query.get("from") or {}
            message = query.get("message") or {}
            chat = (message.get("chat") or {}).get("id")
            code = str(who.get("language_code") or "")
            self._presses[str(query["id"])] = Press(
                at,
                int(who.get("id", 0)),
                str(who.get("first_name") or ""),
                int(chat) if chat is not None else None,
                "en" if code.lower().startswith("en") else "zh-CN",
                replayed,
            )

    def is_replay(self, update_id: int) -> bool:
        """Stored by a process that died before it marked the update done: its handler may
        already have acted on it (idempotency checks look at this)."""
        return update_id in self._replayed

    def replay_age_s(self, update_id: int) -> float:
        """How long ago an update replayed after a restart reached us (0 for a fresh one:
        its handler's clock is the moment it was made, to within a round trip)."""
        if update_id not in self._replayed:
            return 0.0
        return max(0.0, time.time() - self._received.get(update_id, time.time()))

    # ------------------------------------------------------------ done

    def done(self, update_id: int) -> None:
        """The handlers finished with this update: mark it (group-committed, soon)."""
        self._received.pop(update_id, None)
        self._replayed.discard(update_id)
        self._done.append(update_id)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="inbox-done")

    async def _flush(self) -> None:
        await asyncio.sleep(0.05)  # gather a burst into one commit
        while self._done:
            batch, self._done = self._done, []
            try:
                await self.repo.mark_done(batch)
            except Exception:
                # Not marked: the update is processed again after a restart (idempotent).
                log.exception("could not mark %d inbox update(s) done", len(batch))

    async def flush(self) -> None:
        """Mark done now what has been handled (on stop; tests)."""
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher
        if self._done:
            await self.repo.mark_done(self._done)
            self._done = []

    async def stop(self) -> None:
        await self.flush()

    # ------------------------------------------------------------ answers

    async def answer(self, params: dict[str, Any], send: Any) -> tuple[int, bytes]:
        """An answerCallbackQuery: sent if the press is young enough, else told in a chat.

        A server error or a timeout is retried once while the window lasts (the person is
        looking at a spinner). Telegram refuses an answer with the same words when the press
        is too old and when it was answered already; for a press replayed after a crash and
        still young by our clock, the second is what happened (the predecessor answered it
        and died before marking it done), so nobody is told twice."""
        qid = str(params.get("callback_query_id", ""))
        press = self._presses.pop(qid, None)
        if press is not None and time.time() - press.received_at > self.window_s:
            await self._tell_late(qid, press, params.get("text"))
            return 200, _FAKE_OK
        try:
            try:
                status, body = await send()
            except NetworkError:
                if press is None or time.time() - press.received_at > self.window_s / 2:
                    raise
                status, body = await send()
            else:
                if (
                    status >= 500
                    and press is not None
                    and (time.time() - press.received_at < self.window_s / 2)
                ):
                    status, body = await send()
        except NetworkError:
            if press is None:
                raise
            status, body = 500, b""
        if status >= 500 and press is not None:
            # Telegram failed to show the answer (twice, or too late to try again): the
            # person is looking at a spinner, so they are told in the chat instead, and the
            # handler goes on (a ballot or the next step still follows).
            await self._tell_late(qid, press, params.get("text"))
            return 200, _FAKE_OK
        if status == 400 and _TOO_OLD in body and press is not None:
            if press.replayed and time.time() - press.received_at < self.window_s:
                return 200, _FAKE_OK  # answered by the process that stored it
            await self._tell_late(qid, press, params.get("text"))
            return 200, _FAKE_OK
        return status, body

    async def _tell_late(self, qid: str, press: Press, text: object) -> None:
        self.late_answers += 1
        if not text or self.outbox is None or self.people is None:
            return  # an empty answer only stopped the spinner: nothing to tell
        from bot.delivery.outbox import OutMessage

        answer = str(text)
        if await self.people.private_ok(press.user_id):
            chat_id = press.user_id
            html = self.texts.get("intake.late_private", press.lang, answer=answer)
        elif press.chat_id is not None:
            chat_id = press.chat_id
            mention = Html(f'<a href="tg://user?id={press.user_id}">{_esc(press.name)}</a>')
            html = self.texts.get("intake.late_group", press.lang, name=mention, answer=answer)
        else:
            return
        await self.outbox.enqueue(
            [OutMessage(chat_id, html, purpose="late_answer", dedupe_key=f"late:{qid}")]
        )


def _esc(value: str) -> str:
    import html

    return html.escape(value or "…", quote=False)


class InboxRequest(BaseRequest):
    """A transport that stores `getUpdates` answers in the inbox before PTB sees them, and
    turns too-late callback answers into messages; everything else passes through."""

    def __init__(self, inner: BaseRequest, inbox: Inbox) -> None:
        self.inner = inner
        self.inbox = inbox

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        async def send() -> tuple[int, bytes]:
            return await self.inner.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip

        endpoint = url.rsplit("/", 1)[-1].lower()
        if endpoint == "answercallbackquery" and request_data is not None:
            return await self.inbox.answer(request_data.parameters, send)
        if endpoint in _IDEMPOTENT:
            try:
                status, body = await send()
            except NetworkError:
                status, body = await send()
        else:
            status, body = await send()
        if status >= 500 and endpoint in _RETRY_ON_5XX:
            status, body = await send()
        if endpoint == "getupdates" and status == 200:
            body = await self.inbox.intake(body)
        return status, body
