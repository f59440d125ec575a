"""Every button namespace and every text step against arbitrary input, as a modified client or
a careless user would send it (#21, #23): the bot answers every press and every message, raises
nothing, and changes nothing the sender may not change.

The bot runs on its own event loop in a thread, so hypothesis drives it from a plain test; each
example is a real update through the emulator.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import string
import threading
from collections.abc import Coroutine, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.domain.contest import Kind, Level
from bot.emulator import Emulator
from bot.services.contest import Created, Draft
from bot.services.identity import identify
from tests.botfixtures import ADMIN_ID, SPEED, Harness, build_test_app

T = TypeVar("T")
WORKER, FAR_LEADER, LEADER, FAR_UNIT_LEADER = 100003, 100015, 100001, 100018
# What a press may change whoever makes it: who was seen, what was said to whom, the raw
# updates kept, audit lines and conversations (a stale press may end the presser's own).
VOLATILE = {
    "tg_users",
    "audit_log",
    "conversations",
    "outbox",
    "outbox_files",
    "outbox_batches_final",
    "inbox",
    "registration_attempts",
    "schema_migrations",
}
NASTY_PARTS = [
    "99999999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "-1",
    "0",
    "",
    "1e3",
    "0x1",
    "in",
    "ok",
    "dup",
    "leave",
    "save",
    "full",
    "fig",
    "cls",
    "acc",
]
PARTS = st.one_of(
    st.integers(-2, 6).map(str),
    st.sampled_from(NASTY_PARTS),
    st.text(alphabet=string.ascii_letters + string.digits + "_-.", max_size=10),
)
NASTY_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "\u200b\u200d\ufeff",
            "<b>粗体</b><a href='x'>链接</a>",
            '=HYPERLINK("http://x","点我")',
            "1" * 5000,
            "下午3点" * 800,
            "请 /cancel@other_bot",
            "99999999999999999999999",
            "&amp;lt;i&amp;gt;",
        ]
    ),
)


class RunningBot:
    """The test harness's bot on a loop of its own, callable from synchronous code."""

    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.emu = Emulator()
        self.h: Harness = self.call(self._start(tmp))

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(120)

    async def _start(self, tmp: Path) -> Harness:
        self.emu.set_limits(enforce=True, scale=SPEED)
        app = build_test_app(self.emu, tmp)
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        h = Harness(self.emu, app, tmp)
        h.user(ADMIN_ID, "李主任")
        await h.import_demo_roster()
        people = [(LEADER, "10001"), (WORKER, "10003"), (FAR_LEADER, "10015")]
        for uid, number in [*people, (FAR_UNIT_LEADER, "10018")]:
            await h.register(uid, number)
        return h

    async def _stop(self) -> None:
        app = self.h.app
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    def close(self) -> None:
        self.call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    running = RunningBot(tmp_path_factory.mktemp("fuzz"))
    running.call(_objects(running.h))
    yield running
    running.close()
    assert running.emu.problems() == []


async def _objects(h: Harness) -> None:
    """Things a forged press could reach: a suggestion, a pledge, a competition."""
    await h.say(LEADER, LEADER, "/suggest 皮带机机尾加装防护罩，防止卷入伤人")
    await h.press(LEADER, LEADER, _last_button_message(h, LEADER), button_text="✅ 提交")
    await h.say(FAR_LEADER, FAR_LEADER, "/suggest 包装机封口温度偏高，建议加装温控")
    await h.press(
        FAR_LEADER, FAR_LEADER, _last_button_message(h, FAR_LEADER), button_text="✅ 提交"
    )
    await h.say(LEADER, LEADER, "/pledge 全年零违章")
    await h.svc.quiz.ensure_bank()  # seeded on first use: not a change a press made
    admin = (await identify(h.svc.people, h.svc.settings, ADMIN_ID)).actor
    unit = int(await h.svc.db.fetchval("SELECT id FROM units WHERE name = '一分场'"))
    today = date.today()
    draft = Draft("竞赛", Kind.CHALLENGE, Level.TEAM, unit, today, today, ("output",))
    assert isinstance(await h.svc.contest.create(admin, draft), Created)


def _last_button_message(h: Harness, chat: int) -> int:
    entries = [
        e
        for e in h.emu.transcript(chat_id=chat)
        if e["method"] == "sendMessage" and e.get("reply_markup")
    ]
    return int(entries[-1]["message_id"])


def namespaces(h: Harness) -> list[str]:
    """Every callback namespace a handler is registered for, read off the application."""
    found = set()
    for handlers in h.app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                pattern = getattr(handler.pattern, "pattern", handler.pattern)
                m = re.match(r"^\^([A-Za-z0-9_]+)(?:\\?:)", str(pattern))
                if m:
                    found.add(m.group(1))
    return sorted(found)


async def fingerprint(h: Harness) -> dict[str, str]:
    tables = await h.svc.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    out = {}
    for (name,) in tables:
        if name in VOLATILE:
            continue
        rows = await h.svc.db.fetchall(f'SELECT * FROM "{name}"')
        out[name] = hashlib.sha256(repr(sorted(tuple(r) for r in rows)).encode()).hexdigest()
    return out


async def errors_told(h: Harness) -> int:
    """Error notices queued for the admins: a handler that raised."""
    return int(
        await h.svc.db.fetchval(
            "SELECT count(*) FROM outbox WHERE chat_id = ? AND text LIKE '%出错%'", (ADMIN_ID,)
        )
    )


async def forged_press(h: Harness, user: int, data: str) -> None:
    before, errors = await fingerprint(h), await errors_told(h)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data=data)]])
    msg = await h.app.bot.send_message(user, "x", reply_markup=keyboard)
    entries = await h.press(user, user, msg.message_id, data=data)
    answers = [e for e in entries if e["method"] == "answerCallbackQuery"]
    assert len(answers) == 1, (data, entries)
    assert await errors_told(h) == errors, data
    after = await fingerprint(h)
    changed = [t for t in before if before[t] != after.get(t)]
    assert not changed, (data, changed)


async def typed(h: Harness, user: int, start: str, text: str) -> None:
    errors = await errors_told(h)
    await h.say(user, user, start)
    mark = h.mark()
    h.emu.send_message(user, user, text)
    await h.settle()
    replies = h.sent(user, mark)
    assert replies, (start, text)
    assert all(len(r) <= 4096 for r in replies)
    assert await errors_told(h) == errors, (start, text)
    await h.say(user, user, "/cancel")


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_button_namespace_answers_and_changes_nothing(
    bot: RunningBot, data: st.DataObject
) -> None:
    ns = data.draw(st.sampled_from(namespaces(bot.h)), label="namespace")
    version = data.draw(st.sampled_from(["v1", "v1", "v2", "v0", "1"]), label="version")
    parts = data.draw(st.lists(PARTS, max_size=5), label="parts")
    payload = ":".join([ns, version, *parts])
    if len(payload.encode()) > 64:  # Telegram refuses such a button: no client can send it
        payload = payload.encode()[:64].decode(errors="ignore")
    # a worker, a leader of another unit's team, and a unit leader of the other unit, who
    # may review 二分场's suggestion (#2) but not touch 一分场's (#1)
    user = data.draw(st.sampled_from([WORKER, FAR_LEADER, FAR_UNIT_LEADER]), label="user")
    bot.call(forged_press(bot.h, user, payload))


def test_namespaces_are_all_found(bot: RunningBot) -> None:
    found = namespaces(bot.h)
    for ns in ("att", "sg", "ntc", "pre", "pl", "ct", "ctn", "ctf"):
        assert ns in found, found


FLOWS = [
    (WORKER, "/pledge"),
    (WORKER, "/suggest"),
    (LEADER, "/figures"),
    (LEADER, "/notice"),
    (WORKER, "/leave"),
    (WORKER, "/feedback"),
    (WORKER, "/assist"),
    (LEADER, "/talk"),
    (FAR_UNIT_LEADER, "/rectify_new"),
    (WORKER, "/nominate"),
]


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(flow=st.sampled_from(FLOWS), text=NASTY_TEXT)
def test_every_text_step_answers_arbitrary_text(
    bot: RunningBot, flow: tuple[int, str], text: str
) -> None:
    user, start = flow
    # a text that is a command is another entry point (and one addressed to another bot is
    # ignored on purpose): the steps are tested with what is not a command
    if text.lstrip().startswith("/"):
        text = "x" + text
    bot.call(typed(bot.h, user, start, text or "x"))  # Telegram has no empty messages


# Presses found by hand once (#23), kept as fixed examples: each must be refused or stale.
KNOWN = [
    (FAR_UNIT_LEADER, "sg:v1:2:dup:1"),  # merge own unit's suggestion into another unit's
    (FAR_UNIT_LEADER, "sg:v1:1:dup:2"),  # and the other way round
    (FAR_UNIT_LEADER, "sgt:v1:2:-1:99"),  # a forged topic mask (-1: every topic), saved
    (FAR_UNIT_LEADER, "sgt:v1:2:1099511627775:99"),  # bits beyond the ten topics
    (WORKER, "att:v1:99999999999999999999999:in"),
    (WORKER, "roll:v1:99999999999999999999999:in"),
    (WORKER, "sg:v1:99999999999999999999999:adopt"),
    (WORKER, "ntc:v1:99999999999999999999999:ack"),
    (WORKER, "pre:v1:99999999999999999999999:done"),
    (WORKER, "lv:v1:99999999999999999999999:ok"),
    (WORKER, "ct:v1:fig:99999999999999999999999:1"),
]


@pytest.mark.parametrize(("user", "payload"), KNOWN)
def test_known_forged_presses(bot: RunningBot, user: int, payload: str) -> None:
    bot.call(forged_press(bot.h, user, payload))


def commands(h: Harness) -> list[str]:
    """Every command a handler is registered for, read off the application."""
    found: set[str] = set()
    for handlers in h.app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                found.update(handler.commands)
    return sorted(found)


async def command_with(h: Harness, user: int, command: str, args: str) -> None:
    errors = await errors_told(h)
    mark = h.mark()
    h.emu.send_message(user, user, f"/{command} {args}")
    await h.settle()
    replies = h.sent(user, mark)
    assert replies, (user, command, args)
    assert all(len(r) <= 4096 for r in replies), (command, args)
    assert await errors_told(h) == errors, (user, command, args)
    await h.say(user, user, "/cancel")


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), user=st.sampled_from([WORKER, LEADER, ADMIN_ID]), args=NASTY_TEXT)
def test_every_command_answers_arbitrary_arguments(
    bot: RunningBot, data: st.DataObject, user: int, args: str
) -> None:
    """Commands with arguments (schedule rules, periods, names, numbers) as anybody types
    them: an answer within Telegram's length, and no handler raises."""
    command = data.draw(st.sampled_from(commands(bot.h)))
    bot.call(command_with(bot.h, user, command, args[:300] or "x"))


def test_commands_are_all_found(bot: RunningBot) -> None:
    found = commands(bot.h)
    for name in ("study", "schedule", "suggest", "pledge", "notice", "vote", "award_new", "quiz"):
        assert name in found, found


async def schedule_step(h: Harness, step: str, text: str) -> None:
    """The /schedule creation flow up to its scope or rule step (buttons, as an admin does),
    then arbitrary text there: an answer, nothing raised, and a schedule only from a rule
    that parses."""
    errors, before = await errors_told(h), len(await h.svc.schedules.schedules())
    await h.say(ADMIN_ID, ADMIN_ID, "/schedule")
    await h.press(ADMIN_ID, ADMIN_ID, _last_button_message(h, ADMIN_ID), button_text="➕ 新建")
    await h.press(ADMIN_ID, ADMIN_ID, _last_button_message(h, ADMIN_ID), button_text="班前学习")
    if step == "rule":
        asked = await h.say(ADMIN_ID, ADMIN_ID, "全体")
        assert any("请发送规则" in r for r in asked), asked
    mark = h.mark()
    h.emu.send_message(ADMIN_ID, ADMIN_ID, text)
    await h.settle()
    replies = h.sent(ADMIN_ID, mark)
    assert replies and all(len(r) <= 4096 for r in replies), (step, text, replies)
    assert await errors_told(h) == errors, (step, text)
    await h.say(ADMIN_ID, ADMIN_ID, "/cancel")
    assert len(await h.svc.schedules.schedules()) == before  # nothing saved without 保存


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(step=st.sampled_from(["scope", "rule"]), text=NASTY_TEXT)
def test_schedule_scope_and_rule_steps_answer_arbitrary_text(
    bot: RunningBot, step: str, text: str
) -> None:
    if text.lstrip().startswith("/"):
        text = "x" + text
    bot.call(schedule_step(bot.h, step, text or "x"))
