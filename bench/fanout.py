"""Benchmark: 300 teams whose shifts start at the same minute all get their pre-shift prompt.

The HTTP emulator runs in its own process with Telegram's real flood limits (30 messages/s in
all, 20/min per group); the bot's flood controller uses the same, unscaled. The organisation
(300 teams, each with a bound group) and one pre-shift schedule per team - the team's shift
pattern, every day an early shift at 08:00 with the prompt 30 minutes before - are seeded
directly through the repositories. The runner's clock is set to the moment the prompts are
due (07:30 tomorrow, local) and `tick` is called: that instant is the due time.

Figures: seconds from the due time to the emulator's stamp on the last prompt, divided by the
floor 300 / 30 s = 10 s. Must be <= 1.2 with zero 429s and zero duplicates. Prints one JSON
line. Localhost only, about 15 seconds.

    .venv/bin/python bench/fanout.py [--teams 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
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
from bot.repos.org import OrgRepo
from bot.repos.schedules import Purpose, SchedulesRepo, Scope
from bot.settings import Settings

ADMIN = 900001


async def setup_emulator(root: str, groups: list[int]) -> None:
    async with httpx.AsyncClient(base_url=f"{root}/_emu", timeout=30) as http:
        bot = (await http.get(f"{root}/bot{TOKEN}/getMe")).json()["result"]

        for i in range(0, len(groups), 100):
            await asyncio.gather(*(add_group(http, g, bot["id"]) for g in groups[i : i + 100]))
        await http.post("/limits", json={"enforce": True, "scale": 1})


async def seed(settings: Settings, groups: list[int], anchor: str) -> None:
    rows = ["单位,班组,工号,姓名,角色,标签"]
    rows += [f"{t // 30 + 1}分场,{t}班,{100000 + t},职工{t},班组长," for t in range(len(groups))]
    db = Database(settings.db_path)
    await db.open()
    try:
        org, binds, schedules = OrgRepo(db), GroupsRepo(db), SchedulesRepo(db, utcnow)
        result = await org.import_file("\n".join(rows).encode(), "roster.csv")
        assert result.ok, result
        teams = {t.name: t.id for t in await org.teams()}
        for t, chat in enumerate(groups):
            await binds.record_bot_status(chat, "supergroup", f"{t}班群", "member")
            await binds.bind(chat, teams[f"{t}班"], ADMIN)
            await schedules.create(
                scope=Scope.TEAM,
                team_id=teams[f"{t}班"],
                purpose=Purpose.PRESHIFT,
                rule=f"rotation 早 anchor {anchor} lead 30m",
                holiday_policy="ignore",
                leads=(0,),
                created_by=ADMIN,
            )
    finally:
        await db.close()


async def fanout(root: str, settings: Settings, due: datetime) -> dict[str, Any]:
    app = build_application(settings, flood=FloodController(FloodLimits()))
    async with app:
        await app.start()  # the outbox sender and the schedules.tick job
        svc = app.bot_data.services
        await asyncio.sleep(1.5)  # past the sender's start-up pause
        mark = len(await transcript(root))
        svc.clock.set(due)
        start = time.time()
        report = await svc.runner.tick()
        tick_s = time.time() - start
        assert await svc.outbox.wait_idle(300), "the outbox did not drain"
        await app.stop()
    entries = (await transcript(root))[mark:]
    per_chat = sent_per_chat(entries, "班前学习")
    return {
        "handed": report.handed,
        "delivered": len(per_chat),
        "duplicates": duplicates(per_chat),
        "tick_s": round(tick_s, 3),
        "elapsed_s": round(last_sent_at(entries, "班前学习") - start, 3),
    }


async def main() -> None:
    p = argparse.ArgumentParser(description="pre-shift prompts to N teams at the same minute")
    p.add_argument("--teams", type=int, default=300)
    args = p.parse_args()
    groups = [-1006000000000 - t for t in range(args.teams)]
    with emulator_process(TOKEN) as root:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                token=TOKEN,
                db_path=str(Path(tmp) / "bench.db"),
                api_base=f"{root}/bot",
                admins=frozenset({ADMIN}),
            )
            tomorrow = (datetime.now(UTC).astimezone(settings.tz) + timedelta(days=1)).date()
            due = datetime.combine(tomorrow, datetime.min.time(), tzinfo=settings.tz)
            due = (due + timedelta(hours=7, minutes=30)).astimezone(UTC)
            await setup_emulator(root, groups)
            await seed(settings, groups, tomorrow.isoformat())
            figures = await fanout(root, settings, due)
        emulator_stats = await stats(root)
    limits = FloodLimits()
    floor = args.teams / limits.global_count * limits.global_period
    out = result("fanout", {"teams": args.teams}, figures, floor, emulator_stats)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
