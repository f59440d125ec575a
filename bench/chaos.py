"""Chaos run: the bot process SIGKILLed at random moments while it works, with Telegram faults
injected on top; counts per chat and per person what was lost, repeated or wrongly recorded.

Each scenario is a small async function `(Chaos) -> dict` registered in SCENARIOS: it seeds a
fresh database and emulator, starts load, calls `chaos.lives(...)` (start the bot, let it run a
random while, SIGKILL it, again), lets a last life finish the work, and counts from the
emulator's transcript and the database. A new capability adds its scenario the same way.

- broadcast: a notice-sized batch (two messages to each of 200 groups) drained by the outbox
  while the process is killed; per chat: lost, duplicated; `recovered` is how many rows were
  in flight at the kills (the bound on repeats: Telegram accepted, answer lost).
- checkin: study sessions in 20 groups, 30 workers each press 签到 over ~30 s while the process
  is killed; per person: lost (pressed, no row), wrongly recorded (a row nobody pressed for, or
  two), unanswered (no answer and not told in chat), told in chat (answer window passed).
- faults on top: 429, 500 and timeouts on sendMessage, editMessageText, answerCallbackQuery.

Every scenario ends with `PRAGMA integrity_check`. One JSON line; about three minutes.

    .venv/bin/python bench/chaos.py [--kills 30] [--seed 1] [--only broadcast,checkin]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkin import (
    BOT_ID,
    ROOT,
    TOKEN,
    Emu,
    chat_id,
    gather_bounded,
    seed_db,
    start_process,
    user_id,
)

from bot.db import Database
from bot.repos.outbox import OutboxRepo, OutMessage


class Chaos:
    """One scenario's world: an emulator process, a database, the bot's lives and kills."""

    def __init__(self, rng: random.Random, emu: Emu, root: str, db_path: str) -> None:
        self.rng, self.emu, self.root, self.db_path = rng, emu, root, db_path
        self.kills = 0
        self.kill_at_s: list[float] = []
        self.bot: Any = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "BANZU_TOKEN": TOKEN, "BANZU_API_BASE": f"{self.root}/bot",
                "BANZU_DB": self.db_path, "BANZU_LOG_LEVEL": "ERROR"}  # fmt: skip

    async def start(self) -> None:
        self.bot = await start_process(["-m", "bot", "run"], self.env)

    async def kill(self) -> None:
        if self.bot is not None and self.bot.returncode is None:
            self.bot.send_signal(signal.SIGKILL)
            await self.bot.wait()
            self.kills += 1
        self.bot = None

    async def stop(self) -> None:
        if self.bot is not None and self.bot.returncode is None:
            self.bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.bot.wait(), 30)
            except TimeoutError:
                self.bot.kill()
                await self.bot.wait()
        self.bot = None

    async def lives(self, kills: int, low_s: float, high_s: float,
                    until: Callable[[], Awaitable[bool]] | None = None) -> None:  # fmt: skip
        """Start the bot and SIGKILL it after a random while, `kills` times (fewer if `until`
        says the work is done)."""
        for _ in range(kills):
            if until is not None and await until():
                break
            await self.start()
            life = self.rng.uniform(low_s, high_s)
            self.kill_at_s.append(round(life, 2))
            await asyncio.sleep(life)
            await self.kill()

    async def finish(
        self, done: Callable[[], Awaitable[bool]] | None = None, limit_s: float = 180.0
    ) -> None:
        """A last life that is not killed: until `done` says so (if given) and the bot has
        been idle a while."""
        await self.start()
        deadline = time.time() + limit_s
        await asyncio.sleep(1.0)
        while done is not None and not await done() and time.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        await self.emu.wait_idle(2500, int(1000 * max(1.0, deadline - time.time())))
        await self.stop()

    async def faults(self, plan: dict[str, list[tuple[str, int]]]) -> int:
        n = 0
        for method, kinds in plan.items():
            for kind, count in kinds:
                body: dict[str, Any] = {"method": method, "kind": kind, "count": count}
                if kind == "429":
                    body["retry_after"] = 1
                await self.emu.post("faults", body)
                n += count
        return n

    def integrity(self) -> str:
        conn = sqlite3.connect(self.db_path)
        try:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            conn.close()

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.db_path, timeout=30)
        try:
            return list(conn.execute(query, params).fetchall())
        finally:
            conn.close()


# ==================================================================== scenarios


async def add_groups(c: Chaos, groups: int, users: list[tuple[int, int]], size: int = 0) -> None:
    """Telegram's side: the people, the team groups, everybody (and the bot) in them."""
    post = c.emu.post
    await gather_bounded(32, [
        post("users", {"id": user_id(t, w, size), "first_name": f"{t}-{w}"}) for t, w in users
    ])  # fmt: skip
    await gather_bounded(32, [
        post("chats", {"id": chat_id(t), "type": "supergroup", "title": f"{t}班"})
        for t in range(groups)
    ])  # fmt: skip
    members = [(chat_id(t), BOT_ID) for t in range(groups)]
    members += [(chat_id(t), user_id(t, w, size)) for t, w in users]
    await gather_bounded(32, [
        post("members", {"chat_id": ch, "user_id": u, "status": "member"}) for ch, u in members
    ])  # fmt: skip


async def broadcast(c: Chaos, kills: int) -> dict[str, Any]:
    groups, parts = 200, 2
    await add_groups(c, groups, [])
    db = Database(c.db_path)
    await db.open()
    try:
        await OutboxRepo(db).enqueue([
            OutMessage(chat_id(t), f"混沌通知 {t} 第{p}段", "chaos", f"chaos:{t}:{p}",
                       batch="chaos:1")
            for p in range(1, parts + 1) for t in range(groups)
        ])  # fmt: skip
    finally:
        await db.close()
    injected = await c.faults({"sendMessage": [("429", 3), ("500", 4), ("timeout", 2)]})

    async def drained() -> bool:
        rows = c.sql("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')")
        return int(rows[0][0]) == 0

    # The sender waits out Telegram's burst windows for ~3.5 s after each start: lives of
    # 3–7 s let every life both start sending and be killed mid-flight.
    await c.lives(kills, 3.0, 7.0, drained)
    await c.finish(drained)
    got = Counter(
        (int(e["chat_id"]), str(e["text"]))
        for e in await c.emu.get("transcript")
        if e["method"] == "sendMessage" and "混沌通知" in str(e["text"])
    )
    want = {(chat_id(t), f"混沌通知 {t} 第{p}段") for p in range(1, parts + 1)
            for t in range(groups)}  # fmt: skip
    states = dict(c.sql("SELECT state, count(*) FROM outbox GROUP BY state"))
    recovered = int(c.sql("SELECT coalesce(sum(recovered), 0) FROM outbox")[0][0])
    return {
        "messages": len(want),
        "lost": len(want - set(got)),
        "duplicated": sum(n - 1 for n in got.values()),
        "chats_with_duplicates": len({ch for (ch, _), n in got.items() if n > 1}),
        "recovered_in_flight": recovered,
        "undeliverable": states.get("undeliverable", 0),
        "faults_injected": injected,
    }


async def checkin(c: Chaos, kills: int) -> dict[str, Any]:
    # Presses go on through every life (1–4 s each, plus ~1 s to start) and the last one.
    groups, size, seconds = 20, 30, max(30.0, 3.5 * kills)
    await seed_db(c.db_path, groups, size)
    users = [(t, w) for t in range(groups) for w in range(size)]
    await add_groups(c, groups, users, size)
    await c.start()
    await c.emu.wait_idle(1500, 60_000)
    for t in range(groups):
        await c.emu.post("messages", {"chat_id": chat_id(t), "from_id": user_id(t, 0, size),
                                      "text": "/study 安全规程学习"})  # fmt: skip
    await c.emu.wait_idle(1500, 60_000)
    await c.stop()
    posts: dict[int, tuple[int, str]] = {}
    for e in await c.emu.get("transcript"):
        if e["method"] == "sendMessage" and "att:v1:" in json.dumps(e.get("reply_markup")):
            buttons = [b for r in e["reply_markup"]["inline_keyboard"] for b in r]
            data = next(b["callback_data"] for b in buttons
                        if b.get("callback_data", "").endswith(":in"))  # fmt: skip
            posts[e["chat_id"]] = (e["message_id"], data)
    if len(posts) != groups:
        raise RuntimeError(f"only {len(posts)} of {groups} sessions were posted")
    mark = max(e["seq"] for e in await c.emu.get("transcript"))
    injected = await c.faults({
        "answerCallbackQuery": [("500", 3), ("timeout", 1)],
        "editMessageText": [("429", 2), ("500", 2)],
    })  # fmt: skip

    pressed: dict[str, tuple[int, int]] = {}  # callback_query_id -> (team, worker)
    pressed_at: dict[str, float] = {}
    plan = sorted((c.rng.uniform(0, seconds), t, w) for t, w in users)

    async def presses() -> None:
        start = time.time()
        for at, t, w in plan:
            delay = start + at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            message_id, data = posts[chat_id(t)]
            r = await c.emu.post("callbacks", {"chat_id": chat_id(t),
                                               "from_id": user_id(t, w, size),
                                               "message_id": message_id, "data": data})  # fmt: skip
            pressed[r["callback_query_id"]] = (t, w)
            pressed_at[r["callback_query_id"]] = time.time()

    load = asyncio.create_task(presses())
    # Lives of 1–4 s: the process dies with presses fetched, stored, half-handled.
    await c.lives(kills, 1.0, 4.0)

    async def pressed_all() -> bool:
        return load.done()

    await c.finish(pressed_all)
    await load
    entries = [e for e in await c.emu.get(f"transcript?after_seq={mark}")]
    answered = Counter(e["params"]["callback_query_id"] for e in entries
                       if e["method"] == "answerCallbackQuery")  # fmt: skip
    waits = sorted(e["at"] - pressed_at[q] for e in entries
                   if e["method"] == "answerCallbackQuery"
                   and (q := e["params"]["callback_query_id"]) in pressed_at)  # fmt: skip
    told = Counter(
        int(e["chat_id"]) for e in entries
        if e["method"] == "sendMessage" and "来不及" in str(e["text"])
    )  # fmt: skip
    rows = c.sql(
        "SELECT m.tg_user_id, count(*) FROM attendance a JOIN members m ON m.id = a.member_id"
        " WHERE a.status IN ('present', 'late') GROUP BY m.tg_user_id"
    )
    recorded = {int(u): int(n) for u, n in rows}
    who = {user_id(t, w, size): (t, w) for t, w in pressed.values()}
    lost = [u for u in who if u not in recorded]
    wrong = sum(1 for u, n in recorded.items() if u not in who or n > 1)
    unanswered = [
        q for q, (t, w) in pressed.items()
        if not answered.get(q) and not told.get(user_id(t, w, size))
        and not told.get(chat_id(t))
    ]  # fmt: skip
    stats = await c.emu.get("stats")
    late = [v for v in stats["spec_violations"] if "15s" in str(v.get("kind"))]
    return {
        "presses": len(pressed),
        "lost": len(lost),
        "duplicated": sum(n - 1 for n in answered.values() if n > 1),
        "wrongly_recorded": wrong,
        "unanswered": len(unanswered),
        "told_in_chat": sum(told.values()),
        "answer_p50_s": round(waits[len(waits) // 2], 3) if waits else None,
        "answer_max_s": round(waits[-1], 3) if waits else None,
        "answers_refused_too_late": len(late),
        "faults_injected": injected,
    }


Scenario = Callable[[Chaos, int], Awaitable[dict[str, Any]]]
# name -> (scenario, share of the kills)
SCENARIOS: dict[str, tuple[Scenario, float]] = {
    "broadcast": (broadcast, 0.4),
    "checkin": (checkin, 0.6),
}


async def run_one(name: str, fn: Scenario, kills: int, seed: int) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix=f"banzu-chaos-{name}-")
    db_path = str(Path(tmp) / "chaos.db")
    emulator = await start_process(["-m", "bot.emulator", "--port", "0"])
    assert emulator.stdout is not None
    line = (await asyncio.wait_for(emulator.stdout.readline(), 20)).decode().strip()
    root = line.removeprefix("listening on ")
    started = time.time()
    try:
        timeout = aiohttp.ClientTimeout(total=180)
        async with aiohttp.ClientSession(timeout=timeout) as s:
            emu = Emu(s, root)
            await emu.post("limits", {"enforce": True, "scale": 1})
            c = Chaos(random.Random(seed), emu, root, db_path)
            try:
                figures = await fn(c, kills)
            finally:
                await c.stop()
            stats = await emu.get("stats")
    finally:
        emulator.send_signal(signal.SIGTERM)
        await emulator.wait()
    return {"kills": c.kills, **figures, "flood_429": stats["flood_429"],
            "integrity": c.integrity(), "elapsed_s": round(time.time() - started, 1),
            "lives_s": c.kill_at_s}  # fmt: skip


async def run(kills: int, seed: int, only: list[str]) -> dict[str, Any]:
    chosen = {k: v for k, v in SCENARIOS.items() if not only or k in only}
    share = sum(w for _, w in chosen.values())
    out: dict[str, Any] = {}
    carry = 0  # kills a scenario did not use (its work was done first) go to the next
    for name, (fn, weight) in chosen.items():
        budget = max(1, round(kills * weight / share)) + carry
        out[name] = await run_one(name, fn, budget, seed)
        carry = max(0, budget - int(out[name]["kills"]))
    total = {
        k: sum(int(s.get(k, 0)) for s in out.values())
        for k in ("kills", "lost", "duplicated", "wrongly_recorded", "unanswered")
    }
    ok = all(s["integrity"] == "ok" for s in out.values())
    return {"bench": "chaos", **total, "integrity_ok": ok, "seed": seed, "scenarios": out}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--kills", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", default="", help="comma-separated scenario names")
    a = p.parse_args()
    only = [x for x in a.only.split(",") if x]
    print(json.dumps(asyncio.run(run(a.kills, a.seed, only)), ensure_ascii=False))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
