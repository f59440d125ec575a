"""Keyboards, rich text and command rules, each with Telegram's words (bot/emulator/README.md)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator import Emulator

from .conftest import GROUP, USER, Api


def kinds(world: Emulator) -> list[str]:
    return [v["kind"] for v in world.stats()["spec_violations"]]


@pytest.mark.parametrize(
    ("button", "words"),
    [
        (
            {"text": "手机号", "request_contact": True},
            "phone number can be requested in private chats only",
        ),
        (
            {"text": "位置", "request_location": True},
            "location can be requested in private chats only",
        ),
        (
            {"text": "投票", "request_poll": {"type": "quiz"}},
            "poll can be requested in private chats only",
        ),
        (
            {"text": "应用", "web_app": {"url": "https://example.com"}},
            "web App buttons can be used in private chats only",
        ),
    ],
)
async def test_request_buttons_only_in_private_chats(
    world: Emulator, api: Api, button: dict[str, Any], words: str
) -> None:
    markup = {"keyboard": [[button]], "resize_keyboard": True}
    status, body = await api("sendMessage", chat_id=GROUP, text="请选择", reply_markup=markup)
    assert (status, body["description"]) == (400, f"Bad Request: {words}")
    assert kinds(world) == ["keyboard"]
    status, _ = await api("sendMessage", chat_id=USER, text="请选择", reply_markup=markup)
    assert status == 200


async def test_plain_string_keyboard_buttons_are_accepted(world: Emulator, api: Api) -> None:
    markup = {"keyboard": [["签到", {"text": "请假"}]]}
    status, _ = await api("sendMessage", chat_id=GROUP, text="菜单", reply_markup=markup)
    assert status == 200 and kinds(world) == []


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "inline keyboard button Disallowed character in URL host"),
        ("example", "inline keyboard button Wrong HTTP URL"),
        ("ftp://example.com/x", "inline keyboard button Unsupported URL protocol"),
        (
            "https://example.com:70000/",
            "inline keyboard button Wrong port number specified in the URL",
        ),
        (
            "",
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
    ],
)
async def test_url_buttons_are_checked(world: Emulator, api: Api, url: str, words: str) -> None:
    markup = {"inline_keyboard": [[{"text": "打开", "url": url}]]}
    status, body = await api("sendMessage", chat_id=GROUP, text="链接", reply_markup=markup)
    assert (status, body["description"]) == (400, f"Bad Request: {words}")
    assert kinds(world) == ["keyboard"]


@pytest.mark.parametrize(
    "url", ["https://example.com/学习?id=1", "t.me/banzu", "tg://user?id=1001"]
)
async def test_good_url_buttons_pass(world: Emulator, api: Api, url: str) -> None:
    markup = {"inline_keyboard": [[{"text": "打开", "url": url}]]}
    status, _ = await api("sendMessage", chat_id=GROUP, text="链接", reply_markup=markup)
    assert status == 200 and kinds(world) == []


async def test_empty_callback_data_is_a_text_button(world: Emulator, api: Api) -> None:
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": ""}]]}
    _, body = await api("sendMessage", chat_id=GROUP, text="x", reply_markup=markup)
    assert body["description"] == (
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard"
    )


async def test_first_action_wins_like_the_server(world: Emulator, api: Api) -> None:
    button = {"text": "a", "url": "https://example.com", "callback_data": "x"}
    status, _ = await api(
        "sendMessage", chat_id=GROUP, text="x", reply_markup={"inline_keyboard": [[button]]}
    )
    assert status == 200  # Client reads url and ignores the rest; not an error


async def test_more_than_100_inline_buttons_are_refused(world: Emulator, api: Api) -> None:
    def markup(n: int) -> dict[str, Any]:
        buttons = [{"text": str(i), "callback_data": str(i)} for i in range(n)]
        return {"inline_keyboard": [buttons[i : i + 8] for i in range(0, n, 8)]}

    status, _ = await api("sendMessage", chat_id=GROUP, text="x", reply_markup=markup(100))
    assert status == 200
    status, body = await api("sendMessage", chat_id=GROUP, text="x", reply_markup=markup(101))
    assert (status, body["description"]) == (400, "Bad Request: reply markup is too long")
    assert kinds(world) == ["keyboard"]


async def test_empty_text_buttons_are_dropped(world: Emulator, api: Api) -> None:
    markup = {
        "inline_keyboard": [
            [{"text": "", "callback_data": "a"}],
            [{"text": "b", "callback_data": "b"}],
        ]
    }
    _, body = await api("sendMessage", chat_id=GROUP, text="x", reply_markup=markup)
    assert body["result"]["reply_markup"] == {
        "inline_keyboard": [[{"text": "b", "callback_data": "b"}]]
    }


# ---------------------------------------------------------------------- rich text


async def test_unquoted_href_is_refused(world: Emulator, api: Api) -> None:
    _, body = await api(
        "sendMessage", chat_id=GROUP, text="<a href=https://x.com>x</a>", parse_mode="HTML"
    )
    assert body["description"] == (
        "Bad Request: can't parse entities: Unexpected end of name token at byte offset 8"
    )
    assert kinds(world) == ["rich_text"]


async def test_empty_end_tag_closes_the_open_tag(world: Emulator, api: Api) -> None:
    status, body = await api("sendMessage", chat_id=GROUP, text="<b>粗</>体", parse_mode="HTML")
    assert status == 200
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 1}]


async def test_raw_markup_over_32_kib_is_refused(world: Emulator, api: Api) -> None:
    text = "<b></b>" * 4000 + "短"  # 28 KB of markup, 1 visible character
    assert (await api("sendMessage", chat_id=GROUP, text=text, parse_mode="HTML"))[0] == 200
    text = "<b></b>" * 4700 + "短"  # 32.9 KB
    _, body = await api("sendMessage", chat_id=GROUP, text=text, parse_mode="HTML")
    assert body["description"] == "Bad Request: text is too long"


@pytest.mark.parametrize(
    ("entities", "words"),
    [
        (
            [{"type": "shout", "offset": 0, "length": 1}],
            "can't parse MessageEntity: Unsupported type specified",
        ),
        (
            [{"type": "", "offset": 0, "length": 1}],
            "can't parse MessageEntity: Type is not specified",
        ),
        (
            [{"type": "bold", "offset": -1, "length": 1}],
            "receive an entity with incorrect offset -1",
        ),
        (
            [{"type": "text_link", "offset": 0, "length": 1, "url": "no way"}],
            "entity Disallowed character in URL host",
        ),
    ],
)
async def test_explicit_entities_are_checked(
    world: Emulator, api: Api, entities: list[Any], words: str
) -> None:
    _, body = await api("sendMessage", chat_id=GROUP, text="通知", entities=entities)
    assert body["description"] == f"Bad Request: {words}"
    assert kinds(world) == ["rich_text"]


async def test_found_entities_and_overlong_ones_are_accepted(world: Emulator, api: Api) -> None:
    entities = [
        {"type": "hashtag", "offset": 0, "length": 2},
        {"type": "bold", "offset": 1, "length": 50},
    ]
    status, body = await api("sendMessage", chat_id=GROUP, text="通知", entities=entities)
    assert status == 200
    assert body["result"]["entities"] == [{"type": "bold", "offset": 1, "length": 1}]


async def test_sent_text_is_trimmed(world: Emulator, api: Api) -> None:
    _, body = await api(
        "sendMessage", chat_id=GROUP, text="\n  <b>签到</b> 开始 \n", parse_mode="HTML"
    )
    assert body["result"]["text"] == "签到 开始"
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    _, body = await api("sendMessage", chat_id=GROUP, text=" \n <b> </b>", parse_mode="HTML")
    assert body["description"] == "Bad Request: text must be non-empty"


async def test_whitespace_only_edit_is_not_modified(world: Emulator, api: Api) -> None:
    _, body = await api("sendMessage", chat_id=GROUP, text="签到 3/5")
    mid = body["result"]["message_id"]
    _, body = await api("editMessageText", chat_id=GROUP, message_id=mid, text="签到 3/5 \n")
    assert body["description"].startswith("Bad Request: message is not modified")


async def test_unknown_and_none_parse_modes(world: Emulator, api: Api) -> None:
    _, body = await api("sendMessage", chat_id=GROUP, text="x", parse_mode="BBCode")
    assert body["description"] == "Bad Request: unsupported parse_mode"
    status, body = await api("sendMessage", chat_id=GROUP, text="<b>x</b>", parse_mode="None")
    assert status == 200 and body["result"]["text"] == "<b>x</b>"


# ---------------------------------------------------------------------- false reds


async def test_command_with_slash_is_accepted(world: Emulator, api: Api) -> None:
    commands = [{"command": " /start ", "description": " 开始 "}]
    assert (await api("setMyCommands", commands=commands))[0] == 200
    _, body = await api("getMyCommands")
    assert body["result"] == [{"command": "start", "description": "开始"}]


@pytest.mark.parametrize(
    ("flag", "value"), [("yes", True), ("YES", True), ("1", True), ("maybe", False)]
)
async def test_flags_read_like_the_server(
    world: Emulator, api: Api, flag: str, value: bool
) -> None:
    status, _ = await api("sendMessage", chat_id=GROUP, text="x", disable_notification=flag)
    assert status == 200
    assert world.transcript()[-1]["params"]["disable_notification"] is value
