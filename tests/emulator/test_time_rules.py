"""Time rules on the emulator's clock: 15 s to answer a button press, 48 h to delete, no edit
window for the bot's own messages; the clock moves by ``advance_clock`` / ``POST /_emu/clock``."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator import ControlError, Emulator

from .conftest import GROUP, SUPERGROUP, USER, Api, FakeClock

KB = {"inline_keyboard": [[{"text": "已学", "callback_data": "learn:v1:7:done"}]]}
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


async def ctl(emu: Emulator, method: str, path: str, body: Any = None) -> Any:
    return await emu.control(method, path, body, {})


async def press(world: Emulator, api: Api, chat: int = GROUP) -> str:
    _, body = await api("sendMessage", chat_id=chat, text="今日学习", reply_markup=KB)
    pressed = world.press(chat, USER, body["result"]["message_id"], data="learn:v1:7:done")
    return str(pressed["callback_query_id"])


async def test_clock_control_moves_telegram_time(world: Emulator, clock: FakeClock) -> None:
    assert await ctl(world, "GET", "clock") == (200, {"now": clock.now, "offset": 0.0})
    status, body = await ctl(world, "POST", "clock", {"advance": 90})
    assert (status, body) == (200, {"now": clock.now + 90, "offset": 90.0})
    sent = world.send_message(USER, USER, "hi")
    assert world.message(USER, sent["message_id"])["date"] == int(clock.now + 90)  # type: ignore[index]
    status, body = await ctl(world, "POST", "clock", {"now": clock.now + 100})
    assert body["now"] == clock.now + 100
    assert (await ctl(world, "POST", "clock", {"advance": -1}))[0] == 400
    assert (await ctl(world, "POST", "clock", {"now": clock.now}))[0] == 400  # never back
    assert (await ctl(world, "POST", "clock", {"advance": "soon"}))[0] == 400
    with pytest.raises(ControlError):
        world.advance_clock(float("nan"))
    world.reset()
    assert world.clock_offset == 0.0


async def test_callback_answer_within_15_seconds(world: Emulator, api: Api) -> None:
    query_id = await press(world, api)
    world.advance_clock(15)
    assert await api("answerCallbackQuery", callback_query_id=query_id) == (
        200,
        {"ok": True, "result": True},
    )
    assert world.stats()["callback_answers_late"] == 0
    assert world.stats()["spec_violations"] == []


@pytest.mark.parametrize("late", [15.5, 16, 3600])
async def test_callback_answer_after_15_seconds_is_too_old(
    world: Emulator, api: Api, late: float
) -> None:
    query_id = await press(world, api)
    world.advance_clock(late)
    status, body = await api("answerCallbackQuery", callback_query_id=query_id, text="已记录")
    assert (status, body["description"]) == (400, TOO_OLD)
    stats = world.stats()
    assert stats["callback_answers_late"] == 1
    assert [v["kind"] for v in stats["spec_violations"]] == ["callback_answer_after_15s"]
    # The slot is gone: a second try is refused too, but it is not counted as late again.
    status, body = await api("answerCallbackQuery", callback_query_id=query_id)
    assert body["description"] == TOO_OLD and world.stats()["callback_answers_late"] == 1


async def test_late_answers_in_http_stats(world: Emulator, api: Api) -> None:
    query_id = await press(world, api)
    await ctl(world, "POST", "clock", {"advance": 20})
    await api("answerCallbackQuery", callback_query_id=query_id)
    status, stats = await ctl(world, "GET", "stats")
    assert status == 200 and stats["callback_answers_late"] == 1


@pytest.mark.parametrize(
    ("chat", "words"),
    [
        (GROUP, "message can't be deleted for everyone"),
        (USER, "message can't be deleted for everyone"),
        (SUPERGROUP, "message can't be deleted"),
    ],
)
async def test_bot_deletes_only_within_48_hours(
    world: Emulator, api: Api, chat: int, words: str
) -> None:
    _, first = await api("sendMessage", chat_id=chat, text="一")
    _, second = await api("sendMessage", chat_id=chat, text="二")
    world.advance_clock(2 * 86400 - 1)
    ok = await api("deleteMessage", chat_id=chat, message_id=first["result"]["message_id"])
    assert ok == (200, {"ok": True, "result": True})
    world.advance_clock(1)
    status, body = await api(
        "deleteMessage", chat_id=chat, message_id=second["result"]["message_id"]
    )
    assert (status, body["description"]) == (400, f"Bad Request: {words}")
    assert world.message(chat, second["result"]["message_id"]) is not None
    assert [v["kind"] for v in world.stats()["spec_violations"]] == ["delete_after_48h"]


async def test_admin_bot_deletes_users_messages_within_48_hours(world: Emulator, api: Api) -> None:
    old = world.send_message(SUPERGROUP, USER, "旧")["message_id"]
    world.advance_clock(3600)
    new = world.send_message(SUPERGROUP, USER, "新")["message_id"]
    world.advance_clock(2 * 86400 - 1800)
    assert (await api("deleteMessage", chat_id=SUPERGROUP, message_id=new))[0] == 200
    _, body = await api("deleteMessage", chat_id=SUPERGROUP, message_id=old)
    assert body["description"] == "Bad Request: message can't be deleted"
    _, body = await api("deleteMessages", chat_id=SUPERGROUP, message_ids=[old])
    assert body["description"] == "Bad Request: message can't be deleted"


async def test_bot_edits_its_own_messages_without_time_limit(world: Emulator, api: Api) -> None:
    _, body = await api("sendMessage", chat_id=GROUP, text="签到 0/5", reply_markup=KB)
    mid = body["result"]["message_id"]
    world.advance_clock(30 * 86400)
    status, body = await api("editMessageText", chat_id=GROUP, message_id=mid, text="签到 5/5")
    assert status == 200 and body["result"]["edit_date"] == int(world.now())
    status, _ = await api("editMessageReplyMarkup", chat_id=GROUP, message_id=mid, reply_markup=KB)
    assert status == 200


@pytest.mark.parametrize(
    "markup",
    [
        {"keyboard": [[{"text": "签到"}]], "resize_keyboard": True},
        {"remove_keyboard": True},
        {"force_reply": True},
    ],
)
async def test_message_with_reply_keyboard_cannot_be_edited(
    world: Emulator, api: Api, markup: dict[str, Any]
) -> None:
    _, body = await api("sendMessage", chat_id=USER, text="菜单", reply_markup=markup)
    mid = body["result"]["message_id"]
    _, body = await api("editMessageText", chat_id=USER, message_id=mid, text="新菜单")
    assert body["description"] == "Bad Request: message can't be edited"
    _, body = await api("editMessageReplyMarkup", chat_id=USER, message_id=mid, reply_markup=KB)
    assert body["description"] == "Bad Request: message can't be edited"
    assert {v["kind"] for v in world.stats()["spec_violations"]} == {"edit_reply_keyboard_message"}
