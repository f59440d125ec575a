"""`banzu demo`: the emulator, the bot and a sample organisation on this machine, no token.

Everything goes through the emulator as real people would do it: the admin sends the
roster file, leaders and workers open invite links and type their employee numbers, the bot
is added to groups and bound with /bind. The bot itself talks to the emulator over HTTP,
unchanged, exactly as it would talk to Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.context import BanzuApp
from bot.emulator import Emulator
from bot.emulator.server import start_server
from bot.logs import setup_logging
from bot.org_import import RosterRow, read_roster, validate
from bot.paths import DEMO
from bot.settings import Settings
from bot.texts import Texts

ADMIN_ID = 900001
GROUP_BASE = -1001000000000
_LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")


async def settle(emu: Emulator, app: BanzuApp, limit_s: float = 15.0) -> bool:
    """Wait until the emulator has delivered every update and the bot has finished handling
    them (nothing queued, nothing in flight, no API call for a moment)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while loop.time() < deadline:
        left_ms = int((deadline - loop.time()) * 1000)
        if not await emu.wait_idle(idle_ms=20, timeout_ms=max(left_ms, 1)):
            return False
        busy = app.update_processor.current_concurrent_updates or not app.update_queue.empty()
        if not busy:
            return True
        await asyncio.sleep(0.005)
    return False


def plain(text: str) -> str:
    return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text or ""))


@dataclass
class Scene:
    emu: Emulator
    app: BanzuApp
    texts: Texts
    out: list[str] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    chat_titles: dict[int, str] = field(default_factory=dict)
    seq: int = 0

    def say(self, line: str) -> None:
        self.out.append(line)
        print(line, flush=True)

    def label(self, chat_id: int) -> str:
        if chat_id in self.chat_titles:
            return self.texts.get("demo.group_label", title=self.chat_titles[chat_id])
        return self.texts.get("demo.private_label", name=self.names.get(chat_id, str(chat_id)))

    async def settle(self) -> None:
        await settle(self.emu, self.app)
        bot = self.texts.get("demo.bot_name")
        for entry in self.emu.transcript(after_seq=self.seq):
            self.seq = max(self.seq, int(entry["seq"]))
            if entry["method"] in ("sendMessage", "editMessageText", "sendDocument"):
                text = plain(entry.get("text") or "").replace("\n", "\n      ")
                buttons = _buttons(entry.get("reply_markup"))
                self.say(f"    🤖 {bot} → {self.label(int(entry['chat_id']))}: {text}{buttons}")

    async def skip(self) -> None:
        """Let the bot finish without printing what it did (for the repetitive parts)."""
        await settle(self.emu, self.app)
        done = self.emu.transcript(after_seq=self.seq)
        self.seq = max([self.seq] + [int(e["seq"]) for e in done])

    async def message(self, chat_id: int, user_id: int, text: str, show: bool = True) -> None:
        if show:
            self.say(f"  👤 {self.names[user_id]} @ {self.label(chat_id)}: {text}")
        self.emu.send_message(chat_id, user_id, text)
        await (self.settle() if show else self.skip())

    async def document(self, chat_id: int, user_id: int, path: Path) -> None:
        self.say(f"  👤 {self.names[user_id]}: {self.texts.get('demo.sent_file', file=path.name)}")
        content = await asyncio.to_thread(path.read_bytes)
        self.emu.send_document(chat_id, user_id, path.name, content)
        await self.settle()

    async def press(self, chat_id: int, user_id: int, message_id: int, button: str) -> None:
        self.say(f"  👤 {self.names[user_id]}: {self.texts.get('demo.pressed', button=button)}")
        self.emu.press(chat_id, user_id, message_id, button_text=button)
        await self.settle()

    def last_bot_message(self, chat_id: int) -> dict[str, Any]:
        sent = [e for e in self.emu.transcript(chat_id=chat_id) if e["method"] == "sendMessage"]
        return sent[-1]


def _buttons(markup: Any) -> str:
    if not isinstance(markup, dict) or not markup.get("inline_keyboard"):
        return ""
    labels = [b.get("text", "") for row in markup["inline_keyboard"] for b in row]
    return "  " + " ".join(f"[{label}]" for label in labels)


def roster() -> list[RosterRow]:
    rows, errors = validate(read_roster((DEMO / "roster.csv").read_bytes(), "roster.csv"))
    if errors:
        raise RuntimeError(f"demo roster has errors: {errors}")
    return rows


async def play(scene: Scene) -> None:
    emu, t = scene.emu, scene.texts
    people = roster()
    scene.names[ADMIN_ID] = "李主任（政工科）"
    emu.add_user(ADMIN_ID, "李", last_name="主任", language_code="zh-hans")
    for i, row in enumerate(people):
        uid = 100000 + i
        scene.names[uid] = row.name
        emu.add_user(uid, row.name[1:], last_name=row.name[0], language_code="zh-hans")

    scene.say("\n" + t.get("demo.step.admin"))
    await scene.message(ADMIN_ID, ADMIN_ID, "/start")
    await scene.document(ADMIN_ID, ADMIN_ID, DEMO / "roster.csv")

    scene.say("\n" + t.get("demo.step.invites"))
    await scene.message(ADMIN_ID, ADMIN_ID, "/invites")
    links = _LINK.findall(scene.last_bot_message(ADMIN_ID)["text"])
    teams = list(dict.fromkeys((r.unit, r.team) for r in people))
    invite = dict(zip(teams, links, strict=True))

    scene.say("\n" + t.get("demo.step.register"))
    for i, row in enumerate(people[:2]):
        uid, code = 100000 + i, invite[(row.unit, row.team)]
        await scene.message(uid, uid, f"/start {code}")
        await scene.message(uid, uid, row.employee_no)
    # The others at once, as a team would on the day the links go out.
    rest = list(enumerate(people))[2:]
    for i, row in rest:
        emu.send_message(100000 + i, 100000 + i, f"/start {invite[(row.unit, row.team)]}")
    await scene.skip()
    for i, row in rest:
        emu.send_message(100000 + i, 100000 + i, row.employee_no)
    await scene.skip()
    shown = 2
    scene.say("  " + t.get("demo.step.registered_rest", count=len(people) - shown))

    scene.say("\n" + t.get("demo.step.wrong"))
    stranger = 199999
    scene.names[stranger] = "新来的小王"
    emu.add_user(stranger, "小王", language_code="zh-hans")
    await scene.message(stranger, stranger, f"/start {links[0]}")
    await scene.message(stranger, stranger, "99999")
    await scene.message(stranger, stranger, people[2].employee_no)

    scene.say("\n" + t.get("demo.step.groups"))
    for n, (unit, team) in enumerate(teams):
        chat_id = GROUP_BASE - n
        scene.chat_titles[chat_id] = f"{unit}{team}群"
        emu.add_chat(chat_id, "supergroup", title=scene.chat_titles[chat_id])
        members = [100000 + i for i, r in enumerate(people) if (r.unit, r.team) == (unit, team)]
        for uid in members:
            emu.set_member(chat_id, uid, "member")
        if n == 0:
            scene.say(f"  👤 {scene.names[members[0]]}: {t.get('demo.added_bot')}")
        emu.set_member(chat_id, emu.bot_id, "member")
        await (scene.settle() if n == 0 else scene.skip())
        leader = next(
            100000 + i
            for i, r in enumerate(people)
            if (r.unit, r.team) == (unit, team) and "team_leader" in r.roles
        )
        await scene.message(chat_id, leader, "/bind", show=n < 2)

    scene.say("\n" + t.get("demo.step.refused"))
    await scene.message(GROUP_BASE, 100002, "/bind")

    scene.say("\n" + t.get("demo.step.help"))
    await scene.message(100002, 100002, "/help")
    await scene.message(ADMIN_ID, ADMIN_ID, "/help")

    scene.say("\n" + t.get("demo.step.bad"))
    await scene.message(100002, 100002, "/dance")
    await scene.message(100002, 100002, "今天学什么？")


async def run_demo(settings: Settings, *, port: int = 0, wait: bool = True) -> int:
    setup_logging("WARNING")
    emu = Emulator(bot_username=settings.bot_username)
    runner, port = await start_server(emu, "127.0.0.1", port)
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="banzu-demo-") as tmp:
        demo_settings = settings.with_(
            token=emu.token,
            api_base=f"{base}/bot",
            db_path=str(Path(tmp) / "demo.db"),
            admins=frozenset({ADMIN_ID}),
        )
        app = build_application(demo_settings)
        texts = Texts(default=settings.language)
        print(texts.get("demo.scene", title=texts.get("demo.title")), flush=True)
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, allowed_updates=Update.ALL_TYPES)
            try:
                await play(Scene(emu, app, texts))
                stats = emu.stats()
                calls, violations = sum(stats["calls"].values()), len(stats["spec_violations"])
                print(
                    f"\nemulator: {calls} calls, {stats['flood_429']} x 429, "
                    f"{violations} spec violations",
                    flush=True,
                )
                if wait:
                    print(texts.get("demo.running", base=base, worker_id=100002), flush=True)
                    await _until_stopped()
            finally:
                await app.updater.stop()
                await app.stop()
    await runner.cleanup()
    return 0 if not emu.stats()["spec_violations"] else 1


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
