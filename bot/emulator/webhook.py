"""Webhooks: setWebhook / deleteWebhook / getWebhookInfo and delivery of updates by HTTP POST.

The rules are ``Client::process_set_webhook_query`` / ``do_set_webhook`` and ``WebhookActor``
(telegram-bot-api). The emulator is offline, so it behaves like a Bot API server started with
``--local`` (``WebhookActor``: no HTTPS or port restriction in local mode) and delivers only to
loopback hosts; anything else is refused. Updates go out one at a time, in order, as the
JSON body of a POST with ``X-Telegram-Bot-Api-Secret-Token``; a non-2xx answer or a failed
connection is recorded (``last_error_date`` / ``last_error_message``) and retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from .errors import ApiError, bad_request
from .links import LinkError, parse_url

if TYPE_CHECKING:
    from .state import JSON, State

_SECRET = re.compile(r"[A-Za-z0-9_-]*")
RETRY_SECONDS = 0.5  # the real server backs off for longer; tests should not wait
DELIVERY_TIMEOUT = 10.0


@dataclass(slots=True)
class Webhook:
    url: str
    secret_token: str
    max_connections: int
    last_error_date: int = 0
    last_error_message: str = ""


def _loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook(params: JSON) -> Webhook:
    """The new webhook of a setWebhook call, or Telegram's refusal."""
    url = str(params.get("url") or "")
    try:
        parsed = parse_url(url, "https")
    except LinkError:
        raise bad_request("invalid webhook URL specified", rule="webhook") from None
    secret = str(params.get("secret_token") or "")
    if len(secret) > 256:
        raise bad_request("secret token is too long", rule="webhook")
    if not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters", rule="webhook")
    if not _loopback(parsed.host):
        raise bad_request(
            f"bad webhook: the emulator is offline and delivers only to loopback hosts, "
            f"not {parsed.host}",
            rule="webhook",
        )
    # Client::get_webhook_max_connections: clamped to 1..100 (local mode: 100000), default 40.
    max_connections = min(max(int(params.get("max_connections") or 40), 1), 100000)
    return Webhook(parsed.url(), secret, max_connections)


class Delivery:
    """POSTs queued updates to the webhook while one is set."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.task: asyncio.Task[None] | None = None
        self.wakeup = asyncio.Event()
        self.drained = asyncio.Event()  # set while nothing is left to deliver

    def start(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        self.wakeup.set()

    async def stop(self) -> None:
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        st = self.state
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT)
        ) as session:
            while st.webhook is not None:
                if not st.updates:
                    self.drained.set()
                    self.wakeup.clear()
                    await self.wakeup.wait()
                    continue
                self.drained.clear()
                hook, update = st.webhook, st.updates[0]
                st.fetched_upto = max(st.fetched_upto, update["update_id"])
                error = await _post(session, hook, update)
                if st.webhook is not hook:
                    continue  # changed while we were posting
                if error is None:
                    if st.updates and st.updates[0] is update:
                        st.updates.pop(0)
                    st.stats.webhook_deliveries += 1
                    continue
                hook.last_error_date = st.now()
                hook.last_error_message = error
                st.stats.webhook_errors += 1
                await asyncio.sleep(RETRY_SECONDS)


async def _post(session: aiohttp.ClientSession, hook: Webhook, update: JSON) -> str | None:
    headers = {"Content-Type": "application/json"}
    if hook.secret_token:
        headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
    body = json.dumps(update, ensure_ascii=False).encode()
    try:
        async with session.post(hook.url, data=body, headers=headers) as response:
            await response.read()
            if 200 <= response.status < 300:
                return None
            return f"Wrong response from the webhook: {response.status} {response.reason}"
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        return f"Connection failed: {type(exc).__name__}"


def webhook_info(st: State) -> dict[str, Any]:
    hook = st.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(st.updates),
    }
    if hook is not None:
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        info["max_connections"] = hook.max_connections
        if st.allowed_updates is not None:
            info["allowed_updates"] = sorted(st.allowed_updates)
    return info


GET_UPDATES_CONFLICT = ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first",
)
