"""Which text is a bot command, as tdlib's match_bot_commands decides (the client and server
mark the entity; PTB's filters.COMMAND and CommandHandler go by it)."""

from __future__ import annotations

import pytest

from bot.emulator.inject import bot_commands, text_entities


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        ("/start", ["/start"]),
        ("/start 参数", ["/start"]),
        ("/review@banzu_demo_bot", ["/review@banzu_demo_bot"]),
        ("/mine@other_bot 你好", ["/mine@other_bot"]),
        ("/", []),
        ("/@0", []),
        ("/ 空格", []),
        ("/中文", []),
        ("/start中", []),  # a word character right after the name
        ("/start/x", []),
        ("/start@ab", []),  # username of 2 characters: not a command at all
        ("/start@" + "a" * 33, []),
        ("/" + "a" * 64, ["/" + "a" * 64]),
        ("/" + "a" * 65, []),
        ("a/start", []),
        ("请看 /help。", ["/help"]),
        ("<b>/help", []),
        ("/a /b", ["/a", "/b"]),
        ("（/help）", ["/help"]),
    ],
)
def test_commands_found_like_tdlib(text: str, commands: list[str]) -> None:
    assert [text[a:b] for a, b in bot_commands(text)] == commands


def test_entity_offsets_are_utf16() -> None:
    # An emoji outside the BMP is two UTF-16 units.
    assert text_entities("😀 /help") == [{"type": "bot_command", "offset": 3, "length": 5}]
    assert text_entities("/@0") == []
