"""`banzu demo`: the emulator, the bot and a sample organisation on this machine, no token.

Everything goes through the emulator as real people would do it: the admin sends the
roster file, leaders and workers open invite links and type their employee numbers, the bot
is added to groups and bound with /bind, and then each feature is played once in chat. The bot
itself talks to the emulator over HTTP, unchanged, exactly as it would talk to Telegram. Only
the clocks are moved by hand (to the next pre-shift time, a few minutes into a study session),
so the scene does not have to wait for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.clock import utcnow
from bot.context import BanzuApp, Services
from bot.delivery.flood import FloodController, FloodLimits
from bot.domain.org_import import RosterRow, read_roster, validate
from bot.emulator import Emulator
from bot.emulator.server import start_server
from bot.logs import setup_logging
from bot.paths import DEMO
from bot.services.schedules import load_calendar, plan_schedule
from bot.settings import Settings
from bot.texts import Texts, to_plain

ADMIN_ID = 900001
USER_BASE = 100000  # the roster's n-th person (0-based) is Telegram user USER_BASE + n
GROUP_BASE = -1001000000000
SPEED = 5.0  # Telegram's flood limits, this many times faster (both sides), so nobody waits
USER_LANG = "zh-CN"  # the demo's people write to the bot in Chinese
_LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")
_SHOWN = (
    "sendMessage", "editMessageText", "sendDocument", "sendPhoto", "sendPoll",
    "answerCallbackQuery",
)  # fmt: skip
_COLLAPSE = 3  # this many chats or more getting the same message are printed as one line


async def settle(emu: Emulator, app: BanzuApp, limit_s: float = 15.0) -> bool:
    """Wait until the emulator has delivered every update and the bot has finished handling
    them (nothing queued, nothing in flight, no API call for a moment)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while loop.time() < deadline:
        left_ms = int((deadline - loop.time()) * 1000)
        if not await emu.wait_idle(idle_ms=20, timeout_ms=max(left_ms, 1)):
            return False
        # An update fetched but still being stored, or stored and not yet handled, counts as
        # work: the emulator is quiet while the database write runs.
        busy = (
            app.update_processor.current_concurrent_updates
            or not app.update_queue.empty()
            or app.bot_data.services.inbox.busy
        )
        if not busy:
            return True
        await asyncio.sleep(0.005)
    return False


async def settle_all(emu: Emulator, app: BanzuApp) -> bool:
    """`settle`, and also everything handed on: the outbox (notices, reminders, what a
    reviewer's decision tells the submitter) and the live tallies of study sessions."""
    svc: Services = app.bot_data.services
    ok = await settle(emu, app)
    ok = await svc.outbox.wait_idle(20) and ok
    ok = await svc.attendance.tally.drain(10) and ok
    return await settle(emu, app) and ok


class ShiftedClock:
    """Real time moved forward by `ahead` (a session's check-in a few minutes later)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.ahead


@dataclass
class Cast:
    """The sample organisation as the scene knows it: roster rows, users, groups, invites."""

    people: list[RosterRow]
    invite: dict[tuple[str, str], str] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)  # team name -> group chat id

    def uid(self, employee_no: str) -> int:
        return USER_BASE + next(
            i for i, r in enumerate(self.people) if r.employee_no == employee_no
        )

    def teams(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((r.unit, r.team) for r in self.people))

    def members(self, team: tuple[str, str]) -> list[int]:
        return [USER_BASE + i for i, r in enumerate(self.people) if (r.unit, r.team) == team]

    def leader(self, team: tuple[str, str]) -> int:
        return next(
            USER_BASE + i
            for i, r in enumerate(self.people)
            if (r.unit, r.team) == team and "team_leader" in r.roles
        )


@dataclass
class Scene:
    emu: Emulator
    app: BanzuApp
    texts: Texts
    cast: Cast = field(default_factory=lambda: Cast(roster()))
    out: list[str] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    chat_titles: dict[int, str] = field(default_factory=dict)
    seq: int = 0
    shown: dict[tuple[int, int], str] = field(default_factory=dict)  # last text printed
    month: str = ""  # of the study session, for /report

    @property
    def svc(self) -> Services:
        return self.app.bot_data.services

    def say(self, line: str) -> None:
        self.out.append(line)
        print(line, flush=True)

    def step(self, key: str, **values: object) -> None:
        self.say("\n" + self.texts.get(f"demo.step.{key}", **values))

    def note(self, key: str, **values: object) -> None:
        self.say("  " + self.texts.get(f"demo.{key}", **values))

    def button(self, key: str, **values: object) -> str:
        """A button's label as the demo's people see it."""
        return self.texts.plain(key, USER_LANG, **values)

    def label(self, chat_id: int) -> str:
        if chat_id in self.chat_titles:
            return self.texts.get("demo.group_label", title=self.chat_titles[chat_id])
        return self.texts.get("demo.private_label", name=self.names.get(chat_id, str(chat_id)))

    async def settle(self, lines: int | None = None, presser: int | None = None) -> None:
        """Wait for the bot, then print what it did since last time: the same message to
        many chats on one line, an edit as the lines it changed, a file by its name."""
        await settle_all(self.emu, self.app)
        entries = self.emu.transcript(after_seq=self.seq)
        self.seq = max([self.seq] + [int(e["seq"]) for e in entries])
        # Keyed by the text with the recipient's own name taken out: "王秀兰，你好" and
        # "陈志强，你好" are the same reminder; the first one is printed as it was sent.
        printed: dict[str, tuple[str, list[int]]] = {}
        for entry in entries:
            body = self._body(entry, lines, presser)
            if body is not None:
                chat = entry["chat_id"]
                key = body.replace(self.names[chat], "\0") if chat in self.names else body
                printed.setdefault(key, (body, []))[1].append(chat)
        for body, chats in printed.values():
            if None in chats:
                self.say(f"    💬 {body}")
            else:
                self.say(f"    🤖 {self.texts.get('demo.bot_name')} → {self._to(chats)}: {body}")

    def _to(self, chats: list[int]) -> str:
        if len(chats) < _COLLAPSE:
            return "、".join(self.label(c) for c in chats)
        some = "、".join(self.label(c) for c in chats[:2])
        return self.texts.get("demo.many_chats", count=len(chats), some=some)

    def _body(self, entry: dict[str, Any], lines: int | None, presser: int | None) -> str | None:
        method = entry["method"]
        if method not in _SHOWN:
            return None
        text = to_plain(entry.get("text") or "")
        if method == "answerCallbackQuery":
            who = self.names.get(presser or 0, "")
            return self.texts.get("demo.toast", name=who, text=text) if text else None
        key = (int(entry["chat_id"]), int(entry["message_id"]))
        before, self.shown[key] = self.shown.get(key), text
        if method == "sendPoll":
            options = " / ".join(str(o.get("text", "")) for o in entry["params"].get("options", []))
            return f"📊 {text}\n      ({options})"
        if method in ("sendDocument", "sendPhoto"):
            upload = entry["params"].get("document") or entry["params"].get("photo") or {}
            name = upload.get("file_name", "") if isinstance(upload, dict) else ""
            return f"📎 {name}" + (f"  {text}" if text else "")
        if method == "editMessageText" and before is not None:
            old = set(before.split("\n"))
            text = "✏️ " + "\n".join(x for x in text.split("\n") if x not in old)
        parts = text.split("\n")
        if lines is not None and len(parts) > lines:
            more = self.texts.get("demo.more_lines", count=len(parts) - lines)
            parts = [*parts[:lines], more]
        return "\n      ".join(parts) + _buttons(entry.get("reply_markup"))

    async def skip(self) -> None:
        """Let the bot finish without printing what it did (for the repetitive parts)."""
        await settle_all(self.emu, self.app)
        done = self.emu.transcript(after_seq=self.seq)
        self.seq = max([self.seq] + [int(e["seq"]) for e in done])

    async def message(
        self, chat_id: int, user_id: int, text: str, show: bool = True, lines: int | None = None
    ) -> None:
        if show:
            said = text.replace("\n", "\n      ")
            self.say(f"  👤 {self.names[user_id]} @ {self.label(chat_id)}: {said}")
        self.emu.send_message(chat_id, user_id, text)
        await (self.settle(lines) if show else self.skip())

    async def document(self, chat_id: int, user_id: int, path: Path) -> None:
        self.say(f"  👤 {self.names[user_id]}: {self.texts.get('demo.sent_file', file=path.name)}")
        content = await asyncio.to_thread(path.read_bytes)
        self.emu.send_document(chat_id, user_id, path.name, content)
        await self.settle()

    async def press(
        self, chat_id: int, user_id: int, button: str, show: bool = True, lines: int | None = None
    ) -> None:
        """Press `button` on the latest message in `chat_id` that shows it."""
        if show:
            where = self.label(chat_id)
            pressed = self.texts.get("demo.pressed", button=button)
            self.say(f"  👤 {self.names[user_id]} @ {where}: {pressed}")
        self.emu.press(chat_id, user_id, self._with_button(chat_id, button), button_text=button)
        await (self.settle(lines, presser=user_id) if show else self.skip())

    def _with_button(self, chat_id: int, button: str) -> int:
        for entry in reversed(self.emu.transcript(chat_id=chat_id)):
            if entry["method"] != "sendMessage":
                continue
            now = self.emu.message(chat_id, int(entry["message_id"])) or {}
            markup = now.get("reply_markup") or {}
            if any(
                b.get("text") == button for row in markup.get("inline_keyboard", []) for b in row
            ):
                return int(entry["message_id"])
        raise LookupError(f"no button {button!r} in chat {chat_id}")

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


# ====================================================================== the organisation


def cast_people(scene: Scene) -> None:
    emu = scene.emu
    scene.names[ADMIN_ID] = "李主任（政工科）"
    emu.add_user(ADMIN_ID, "李", last_name="主任", language_code="zh-hans")
    for i, row in enumerate(scene.cast.people):
        scene.names[USER_BASE + i] = row.name
        emu.add_user(USER_BASE + i, row.name[1:], last_name=row.name[0], language_code="zh-hans")


async def import_roster(scene: Scene) -> None:
    scene.step("admin")
    await scene.message(ADMIN_ID, ADMIN_ID, "/start")
    await scene.document(ADMIN_ID, ADMIN_ID, DEMO / "roster.csv")
    await scene.press(ADMIN_ID, ADMIN_ID, scene.button("org.confirm.button_ok"))  # the preview
    scene.step("invites")
    await scene.message(ADMIN_ID, ADMIN_ID, "/invites")
    links = _LINK.findall(scene.last_bot_message(ADMIN_ID)["text"])
    scene.cast.invite = dict(zip(scene.cast.teams(), links, strict=True))


async def register(scene: Scene) -> None:
    scene.step("register")
    people, invite, emu = scene.cast.people, scene.cast.invite, scene.emu
    shown = 2
    for i, row in enumerate(people[:shown]):
        uid = USER_BASE + i
        await scene.message(uid, uid, f"/start {invite[(row.unit, row.team)]}")
        await scene.message(uid, uid, row.employee_no)
    # The others at once, as a team would on the day the links go out.
    rest = list(enumerate(people))[shown:]
    for i, row in rest:
        emu.send_message(USER_BASE + i, USER_BASE + i, f"/start {invite[(row.unit, row.team)]}")
    await scene.skip()
    for i, row in rest:
        emu.send_message(USER_BASE + i, USER_BASE + i, row.employee_no)
    await scene.skip()
    scene.say("  " + scene.texts.get("demo.step.registered_rest", count=len(people) - shown))

    scene.step("wrong")
    stranger = 199999
    scene.names[stranger] = "新来的小王"
    emu.add_user(stranger, "小王", language_code="zh-hans")
    await scene.message(stranger, stranger, f"/start {next(iter(invite.values()))}")
    await scene.message(stranger, stranger, "99999")
    await scene.message(stranger, stranger, people[2].employee_no)


async def bind_groups(scene: Scene) -> None:
    scene.step("groups")
    emu, cast = scene.emu, scene.cast
    for n, (unit, team) in enumerate(cast.teams()):
        chat_id = GROUP_BASE - n
        cast.groups[team] = chat_id
        scene.chat_titles[chat_id] = f"{unit}{team}群"
        emu.add_chat(chat_id, "supergroup", title=scene.chat_titles[chat_id])
        members = cast.members((unit, team))
        for uid in members:
            emu.set_member(chat_id, uid, "member")
        if n == 0:
            scene.say(f"  👤 {scene.names[members[0]]}: {scene.texts.get('demo.added_bot')}")
        emu.set_member(chat_id, emu.bot_id, "member")
        await (scene.settle() if n == 0 else scene.skip())
        await scene.message(chat_id, cast.leader((unit, team)), "/bind", show=n < 2)

    scene.step("refused")
    await scene.message(GROUP_BASE, cast.uid("10003"), "/bind")


async def help_and_bad_input(scene: Scene) -> None:
    worker = scene.cast.uid("10003")
    scene.step("help")
    await scene.message(worker, worker, "/help")
    await scene.message(ADMIN_ID, ADMIN_ID, "/help")
    scene.step("bad")
    await scene.message(worker, worker, "/dance")
    await scene.message(worker, worker, "今天学什么？")


# ====================================================================== the features


async def preshift(scene: Scene) -> None:
    scene.step("preshift")
    leader, group = scene.cast.uid("10001"), scene.cast.groups["蒸发一班"]
    await scene.message(ADMIN_ID, ADMIN_ID, "/schedule")
    await scene.press(ADMIN_ID, ADMIN_ID, scene.button("schedules.chat.btn_new"))
    await scene.press(ADMIN_ID, ADMIN_ID, scene.button("schedules.purpose.preshift"))
    await scene.message(ADMIN_ID, ADMIN_ID, "蒸发一班", lines=1)
    await scene.message(ADMIN_ID, ADMIN_ID, "每个工作日 07:30", lines=8)
    await scene.press(ADMIN_ID, ADMIN_ID, scene.button("schedules.chat.btn_save"))

    moment = await _next_due(scene.svc)
    local = moment.astimezone(scene.svc.settings.tz)
    scene.note("clock", time=f"{local:%m-%d %H:%M}")
    scene.svc.clock.set(moment)
    try:
        await scene.svc.runner.tick()
        await scene.settle()
        ack = scene.button("schedules.preshift.btn_ack")
        await press_many(scene, group, ("10002", "10003", "10004", "10006"), ack)
        await scene.press(group, leader, scene.button("schedules.preshift.btn_who"))
        await scene.press(leader, leader, scene.button("schedules.preshift.btn_nudge"))
    finally:
        scene.svc.clock.real()


async def press_many(scene: Scene, chat_id: int, numbers: tuple[str, ...], button: str) -> None:
    """Several people press the same button: the first two shown, the rest in one line."""
    users = [scene.cast.uid(no) for no in numbers]
    for n, uid in enumerate(users):
        await scene.press(chat_id, uid, button, show=n < 2)
    if len(users) > 2:
        names = "、".join(scene.names[uid] for uid in users[2:])
        scene.note("pressed_rest", names=names, button=button)


async def _next_due(svc: Services) -> datetime:
    """When the schedule just saved is next due (a few seconds in, as the job would tick)."""
    (schedule,) = await svc.schedules.live()
    now = utcnow()
    calendar = await load_calendar(svc.schedules)
    planned = plan_schedule(schedule, now, now + timedelta(days=20), svc.settings.tz, calendar)
    return planned[0].occurs_at + timedelta(seconds=3)


async def study(scene: Scene) -> None:
    scene.step("study")
    cast, clock = scene.cast, ShiftedClock()
    leader, group = cast.uid("10001"), cast.groups["蒸发一班"]
    scene.svc.attendance.clock = clock
    await scene.message(group, leader, "/study 安全规程学习\n第三章 皮带机安全操作")
    scene.month = f"{clock().astimezone(scene.svc.settings.tz):%Y-%m}"
    check_in = scene.button("attendance.button.check_in")
    await press_many(scene, group, ("10002", "10003", "10001", "10005"), check_in)
    clock.ahead = timedelta(minutes=8)
    scene.note("later", minutes=8)
    await scene.press(group, cast.uid("10006"), check_in)

    worker = cast.uid("10007")
    await scene.press(group, worker, scene.button("attendance.button.leave"))
    await scene.message(worker, worker, "家里老人住院，今天要去医院陪护")
    await scene.press(leader, leader, scene.button("attendance.leave.yes"))
    await scene.message(group, leader, "/roll")
    await scene.press(leader, leader, scene.button("attendance.roll.close_button"))
    scene.svc.attendance.clock = utcnow  # the demo keeps running on real time


async def notices(scene: Scene) -> None:
    scene.step("notice")
    await scene.message(ADMIN_ID, ADMIN_ID, "/notice")
    await scene.message(
        ADMIN_ID,
        ADMIN_ID,
        "本周五 8:00–12:00 一分场蒸发车间停电检修。请各班组提前做好安排，检修期间严禁进入配电室。",
    )
    await scene.press(ADMIN_ID, ADMIN_ID, scene.button("notices.aud.all"))
    await scene.press(ADMIN_ID, ADMIN_ID, scene.button("notices.where.both"))
    await scene.press(ADMIN_ID, ADMIN_ID, scene.button("notices.confirm"))
    ack = scene.button("notices.ack_button")
    worker = scene.cast.uid("10002")
    await scene.press(worker, worker, ack)
    await scene.press(scene.cast.groups["蒸发一班"], scene.cast.uid("10001"), ack)
    await scene.message(ADMIN_ID, ADMIN_ID, "/notice status")
    (pick,) = scene.last_bot_message(ADMIN_ID)["reply_markup"]["inline_keyboard"][0]
    await scene.press(ADMIN_ID, ADMIN_ID, str(pick["text"]), lines=6)


async def pledges(scene: Scene) -> None:
    scene.step("pledge")
    worker, leader = scene.cast.uid("10004"), scene.cast.uid("10001")
    await scene.message(worker, worker, "/pledge 今年全年零违章，当好安全标兵；带好新来的徒弟")
    await scene.message(worker, worker, "上半年考下中级工证书，下半年学会DCS操作")
    await scene.press(worker, worker, scene.button("pledges.btn.confirm"))
    await scene.message(leader, leader, "/pledges")
    await scene.press(leader, leader, scene.button("pledges.btn.remind"))


async def suggestions(scene: Scene) -> None:
    scene.step("suggest")
    worker, reviewer = scene.cast.uid("10006"), scene.cast.uid("10005")
    await scene.message(
        worker, worker, "/suggest 食堂晚饭菜老是凉的，夜班兄弟吃不上热饭，建议加个保温柜"
    )
    await scene.press(worker, worker, scene.button("suggestions.btn.submit"))
    await scene.message(reviewer, reviewer, "/review")
    await scene.press(reviewer, reviewer, scene.button("suggestions.btn.take"))
    await scene.press(reviewer, reviewer, scene.button("suggestions.btn.adopt"))


async def report(scene: Scene) -> None:
    scene.step("report")
    await scene.message(ADMIN_ID, ADMIN_ID, f"/report {scene.month}")


async def quiz(scene: Scene) -> None:
    """The study session closed above sent its 学习测验 to the group: workers answer the
    first poll, the leader sees who has not, a worker takes the 挑战答题 privately."""
    scene.step("quiz")
    cast, emu = scene.cast, scene.emu
    group, leader = cast.groups["蒸发一班"], cast.uid("10001")
    polls = [e for e in emu.transcript(chat_id=group) if e["method"] == "sendPoll"]
    first = emu.message(group, int(polls[0]["message_id"])) or {}
    poll = first["poll"]
    right = list(poll["correct_option_ids"])
    wrong = [next(i for i in range(len(poll["options"])) if [i] != right)]
    for number, choice in (("10002", right), ("10003", right), ("10005", wrong)):
        uid = cast.uid(number)
        picked = " / ".join(poll["options"][i]["text"] for i in choice)
        scene.say(f"  👤 {scene.names[uid]} @ {scene.label(group)}: 🗳 {picked}")
        emu.answer_poll(poll["id"], uid, choice)
    await scene.settle()
    await scene.message(leader, leader, "/quiz")
    await scene.press(leader, leader, scene.button("quiz.btn.status"))
    worker = cast.uid("10002")
    await scene.message(worker, worker, "/quizrank")


SCENES: tuple[Callable[[Scene], Awaitable[None]], ...] = (
    import_roster,
    register,
    bind_groups,
    help_and_bad_input,
    preshift,
    study,
    notices,
    pledges,
    suggestions,
    report,
    quiz,
)


async def play(scene: Scene) -> None:
    cast_people(scene)
    for part in SCENES:
        await part(scene)


async def run_demo(settings: Settings, *, port: int = 0, wait: bool = True) -> int:
    setup_logging("WARNING")
    emu = Emulator(bot_username=settings.bot_username)
    emu.set_limits(enforce=True, scale=SPEED)
    runner, port = await start_server(emu, "127.0.0.1", port)
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="banzu-demo-") as tmp:
        demo_settings = settings.with_(
            token=emu.token,
            api_base=f"{base}/bot",
            db_path=str(Path(tmp) / "demo.db"),
            admins=frozenset({ADMIN_ID}),
        )
        app = build_application(demo_settings, flood=FloodController(FloodLimits().scaled(SPEED)))
        texts = Texts(default=settings.language)
        print(texts.plain("demo.scene", title=texts.get("demo.title")), flush=True)
        print(texts.plain("demo.speed", speed=f"{SPEED:g}"), flush=True)
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, allowed_updates=Update.ALL_TYPES)
            try:
                await play(Scene(emu, app, texts))
                print("\n" + _stats_line(emu), flush=True)
                if wait:
                    print(texts.plain("demo.running", base=base, worker_id=100002), flush=True)
                    await _until_stopped()
            finally:
                await app.updater.stop()
                await app.stop()
    await runner.cleanup()
    return 0 if not emu.stats()["spec_violations"] else 1


def _stats_line(emu: Emulator) -> str:
    stats = emu.stats()
    calls, violations = sum(stats["calls"].values()), len(stats["spec_violations"])
    return f"emulator: {calls} calls, {stats['flood_429']} x 429, {violations} spec violations"


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
