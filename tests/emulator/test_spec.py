"""The spec validator: coercion of wire values, Telegram's wording, limits, output checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import ApiError, Emulator, EmulatorBug, UploadedFile, load_spec
from bot.emulator.entities import parse_text
from bot.emulator.spec import Limit

from .conftest import GROUP, USER, Api

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
SPEC = load_spec()
KB = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}


def coerce(method: str, **params: Any) -> dict[str, Any]:
    m = SPEC.method(method)
    assert m is not None
    return SPEC.coerce_params(m, params).params


def rejection(method: str, **params: Any) -> str:
    m = SPEC.method(method)
    assert m is not None
    with pytest.raises(ApiError) as info:
        SPEC.coerce_params(m, params)
    assert info.value.code == 400 and info.value.violation
    return info.value.description


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("update_*.json")), ids=lambda p: p.stem)
def test_telegram_update_samples_are_valid(path: Path) -> None:
    SPEC.check_type("Update", json.loads(path.read_text(encoding="utf-8")))


def test_legacy_sample_without_required_fields_is_rejected() -> None:
    sample = json.loads((FIXTURES / "legacy_webhooks_guide_message.json").read_text())
    with pytest.raises(EmulatorBug, match=r"from\.is_bot: missing"):
        SPEC.check_type("Update", sample)


def test_spec_has_the_methods_and_limits_it_describes() -> None:
    assert SPEC.version.startswith("Bot API 10")
    text = SPEC.methods["sendmessage"].fields["text"]
    assert text.limit == Limit(1, 4096, "chars", after_entities=True)
    button = SPEC.types["InlineKeyboardButton"].fields["callback_data"]
    assert button.limit == Limit(1, 64, "bytes")
    assert SPEC.methods["getuserprofilephotos"].fields["limit"].limit == Limit(1, 100, "value")
    assert SPEC.methods["getupdates"].fields["limit"].limit is None  # clamped, not refused
    assert SPEC.types["BotCommand"].fields["command"].limit is None  # checked after trimming


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        ("sendMessage", {"chat_id": "42", "text": "x"}, {"chat_id": 42, "text": "x"}),
        ("sendMessage", {"chat_id": "@team", "text": 5}, {"chat_id": "@team", "text": "5"}),
        (
            "sendMessage",
            {"chat_id": -5, "text": "x", "disable_notification": "true"},
            {"chat_id": -5, "text": "x", "disable_notification": True},
        ),
        (
            "sendMessage",
            {"chat_id": 1, "text": "x", "protect_content": False},
            {"chat_id": 1, "text": "x", "protect_content": False},
        ),
        (
            "sendMessage",
            {"chat_id": 1, "text": "x", "reply_markup": json.dumps(KB)},
            {"chat_id": 1, "text": "x", "reply_markup": KB},
        ),
        (
            "sendLocation",
            {"chat_id": 1, "latitude": "31.2", "longitude": 121},
            {"chat_id": 1, "latitude": 31.2, "longitude": 121.0},
        ),
        (
            "getUpdates",
            {"allowed_updates": '["message"]', "offset": "-1"},
            {"allowed_updates": ["message"], "offset": -1},
        ),
        (
            "setMyCommands",
            {
                "commands": [{"command": "start", "description": "开始"}],
                "scope": {"type": "chat", "chat_id": "-100"},
            },
            {
                "commands": [{"command": "start", "description": "开始"}],
                "scope": {"type": "chat", "chat_id": -100},
            },
        ),
    ],
)
def test_accepted_values_are_typed(method: str, params: dict[str, Any], expected: Any) -> None:
    assert coerce(method, **params) == expected


@pytest.mark.parametrize(
    ("method", "params", "description"),
    [
        ("sendMessage", {"text": "x"}, "Bad Request: chat_id is empty"),
        ("sendMessage", {"chat_id": 1}, "Bad Request: message text is empty"),
        ("sendMessage", {"chat_id": 1, "text": ""}, "Bad Request: message text is empty"),
        ("sendMessage", {"chat_id": 1, "text": "  \n "}, "Bad Request: text must be non-empty"),
        ("sendMessage", {"chat_id": 1, "text": "x" * 4097}, "Bad Request: message is too long"),
        ("sendMessage", {"chat_id": True, "text": "x"}, "Bad Request: invalid chat_id specified"),
        (
            "sendMessage",
            {"chat_id": 1, "text": "x", "reply_markup": "{oops"},
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
        (
            "sendMessage",
            {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": "x"}},
            "Bad Request: can't parse reply keyboard markup: "
            'Field "inline_keyboard" must be of type Array of Array of InlineKeyboardButton',
        ),
        (
            "sendMessage",
            {
                "chat_id": 1,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"callback_data": "a"}]]},
            },
            "Bad Request: can't parse reply keyboard markup: "
            'Field "inline_keyboard" must be of type Array of Array of InlineKeyboardButton',
        ),
        (
            "sendMessage",
            {
                "chat_id": 1,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            "sendMessage",
            {
                "chat_id": 1,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "班" * 22}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            "sendMessage",
            {"chat_id": 1, "text": "x", "entities": '[{"type": "bold"}]'},
            "Bad Request: can't parse entities: Can't find field \"offset\"",
        ),
        (
            "sendMessage",
            {"chat_id": 1, "text": "<b>x", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
        (
            "sendPhoto",
            {"chat_id": 1, "photo": "AAA", "caption": "c" * 1025},
            "Bad Request: message caption is too long",
        ),
        ("sendDocument", {"chat_id": 1}, 'Bad Request: parameter "document" is required'),
        (
            "sendDocument",
            {"chat_id": 1, "document": "attach://nothing"},
            "Bad Request: can't find attached file",
        ),
        (
            "answerCallbackQuery",
            {"callback_query_id": "1", "text": "t" * 201},
            "Bad Request: MESSAGE_TOO_LONG",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "Start", "description": "d"}]},
            "Bad Request: BOT_COMMAND_INVALID",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "c" * 33, "description": "d"}]},
            "Bad Request: command length must not exceed 32",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "/", "description": "d"}]},
            "Bad Request: command must be non-empty",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "start", "description": "  "}]},
            "Bad Request: command description must be non-empty",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "a-b", "description": "d"}]},
            "Bad Request: BOT_COMMAND_INVALID",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "start", "description": ""}]},
            "Bad Request: command description must be non-empty",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "start", "description": "d" * 257}]},
            "Bad Request: command description length must not exceed 256",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "start"}]},
            "Bad Request: can't parse commands: Can't find field \"description\"",
        ),
        ("setMyCommands", {"commands": "start"}, "Bad Request: can't parse commands JSON object"),
        (
            "setMyCommands",
            {"commands": [], "scope": {"type": "nowhere"}},
            "Bad Request: can't parse scope: unsupported BotCommandScope type",
        ),
        (
            "sendLocation",
            {"chat_id": 1, "latitude": "north", "longitude": 1},
            "Bad Request: invalid latitude specified",
        ),
        ("getUpdates", {"offset": "1.5"}, "Bad Request: invalid offset specified"),
    ],
)
def test_rejections_use_telegram_wording(
    method: str, params: dict[str, Any], description: str
) -> None:
    assert rejection(method, **params) == description


def test_limits_accept_their_bounds() -> None:
    coerce("sendMessage", chat_id=1, text="x" * 4096)
    coerce("sendMessage", chat_id=1, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    coerce("sendPhoto", chat_id=1, photo="A", caption="c" * 1024)
    button = {"text": "a", "callback_data": "班" * 21}  # 63 bytes
    coerce("sendMessage", chat_id=1, text="x", reply_markup={"inline_keyboard": [[button]]})
    coerce("answerCallbackQuery", callback_query_id="1", text="t" * 200)
    coerce("setMyCommands", commands=[{"command": "a" * 32, "description": "d" * 256}])


def test_unknown_parameters_are_accepted_and_listed() -> None:
    m = SPEC.method("sendMessage")
    assert m is not None
    out = SPEC.coerce_params(
        m,
        {
            "chat_id": 1,
            "text": "x",
            "parse_mod": "HTML",
            "reply_markup": {"inline_keyboard": [], "colour": 1},
        },
    )
    assert out.unknown == ["reply_markup.colour", "parse_mod"]


def test_a_parse_mode_the_method_does_not_read_is_ignored_like_telegram_does() -> None:
    # PTB with Defaults(parse_mode=HTML) sends it on editMessageReplyMarkup; Client.cpp's
    # process_edit_message_reply_markup_query never reads it, and nothing refuses extra names.
    m = SPEC.method("editMessageReplyMarkup")
    assert m is not None
    out = SPEC.coerce_params(m, {"chat_id": 1, "message_id": 2, "parse_mode": "HTML"})
    assert out.unknown == [] and "parse_mode" not in out.params
    out = SPEC.coerce_params(m, {"chat_id": 1, "message_id": 2, "parse_mod": "HTML"})
    assert out.unknown == ["parse_mod"]


def test_files_are_inputfiles_and_attachments_are_not_unknown() -> None:
    m = SPEC.method("sendDocument")
    assert m is not None
    upload = UploadedFile("a.csv", b"x,y")
    out = SPEC.coerce_params(m, {"chat_id": 1, "document": "attach://f1", "f1": upload})
    assert out.params["document"] == upload and out.unknown == []


@pytest.mark.parametrize(
    ("text", "mode", "plain", "entities"),
    [
        ("<b>粗</b>体", "HTML", "粗体", [{"type": "bold", "offset": 0, "length": 1}]),
        ("😀<i>x</i>", "HTML", "😀x", [{"type": "italic", "offset": 2, "length": 1}]),
        ("&lt;b&gt; &amp; &#20013;", "HTML", "<b> & 中", []),
        (
            '<a href="https://t.me/x?a=1&amp;b=2">链接</a>',
            "html",
            "链接",
            [{"type": "text_link", "offset": 0, "length": 2, "url": "https://t.me/x?a=1&b=2"}],
        ),
        (
            '<pre><code class="language-py">x</code></pre>',
            "HTML",
            "x",
            [{"type": "pre", "offset": 0, "length": 1, "language": "py"}],
        ),
        (
            "*bold* \\. _it_",
            "MarkdownV2",
            "bold . it",
            [
                {"type": "bold", "offset": 0, "length": 4},
                {"type": "italic", "offset": 7, "length": 2},
            ],
        ),
        (
            "*b* [t](http://x)",
            "Markdown",
            "b t",
            [
                {"type": "bold", "offset": 0, "length": 1},
                {"type": "text_link", "offset": 2, "length": 1, "url": "http://x"},
            ],
        ),
        ("plain", None, "plain", []),
    ],
)
def test_rich_text_parsing(text: str, mode: str | None, plain: str, entities: list[Any]) -> None:
    assert parse_text(text, mode) == (plain, entities)


@pytest.mark.parametrize(
    ("text", "mode", "error"),
    [
        ("<b>x", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", "HTML", 'Unsupported start tag "foo" at byte offset 0'),
        ("中<b>x</i>", "HTML", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
        ("x</b>", "HTML", "Unexpected end tag at byte offset 1"),
        ("a < b", "HTML", 'Unsupported start tag "" at byte offset 2'),
        ("<b x", "HTML", 'Unclosed start tag "b" at byte offset 0'),
        ("<b", "HTML", "Unclosed start tag at byte offset 0"),
        ("<a href=http://x.com>x</a>", "HTML", "Unexpected end of name token at byte offset 8"),
        ("<b>x</b", "HTML", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", "HTML", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "a.b",
            "MarkdownV2",
            "Character '.' is reserved and must be escaped with the preceding '\\'",
        ),
        ("*open", "MarkdownV2", "Can't find end of the entity starting at byte offset 0"),
        ("`code", "Markdown", "Can't find end of the entity starting at byte offset 0"),
    ],
)
def test_malformed_markup_is_rejected(text: str, mode: str, error: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_text(text, mode)
    assert info.value.description == f"Bad Request: can't parse entities: {error}"


def test_unknown_parse_mode() -> None:
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        parse_text("x", "BBCode")


@pytest.mark.parametrize(
    ("type_name", "value", "problem"),
    [
        ("User", {"id": 1, "first_name": "a"}, "User.is_bot: missing"),
        ("User", {"id": "1", "is_bot": False, "first_name": "a"}, "User.id: expected Integer"),
        ("User", {"id": True, "is_bot": False, "first_name": "a"}, "User.id: expected Integer"),
        ("Chat", {"id": 1, "type": "private", "colour": 1}, "Chat.colour: not a field of Chat"),
        ("ChatMember", {"status": "member"}, "ChatMember.user: missing"),
        (
            "Message",
            {
                "message_id": 1,
                "date": 1,
                "chat": {"id": 1, "type": "private"},
                "reply_markup": {"inline_keyboard": [["x"]]},
            },
            "Message.reply_markup.inline_keyboard[0][0]: expected InlineKeyboardButton object",
        ),
    ],
)
def test_invalid_output_is_an_emulator_bug(type_name: str, value: Any, problem: str) -> None:
    with pytest.raises(EmulatorBug, match=problem.replace("[", r"\[").replace("]", r"\]")):
        SPEC.check_type(type_name, value)


def test_emulator_refuses_to_send_an_invalid_update(emu: Emulator) -> None:
    with pytest.raises(EmulatorBug):
        emu.state.push_update("message", {"message_id": 1})
    assert emu.stats()["emulator_bugs"] and emu.problems()


async def test_violations_are_recorded_with_their_request(world: Emulator, api: Api) -> None:
    status, body = await api("sendMessage", chat_id=GROUP, text="x" * 5000)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    status, _ = await api("sendMessage", chat_id=USER, text="hi", colour="red")
    assert status == 200
    violations = world.stats()["spec_violations"]
    assert [v["kind"] for v in violations] == ["bad_request", "unknown_parameter"]
    assert violations[1]["params"]["colour"] == "red" and violations[0]["method"] == "sendMessage"
