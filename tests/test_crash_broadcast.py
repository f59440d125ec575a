"""kill -9 in the middle of a broadcast: a real `banzu run` process against the HTTP emulator.

The emulator runs in this test's process. After the 20th notice message it stops answering
notice requests: the bot keeps them in flight (`sending` in the outbox) while Telegram has not
acted on them. Once every answered request is recorded, the bot is killed with SIGKILL, the
held requests are dropped (their client is gone), the bot is started again, and the transcript
must show every recipient chat exactly once. The residual case the design cannot close (a
request Telegram accepted but whose answer was never recorded) is documented in
bot/delivery/outbox.py and pinned in tests/test_outbox.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.clock import utcnow
from bot.db import Database
from bot.emulator import Emulator
from bot.emulator.server import start_server
from bot.repos.groups import GroupsRepo
from bot.repos.org import OrgRepo
from bot.repos.outbox import OutboxRepo
from bot.repos.people import PeopleRepo

ADMIN = 900001
TEAMS, PER_TEAM = 5, 12
KILL_AFTER = 20
HEADER = "📢"


def user_id(i: int) -> int:
    return 500000 + i


def group_id(t: int) -> int:
    return -1004000000000 - t


async def seed(db_path: Path, emu: Emulator) -> None:
    """Roster of 60 in 5 teams, all linked and reachable privately, each team with a group."""
    rows = ["单位,班组,工号,姓名,角色,标签"]
    rows += [
        f"一车间,{t}班,{20000 + t * 100 + k},职工{t}{k:02d},职工,"
        for t in range(TEAMS)
        for k in range(PER_TEAM)
    ]
    db = Database(db_path)
    await db.open()
    try:
        result = await OrgRepo(db).import_file("\n".join(rows).encode(), "roster.csv")
        assert result.ok, result
        people, groups = PeopleRepo(db), GroupsRepo(db)
        teams = {t.name: t.id for t in await OrgRepo(db).teams()}
        for t in range(TEAMS):
            for k in range(PER_TEAM):
                no, uid = str(20000 + t * 100 + k), user_id(t * PER_TEAM + k)
                person = await people.by_employee_no(no)
                assert person is not None
                emu.add_user(uid, f"职工{t}{k:02d}")
                emu.state.users[uid].started = True
                await people.touch_user(uid, f"职工{t}{k:02d}", None, None, "zh-hans", True)
                assert await people.link(person.member_id, uid, no, person.team_id, utcnow())
            emu.add_chat(group_id(t), "supergroup", title=f"{t}班群")
            emu.state.chats[group_id(t)].members[emu.bot_id] = "member"
            await groups.record_bot_status(group_id(t), "supergroup", f"{t}班群", "member")
            await groups.bind(group_id(t), teams[f"{t}班"], ADMIN)
    finally:
        await db.close()


def start_bot(port: int, db_path: Path, emu: Emulator, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BANZU_TOKEN": emu.token,
        "BANZU_API_BASE": f"http://127.0.0.1:{port}/bot",
        "BANZU_DB": str(db_path),
        "BANZU_ADMINS": str(ADMIN),
        "BANZU_BOT_USERNAME": emu.bot_username,
    }
    out = log.open("ab")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, stdout=out, stderr=out)


async def until(check: Callable[[], Any], limit_s: float = 20.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not await _value(check()):
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def _value(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


def last_bot_message(emu: Emulator, chat_id: int) -> dict[str, Any] | None:
    sent = [e for e in emu.transcript(chat_id=chat_id) if e["method"] == "sendMessage"]
    return sent[-1] if sent else None


def shown(emu: Emulator, message_id: int) -> str:
    return str((emu.message(ADMIN, message_id) or {}).get("text"))


async def compose(emu: Emulator) -> None:
    """The admin sends a notice to everyone, groups and private chats, through the bot."""
    emu.send_message(ADMIN, ADMIN, "/notice")
    await until(
        lambda: (m := last_bot_message(emu, ADMIN)) and "通知内容" in m["text"], what="prompt"
    )
    emu.send_message(ADMIN, ADMIN, "全员注意：本周六全厂停电检修，请各班组做好安排。")
    await until(lambda: (m := last_bot_message(emu, ADMIN)) and "发给谁" in m["text"], what="menu")
    menu = last_bot_message(emu, ADMIN)
    assert menu is not None
    for button, expect in (
        ("全体人员", "发到哪里"),
        ("班组群和私聊", "通知预览"),
        ("✅ 确认发送", "正在发送"),
    ):
        emu.press(ADMIN, ADMIN, menu["message_id"], button_text=button)
        await until(lambda: expect in shown(emu, menu["message_id"]), what=expect)  # noqa: B023


async def test_sigkill_mid_broadcast_delivers_each_recipient_once(tmp_path: Path) -> None:
    emu = Emulator()
    emu.add_user(ADMIN, "主任")
    db_path, log = tmp_path / "banzu.db", tmp_path / "bot.log"
    await seed(db_path, emu)
    recipients = {user_id(i) for i in range(TEAMS * PER_TEAM)} | {group_id(t) for t in range(TEAMS)}

    answered = 0
    gate = asyncio.Event()
    gate.set()
    real = emu.handle_api

    async def held(token: str, method: str, params: dict[str, Any], **kw: Any) -> tuple[int, Any]:
        nonlocal answered
        notice = method.lower() == "sendmessage" and HEADER in str(params.get("text"))
        if notice and not gate.is_set():
            await gate.wait()  # never returns for a killed client: aiohttp cancels the handler
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        status, body = await real(token, method, params, **kw)
        if notice and status == 200:
            answered += 1
            if answered == KILL_AFTER:
                gate.clear()
        return status, body

    emu.handle_api = held  # type: ignore[method-assign]
    runner, port = await start_server(emu)
    db = Database(db_path)
    await db.open()
    outbox = OutboxRepo(db)
    bot = start_bot(port, db_path, emu, log)
    try:
        await compose(emu)
        await until(lambda: not gate.is_set(), what="the 20th notice message")

        async def recorded() -> bool:  # every answered request is committed as sent
            counts = await outbox.batch_counts("notice:1")
            return counts["sent"] == answered and counts["sending"] > 0

        await until(recorded, what="results recorded")
        counts = await outbox.batch_counts("notice:1")
        os.kill(bot.pid, signal.SIGKILL)
        bot.wait(10)
        gate.set()  # held requests: their client is gone, Telegram never acted on them
        assert counts["sending"] > 0 and counts["sent"] < len(recipients), counts  # mid-broadcast

        bot = start_bot(port, db_path, emu, log)

        async def finished() -> bool:
            return (await outbox.batch_counts("notice:1"))["sent"] == len(recipients)

        await until(finished, limit_s=25, what="the broadcast to finish after restart")
        delivered = Counter(
            int(e["chat_id"])
            for e in emu.transcript()
            if e["method"] == "sendMessage" and HEADER in str(e["text"])
        )
        assert set(delivered) == recipients
        assert set(delivered.values()) == {1}, {c: n for c, n in delivered.items() if n != 1}
        assert await outbox.recovered_count() == counts["sending"]
        assert emu.stats()["flood_429"] == 0
        assert emu.problems() == [], emu.problems()
    finally:
        if bot.poll() is None:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(10)
            except subprocess.TimeoutExpired:
                bot.kill()
        await db.close()
        await runner.cleanup()
