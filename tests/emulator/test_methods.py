"""Bot API methods: a spec walk over what the bot uses, and Telegram's stateful answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.emulator import Emulator, UploadedFile

from .conftest import ADMIN, EMPTY_GROUP, GROUP, STRANGER, SUPERGROUP, USER, Api

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x08" + b"\x00" * 16
KB = {"inline_keyboard": [[{"text": "已学", "callback_data": "learn:v1:7:done"}]]}

Params = Callable[[dict[str, Any]], dict[str, Any]]


async def _prepare(emu: Emulator, api: Api) -> dict[str, Any]:
    """Messages, a poll and a callback query the walk's calls can refer to."""
    ctx: dict[str, Any] = {}
    for key in ("mid", "mid2", "mid3"):
        _, body = await api("sendMessage", chat_id=SUPERGROUP, text=key, reply_markup=KB)
        ctx[key] = body["result"]["message_id"]
    _, body = await api(
        "sendPoll", chat_id=SUPERGROUP, question="Q?", options=[{"text": "a"}, {"text": "b"}]
    )
    ctx["poll_mid"] = body["result"]["message_id"]
    for key in ("cq", "cq2"):
        ctx[key] = emu.press(SUPERGROUP, USER, ctx["mid"], data="learn:v1:7:done")[
            "callback_query_id"
        ]
    await api("pinChatMessage", chat_id=SUPERGROUP, message_id=ctx["mid2"])
    return ctx


# method -> (minimal valid call, broken call, Telegram's answer to the broken call)
WALK: dict[str, tuple[Params, Params, str]] = {
    "sendMessage": (
        lambda c: {"chat_id": GROUP, "text": "早上好"},
        lambda c: {"chat_id": GROUP},
        "Bad Request: message text is empty",
    ),
    "editMessageText": (
        lambda c: {"chat_id": SUPERGROUP, "message_id": c["mid"], "text": "new"},
        lambda c: {"chat_id": SUPERGROUP, "message_id": "first", "text": "new"},
        "Bad Request: message to edit not found",  # Client::get_message_id reads it as 0
    ),
    "editMessageReplyMarkup": (
        lambda c: {
            "chat_id": SUPERGROUP,
            "message_id": c["mid2"],
            "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "b"}]]},
        },
        lambda c: {"chat_id": SUPERGROUP, "message_id": c["mid2"], "reply_markup": "[1"},
        "Bad Request: can't parse reply keyboard markup JSON object",
    ),
    "deleteMessage": (
        lambda c: {"chat_id": SUPERGROUP, "message_id": c["mid3"]},
        lambda c: {"chat_id": SUPERGROUP},
        "Bad Request: message identifier is not specified",
    ),
    "answerCallbackQuery": (
        lambda c: {"callback_query_id": c["cq"], "text": "已记录"},
        lambda c: {"callback_query_id": c["cq2"], "text": "长" * 201},
        "Bad Request: MESSAGE_TOO_LONG",
    ),
    "sendDocument": (
        lambda c: {"chat_id": USER, "document": UploadedFile("名单.csv", b"a,b\n", "text/csv")},
        lambda c: {"chat_id": USER, "document": {"file": "x"}},
        "Bad Request: invalid document specified",
    ),
    "sendPhoto": (
        lambda c: {"chat_id": USER, "photo": UploadedFile("p.png", PNG, "image/png")},
        lambda c: {"chat_id": USER, "photo": UploadedFile("p.png", PNG), "caption": "c" * 1025},
        "Bad Request: message caption is too long",
    ),
    "sendPoll": (
        lambda c: {
            "chat_id": GROUP,
            "question": "学什么？",
            "options": [{"text": "安全"}, {"text": "质量"}],
        },
        lambda c: {"chat_id": GROUP, "question": "学什么？", "options": '[{"txt": "a"}]'},
        "Bad Request: can't parse options: Can't find field \"text\"",
    ),
    "stopPoll": (
        lambda c: {"chat_id": SUPERGROUP, "message_id": c["poll_mid"]},
        lambda c: {"chat_id": SUPERGROUP},
        'Bad Request: parameter "message_id" is required',
    ),
    "pinChatMessage": (
        lambda c: {"chat_id": SUPERGROUP, "message_id": c["mid"]},
        lambda c: {"message_id": c["mid"]},
        "Bad Request: chat_id is empty",
    ),
    "unpinChatMessage": (
        lambda c: {"chat_id": SUPERGROUP},
        lambda c: {"message_id": c["mid2"]},
        "Bad Request: chat_id is empty",
    ),
    "getChatMember": (
        lambda c: {"chat_id": GROUP, "user_id": USER},
        lambda c: {"chat_id": GROUP},
        'Bad Request: parameter "user_id" is required',
    ),
    "getChatAdministrators": (
        lambda c: {"chat_id": SUPERGROUP},
        lambda c: {},
        "Bad Request: chat_id is empty",
    ),
    "getChat": (lambda c: {"chat_id": GROUP}, lambda c: {}, "Bad Request: chat_id is empty"),
    "getMe": (lambda c: {}, lambda c: {"__token__": "654321:WRONG"}, "Unauthorized"),
    "setMyCommands": (
        lambda c: {"commands": [{"command": "start", "description": "开始"}]},
        lambda c: {"commands": [{"command": "a-b", "description": "开始"}]},
        "Bad Request: BOT_COMMAND_INVALID",
    ),
    "getUpdates": (
        lambda c: {"offset": -1, "limit": 10, "timeout": 0},
        lambda c: {"allowed_updates": "message"},
        "Bad Request: can't parse allowed_updates JSON object",
    ),
    "deleteWebhook": (
        lambda c: {"drop_pending_updates": False},
        lambda c: {"__token__": "654321:WRONG"},
        "Unauthorized",
    ),
    "copyMessage": (
        lambda c: {"chat_id": USER, "from_chat_id": SUPERGROUP, "message_id": c["mid"]},
        lambda c: {"chat_id": USER, "message_id": c["mid"]},
        'Bad Request: parameter "from_chat_id" is required',
    ),
    "forwardMessage": (
        lambda c: {"chat_id": USER, "from_chat_id": SUPERGROUP, "message_id": c["mid"]},
        lambda c: {"chat_id": USER, "from_chat_id": SUPERGROUP, "message_id": [1]},
        "Bad Request: message to forward not found",
    ),
}


@pytest.mark.parametrize("method", sorted(WALK))
async def test_spec_walk(world: Emulator, api: Api, method: str) -> None:
    world.set_limits(enforce=False)
    ctx = await _prepare(world, api)
    valid, broken, answer = WALK[method]
    status, body = await api(method, **valid(ctx))
    assert (status, body["ok"]) == (200, True), body
    assert world.stats()["spec_violations"] == []
    params = broken(ctx)
    token = params.pop("__token__", None)
    status, body = await api(method, token=token, **params)
    assert (status, body["description"]) == (401 if token else 400, answer)
    assert len(world.stats()["spec_violations"]) == (0 if token else 1)


async def test_unknown_method_and_case_insensitive_names(world: Emulator, api: Api) -> None:
    assert await api("sendMesage", chat_id=USER, text="x") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await api("SENDMESSAGE", chat_id=USER, text="x")
    assert status == 200 and body["result"]["text"] == "x"
    assert world.stats()["calls"] == {"sendMesage": 1, "sendMessage": 1}


async def test_unimplemented_method_is_not_faked(world: Emulator, api: Api) -> None:
    status, body = await api("sendDice", chat_id=USER)
    assert (status, body["description"]) == (
        400,
        "Bad Request: method not supported by the emulator",
    )
    assert world.stats()["spec_violations"][0]["kind"] == "unsupported_method"
    status, body = await api("sendDice", chat_id=USER, emoji=5, reply_markup="{")
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"


@pytest.mark.parametrize(
    ("chat_id", "status", "description"),
    [
        (USER, 200, None),
        (STRANGER, 403, "Forbidden: bot can't initiate conversation with a user"),
        (GROUP, 200, None),
        (EMPTY_GROUP, 403, "Forbidden: bot is not a member of the group chat"),
        (-999, 400, "Bad Request: chat not found"),
        ("@nobody", 400, "Bad Request: chat not found"),
        ("@zhangsan", 200, None),
    ],
)
async def test_who_the_bot_may_write_to(
    world: Emulator, api: Api, chat_id: Any, status: int, description: str | None
) -> None:
    got_status, body = await api("sendMessage", chat_id=chat_id, text="通知")
    assert got_status == status
    assert body.get("description") == description


async def test_removed_bot_and_blocking_user(world: Emulator, api: Api) -> None:
    world.set_member(GROUP, world.bot_id, "left")
    world.set_member(SUPERGROUP, world.bot_id, "kicked")
    _, body = await api("sendMessage", chat_id=GROUP, text="x")
    assert body["description"] == "Forbidden: bot was kicked from the group chat"
    _, body = await api("sendMessage", chat_id=SUPERGROUP, text="x")
    assert body["description"] == "Forbidden: bot was kicked from the supergroup chat"
    world.block(USER)
    _, body = await api("sendMessage", chat_id=USER, text="x")
    assert (body["error_code"], body["description"]) == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    kinds = [next(k for k in u if k != "update_id") for u in world.state.updates]
    assert kinds == ["my_chat_member", "my_chat_member", "my_chat_member"]
    assert world.state.updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    world.send_message(USER, USER, "/start")  # writing again unblocks
    status, _ = await api("sendMessage", chat_id=USER, text="x")
    assert status == 200


async def test_started_by_writing_in_private(world: Emulator, api: Api) -> None:
    world.send_message(STRANGER, STRANGER, "你好")
    status, _ = await api("sendMessage", chat_id=STRANGER, text="欢迎")
    assert status == 200


async def test_edit_delete_and_message_state(world: Emulator, api: Api) -> None:
    _, body = await api(
        "sendMessage", chat_id=GROUP, text="<b>签到</b>", parse_mode="HTML", reply_markup=KB
    )
    mid = body["result"]["message_id"]
    assert world.message(GROUP, mid)["reply_markup"] == KB  # type: ignore[index]
    edit = {
        "chat_id": GROUP,
        "message_id": mid,
        "text": "<b>签到</b>",
        "parse_mode": "HTML",
        "reply_markup": KB,
    }
    _, body = await api("editMessageText", **edit)
    assert body["description"].startswith("Bad Request: message is not modified")
    status, body = await api("editMessageText", chat_id=GROUP, message_id=mid, text="签到 3/5")
    assert status == 200 and "reply_markup" not in body["result"]  # no markup: keyboard removed
    assert world.message(GROUP, mid)["text"] == "签到 3/5"  # type: ignore[index]
    _, body = await api("editMessageReplyMarkup", chat_id=GROUP, message_id=mid)
    assert body["description"].startswith("Bad Request: message is not modified")
    _, body = await api("editMessageText", chat_id=GROUP, message_id=999, text="x")
    assert body["description"] == "Bad Request: message to edit not found"
    user_msg = world.send_message(GROUP, USER, "/checkin")["message_id"]
    _, body = await api("editMessageText", chat_id=GROUP, message_id=user_msg, text="x")
    assert body["description"] == "Bad Request: message can't be edited"
    _, body = await api("deleteMessage", chat_id=GROUP, message_id=user_msg)
    assert body["description"] == "Bad Request: message can't be deleted for everyone"
    assert (await api("deleteMessage", chat_id=GROUP, message_id=mid))[0] == 200
    assert world.message(GROUP, mid) is None
    _, body = await api("deleteMessage", chat_id=GROUP, message_id=mid)
    assert body["description"] == "Bad Request: message to delete not found"
    methods = [e["method"] for e in world.transcript(GROUP)]
    assert methods == ["sendMessage", "editMessageText", "deleteMessage"]


async def test_button_press_and_single_answer(world: Emulator, api: Api) -> None:
    _, body = await api("sendMessage", chat_id=GROUP, text="今日学习", reply_markup=KB)
    mid = body["result"]["message_id"]
    pressed = world.press(GROUP, USER, mid, button_text="已学")
    update = world.state.updates[-1]
    assert update["update_id"] == pressed["update_id"]
    assert update["callback_query"]["data"] == "learn:v1:7:done"
    assert update["callback_query"]["message"]["message_id"] == mid
    ok = await api("answerCallbackQuery", callback_query_id=pressed["callback_query_id"])
    assert ok == (200, {"ok": True, "result": True})
    _, body = await api("answerCallbackQuery", callback_query_id=pressed["callback_query_id"])
    assert body["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


@pytest.mark.parametrize(
    "press",
    [
        {"data": "nope"},
        {"button_text": "没有"},
        {"message_id": 999, "data": "learn:v1:7:done"},
        {},
    ],
)
async def test_press_needs_a_real_button(world: Emulator, api: Api, press: dict[str, Any]) -> None:
    from bot.emulator import ControlError

    _, body = await api("sendMessage", chat_id=GROUP, text="x", reply_markup=KB)
    kwargs = {"message_id": body["result"]["message_id"], **press}
    with pytest.raises(ControlError):
        world.press(GROUP, USER, **kwargs)


async def test_privacy_mode_in_groups(world: Emulator, api: Api) -> None:
    assert world.send_message(GROUP, USER, "随便聊聊")["update_id"] is None
    assert world.send_message(GROUP, USER, "/checkin")["update_id"] is not None
    assert world.send_message(GROUP, USER, "/checkin@other_bot")["update_id"] is None
    assert world.send_message(GROUP, USER, "@banzu_demo_bot 在吗")["update_id"] is not None
    _, body = await api("sendMessage", chat_id=GROUP, text="请回复")
    reply = world.send_message(
        GROUP, USER, "好的", reply_to_message_id=body["result"]["message_id"]
    )
    assert reply["update_id"] is not None
    msg = world.state.updates[-1]["message"]
    assert msg["reply_to_message"]["text"] == "请回复"
    # An administrator bot sees everything.
    assert world.send_message(SUPERGROUP, USER, "随便聊聊")["update_id"] is not None


async def test_membership_updates(world: Emulator) -> None:
    world.state.updates.clear()
    world.set_member(SUPERGROUP, STRANGER, "member")
    # chat_member needs opting in: only the service message arrives by default.
    kinds = [next(k for k in u if k != "update_id") for u in world.state.updates]
    assert kinds == ["message"]
    assert world.state.updates[0]["message"]["new_chat_members"][0]["id"] == STRANGER
    world.state.allowed_updates = frozenset({"chat_member", "message"})
    world.set_member(SUPERGROUP, STRANGER, "left")
    change = world.state.updates[-2]["chat_member"]
    assert (change["old_chat_member"]["status"], change["new_chat_member"]["status"]) == (
        "member",
        "left",
    )
    assert world.state.updates[-1]["message"]["left_chat_member"]["id"] == STRANGER
    world.set_member(SUPERGROUP, STRANGER, "left")  # no change, no update
    assert len(world.state.updates) == 3


async def test_chat_members_and_admins(world: Emulator, api: Api) -> None:
    _, body = await api("getChatMember", chat_id=GROUP, user_id=USER)
    assert body["result"]["status"] == "member"
    _, body = await api("getChatMember", chat_id=GROUP, user_id=STRANGER)
    assert body["result"]["status"] == "left"
    _, body = await api("getChatMember", chat_id=GROUP, user_id=424242)
    assert body["description"] == "Bad Request: user not found"
    _, body = await api("getChatAdministrators", chat_id=SUPERGROUP)
    assert sorted(m["user"]["id"] for m in body["result"]) == [ADMIN, world.bot_id]
    _, body = await api("getChatAdministrators", chat_id=USER)
    assert body["description"] == "Bad Request: there are no administrators in the private chat"
    _, body = await api("getChat", chat_id=USER)
    assert body["result"]["first_name"] == "张" and body["result"]["type"] == "private"


async def test_pins_need_rights_in_groups(world: Emulator, api: Api) -> None:
    _, body = await api("sendMessage", chat_id=GROUP, text="置顶")
    _, body = await api("pinChatMessage", chat_id=GROUP, message_id=body["result"]["message_id"])
    assert (
        body["description"]
        == "Bad Request: not enough rights to manage pinned messages in the chat"
    )
    _, body = await api("sendMessage", chat_id=SUPERGROUP, text="置顶")
    mid = body["result"]["message_id"]
    assert (await api("pinChatMessage", chat_id=SUPERGROUP, message_id=mid))[0] == 200
    _, body = await api("getChat", chat_id=SUPERGROUP)
    assert body["result"]["pinned_message"]["message_id"] == mid
    assert (await api("unpinChatMessage", chat_id=SUPERGROUP))[0] == 200
    _, body = await api("unpinChatMessage", chat_id=SUPERGROUP)
    assert body["description"] == "Bad Request: message to unpin not found"


async def test_polls(world: Emulator, api: Api) -> None:
    _, body = await api(
        "sendPoll",
        chat_id=GROUP,
        question="满意吗？",
        is_anonymous=False,
        options=[{"text": "是"}, {"text": "否"}],
    )
    poll_id, mid = body["result"]["poll"]["id"], body["result"]["message_id"]
    world.answer_poll(poll_id, USER, [1])
    answer, poll = world.state.updates[-2]["poll_answer"], world.state.updates[-1]["poll"]
    assert answer["option_ids"] == [1] and answer["user"]["id"] == USER
    assert [o["voter_count"] for o in poll["options"]] == [0, 1]
    world.answer_poll(poll_id, USER, [0])  # changing the vote moves it
    _, body = await api("stopPoll", chat_id=GROUP, message_id=mid)
    assert body["result"]["is_closed"] and body["result"]["total_voter_count"] == 1
    assert [o["voter_count"] for o in body["result"]["options"]] == [1, 0]
    _, body = await api("stopPoll", chat_id=GROUP, message_id=mid)
    assert body["description"] == "Bad Request: poll has already been closed"
    from bot.emulator import ControlError

    with pytest.raises(ControlError, match="closed"):
        world.answer_poll(poll_id, USER, [0])


async def test_anonymous_poll_answers_arrive_as_poll_state(world: Emulator, api: Api) -> None:
    _, body = await api("sendPoll", chat_id=GROUP, question="q", options=[{"text": "a"}])
    world.state.updates.clear()
    world.answer_poll(body["result"]["poll"]["id"], USER, [0])
    assert [next(k for k in u if k != "update_id") for u in world.state.updates] == ["poll"]


async def test_files_round_trip(world: Emulator, api: Api) -> None:
    status, body = await api(
        "sendDocument",
        chat_id=USER,
        caption="<i>导出</i>",
        parse_mode="HTML",
        document=UploadedFile("r.csv", b"1,2", "text/csv"),
    )
    assert status == 200
    doc = body["result"]["document"]
    assert (doc["file_name"], doc["file_size"], body["result"]["caption"]) == ("r.csv", 3, "导出")
    assert world.file_bytes(doc["file_id"]) == b"1,2"
    _, body = await api("sendDocument", chat_id=GROUP, document=doc["file_id"])  # reuse by id
    assert body["result"]["document"]["file_id"] == doc["file_id"]
    _, body = await api("getFile", file_id=doc["file_id"])
    assert body["result"]["file_path"].endswith(".csv")
    _, body = await api("sendDocument", chat_id=USER, document="https://example.org/a.pdf")
    assert body["description"] == "Bad Request: failed to get HTTP URL content"
    _, body = await api("sendPhoto", chat_id=USER, photo=UploadedFile("p.png", PNG))
    assert body["result"]["photo"][0]["width"] == 16 and body["result"]["photo"][0]["height"] == 8
    sent = world.send_document(USER, USER, "花名册.csv", "工号,姓名\n".encode(), caption="导入")
    update = world.state.updates[-1]["message"]
    assert update["document"]["file_name"] == "花名册.csv" and update["caption"] == "导入"
    assert world.file_bytes(sent["file_id"]) == "工号,姓名\n".encode()


async def test_commands_per_scope(world: Emulator, api: Api) -> None:
    group_scope = {"type": "chat", "chat_id": GROUP}
    await api("setMyCommands", commands=[{"command": "start", "description": "开始"}])
    await api(
        "setMyCommands", commands=[{"command": "checkin", "description": "签到"}], scope=group_scope
    )
    await api(
        "setMyCommands", commands=[{"command": "start", "description": "start"}], language_code="en"
    )
    _, body = await api("getMyCommands")
    assert body["result"] == [{"command": "start", "description": "开始"}]
    _, body = await api("getMyCommands", scope=group_scope)
    assert body["result"][0]["command"] == "checkin"
    _, body = await api("getMyCommands", language_code="en")
    assert body["result"][0]["description"] == "start"
    await api("deleteMyCommands", scope=group_scope)
    assert (await api("getMyCommands", scope=group_scope))[1]["result"] == []
    _, body = await api("setMyCommands", commands=[], scope={"type": "chat", "chat_id": -5})
    assert body["description"] == "Bad Request: chat not found"


async def test_copy_and_forward(world: Emulator, api: Api) -> None:
    _, body = await api("sendMessage", chat_id=GROUP, text="原文", reply_markup=KB)
    mid = body["result"]["message_id"]
    _, body = await api("copyMessage", chat_id=USER, from_chat_id=GROUP, message_id=mid)
    copied = world.message(USER, body["result"]["message_id"])
    assert copied is not None and copied["text"] == "原文" and "reply_markup" not in copied
    _, body = await api("forwardMessage", chat_id=USER, from_chat_id=GROUP, message_id=mid)
    assert body["result"]["forward_origin"]["sender_user"]["id"] == world.bot_id
    _, body = await api("copyMessage", chat_id=USER, from_chat_id=GROUP, message_id=999)
    assert body["description"] == "Bad Request: message to copy not found"
