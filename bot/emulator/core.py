"""The emulator core: one object, shared by the in-process and the HTTP transport."""

from __future__ import annotations

import asyncio
import copy
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import inject
from .control import dispatch as control_dispatch
from .errors import ApiError, ControlError, bad_request
from .methods import METHODS, Call, call_method
from .spec import Spec, load_spec
from .state import JSON, State, User, jsonable, monotonic

FAULT_KINDS = ("429", "500", "timeout", "403")
# A "timeout" fault never answers; the client gives up first. This bounds the wait anyway.
TIMEOUT_FAULT_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    retry_after: int


class Emulator:
    """An offline Telegram for one bot: Bot API calls in, updates and answers out.

    All state lives on the instance. ``clock`` gives Telegram's time (message dates, flood
    windows, the 15 s callback and 48 h delete windows) so tests can drive it; on top of it
    ``advance_clock`` (``POST /_emu/clock``) moves the emulated time forward, which also works
    over HTTP. Idleness (``wait_idle``) uses the real monotonic clock.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "banzu_demo_bot",
        bot_id: int = 7000000001,
        clock: Callable[[], float] = time.time,
        *,
        privacy_mode: bool = True,
        bot_name: str = "Banzu",
        spec: Spec | None = None,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.clock = clock
        self.privacy_mode = privacy_mode
        self.spec = spec or load_spec()
        self.clock_offset = 0.0
        self.reset()

    # ================================================================== Bot API

    async def handle_api(
        self,
        token: str,
        method: str,
        params: dict[str, Any],
        *,
        read_timeout: float | None = None,
    ) -> tuple[int, JSON]:
        """One Bot API call, params decoded by ``wire``; (HTTP status, Telegram JSON body)."""
        spec_method = self.spec.method(method)
        name = spec_method.name if spec_method else method
        self.state.stats.calls[name] += 1
        polling = name == "getUpdates"
        if not polling:
            self._busy += 1
        try:
            status, body = await self._dispatch(token, name, params, read_timeout)
        finally:
            if not polling:
                self._busy -= 1
                self._last_activity = monotonic()
        if polling and body.get("result"):
            self._last_activity = monotonic()
        return status, body

    async def _dispatch(
        self, token: str, name: str, params: dict[str, Any], read_timeout: float | None
    ) -> tuple[int, JSON]:
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        spec_method = self.spec.method(name)
        if spec_method is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        st = self.state
        try:
            coerced = self.spec.coerce_params(spec_method, params)
            for unknown in coerced.unknown:
                self._violation(name, "unknown_parameter", f"unknown parameter {unknown}", params)
            for mistake in coerced.tolerated:
                self._violation(name, "bad_parameter", mistake, params)
            fault = self._take_fault(name)
            if fault is not None:
                return await self._apply_fault(fault)
            handler = METHODS.get(name.lower())
            if handler is None:
                self._violation(name, "unsupported_method", "not implemented", params)
                raise bad_request("method not supported by the emulator")
            call = Call(name, coerced.params, coerced.texts, read_timeout)
            result = await call_method(st, handler, call)
        except ApiError as exc:
            if exc.violation:
                self._violation(name, exc.rule or "bad_request", exc.description, params)
            return exc.code, exc.body()
        try:
            self.spec.check(spec_method.returns, result, f"result of {name}")
        except AssertionError as exc:
            st.stats.bugs.append(str(exc))
            raise
        body: JSON = {"ok": True, "result": result}
        if call.description:
            body["description"] = call.description
        return 200, body

    def _violation(self, method: str, kind: str, detail: str, params: dict[str, Any]) -> None:
        self.state.stats.violations.append(
            {"method": method, "kind": kind, "detail": detail, "params": jsonable(params)}
        )

    def _take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method.lower())
        if not queue:
            return None
        self.state.stats.faults += 1
        return queue.popleft()

    async def _apply_fault(self, fault: Fault) -> tuple[int, JSON]:
        if fault.kind == "timeout":
            await asyncio.sleep(TIMEOUT_FAULT_SECONDS)
            fault = Fault("500", 0)
        if fault.kind == "429":
            n = fault.retry_after
            return 429, ApiError(429, f"Too Many Requests: retry after {n}", retry_after=n).body()
        if fault.kind == "403":
            return 403, ApiError(403, "Forbidden: bot was blocked by the user").body()
        return 500, ApiError(500, "Internal Server Error").body()

    # ================================================================== control API

    async def control(
        self, http_method: str, path: str, body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        """The ``/_emu/...`` control API (DESIGN.md §6); (HTTP status, JSON value or bytes)."""
        return await control_dispatch(self, http_method, path, body, query)

    # ================================================================== conveniences

    def reset(self) -> None:
        """Empty Telegram: no users, chats, updates, stats, faults; default flood limits."""
        old = getattr(self, "state", None)
        bot = User(self.bot_id, self.bot_name, username=self.bot_username, is_bot=True)
        self.clock_offset = 0.0
        self.state = State(self.spec, bot, self.now, self.privacy_mode)
        if old is not None:
            for waiter in old.waiters:  # release long polls on the old world
                if not waiter.done():
                    waiter.set_result(None)
            old.webhook = None  # its delivery loop ends at the next wake-up
            old.delivery.wakeup.set()
        self._faults: dict[str, deque[Fault]] = {}
        self._expected_429 = 0
        self._expected_violations = 0
        self._busy = 0
        self._last_activity = monotonic()

    def now(self) -> float:
        """Telegram's time: the injected clock plus every ``advance_clock``."""
        return self.clock() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        """Move the emulated time forward (never back: Telegram's dates only grow); new now."""
        if not seconds >= 0:
            raise ControlError("seconds must be a number >= 0: the clock never goes back")
        self.clock_offset += seconds
        return self.now()

    def add_user(
        self,
        id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> JSON:
        return inject.add_user(self.state, id, first_name, last_name, username, language_code)

    def add_chat(self, id: int, type: str, title: str | None = None) -> JSON:
        return inject.add_chat(self.state, id, type, title)

    def set_member(
        self,
        chat_id: int,
        user_id: int,
        status: str,
        *,
        rights: dict[str, bool] | None = None,
        permissions: dict[str, bool] | None = None,
        until_date: int | None = None,
    ) -> list[int]:
        """Membership of a user (or the bot: ``user_id=emulator.bot_id``) in a group, with an
        administrator's ``rights`` or a restricted member's ``permissions``; update ids."""
        return inject.set_member(
            self.state, chat_id, user_id, status, rights, permissions, until_date
        )

    def set_chat_permissions(self, chat_id: int, permissions: dict[str, bool]) -> JSON:
        return inject.set_chat_permissions(self.state, chat_id, permissions)

    def send_message(
        self, chat_id: int, from_id: int, text: str, reply_to_message_id: int | None = None
    ) -> JSON:
        return inject.send_message(self.state, chat_id, from_id, text, reply_to_message_id)

    def send_document(
        self,
        chat_id: int,
        from_id: int,
        file_name: str,
        content: bytes,
        caption: str | None = None,
    ) -> JSON:
        return inject.send_document(self.state, chat_id, from_id, file_name, content, caption)

    def send_photo(
        self,
        chat_id: int,
        from_id: int,
        content: bytes | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
    ) -> JSON:
        """A user sends a photo (``content``: image bytes; default: a real sample JPEG)."""
        return inject.send_photo(self.state, chat_id, from_id, content, caption, media_group_id)

    def press(
        self,
        chat_id: int,
        from_id: int,
        message_id: int,
        data: str | None = None,
        button_text: str | None = None,
    ) -> JSON:
        return inject.press(self.state, chat_id, from_id, message_id, data, button_text)

    def answer_poll(self, poll_id: str, user_id: int, option_ids: list[int]) -> JSON:
        return inject.answer_poll(self.state, poll_id, user_id, option_ids)

    def block(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or, with ``blocked=False``, unblocks) the bot."""
        inject.set_blocked(self.state, user_id, blocked)

    def transcript(self, chat_id: int | None = None, after_seq: int = 0) -> list[JSON]:
        return [
            copy.deepcopy(e)
            for e in self.state.transcript[after_seq:]
            if chat_id is None or e["chat_id"] == chat_id
        ]

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The message as it is now (after edits), or None if unknown or deleted."""
        chat = self.state.chats.get(chat_id)
        msg = chat.messages.get(message_id) if chat else None
        return copy.deepcopy(msg.data) if msg else None

    def messages(self, chat_id: int) -> list[JSON]:
        chat = self.state.chats.get(chat_id)
        return [copy.deepcopy(m.data) for m in chat.messages.values()] if chat else []

    def file_bytes(self, file_id: str) -> bytes:
        stored = self.state.files.get(file_id)
        if stored is None:
            raise ControlError(f"unknown file {file_id!r}", status=404)
        return stored.content

    async def wait_idle(self, idle_ms: int = 50, timeout_ms: int = 5000) -> bool:
        """True once every update was fetched and the bot made no call for ``idle_ms``."""
        start = monotonic()
        idle = idle_ms / 1000
        while True:
            now = monotonic()
            quiet = now - self._last_activity
            if self.state.pending() == 0 and self._busy == 0 and quiet >= idle:
                return True
            if now - start >= timeout_ms / 1000:
                return False
            await asyncio.sleep(max(0.002, min(idle - quiet, 0.01)))

    def fail_next(
        self, method: str, kind: str, count: int = 1, retry_after: int | None = None
    ) -> None:
        spec_method = self.spec.method(method)
        if spec_method is None:
            raise ControlError(f"unknown Bot API method {method!r}")
        if kind not in FAULT_KINDS:
            raise ControlError(f"kind must be one of {', '.join(FAULT_KINDS)}, not {kind!r}")
        if count < 1:
            raise ControlError("count must be at least 1")
        queue = self._faults.setdefault(spec_method.name.lower(), deque())
        queue.extend(Fault(kind, retry_after or 5) for _ in range(count))

    def set_limits(self, enforce: bool = True, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ControlError("scale must be a positive number")
        self.state.flood.configure(enforce, scale)

    def stats(self) -> JSON:
        s = self.state.stats
        return {
            "calls": dict(s.calls),
            "flood_429": s.flood_429,
            "spec_violations": copy.deepcopy(s.violations),
            "pending_updates": self.state.pending(),
            "faults_injected": s.faults,
            "emulator_bugs": list(s.bugs),
            "callback_answers_late": s.late_answers,
            "webhook_deliveries": s.webhook_deliveries,
            "webhook_errors": s.webhook_errors,
        }

    def expect_429(self, n: int = 1) -> None:
        """Declare that the test provokes ``n`` flood 429s on purpose."""
        self._expected_429 += n

    def expect_violations(self, n: int = 1) -> None:
        """Declare that the test sends ``n`` requests breaking the spec on purpose."""
        self._expected_violations += n

    def problems(self) -> list[str]:
        """What a test should fail for: spec violations, unexpected 429s, emulator bugs."""
        s = self.state.stats
        out: list[str] = []
        if len(s.violations) > self._expected_violations:
            extra = s.violations[self._expected_violations :]
            out.append(f"{len(extra)} Bot API spec violation(s) by the bot: {extra}")
        if s.flood_429 > self._expected_429:
            out.append(
                f"{s.flood_429} flood 429(s), {self._expected_429} expected (emulator.expect_429)"
            )
        out.extend(f"emulator bug: {b}" for b in s.bugs)
        return out
