"""Flood limits (sliding windows on the injected clock), faults and getUpdates semantics."""

from __future__ import annotations

import asyncio

import pytest

from bot.emulator import Emulator
from bot.emulator.flood import FloodControl

from .conftest import GROUP, SUPERGROUP, USER, Api, FakeClock


async def _burst(api: Api, chat_id: int, n: int) -> list[int]:
    return [(await api("sendMessage", chat_id=chat_id, text=f"#{i}"))[0] for i in range(n)]


async def test_private_chat_allows_a_burst_of_three_per_three_seconds(
    world: Emulator, api: Api, clock: FakeClock
) -> None:
    assert await _burst(api, USER, 3) == [200, 200, 200]
    status, body = await api("sendMessage", chat_id=USER, text="too fast")
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    clock.advance(2.5)
    _, body = await api("sendMessage", chat_id=USER, text="still")
    assert body["parameters"]["retry_after"] == 1  # ceil(0.5)
    clock.advance(0.5)
    assert await _burst(api, USER, 3) == [200, 200, 200]
    assert world.stats()["flood_429"] == 2


async def test_group_twenty_per_minute_edits_count(
    world: Emulator, api: Api, clock: FakeClock
) -> None:
    _, body = await api("sendMessage", chat_id=GROUP, text="tally 0")
    mid = body["result"]["message_id"]
    for i in range(1, 20):
        clock.advance(0.1)
        status, _ = await api("editMessageText", chat_id=GROUP, message_id=mid, text=f"tally {i}")
        assert status == 200
    status, body = await api("editMessageText", chat_id=GROUP, message_id=mid, text="tally 20")
    assert status == 429 and body["parameters"]["retry_after"] == 59  # ceil(60 - 1.9)
    clock.advance(58.2)
    assert (await api("sendMessage", chat_id=GROUP, text="ok"))[0] == 200
    # Non-message methods never count.
    assert (await api("getChat", chat_id=GROUP))[0] == 200


async def test_thirty_per_second_overall(world: Emulator, api: Api, clock: FakeClock) -> None:
    assert await _burst(api, GROUP, 20) == [200] * 20
    assert await _burst(api, SUPERGROUP, 10) == [200] * 10
    status, body = await api("sendMessage", chat_id=SUPERGROUP, text="31st")
    assert status == 429 and body["parameters"]["retry_after"] == 1
    clock.advance(1.0)
    assert (await api("sendMessage", chat_id=SUPERGROUP, text="later"))[0] == 200


async def test_limits_scale_and_switch_off(world: Emulator, api: Api, clock: FakeClock) -> None:
    world.set_limits(enforce=True, scale=10)
    assert await _burst(api, GROUP, 20) == [200] * 20
    _, body = await api("sendMessage", chat_id=GROUP, text="x")
    assert body["parameters"]["retry_after"] == 6  # 60 s / 10
    clock.advance(6)
    assert (await api("sendMessage", chat_id=GROUP, text="x"))[0] == 200
    world.set_limits(enforce=False)
    assert set(await _burst(api, USER, 50)) == {200}


def test_refused_calls_consume_nothing() -> None:
    flood = FloodControl()
    assert [flood.admit(1, "private", 0.0) for _ in range(3)] == [None, None, None]
    assert flood.admit(1, "private", 1.0) == 2
    assert flood.admit(1, "private", 2.0) == 1
    assert flood.admit(1, "private", 3.0) is None  # the refusals did not extend the window


async def test_expected_429_do_not_count_as_problems(world: Emulator, api: Api) -> None:
    await _burst(api, USER, 4)
    assert world.problems()
    world.expect_429(1)
    assert world.problems() == []


@pytest.mark.parametrize(
    ("kind", "status", "description"),
    [
        ("429", 429, "Too Many Requests: retry after 7"),
        ("500", 500, "Internal Server Error"),
        ("403", 403, "Forbidden: bot was blocked by the user"),
    ],
)
async def test_faults_fail_the_next_calls(
    world: Emulator, api: Api, kind: str, status: int, description: str
) -> None:
    world.fail_next("sendmessage", kind, count=2, retry_after=7)
    for _ in range(2):
        got, body = await api("sendMessage", chat_id=USER, text="x")
        assert (got, body["description"]) == (status, description)
    assert (await api("sendMessage", chat_id=USER, text="x"))[0] == 200
    assert (await api("getMe"))[0] == 200
    assert world.stats()["faults_injected"] == 2 and world.stats()["flood_429"] == 0


async def test_timeout_fault_never_answers(world: Emulator, api: Api) -> None:
    world.fail_next("sendMessage", "timeout")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await api("sendMessage", chat_id=USER, text="x")
    assert (await api("sendMessage", chat_id=USER, text="x"))[0] == 200


async def test_get_updates_offsets_and_limit(world: Emulator, api: Api) -> None:
    ids = [world.send_message(USER, USER, f"m{i}")["update_id"] for i in range(5)]
    _, body = await api("getUpdates", limit=2)
    assert [u["update_id"] for u in body["result"]] == ids[:2]
    assert world.stats()["pending_updates"] == 3
    _, body = await api("getUpdates", offset=ids[1] + 1, limit=0)  # limit clamped to 1
    assert [u["update_id"] for u in body["result"]] == [ids[2]]
    _, body = await api("getUpdates", offset=-2)
    assert [u["update_id"] for u in body["result"]] == ids[3:]
    _, body = await api("getUpdates")  # earlier ones were forgotten by the negative offset
    assert [u["update_id"] for u in body["result"]] == ids[3:]
    _, body = await api("getUpdates", offset=ids[-1] + 1)
    assert body["result"] == [] and world.stats()["pending_updates"] == 0


async def test_long_poll_wakes_on_a_new_update(world: Emulator, api: Api) -> None:
    task = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.01)
    assert not task.done()
    uid = world.send_message(USER, USER, "醒醒")["update_id"]
    _, body = await asyncio.wait_for(task, 1)
    assert [u["update_id"] for u in body["result"]] == [uid]


async def test_long_poll_times_out_empty(world: Emulator, api: Api) -> None:
    status, body = await api("getUpdates", timeout=0.05)  # JSON numbers need not be integers
    assert status == 400  # ... but Integer parameters must be
    loop = asyncio.get_running_loop()
    start = loop.time()
    status, body = await world.handle_api(
        world.token, "getUpdates", {"timeout": "1"}, read_timeout=0.05
    )
    assert (status, body["result"]) == (200, [])
    assert loop.time() - start < 0.5


async def test_allowed_updates_are_sticky(world: Emulator, api: Api) -> None:
    await api("getUpdates", allowed_updates=["callback_query"])
    assert world.send_message(USER, USER, "dropped")["update_id"] is None
    await api("getUpdates")  # not specified: the previous setting stays
    assert world.send_message(USER, USER, "dropped")["update_id"] is None
    await api("getUpdates", allowed_updates=[])  # empty: the default set again
    assert world.send_message(USER, USER, "kept")["update_id"] is not None
    world.state.updates.clear()
    world.set_member(SUPERGROUP, 1002, "member")  # chat_member is not in the default set
    assert ["chat_member" in u for u in world.state.updates] == [False]
    await api("getUpdates", allowed_updates=["chat_member"])
    world.set_member(SUPERGROUP, 1002, "left")
    assert "chat_member" in world.state.updates[-1]


async def test_drop_pending_updates(world: Emulator, api: Api) -> None:
    world.send_message(USER, USER, "old")
    await api("deleteWebhook", drop_pending_updates=True)
    assert (await api("getUpdates"))[1]["result"] == []
    _, body = await api("getWebhookInfo")
    assert body["result"] == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


async def test_wait_idle(world: Emulator, api: Api) -> None:
    world.send_message(USER, USER, "hi")
    assert await world.wait_idle(idle_ms=10, timeout_ms=50) is False  # never fetched
    await api("getUpdates", offset=-1)
    assert await world.wait_idle(idle_ms=10, timeout_ms=500) is True


async def test_reset_empties_everything(world: Emulator, api: Api) -> None:
    await api("sendMessage", chat_id=USER, text="x")
    world.set_limits(enforce=False)
    world.reset()
    assert world.stats() == {
        "calls": {},
        "flood_429": 0,
        "spec_violations": [],
        "pending_updates": 0,
        "faults_injected": 0,
        "emulator_bugs": [],
        "callback_answers_late": 0,
        "webhook_deliveries": 0,
        "webhook_errors": 0,
    }
    assert world.transcript() == [] and world.state.chats == {}
    assert world.state.flood.enforce
