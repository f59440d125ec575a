"""Benchmark: the highest sustained press rate at which the toast p99 stays ≤ 1 s, for Banzu and
for a bare PTB 22 bot, through the same emulator, in the same run.

The machines we run on differ 2x, so the figure that means something is the ratio: Banzu (real
check-ins: a row per press, live tallies edited under flood control) against the naive bot a
newcomer would write (PTB 22 defaults, one `CallbackQueryHandler` that only answers).

One emulator process (real limits), one bot process at a time, this script as the load
generator. Banzu runs first on a seeded organisation with a /study session open in every group;
then the bare bot polls the same token and gets presses on the same buttons. Each bot climbs a
ladder of rates; a step presses for `--step-seconds` at that rate (pre-drawn random moments,
distinct workers, all groups), then waits until the bot is idle. A step passes when every press
is answered within Telegram's 15 s, the p99 of press → answer is ≤ 1 s, and (Banzu) every press
has its row. A failing step is pressed once more at the same rate (both bots alike, marked
`"retry": true`): one stall in a 5 s step — a collection, a checkpoint, the machine's other
work — decides a p99 alone, and the figure is meant to be a sustained rate, not the luck of one
step. The ladder stops at the second failure; the figure is the last passing rate.

Keys: banzu_presses_per_s, bare_presses_per_s, ratio (goal ≥ 1.0), banzu_cpu_ms_per_press
(bot process CPU over the presses of its passing steps), bare_cpu_ms_per_press, per-step
detail, flood_429, generator lag.

    .venv/bin/python bench/capacity.py [--groups 250] [--workers 72] [--step-seconds 5]
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

LADDER = (100, 200, 300, 400, 500, 600, 700, 800, 1000, 1200)
TOO_LATE_S = 15.0  # Telegram refuses an answerCallbackQuery this long after the press


def bare_bot(root: str) -> None:
    """The naive bot: PTB 22 with every default, answering each press and nothing else."""
    from telegram import Update
    from telegram.ext import Application, CallbackQueryHandler, ContextTypes

    async def answer(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("已签到")

    app = Application.builder().token(TOKEN).base_url(f"{root}/bot").build()
    app.add_handler(CallbackQueryHandler(answer))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def stop(proc: Any) -> None:
    if proc is not None and proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def press_step(
    emu: Emu,
    posts: dict[int, tuple[int, str]],
    who: list[tuple[int, int]],
    size: int,
    rate: float,
    concurrency: int,
) -> tuple[dict[str, float], list[float]]:
    """Press once for each (team, worker) in `who`, at `rate` presses/s on average."""
    seconds = len(who) / rate
    rng = random.Random(rate)
    plan = sorted((rng.uniform(0, seconds), t, w) for t, w in who)
    pressed: dict[str, float] = {}
    lags: list[float] = []
    start = time.time() + 0.2
    queue: asyncio.Queue[tuple[float, int, int]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)

    async def presser() -> None:
        while not queue.empty():
            at, t, w = queue.get_nowait()
            delay = start + at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            message_id, data = posts[chat_id(t)]
            sent = time.time()
            lags.append(sent - (start + at))
            r = await emu.post("callbacks", {"chat_id": chat_id(t), "from_id": user_id(t, w, size),
                                             "message_id": message_id, "data": data})  # fmt: skip
            pressed[r["callback_query_id"]] = sent

    await asyncio.gather(*(presser() for _ in range(concurrency)))
    return pressed, lags


async def answers_since(emu: Emu, seq: int) -> tuple[dict[str, float], int]:
    out: dict[str, float] = {}
    for e in await emu.get(f"transcript?after_seq={seq}"):
        seq = max(seq, e["seq"])
        if e["method"] == "answerCallbackQuery":
            out[e["params"]["callback_query_id"]] = e["at"]
    return out, seq


def p99(values: list[float]) -> float:
    s = sorted(values)
    return s[max(0, int(len(s) * 0.99) - 1)] if s else float("inf")


async def climb(
    emu: Emu,
    name: str,
    pid: int,
    posts: dict[int, tuple[int, str]],
    pool: list[tuple[int, int]],
    size: int,
    step_s: float,
    concurrency: int,
    recorded: Any,
) -> dict[str, Any]:
    """Run the ladder for one bot; returns its best passing rate, CPU per press and steps."""
    steps: list[dict[str, Any]] = []
    best, cpu_passing, presses_passing, used = 0, 0.0, 0, 0
    seq = max((e["seq"] for e in await emu.get("transcript")), default=0)
    retried = again = False  # one retry per ladder; `again`: this step is it
    ladder = list(LADDER)
    while ladder:
        rate = ladder.pop(0)
        n = int(rate * step_s)
        if used + n > len(pool):
            break
        who, used = pool[used : used + n], used + n
        cpu0 = cpu_seconds(pid)
        rows0 = recorded() if recorded else 0
        pressed, lags = await press_step(emu, posts, who, size, rate, concurrency)
        answered: dict[str, float] = {}
        deadline = time.time() + TOO_LATE_S + 5
        while time.time() < deadline and len(answered) < len(pressed):
            got, seq = await answers_since(emu, seq)
            answered.update(got)
            await asyncio.sleep(0.25)
        await emu.wait_idle(800, 60_000)  # tallies and group commits settle before the next
        got, seq = await answers_since(emu, seq)
        answered.update(got)
        cpu = cpu_seconds(pid) - cpu0
        lat = [answered[q] - t for q, t in pressed.items() if q in answered]
        late = sum(1 for x in lat if x > TOO_LATE_S)
        unanswered = len(pressed) - len(lat) + late
        # Banzu: a press without its attendance row is lost (the bare bot keeps nothing).
        lost = max(0, len(pressed) - (recorded() - rows0)) if recorded else 0
        tail = p99([x if x <= TOO_LATE_S else float("inf") for x in lat] + [float("inf")] * (
            len(pressed) - len(lat)))  # fmt: skip
        ok = unanswered == 0 and lost == 0 and tail <= 1.0
        steps.append({"rate": rate, "presses": len(pressed), "p99_s": round(tail, 3),
                      "unanswered": unanswered, "lost": lost, "cpu_s": round(cpu, 2),
                      "lag_p99_s": round(p99(lags), 3), "ok": ok, "retry": again})  # fmt: skip
        again = False
        if not ok and not retried:
            retried = again = True
            ladder.insert(0, rate)
            continue
        if not ok:
            break
        best, cpu_passing, presses_passing = rate, cpu_passing + cpu, presses_passing + n
    return {
        f"{name}_presses_per_s": best,
        f"{name}_cpu_ms_per_press": (
            round(1000 * cpu_passing / presses_passing, 3) if presses_passing else None
        ),
        f"{name}_steps": steps,
    }


async def run(groups: int, size: int, step_s: float, concurrency: int) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix="banzu-bench-capacity-")
    db_path = str(Path(tmp) / "bench.db")
    await seed_db(db_path, groups, size)
    emulator = await start_process(["-m", "bot.emulator", "--port", "0"])
    assert emulator.stdout is not None
    line = (await asyncio.wait_for(emulator.stdout.readline(), 20)).decode().strip()
    root = line.removeprefix("listening on ")
    bot = bare = None
    out: dict[str, Any] = {"bench": "capacity", "groups": groups, "workers_per_group": size,
                           "step_s": step_s}  # fmt: skip
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=concurrency + 8)
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as s:
            emu = Emu(s, root)
            await emu.post("limits", {"enforce": True, "scale": 1})
            users = [(t, w) for t in range(groups) for w in range(size)]
            await gather_bounded(32, [
                emu.post("users", {"id": user_id(t, w, size), "first_name": f"{t}-{w}"})
                for t, w in users
            ])  # fmt: skip
            await gather_bounded(32, [
                emu.post("chats", {"id": chat_id(t), "type": "supergroup", "title": f"{t}班"})
                for t in range(groups)
            ])  # fmt: skip
            await gather_bounded(32, [
                emu.post("members", {"chat_id": chat_id(t), "user_id": uid, "status": "member"})
                for t in range(groups)
                for uid in [BOT_ID, *(user_id(t, w, size) for w in range(size))]
            ])  # fmt: skip
            env = {**os.environ, "BANZU_TOKEN": TOKEN, "BANZU_API_BASE": f"{root}/bot",
                   "BANZU_DB": db_path, "BANZU_LOG_LEVEL": "WARNING"}  # fmt: skip
            bot = await start_process(["-m", "bot", "run"], env)
            await emu.wait_idle(1500, 120_000)
            mark = max((e["seq"] for e in await emu.get("transcript")), default=0)
            for t in range(groups):
                await emu.post("messages", {"chat_id": chat_id(t), "from_id": user_id(t, 0, size),
                                            "text": "/study 安全规程学习"})  # fmt: skip
            await emu.wait_idle(1500, 120_000)
            # The session messages go through the outbox: look until every group has
            # one (an idle moment under load is not the end of the queue).
            for _ in range(60):
                posts: dict[int, tuple[int, str]] = {}
                for e in await emu.get(f"transcript?after_seq={mark}"):
                    if e["method"] == "sendMessage" and "att:v1:" in json.dumps(
                        e.get("reply_markup")
                    ):
                        buttons = [b for r in e["reply_markup"]["inline_keyboard"] for b in r]
                        data = next(b["callback_data"] for b in buttons
                                    if b.get("callback_data", "").endswith(":in"))  # fmt: skip
                        posts[e["chat_id"]] = (e["message_id"], data)
                if len(posts) == groups:
                    break
                await emu.wait_idle(1500, 10_000)
            if len(posts) != groups:
                raise RuntimeError(f"only {len(posts)} of {groups} sessions were posted")
            pool = users[:]
            random.Random(12).shuffle(pool)

            def rows() -> int:
                conn = sqlite3.connect(db_path)
                try:
                    sql = "SELECT count(*) FROM attendance WHERE status IN ('present', 'late')"
                    return int(conn.execute(sql).fetchone()[0])
                finally:
                    conn.close()

            assert bot.pid is not None
            out.update(await climb(emu, "banzu", bot.pid, posts, pool, size, step_s,
                                   concurrency, rows))  # fmt: skip
            await stop(bot)
            bot = None
            bare = await start_process([str(Path(__file__)), "--bare-bot", root])
            await asyncio.sleep(2.0)  # its first getUpdates
            assert bare.pid is not None
            out.update(await climb(emu, "bare", bare.pid, posts, pool, size, step_s,
                                   concurrency, None))  # fmt: skip
            stats = await emu.get("stats")
    finally:
        for proc in (bot, bare, emulator):
            await stop(proc)
    bare_rate = out["bare_presses_per_s"]
    out["ratio"] = round(out["banzu_presses_per_s"] / bare_rate, 3) if bare_rate else None
    out["flood_429"] = stats["flood_429"]
    out["spec_violations"] = len(stats["spec_violations"])
    out["callback_answers_late"] = stats.get("callback_answers_late")
    # The headline keys first, the per-step detail after.
    head = ["bench", "banzu_presses_per_s", "bare_presses_per_s", "ratio",
            "banzu_cpu_ms_per_press", "bare_cpu_ms_per_press", "flood_429"]  # fmt: skip
    return {k: out[k] for k in head} | {k: v for k, v in out.items() if k not in head}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--bare-bot":
        bare_bot(sys.argv[2])
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--groups", type=int, default=250)
    p.add_argument("--workers", type=int, default=72)
    p.add_argument("--step-seconds", type=float, default=5.0)
    p.add_argument("--concurrency", type=int, default=96)
    a = p.parse_args()
    print(json.dumps(asyncio.run(run(a.groups, a.workers, a.step_seconds, a.concurrency))))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
