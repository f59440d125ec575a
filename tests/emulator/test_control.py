"""The /_emu control API: its shapes, and clear 400s for bad input."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from bot.emulator import Emulator

from .conftest import GROUP, USER


async def ctl(emu: Emulator, method: str, path: str, body: Any = None, **query: str) -> Any:
    return await emu.control(method, path, body, query)


async def test_happy_path_shapes(emu: Emulator) -> None:
    assert await ctl(emu, "POST", "/_emu/users", {"id": 5, "first_name": "赵"}) == (
        200,
        {"id": 5, "is_bot": False, "first_name": "赵", "language_code": "zh-hans"},
    )
    assert (await ctl(emu, "POST", "/_emu/chats", {"id": -7, "type": "group"}))[0] == 200
    status, body = await ctl(
        emu, "POST", "/_emu/members", {"chat_id": -7, "user_id": emu.bot_id, "status": "member"}
    )
    assert status == 200 and len(body["update_ids"]) == 2  # my_chat_member + service message
    await ctl(emu, "POST", "/_emu/members", {"chat_id": -7, "user_id": 5, "status": "member"})
    status, sent = await ctl(
        emu, "POST", "/_emu/messages", {"chat_id": -7, "from_id": 5, "text": "/help"}
    )
    assert status == 200 and set(sent) == {"update_id", "message_id"}
    doc = {
        "chat_id": 5,
        "from_id": 5,
        "file_name": "a.txt",
        "content_base64": base64.b64encode(b"abc").decode(),
    }
    status, body = await ctl(emu, "POST", "/_emu/documents", doc)
    assert await ctl(emu, "GET", f"/_emu/files/{body['file_id']}") == (200, b"abc")
    assert await ctl(emu, "POST", "/_emu/faults", {"method": "sendMessage", "kind": "500"}) == (
        200,
        {"ok": True},
    )
    assert await ctl(emu, "POST", "/_emu/limits", {"enforce": False, "scale": 10}) == (
        200,
        {"enforce": False, "scale": 10.0},
    )
    status, stats = await ctl(emu, "GET", "/_emu/stats")
    assert set(stats) >= {"calls", "flood_429", "spec_violations", "pending_updates"}
    assert stats["pending_updates"] == 5  # bot joined (2), user joined, /help, document
    assert await ctl(emu, "POST", "/_emu/wait", {"idle_ms": 1, "timeout_ms": 20}) == (
        200,
        {"idle": False},
    )
    assert await ctl(emu, "GET", "/_emu/transcript", chat_id="-7", after_seq="0") == (200, [])
    assert await ctl(emu, "POST", "/_emu/reset") == (200, {"ok": True})
    assert emu.state.users.keys() == {emu.bot_id}


async def test_transcript_and_callbacks(world: Emulator) -> None:
    kb = {"inline_keyboard": [[{"text": "收到", "callback_data": "ack:v1:1"}]]}
    for chat in (USER, GROUP):
        await world.handle_api(
            world.token, "sendMessage", {"chat_id": chat, "text": "通知", "reply_markup": kb}
        )
    status, entries = await ctl(world, "GET", "transcript", chat_id=str(GROUP))
    assert [(e["seq"], e["chat_id"], e["text"]) for e in entries] == [(2, GROUP, "通知")]
    assert set(entries[0]) == {
        "seq",
        "method",
        "chat_id",
        "message_id",
        "text",
        "reply_markup",
        "params",
        "at",
    }
    assert entries[0]["reply_markup"] == kb
    assert (await ctl(world, "GET", "transcript", after_seq="1"))[1][0]["seq"] == 2
    status, pressed = await ctl(
        world,
        "POST",
        "callbacks",
        {
            "chat_id": GROUP,
            "from_id": USER,
            "message_id": entries[0]["message_id"],
            "button_text": "收到",
        },
    )
    assert status == 200 and set(pressed) == {"update_id", "callback_query_id"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("POST", "users", b"{not json", 400, "body is not valid JSON"),
        ("POST", "users", "[1, 2]", 400, "body must be a JSON object"),
        ("POST", "users", {"first_name": "a"}, 400, "missing field 'id'"),
        ("POST", "users", {"id": "5", "first_name": "a"}, 400, "field 'id' must be int, not str"),
        ("POST", "users", {"id": True, "first_name": "a"}, 400, "field 'id' must be int"),
        ("POST", "chats", {"id": -1, "type": "channel"}, 400, "type must be group"),
        ("POST", "chats", {"id": 5, "type": "group"}, 400, "ids are negative"),
        (
            "POST",
            "members",
            {"chat_id": -42, "user_id": USER, "status": "member"},
            400,
            "unknown chat -42",
        ),
        (
            "POST",
            "members",
            {"chat_id": GROUP, "user_id": 77, "status": "member"},
            400,
            "unknown user 77",
        ),
        (
            "POST",
            "members",
            {"chat_id": GROUP, "user_id": USER, "status": "boss"},
            400,
            "status must be",
        ),
        (
            "POST",
            "messages",
            {"chat_id": GROUP, "from_id": 1002, "text": "hi"},
            400,
            "user 1002 is not a member of chat -100",
        ),
        (
            "POST",
            "messages",
            {"chat_id": -300, "from_id": USER, "text": "hi"},
            400,
            "the bot is not a member of chat -300",
        ),
        (
            "POST",
            "messages",
            {"chat_id": GROUP, "from_id": USER, "text": ""},
            400,
            "text must be a non-empty string",
        ),
        (
            "POST",
            "messages",
            {"chat_id": USER, "from_id": 1002, "text": "x"},
            400,
            "only user 1001 writes",
        ),
        (
            "POST",
            "documents",
            {"chat_id": USER, "from_id": USER, "file_name": "a", "content_base64": "***"},
            400,
            "not valid base64",
        ),
        (
            "POST",
            "callbacks",
            {"chat_id": GROUP, "from_id": USER, "message_id": 1, "data": "x"},
            400,
            "no message 1 from the bot",
        ),
        (
            "POST",
            "poll_answers",
            {"poll_id": "nope", "user_id": USER, "option_ids": [0]},
            400,
            "unknown poll",
        ),
        ("POST", "faults", {"method": "sendMessage", "kind": "418"}, 400, "kind must be"),
        ("POST", "faults", {"method": "sendMassage", "kind": "500"}, 400, "unknown Bot API method"),
        ("POST", "limits", {"scale": 0}, 400, "scale must be a positive number"),
        ("POST", "limits", {"enforce": "no"}, 400, "field 'enforce' must be bool"),
        ("GET", "transcript?", None, 404, "unknown control path"),
        ("GET", "files/nope", None, 404, "unknown file"),
        ("GET", "transcript", None, 200, None),
        ("DELETE", "stats", None, 405, "not allowed"),
        ("GET", "nothing", None, 404, "unknown control path /_emu/nothing"),
    ],
)
async def test_bad_input_answers_clearly(
    world: Emulator, method: str, path: str, body: Any, status: int, error: str | None
) -> None:
    got_status, answer = await ctl(world, method, path, body)
    assert got_status == status
    if error is not None:
        assert answer["ok"] is False and error in answer["error"]


async def test_query_must_be_integers(world: Emulator) -> None:
    status, answer = await ctl(world, "GET", "transcript", chat_id="abc")
    assert status == 400 and "chat_id" in answer["error"]
