"""Benchmark: a notice to 300 team groups and 3,000 private chats through the outbox.

The HTTP emulator runs in its own process with Telegram's flood limits scaled x10 (300
messages/s in all, 20 per 6 s per group, 3 per 0.3 s per private chat); the bot's flood
controller uses the same limits x10. The notice is created by the same service code the
/notice confirm button runs (roster -> plan -> notice, recipients and outbox rows in one
transaction); the sender then drains it while editing the author's progress message.

Figures: time from the confirm to the emulator's stamp on the last notice message, divided by
the theoretical floor for these limits — 3,300 messages at 30 per 0.1 s sliding window: the
last can go at (ceil(3300/30) - 1) x 0.1 s = 10.9 s. Must be <= 1.10 with zero 429s and zero
duplicates. Prints one JSON line. Localhost only, about half a minute.

    .venv/bin/python bench/broadcast.py [--groups 300] [--private 3000] [--scale 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from common import (
    TOKEN,
    add_group,
    duplicates,
    emulator_process,
    last_sent_at,
    result,
    sent_per_chat,
    stats,
    transcript,
)

from bot.app import build_application
from bot.clock import utcnow
from bot.db import Database
from bot.delivery.flood import FloodController, FloodLimits
from bot.repos.groups import GroupsRepo
from bot.repos.notices import NoticeDraft
from bot.repos.org import OrgRepo
from bot.repos.people import PeopleRepo
from bot.services import notices as rules
from bot.services.notices import Content
from bot.settings import Settings

AUTHOR = 900001
PER_TEAM = 10
BODY = "关于开展冬季安全生产大检查的通知：请各班组于本周五前完成自查，并将结果报送安全科。"


async def setup_emulator(root: str, users: list[int], groups: list[int], scale: float) -> None:
    async with httpx.AsyncClient(base_url=f"{root}/_emu", timeout=30) as http:
        bot = (await http.get(f"{root}/bot{TOKEN}/getMe")).json()["result"]

        async def person(uid: int) -> None:
            await http.post("/users", json={"id": uid, "first_name": f"职工{uid}"})
            # A private chat is usable once the person has written to the bot.
            await http.post("/messages", json={"chat_id": uid, "from_id": uid, "text": "你好"})

        jobs = [person(u) for u in [AUTHOR, *users]] + [
            add_group(http, g, bot["id"]) for g in groups
        ]
        for i in range(0, len(jobs), 200):
            await asyncio.gather(*jobs[i : i + 200])
        await http.post("/limits", json={"enforce": True, "scale": scale})


async def seed(db_path: str, users: list[int], groups: list[int]) -> None:
    rows = ["单位,班组,工号,姓名,角色,标签"]
    rows += [
        f"{i // PER_TEAM // 10}分场,{i // PER_TEAM}班,{100000 + i},职工{i},职工,"
        for i in range(len(users))
    ]
    db = Database(db_path)
    await db.open()
    try:
        org, people, binds = OrgRepo(db), PeopleRepo(db), GroupsRepo(db)
        result = await org.import_file("\n".join(rows).encode(), "roster.csv")
        assert result.ok, result
        for i, uid in enumerate(users):
            person = await people.by_employee_no(str(100000 + i))
            assert person is not None
            await people.touch_user(uid, f"职工{i}", None, None, "zh-hans", True)
            await people.link(person.member_id, uid, person.employee_no, person.team_id, utcnow())
        teams = {t.name: t.id for t in await org.teams()}
        for t, chat in enumerate(groups):
            await binds.record_bot_status(chat, "supergroup", f"{t}班群", "member")
            await binds.bind(chat, teams[f"{t}班"], AUTHOR)
    finally:
        await db.close()


async def broadcast(root: str, db_path: str, scale: float) -> dict[str, Any]:
    settings = Settings(
        token=TOKEN, db_path=db_path, api_base=f"{root}/bot", admins=frozenset({AUTHOR})
    )
    flood = FloodController(FloodLimits().scaled(scale))
    app = build_application(settings, flood=flood)
    async with app:
        await app.start()  # starts the outbox sender; no polling: nobody presses anything here
        svc = app.bot_data.services
        progress = await app.bot.send_message(AUTHOR, "…")
        # Past the sender's start-up pause (it waits out what a killed predecessor may still
        # have in Telegram's windows: 3 private-chat periods, 3.1 s at real limits, reported
        # apart) and the author's window: this figure is the broadcast's own pace.
        pause = svc.outbox.start_pause_s
        await asyncio.sleep(max(0.5, pause + 0.2))
        mark = len(await transcript(root))
        members = await svc.notices.repo.audience()
        plan = rules.plan(members, await svc.notices.repo.team_groups(), "both")
        parts = rules.render(svc.texts, Content("text", BODY), "安全科")
        draft = NoticeDraft(
            AUTHOR, "安全科", "text", BODY, None, {}, "全体人员", "both", False,
            AUTHOR, progress.message_id, plan.fallback, plan.unreachable,
        )  # fmt: skip
        start = time.time()
        await svc.notices.repo.create(
            draft,
            plan.recipients,
            lambda nid: rules.messages(svc.texts, nid, plan.chats, parts, False),
        )
        svc.outbox.wake()
        assert await svc.outbox.wait_idle(600), "the outbox did not drain"
        await app.stop()
    entries = (await transcript(root))[mark:]
    per_chat = sent_per_chat(entries, "📢")
    return {
        "chats": len(plan.chats),
        "delivered": len(per_chat),
        "duplicates": duplicates(per_chat),
        "missing": len(set(plan.chats) - set(per_chat)),
        "elapsed_s": round(last_sent_at(entries, "📢") - start, 3),
        "progress_edits": sum(1 for e in entries if e["method"] == "editMessageText"),
        "start_pause_s": round(pause, 3),
    }


async def main() -> None:
    p = argparse.ArgumentParser(description="notice to N groups and M private chats")
    p.add_argument("--groups", type=int, default=300)
    p.add_argument("--private", type=int, default=3000)
    p.add_argument("--scale", type=float, default=10.0)
    args = p.parse_args()
    users = [1_000_000 + i for i in range(args.private)]
    groups = [-1005000000000 - t for t in range(math.ceil(args.private / PER_TEAM))][: args.groups]
    with emulator_process(TOKEN) as root:
        with tempfile.TemporaryDirectory() as tmp:
            db_path = str(Path(tmp) / "bench.db")
            await setup_emulator(root, users, groups, args.scale)
            await seed(db_path, users, groups)
            figures = await broadcast(root, db_path, args.scale)
        emulator_stats = await stats(root)
    n, window = figures["chats"], FloodLimits().scaled(args.scale)
    floor = (math.ceil(n / window.global_count) - 1) * window.global_period
    params = {"groups": len(groups), "private": len(users), "scale": args.scale}
    out = result("broadcast", params, figures, floor, emulator_stats)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
