"""Webhooks and getUpdates conflicts (Client.cpp process_set_webhook_query, abort_long_poll)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from bot.emulator import Emulator

from .conftest import USER, Api

OTHER = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)


class Receiver:
    """A webhook endpoint on loopback that records what it gets."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, Any], str | None]] = []
        self.fail_first = 0
        self.url = ""
        self.event = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_first:
            self.fail_first -= 1
            return web.Response(status=500)
        self.got.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        self.event.set()
        return web.Response(text="ok")

    async def wait(self, n: int) -> None:
        async with asyncio.timeout(5):
            while len(self.got) < n:
                self.event.clear()
                await self.event.wait()


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rec.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield rec
    await runner.cleanup()


async def test_webhook_delivers_updates_in_order(
    world: Emulator, api: Api, receiver: Receiver
) -> None:
    status, body = await api("setWebhook", url=receiver.url, secret_token="s3cret_-")
    assert (status, body) == (200, {"ok": True, "result": True, "description": "Webhook was set"})
    _, body = await api("setWebhook", url=receiver.url, secret_token="s3cret_-")
    assert body["description"] == "Webhook is already set"
    world.send_message(USER, USER, "一")
    world.send_message(USER, USER, "二")
    await receiver.wait(2)
    # The emulator confirms an update once the POST has been answered.
    await asyncio.wait_for(world.state.delivery.drained.wait(), 5)
    assert [u["message"]["text"] for u, _ in receiver.got] == ["一", "二"]
    assert {token for _, token in receiver.got} == {"s3cret_-"}
    _, info = await api("getWebhookInfo")
    assert info["result"]["url"] == receiver.url and info["result"]["pending_update_count"] == 0
    assert world.stats()["webhook_deliveries"] == 2
    status, body = await api("getUpdates")
    assert status == 409 and body["description"] == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    _, body = await api("deleteWebhook")
    assert body["description"] == "Webhook was deleted"
    _, body = await api("deleteWebhook")
    assert body["description"] == "Webhook is already deleted"
    world.send_message(USER, USER, "三")
    _, body = await api("getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["三"]
    assert [v["kind"] for v in world.stats()["spec_violations"]] == ["conflict"]


async def test_failed_delivery_is_retried_and_reported(
    world: Emulator, api: Api, receiver: Receiver
) -> None:
    receiver.fail_first = 1
    await api("setWebhook", url=receiver.url)
    world.send_message(USER, USER, "重试")
    await receiver.wait(1)
    _, info = await api("getWebhookInfo")
    assert info["result"]["last_error_message"].startswith("Wrong response from the webhook: 500")
    assert world.stats()["webhook_errors"] == 1
    await api("deleteWebhook")


async def test_empty_url_deletes_and_drop_pending(
    world: Emulator, api: Api, receiver: Receiver
) -> None:
    world.send_message(USER, USER, "旧")
    _, body = await api("setWebhook", url="")
    assert body["description"] == "Webhook is already deleted"
    await api("deleteWebhook", drop_pending_updates=True)
    assert world.state.updates == []


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"url": "http://127.0.0.1:99999/x"}, "invalid webhook URL specified"),
        ({"url": "ftp://127.0.0.1/x"}, "invalid webhook URL specified"),
        (
            {"url": "https://127.0.0.1/x", "secret_token": "a b"},
            "secret token contains unallowed characters",
        ),
        ({"url": "https://127.0.0.1/x", "secret_token": "a" * 257}, "secret token is too long"),
    ],
)
async def test_set_webhook_refusals(
    world: Emulator, api: Api, params: dict[str, Any], words: str
) -> None:
    status, body = await api("setWebhook", **params)
    assert (status, body["description"]) == (400, f"Bad Request: {words}")


async def test_offline_emulator_refuses_remote_webhooks(world: Emulator, api: Api) -> None:
    _, body = await api("setWebhook", url="https://example.com/hook")
    assert body["description"].startswith("Bad Request: bad webhook:")
    assert world.state.webhook is None


async def test_second_long_poll_terminates_the_first(world: Emulator, api: Api) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(api("getUpdates", timeout=5))
    status, body = await asyncio.wait_for(first, 1)
    assert (status, body["description"]) == (409, OTHER)
    world.send_message(USER, USER, "在")
    status, body = await asyncio.wait_for(second, 1)
    assert status == 200 and body["result"][0]["message"]["text"] == "在"
    assert [v["kind"] for v in world.stats()["spec_violations"]] == ["conflict"]


async def test_set_webhook_terminates_a_long_poll(
    world: Emulator, api: Api, receiver: Receiver
) -> None:
    poll = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.01)
    await api("setWebhook", url=receiver.url)
    status, body = await asyncio.wait_for(poll, 1)
    assert (status, body["description"]) == (409, "Conflict: terminated by setWebhook request")
    await api("deleteWebhook")
