"""Benchmark: a daily question (每日一题) to 300 team groups, then 9,000 poll answers within 60 s.

Three processes, as in bench/checkin.py: the HTTP emulator (real Telegram flood limits), the
bot exactly as `banzu run` starts it, and this load generator. The organisation (300 teams of
30, accounts linked, groups bound) is seeded through the repositories, with one daily plan due
now; the bot's quiz tick sends the 300 quiz polls through the outbox. Every worker then answers
their group's poll once (`POST /_emu/poll_answers`) at a pre-drawn random moment in the window;
half answer right.

Figures (one JSON line):
- first_poll_s: bot start → its first poll (start-up, and the sender's wait-out of the flood
  windows a predecessor may have used); fanout_s: first → 300th poll (emulator clock);
  `fanout_ratio` divides it by the floor the global limit sets (299 gaps at 30/s ≈ 10 s);
  target ≤ 1.5;
- answers_recorded (target: exactly 9,000 'counted' rows, each correct flag right), lost and
  duplicated answers (target 0), flood_429 (target 0), spec_violations (target 0);
- answer_lag_p50_s / answer_lag_p99_s: the generator's POST → the bot's record (its
  `answered_at`, same machine clock); drain_s: last answer → all recorded;
- baseline_s: the same 9,000 answers recorded by `QuizService.answer` in-process on a copy of
  the seeded database, measured in this run (no HTTP, no Telegram): `load_ratio` =
  baseline_s / window, the share of one core the answers need at this rate (≤ 0.5 means the
  design load holds at twice its rate).

    .venv/bin/python bench/quiz.py [--groups 300] [--workers 30] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checkin import (  # noqa: E402
    BOT_ID,
    TOKEN,
    Emu,
    chat_id,
    gather_bounded,
    seed_db,
    start_process,
    user_id,
)

from bot.clock import iso, parse_iso, utcnow  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.delivery.outbox import Outbox  # noqa: E402
from bot.repos.people import PeopleRepo  # noqa: E402
from bot.repos.quiz import QuizRepo  # noqa: E402
from bot.services.quiz import QuizService  # noqa: E402
from bot.texts import Texts  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")


async def seed_plan(path: str) -> None:
    """The starter bank and a daily plan due now (created an hour ago)."""
    db = Database(path)
    await db.open()
    try:
        svc = QuizService(db, QuizRepo(db), PeopleRepo(db), Outbox(db), Texts(), TZ, utcnow)
        await svc.ensure_bank()
        now = datetime.now(TZ)
        hour_ago = utcnow().timestamp() - 3600
        await svc.repo.add_plan(
            None, f"{now:%H:%M}", None, 600, None, datetime.fromtimestamp(hour_ago, TZ)
        )
    finally:
        await db.close()


def fresh_copy(db_path: str, copy: str) -> str:
    """The bench database as seeded plus the polls sent, without the answers."""
    src, dst = sqlite3.connect(db_path), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.execute("DELETE FROM quiz_answers")
    dst.commit()
    dst.close()
    return copy


async def baseline(path: str, answers: list[tuple[str, int, list[int]]]) -> float:
    """The same answers through the service in-process, on a copy of the database."""
    db = Database(path)
    await db.open()
    try:
        svc = QuizService(db, QuizRepo(db), PeopleRepo(db), Outbox(db), Texts(), TZ, utcnow)
        t0 = time.perf_counter()
        for poll_id, user, options in answers:
            await svc.answer(poll_id, user, options)
        return time.perf_counter() - t0
    finally:
        await db.close()


async def run(groups: int, size: int, seconds: float, concurrency: int) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix="banzu-bench-quiz-")
    db_path = str(Path(tmp) / "bench.db")
    t0 = time.perf_counter()
    await seed_db(db_path, groups, size)
    await seed_plan(db_path)
    seed_s = time.perf_counter() - t0
    emulator = await start_process(["-m", "bot.emulator", "--port", "0"])
    assert emulator.stdout is not None
    line = (await asyncio.wait_for(emulator.stdout.readline(), 20)).decode().strip()
    root = line.removeprefix("listening on ")
    bot = None
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=concurrency + 8)
    users = [(t, w) for t in range(groups) for w in range(size)]
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as s:
            emu = Emu(s, root)
            await emu.post("limits", {"enforce": True, "scale": 1})
            await gather_bounded(32, [
                emu.post("users", {"id": user_id(t, w, size), "first_name": f"{t}-{w}"})
                for t, w in users
            ])  # fmt: skip
            await gather_bounded(32, [
                emu.post("chats", {"id": chat_id(t), "type": "supergroup", "title": f"{t}班"})
                for t in range(groups)
            ])  # fmt: skip
            await gather_bounded(32, [
                emu.post("members", {"chat_id": chat_id(t), "user_id": user_id(t, w, size),
                                     "status": "member"})
                for t, w in users
            ])  # fmt: skip
            await gather_bounded(32, [
                emu.post("members", {"chat_id": chat_id(t), "user_id": BOT_ID,
                                     "status": "member"})
                for t in range(groups)
            ])  # fmt: skip
            mark = len(await emu.get("transcript"))
            env = {**os.environ, "BANZU_TOKEN": TOKEN, "BANZU_API_BASE": f"{root}/bot",
                   "BANZU_DB": db_path, "BANZU_LOG_LEVEL": "WARNING"}  # fmt: skip
            started_at = time.time()
            bot = await start_process(["-m", "bot", "run"], env)
            polls_at: dict[int, float] = {}
            deadline = time.time() + 180
            seq = mark
            while time.time() < deadline and len(polls_at) < groups:
                for e in await emu.get(f"transcript?after_seq={seq}"):
                    seq = max(seq, e["seq"])
                    if e["method"] == "sendPoll":
                        polls_at.setdefault(e["chat_id"], e["at"])
                await asyncio.sleep(0.2)
            if len(polls_at) < groups:
                raise RuntimeError(f"only {len(polls_at)} of {groups} polls were sent")
            first_poll_s = min(polls_at.values()) - started_at
            fanout_s = max(polls_at.values()) - min(polls_at.values())
            # Poll ids and right answers, as the bot recorded them (its outbox and bank).
            await asyncio.sleep(1.0)  # the last results' group commit
            conn = sqlite3.connect(db_path, timeout=30)
            rows = conn.execute(
                "SELECT o.chat_id, o.poll_id, q.answer, json_array_length(q.options)"
                " FROM outbox o JOIN quiz_items i ON i.outbox_key = o.dedupe_key"
                " JOIN quiz_questions q ON q.id = i.question_id WHERE o.poll_id IS NOT NULL"
            ).fetchall()
            conn.close()
            polls = {r[0]: (r[1], json.loads(r[2]), r[3]) for r in rows}
            rng = random.Random(16)
            plan = sorted((rng.uniform(0, seconds), t, w) for t, w in users)
            chosen: dict[tuple[int, int], list[int]] = {}
            for _, t, w in plan:
                _, answer, n = polls[chat_id(t)]
                good = rng.random() < 0.5
                wrong = [next(i for i in range(n) if [i] != answer)]
                chosen[(t, w)] = list(answer) if good else wrong
            sent_at: dict[int, float] = {}
            lags: list[float] = []
            start = time.time() + 0.5
            queue: asyncio.Queue[tuple[float, int, int]] = asyncio.Queue()
            for item in plan:
                queue.put_nowait(item)

            async def answerer() -> None:
                while not queue.empty():
                    at, t, w = queue.get_nowait()
                    delay = start + at - time.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    uid = user_id(t, w, size)
                    sent = time.time()
                    lags.append(sent - (start + at))
                    await emu.post("poll_answers", {"poll_id": polls[chat_id(t)][0],
                                                    "user_id": uid,
                                                    "option_ids": chosen[(t, w)]})  # fmt: skip
                    sent_at[uid] = sent

            await asyncio.gather(*(answerer() for _ in range(concurrency)))
            last_answer = max(sent_at.values())
            # Wait until every answer is recorded.
            recorded_at: dict[int, float] = {}
            drain_deadline = time.time() + 120
            while time.time() < drain_deadline:
                conn = sqlite3.connect(db_path, timeout=30)
                count = conn.execute("SELECT count(*) FROM quiz_answers").fetchone()[0]
                conn.close()
                if count >= len(users):
                    break
                await asyncio.sleep(0.25)
            drained = time.time()
            stats = await emu.get("stats")
    finally:
        for proc in (bot, emulator):
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 20)
                except TimeoutError:
                    proc.kill()
    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        "SELECT tg_user_id, state, correct, option_ids, answered_at FROM quiz_answers"
    ).fetchall()
    conn.close()
    by_user = {r[0]: r for r in rows}
    right = {user_id(t, w, size): chosen[(t, w)] == polls[chat_id(t)][1] for t, w in users}
    counted_ok = sum(
        1
        for uid, r in by_user.items()
        if r[1] == "counted" and bool(r[2]) == right.get(uid) and json.loads(r[3]) is not None
    )
    for uid, r in by_user.items():
        recorded_at[uid] = parse_iso(r[4]).timestamp()
    answer_lags = sorted(recorded_at[u] - sent_at[u] for u in sent_at if u in recorded_at)
    # The baseline: the same answers in-process, on a copy of the database as it was seeded
    # (its recorded answers removed), in this run.
    copy = fresh_copy(db_path, str(Path(tmp) / "baseline.db"))
    base_s = await baseline(
        copy, [(polls[chat_id(t)][0], user_id(t, w, size), chosen[(t, w)]) for _, t, w in plan]
    )
    shutil.rmtree(tmp, ignore_errors=True)
    p99 = answer_lags[int(len(answer_lags) * 0.99) - 1] if answer_lags else float("inf")
    per_answer = base_s / len(users)
    floor_s = max(groups - 1, 1) / 30
    return {
        "bench": "quiz",
        "groups": groups,
        "workers_per_group": size,
        "answers_sent": len(sent_at),
        "answers_recorded": counted_ok,
        "answers_lost": len(users) - len(by_user),
        "answers_wrongly_scored": len(by_user) - counted_ok,
        "window_s": seconds,
        "first_poll_s": round(first_poll_s, 3),
        "fanout_s": round(fanout_s, 3),
        "fanout_floor_s": round(floor_s, 3),
        "fanout_ratio": round(fanout_s / floor_s, 3),
        "answer_lag_p50_s": round(statistics.median(answer_lags), 4) if answer_lags else None,
        "answer_lag_p99_s": round(p99, 4),
        "drain_s": round(max(0.0, drained - last_answer), 3),
        "baseline_s": round(base_s, 3),
        "baseline_per_answer_ms": round(1000 * per_answer, 3),
        "load_ratio": round(base_s / seconds, 3),
        "flood_429": stats["flood_429"],
        "spec_violations": len(stats["spec_violations"]),
        "sendPoll_calls": stats["calls"].get("sendPoll", 0),
        "generator_lag_p99_s": round(sorted(lags)[int(len(lags) * 0.99) - 1], 4),
        "seed_s": round(seed_s, 1),
        "started": iso(utcnow()),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--groups", type=int, default=300)
    p.add_argument("--workers", type=int, default=30)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--concurrency", type=int, default=64)
    a = p.parse_args()
    print(json.dumps(asyncio.run(run(a.groups, a.workers, a.seconds, a.concurrency))))


if __name__ == "__main__":
    main()
