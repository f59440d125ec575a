"""A running Banzu bot on the in-process emulator, and helpers to act as its users."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.app import build_application
from bot.cli.demo import settle_all
from bot.context import BanzuApp, Services
from bot.delivery.flood import FloodController, FloodLimits
from bot.domain.org_import import read_roster, validate
from bot.emulator import Emulator, EmulatorRequest
from bot.paths import DEMO
from bot.settings import Settings

ADMIN_ID = 900001
# Tests run the real flood limits 20x faster on both sides: the limits are still enforced
# (a test fails on any unexpected 429), the suite just does not wait for them in real time.
SPEED = 20.0
_LINK = re.compile(r"start=([A-Za-z0-9_-]+)")
# An entity a reader can see: text escaped twice, or escaped for a surface Telegram shows as
# plain text (a toast, a button label, a command description, a poll).
_SHOWN_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);")


def _plain_surfaces(entry: dict[str, Any]) -> list[str]:
    params = entry.get("params") or {}
    texts = [entry.get("text") or ""]
    if entry.get("method") == "answerCallbackQuery":
        texts.append(str(params.get("text") or ""))
    if entry.get("method") == "setMyCommands":
        texts += [str(c.get("description", "")) for c in _list(params.get("commands"))]
    if entry.get("method") == "sendPoll":
        texts.append(str(params.get("question") or ""))
        texts += [
            str(o.get("text", o)) if isinstance(o, dict) else str(o)
            for o in _list(params.get("options"))
        ]
    markup = entry.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
        texts += [str(b.get("text", "")) for b in row]
    return texts


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, list) else []


def shown_entities(transcript: list[dict[str, Any]]) -> list[str]:
    """Every text a person would see with an HTML entity in it (escaped once too often)."""
    return [t for e in transcript for t in _plain_surfaces(e) if _SHOWN_ENTITY.search(t)]


@dataclass
class Harness:
    emu: Emulator
    app: BanzuApp
    tmp: Path

    @property
    def svc(self) -> Services:
        return self.app.bot_data.services

    async def settle(self) -> None:
        """Until the bot has handled everything, including what it handed to the outbox."""
        assert await settle_all(self.emu, self.app), "bot did not go idle"

    def mark(self) -> int:
        entries = self.emu.transcript()
        return int(entries[-1]["seq"]) if entries else 0

    async def say(self, chat_id: int, user_id: int, text: str) -> list[str]:
        """A person writes; returns the texts the bot sent to that chat in answer."""
        mark = self.mark()
        self.emu.send_message(chat_id, user_id, text)
        await self.settle()
        return self.sent(chat_id, mark)

    async def press(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        *,
        data: str | None = None,
        button_text: str | None = None,
    ) -> list[dict[str, Any]]:
        mark = self.mark()
        self.emu.press(chat_id, user_id, message_id, data=data, button_text=button_text)
        await self.settle()
        return self.emu.transcript(after_seq=mark)

    def sent(self, chat_id: int, after: int = 0) -> list[str]:
        return [
            str(e["text"])
            for e in self.emu.transcript(chat_id=chat_id, after_seq=after)
            if e["method"] in ("sendMessage", "editMessageText")
        ]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        sent = [e for e in self.emu.transcript(chat_id=chat_id) if e["method"] == "sendMessage"]
        assert sent, f"bot sent nothing to {chat_id}"
        return sent[-1]

    def user(self, user_id: int, name: str = "测试", lang: str = "zh-hans") -> int:
        self.emu.add_user(user_id, name[1:] or name, last_name=name[:1], language_code=lang)
        return user_id

    async def import_demo_roster(self) -> None:
        data = (DEMO / "roster.csv").read_bytes()
        result = await self.svc.org.import_file(data, "roster.csv")
        assert result.ok, result
        self.svc.people.forget()

    async def invite_code(self, team_name: str) -> str:
        team = next(t for t in await self.svc.org.teams() if t.name == team_name)
        return team.invite_code

    async def register(self, user_id: int, employee_no: str) -> None:
        """Register through the bot exactly as a worker does: invite link, then number."""
        person = await self.svc.people.by_employee_no(employee_no)
        assert person is not None
        code = await self.invite_code(person.team_name)
        self.user(user_id, person.name)
        await self.say(user_id, user_id, f"/start {code}")
        replies = await self.say(user_id, user_id, employee_no)
        assert any("登记成功" in r for r in replies), replies

    async def group(self, chat_id: int, title: str, members: list[int]) -> None:
        self.emu.add_chat(chat_id, "supergroup", title=title)
        for uid in members:
            self.emu.set_member(chat_id, uid, "member")
        self.emu.set_member(chat_id, self.emu.bot_id, "member")
        await self.settle()


def demo_people() -> dict[str, tuple[str, str, frozenset[str]]]:
    """employee_no -> (name, team, roles) of the demo roster."""
    rows, _ = validate(read_roster((DEMO / "roster.csv").read_bytes(), "roster.csv"))
    return {r.employee_no: (r.name, r.team, r.roles) for r in rows}


def make_settings(emu: Emulator, tmp_path: Path) -> Settings:
    return Settings(
        token=emu.token,
        db_path=str(tmp_path / "banzu.db"),
        api_base="http://emulator/bot",
        admins=frozenset({ADMIN_ID}),
        bot_username=emu.bot_username,
    )


def build_test_app(emulator: Emulator, tmp_path: Path) -> BanzuApp:
    return build_application(
        make_settings(emulator, tmp_path),
        request=EmulatorRequest(emulator),
        get_updates_request=EmulatorRequest(emulator),
        flood=FloodController(FloodLimits().scaled(SPEED)),
    )


async def start_polling(app: BanzuApp) -> None:
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)


@pytest.fixture
async def harness(emulator: Emulator, tmp_path: Path) -> AsyncIterator[Harness]:
    emulator.set_limits(enforce=True, scale=SPEED)
    app = build_test_app(emulator, tmp_path)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        h = Harness(emulator, app, tmp_path)
        h.user(ADMIN_ID, "李主任")
        yield h
        # Every e2e test also checks that nothing it made the bot show was escaped twice.
        assert not shown_entities(emulator.transcript()), shown_entities(emulator.transcript())
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
