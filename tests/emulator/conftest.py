"""Fixtures for the emulator's own tests.

``emu`` is an emulator without the teardown checks of the plugin's ``emulator`` fixture:
these tests break the spec on purpose. ``world`` adds a small populated Telegram.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.emulator import Emulator

USER, STRANGER, ADMIN = 1001, 1002, 1003
GROUP, SUPERGROUP, EMPTY_GROUP = -100, -1001000000200, -300


class FakeClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Emulator:
    return Emulator(clock=clock)


@pytest.fixture
def world(emu: Emulator) -> Emulator:
    """Users USER (has started the bot), STRANGER (has not), ADMIN; a group where the bot is a
    member, a supergroup where it is an administrator, a group it is not in."""
    emu.add_user(USER, "张", "三", username="zhangsan")
    emu.add_user(STRANGER, "李", username="lisi")
    emu.add_user(ADMIN, "王", username="wang")
    emu.add_chat(GROUP, "group", "一班")
    emu.add_chat(SUPERGROUP, "supergroup", "车间")
    emu.add_chat(EMPTY_GROUP, "group", "无机器人")
    for chat in (GROUP, SUPERGROUP, EMPTY_GROUP):
        emu.set_member(chat, ADMIN, "administrator")
        emu.set_member(chat, USER, "member")
    emu.set_member(GROUP, emu.bot_id, "member")
    emu.set_member(SUPERGROUP, emu.bot_id, "administrator")
    emu.send_message(USER, USER, "/start")
    emu.state.updates.clear()
    return emu


Api = Callable[..., Any]


@pytest.fixture
def api(emu: Emulator) -> Api:
    """``await api("sendMessage", chat_id=1, text="x")`` -> (status, body)."""

    async def call(method: str, token: str | None = None, **params: Any) -> tuple[int, Any]:
        return await emu.handle_api(token or emu.token, method, params)

    return call
