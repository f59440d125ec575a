"""Chaos run: the bot process SIGKILLed at random moments while it works, with Telegram faults
injected on top; counts per chat and per person what was lost, repeated, wrongly recorded or
left unanswered, and reports every kill.

Each scenario is a small async function `(Chaos, kills) -> dict` registered in SCENARIOS: it
seeds a fresh database and emulator, starts load, calls `chaos.lives(...)` (start the bot, let
it run a random while, SIGKILL it, again), lets a last life finish the work, and counts from the
emulator's transcript and the database. A new capability adds its scenario the same way.

- broadcast: a notice-sized batch (two messages to each of 200 groups) drained by the outbox;
  per chat: lost, duplicated.
- schedule: pre-shift prompts (one schedule per team) and a study day (one per unit, which
  opens each team's session through the outbox) all due at the same minute across 120 teams;
  per team group: prompt and session post lost / repeated; one session per team; no moment
  'missed'.
- checkin: study sessions in 20 groups, 30 workers each press 签到 over >= 30 s; per person:
  lost (pressed, no row), wrongly recorded (a row nobody pressed for, or two), unanswered (no
  answer and not told in chat within Telegram's window).
- quiz: the daily question to 30 groups, 15 workers each answer it over >= 30 s; per person:
  answer lost, recorded twice, wrongly scored; per group: the poll sent once.
- vote: a secret ballot (5 candidates), 100 voters each go /vote -> open a ballot -> tick one
  or two -> submit, all through the bot's buttons; per voter: ballot lost, unanswered press,
  stuck (the bot's next message never came); domain invariants: one receipt per voter, tallies
  per candidate equal to what the voters ticked.
- faults on top: 429, 500 and timeouts on sendMessage, sendPoll, editMessageText,
  answerCallbackQuery.

Every kill is reported: its life, what was in flight when the process died (outbox rows
claimed and not recorded sent, stored updates not marked done — the bound on honest
repeats), and the lost / repeated / unanswered items charged to it (a repeat to the first kill
between its two copies, a loss or unanswered press to the life it happened in). Every
scenario ends with `PRAGMA integrity_check` and its own invariants. One JSON line; about eight
minutes with --kills 30 (`--scale 0.25 --kills 5` is the smoke that `make test` runs).

    .venv/bin/python bench/chaos.py [--kills 30] [--seed 1] [--scale 1] [--only vote,quiz]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
from quiz import seed_plan

from bot.clock import utcnow
from bot.db import Database
from bot.delivery.outbox import Outbox
from bot.domain import recognition as award_rules
from bot.domain.auth import Actor, Role
from bot.domain.recognition import Stage, ballot_key
from bot.repos.conversations import ConversationsRepo
from bot.repos.outbox import OutboxRepo, OutMessage
from bot.repos.people import PeopleRepo
from bot.repos.recognition import RecognitionRepo
from bot.repos.schedules import Purpose, SchedulesRepo, Scope
from bot.services.recognition import Created, RecognitionService

TZ = ZoneInfo("Asia/Shanghai")
ADMIN = 900001
WINDOW_S = 15.0  # Telegram's answer window for a button press
ON_WIRE = Outbox(Database(":memory:")).max_on_wire  # requests the sender lets leave at once


class Chaos:
    """One scenario's world: an emulator process, a database, the bot's lives and kills."""

    def __init__(
        self, rng: random.Random, emu: Emu, root: str, db_path: str, scale: float = 1.0
    ) -> None:
        self.rng, self.emu, self.root, self.db_path = rng, emu, root, db_path
        self.scale = scale
        self.kills = 0
        self.kill_at_s: list[float] = []
        self.kill_log: list[dict[str, Any]] = []
        self.started = time.time()
        self.bot: Any = None
        self._life_started = 0.0
        self._lives = 0
        # Lives that ended on their own (the bot exited before it was killed or stopped), with
        # the end of what that process wrote to stderr: a crash is a finding, not noise.
        self.exits: list[dict[str, Any]] = []

    def size(self, n: int, least: int = 2) -> int:
        return max(least, round(n * self.scale))

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "BANZU_TOKEN": TOKEN, "BANZU_API_BASE": f"{self.root}/bot",
                "BANZU_DB": self.db_path, "BANZU_LOG_LEVEL": "ERROR"}  # fmt: skip

    def _stderr(self, life: int) -> Path:
        return Path(self.db_path).parent / f"bot-life-{life}.stderr"

    async def start(self) -> None:
        self._lives += 1
        with self._stderr(self._lives).open("wb") as err:
            self.bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", stdout=asyncio.subprocess.DEVNULL,
                stderr=err, env=self.env, cwd=str(ROOT),
            )  # fmt: skip
        self._life_started = time.time()

    def _exited_by_itself(self) -> bool:
        if self.bot is None or self.bot.returncode is None:
            return False
        tail = self._stderr(self._lives).read_bytes()[-1500:].decode("utf-8", "replace")
        self.exits.append({"life": self._lives, "returncode": self.bot.returncode,
                           "after_s": round(time.time() - self._life_started, 1),
                           "stderr_tail": tail})  # fmt: skip
        return True

    async def kill(self) -> None:
        if not self._exited_by_itself() and self.bot is not None:
            at = time.time()
            self.bot.send_signal(signal.SIGKILL)
            await self.bot.wait()
            self.kills += 1
            # What the next process finds uncertain: rows claimed and not recorded sent (each
            # may have reached Telegram), updates stored and not marked done (each may have
            # been acted on). Their sum bounds the repeats an honest design can make.
            outbox = self.sql("SELECT count(*) FROM outbox WHERE state = 'sending'")[0][0]
            inbox = self.sql("SELECT count(*) FROM inbox WHERE done_at IS NULL")[0][0]
            self.kill_log.append({
                "at": at, "life_s": round(at - self._life_started, 2),
                "outbox_in_flight": int(outbox), "updates_in_flight": int(inbox),
                "lost": 0, "repeated": 0, "unanswered": 0,
            })  # fmt: skip
        self.bot = None

    async def stop(self) -> None:
        if not self._exited_by_itself() and self.bot is not None:
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

    # ------------------------------------------------------------ per-kill accounting

    def charge_repeat(self, first: float, second: float) -> None:
        """A copy seen at `first` and again at `second`: the first kill between them made it
        (a repeat with no kill between is counted on the pseudo-kill 'none')."""
        for k in self.kill_log:
            if first <= k["at"] < second:
                k["repeated"] += 1
                return
        self._unattributed("repeated")

    def charge_life(self, key: str, at: float) -> None:
        """Something that went wrong for an act at `at`: the life it happened in (the first
        kill after it), or the last life if no kill came after."""
        for k in self.kill_log:
            if at <= k["at"]:
                k[key] += 1
                return
        self._unattributed(key)

    def _unattributed(self, key: str) -> None:
        if not self.kill_log or self.kill_log[-1].get("last_life") is not True:
            self.kill_log.append({"at": time.time(), "last_life": True, "life_s": None,
                                  "outbox_in_flight": 0, "updates_in_flight": 0,
                                  "lost": 0, "repeated": 0, "unanswered": 0})  # fmt: skip
        self.kill_log[-1][key] += 1

    def repeats(self, entries: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> int:
        """Charge every extra copy among `entries` (grouped by `key`; None = not counted);
        returns how many extra copies there were."""
        times: dict[Any, list[float]] = {}
        for e in entries:
            k = key(e)
            if k is not None:
                times.setdefault(k, []).append(float(e["at"]))
        extra = 0
        for ts in times.values():
            ts.sort()
            for a, b in itertools.pairwise(ts):
                self.charge_repeat(a, b)
                extra += 1
        return extra

    def kills_report(self) -> list[dict[str, Any]]:
        out = []
        for i, k in enumerate(self.kill_log, 1):
            row = {
                "n": "last" if k.get("last_life") else i,
                "at_s": round(k["at"] - self.started, 1),
                "life_s": k["life_s"],
                # claimed rows wait for a wire slot first: at most `max_on_wire` can have left
                "in_flight": min(k["outbox_in_flight"], ON_WIRE) + k["updates_in_flight"],
                "outbox_claimed": k["outbox_in_flight"],
                "updates_in_flight": k["updates_in_flight"],
                **{key: k[key] for key in ("lost", "repeated", "unanswered")},
            }
            out.append(row)
        return out

    # ------------------------------------------------------------ database

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


class Tail:
    """The emulator's transcript as it grows, read by one task for every waiting person."""

    def __init__(self, emu: Emu) -> None:
        self.emu, self.seq = emu, 0
        self.by_chat: dict[int, list[dict[str, Any]]] = {}
        self.answered: dict[str, float] = {}  # callback_query_id -> first answer time
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            for e in await self.emu.get(f"transcript?after_seq={self.seq}"):
                self.seq = max(self.seq, int(e["seq"]))
                if e["method"] == "answerCallbackQuery":
                    self.answered.setdefault(str(e["params"]["callback_query_id"]), e["at"])
                elif e.get("chat_id") is not None:
                    self.by_chat.setdefault(int(e["chat_id"]), []).append(e)
            await asyncio.sleep(0.25)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def wait_for(self, chat: int, after: int, test: Callable[[dict[str, Any]], bool],
                       limit_s: float) -> dict[str, Any] | None:  # fmt: skip
        deadline = time.time() + limit_s
        while time.time() < deadline:
            for e in self.by_chat.get(chat, []):
                if e["seq"] > after and test(e):
                    return e
            await asyncio.sleep(0.2)
        return None


def buttons(markup: Any) -> list[dict[str, Any]]:
    rows = (markup or {}).get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [b for r in rows for b in r]


def has_data(prefix: str) -> Callable[[dict[str, Any]], bool]:
    def test(e: dict[str, Any]) -> bool:
        return e["method"] == "sendMessage" and any(
            str(b.get("callback_data", "")).startswith(prefix)
            for b in buttons(e.get("reply_markup"))
        )

    return test


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
    groups, parts = c.size(200), 2
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
    entries = [
        e for e in await c.emu.get("transcript")
        if e["method"] == "sendMessage" and "混沌通知" in str(e["text"])
    ]  # fmt: skip
    got = Counter((int(e["chat_id"]), str(e["text"])) for e in entries)
    want = {(chat_id(t), f"混沌通知 {t} 第{p}段") for p in range(1, parts + 1)
            for t in range(groups)}  # fmt: skip
    for _ in want - set(got):
        c.charge_life("lost", time.time())
    duplicated = c.repeats(entries, lambda e: (e["chat_id"], e["text"]))
    states = dict(c.sql("SELECT state, count(*) FROM outbox GROUP BY state"))
    recovered = int(c.sql("SELECT coalesce(sum(recovered), 0) FROM outbox")[0][0])
    return {
        "messages": len(want),
        "lost": len(want - set(got)),
        "duplicated": duplicated,
        "chats_with_duplicates": len({ch for (ch, _), n in got.items() if n > 1}),
        "recovered_in_flight": recovered,
        "undeliverable": states.get("undeliverable", 0),
        "faults_injected": injected,
    }


def _next_minute(lead_s: float) -> datetime:
    """The first whole local minute at least `lead_s` from now."""
    soon = datetime.now(TZ) + timedelta(seconds=lead_s)
    return soon.replace(second=0, microsecond=0) + timedelta(minutes=1)


async def schedule(c: Chaos, kills: int) -> dict[str, Any]:
    """Pre-shift prompts for every team and a study day for every unit, due at one minute."""
    teams_n, size = c.size(120), 2
    await seed_db(c.db_path, teams_n, size)
    users = [(t, w) for t in range(teams_n) for w in range(size)]
    await add_groups(c, teams_n, users, size)
    due = _next_minute(8.0)
    db = Database(c.db_path)
    await db.open()
    try:
        repo = SchedulesRepo(db, utcnow)
        teams = await db.fetchall("SELECT id, unit_id FROM teams ORDER BY id")
        shift = due + timedelta(minutes=30)
        for team_id, _ in teams:
            await repo.create(
                scope=Scope.TEAM, team_id=int(team_id), purpose=Purpose.PRESHIFT,
                rule=f"once {shift:%Y-%m-%d %H:%M}", holiday_policy="ignore", leads=(30,),
                created_by=ADMIN,
            )  # fmt: skip
        study = due + timedelta(minutes=15)  # check-in opens 15 min before: at `due`
        for unit_id in sorted({int(u) for _, u in teams}):
            await repo.create(
                scope=Scope.UNIT, unit_id=unit_id, purpose=Purpose.STUDY_REMINDER,
                title="混沌学习日", rule=f"once {study:%Y-%m-%d %H:%M}",
                holiday_policy="ignore", leads=(0,), created_by=ADMIN,
            )  # fmt: skip
    finally:
        await db.close()
    injected = await c.faults({"sendMessage": [("429", 2), ("500", 3), ("timeout", 2)]})
    # The bot comes up just before the minute, so the first kills fall into the fan-out.
    await asyncio.sleep(max(0.0, due.timestamp() - time.time() - 2.0))

    def kind(e: dict[str, Any]) -> str | None:
        if e["method"] != "sendMessage":
            return None
        markup = json.dumps(e.get("reply_markup"))
        if "att:v1:" in markup:
            return "session"
        return "prompt" if "pre:v1:" in markup else None

    moments = teams_n + len({int(u) for _, u in teams})

    async def delivered() -> bool:
        handed = c.sql("SELECT count(*) FROM schedule_occurrences WHERE state != 'due'")[0][0]
        busy = c.sql("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')")[0][0]
        return int(handed) >= moments and int(busy) == 0

    await c.lives(kills, 2.0, 6.0, delivered)
    await c.finish(delivered)
    groups = {chat_id(t) for t in range(teams_n)}
    entries = [
        e for e in await c.emu.get("transcript")
        if e.get("chat_id") in groups and kind(e) in ("session", "prompt")
    ]  # fmt: skip
    got = Counter((int(e["chat_id"]), kind(e)) for e in entries)
    want = {(g, k) for g in groups for k in ("prompt", "session")}
    lost = want - set(got)
    for _ in lost:
        c.charge_life("lost", due.timestamp())
    duplicated = c.repeats(entries, lambda e: (e["chat_id"], kind(e)))
    per_team = c.sql("SELECT team_id, count(*) FROM study_sessions GROUP BY team_id")
    states = dict(c.sql("SELECT state, count(*) FROM schedule_occurrences GROUP BY state"))
    wrong = sum(1 for _, n in per_team if int(n) != 1) + (teams_n - len(per_team))
    return {
        "teams": teams_n,
        "messages": len(want),
        "lost": len(lost),
        "lost_prompts": sum(1 for _, k in lost if k == "prompt"),
        "lost_session_posts": sum(1 for _, k in lost if k == "session"),
        "duplicated": duplicated,
        "wrongly_recorded": wrong,
        "moments": states,
        "missed": int(states.get("missed", 0)),
        "faults_injected": injected,
    }


async def checkin(c: Chaos, kills: int) -> dict[str, Any]:
    # Presses go on through every life (1–4 s each, plus ~1 s to start) and the last one.
    groups, size, seconds = c.size(20), c.size(30), max(30.0 * min(1.0, c.scale * 2), 3.5 * kills)
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
            data = next(b["callback_data"] for b in buttons(e["reply_markup"])
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
    answers = [e for e in entries if e["method"] == "answerCallbackQuery"]
    answered: dict[str, float] = {}
    for e in answers:
        answered.setdefault(str(e["params"]["callback_query_id"]), float(e["at"]))
    waits = sorted(answered[q] - pressed_at[q] for q in answered if q in pressed_at)
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
    at_of = {user_id(*tw, size): pressed_at[q] for q, tw in pressed.items()}
    lost = [u for u in who if u not in recorded]
    for u in lost:
        c.charge_life("lost", at_of[u])
    wrong = sum(1 for u, n in recorded.items() if u not in who or n > 1)
    unanswered = [
        q for q, (t, w) in pressed.items()
        if answered.get(q, float("inf")) - pressed_at[q] > WINDOW_S
        and not told.get(user_id(t, w, size)) and not told.get(chat_id(t))
    ]  # fmt: skip
    for q in unanswered:
        c.charge_life("unanswered", pressed_at[q])
    duplicated = c.repeats(answers, lambda e: e["params"]["callback_query_id"])
    stats = await c.emu.get("stats")
    late = [v for v in stats["spec_violations"] if "15s" in str(v.get("kind"))]
    return {
        "presses": len(pressed),
        "lost": len(lost),
        "duplicated": duplicated,
        "wrongly_recorded": wrong,
        "unanswered": len(unanswered),
        "told_in_chat": sum(told.values()),
        "answer_p50_s": round(waits[len(waits) // 2], 3) if waits else None,
        "answer_max_s": round(waits[-1], 3) if waits else None,
        "answers_refused_too_late": len(late),
        "faults_injected": injected,
    }


async def quiz(c: Chaos, kills: int) -> dict[str, Any]:
    """The daily question to every group; every worker answers while the bot dies."""
    groups, size = c.size(30), c.size(15)
    seconds = max(30.0 * min(1.0, c.scale * 2), 3.0 * kills)
    await seed_db(c.db_path, groups, size)
    await seed_plan(c.db_path)
    users = [(t, w) for t in range(groups) for w in range(size)]
    await add_groups(c, groups, users, size)
    injected = await c.faults({"sendPoll": [("429", 1), ("500", 2), ("timeout", 1)]})
    sent_at: dict[int, float] = {}
    chosen: dict[int, tuple[list[int], bool]] = {}

    async def answers() -> None:
        polls: dict[int, tuple[str, list[int], int]] = {}
        while len(polls) < groups:  # the polls as the bot recorded them (outbox + bank)
            rows = c.sql(
                "SELECT o.chat_id, o.poll_id, q.answer, json_array_length(q.options)"
                " FROM outbox o JOIN quiz_items i ON i.outbox_key = o.dedupe_key"
                " JOIN quiz_questions q ON q.id = i.question_id WHERE o.poll_id IS NOT NULL"
            )
            polls = {int(r[0]): (str(r[1]), json.loads(r[2]), int(r[3])) for r in rows}
            await asyncio.sleep(0.5)
        plan = sorted((c.rng.uniform(0, seconds), t, w) for t, w in users)
        start = time.time()
        for at, t, w in plan:
            delay = start + at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            poll_id, right, n = polls[chat_id(t)]
            good = c.rng.random() < 0.5
            options = list(right) if good else [next(i for i in range(n) if [i] != right)]
            uid = user_id(t, w, size)
            await c.emu.post("poll_answers", {"poll_id": poll_id, "user_id": uid,
                                              "option_ids": options})  # fmt: skip
            sent_at[uid], chosen[uid] = time.time(), (options, good)

    load = asyncio.create_task(answers())

    async def answered_all() -> bool:
        if not load.done():
            return False
        return int(c.sql("SELECT count(*) FROM quiz_answers")[0][0]) >= len(users)

    await c.lives(kills, 1.5, 4.5, answered_all)
    await c.finish(answered_all)
    if not load.done():
        load.cancel()
        raise RuntimeError("the quiz polls never all reached Telegram")
    rows = c.sql("SELECT tg_user_id, state, correct, count(*) FROM quiz_answers GROUP BY 1")
    got = {int(r[0]): r for r in rows}
    lost = [u for u in sent_at if u not in got]
    for u in lost:
        c.charge_life("lost", sent_at[u])
    wrong = [
        u for u, r in got.items()
        if u not in chosen or r[1] != "counted" or bool(r[2]) != chosen[u][1] or int(r[3]) != 1
    ]  # fmt: skip
    entries = [e for e in await c.emu.get("transcript") if e["method"] == "sendPoll"]
    duplicated = c.repeats(entries, lambda e: e["chat_id"])
    return {
        "groups": groups,
        "answers": len(sent_at),
        "lost": len(lost),
        "wrongly_recorded": len(wrong),
        "duplicated": duplicated,
        "polls_sent": len({e["chat_id"] for e in entries}),
        "faults_injected": injected,
    }


async def _open_campaign(path: str, candidates: int) -> int:
    """A site-wide 模范职工 campaign in its vote, `candidates` on the ballot."""
    db = Database(path)
    await db.open()
    try:
        svc = RecognitionService(
            RecognitionRepo(db),
            ballot_key(TOKEN),
            TZ,
            ConversationsRepo(db),
            PeopleRepo(db),
            frozenset(),
        )
        admin = Actor(ADMIN, frozenset({Role.ADMIN}))
        made = await svc.create(admin, "模范职工", "2026Q4", "3", None)
        assert isinstance(made, Created), made
        cid = made.campaign.id
        members = [int(r[0]) for r in await db.fetchall("SELECT id FROM members ORDER BY id")]
        nominees = members[:candidates]
        for m in nominees:
            await svc.repo.nominate(cid, m, ADMIN, "连续三年零违章")
        now = datetime.now(UTC)
        assert not isinstance(await svc.advance(admin, cid, Stage.NOMINATION, now), Exception)
        for m in nominees:
            await svc.toggle_shortlist(admin, cid, m)
        await svc.advance(admin, cid, Stage.REVIEW, now, days=3)
        fresh = await svc.campaign(cid)
        assert fresh is not None and fresh.stage is Stage.VOTE, fresh
        return cid
    finally:
        await db.close()


def _shows(ballot: dict[str, Any], selection: str) -> bool:
    """The ballot message's submit button carries `selection` (the draft lives in the buttons)."""
    marks = (str(b.get("callback_data")) for b in buttons(ballot.get("reply_markup")))
    return any(f":{selection}:s" in m for m in marks)


async def vote(c: Chaos, kills: int) -> dict[str, Any]:
    """Every voter goes through the bot's ballot buttons while the bot dies."""
    groups, size = c.size(10), c.size(10)
    candidates = min(5, groups * size)
    await seed_db(c.db_path, groups, size)
    cid = await _open_campaign(c.db_path, candidates)
    users = [(t, w) for t in range(groups) for w in range(size)]
    await add_groups(c, groups, users, size)
    injected = await c.faults({
        "answerCallbackQuery": [("500", 2), ("timeout", 1)],
        "editMessageText": [("429", 1), ("500", 2)],
        "sendMessage": [("500", 2)],
    })  # fmt: skip
    seconds = max(20.0 * min(1.0, c.scale * 2), 2.5 * kills)
    tail = Tail(c.emu)
    tail.start()
    presses: dict[str, tuple[int, float]] = {}  # callback_query_id -> (voter, pressed at)
    submitted: dict[int, tuple[frozenset[int], float]] = {}
    stuck: dict[int, str] = {}
    vote_update: dict[int, int | None] = {}  # the update the emulator made of each /vote

    shown: dict[str, float] = {}  # a press whose next step the person saw, and when

    async def press(uid: int, message_id: int, data: str) -> str:
        r = await c.emu.post("callbacks", {"chat_id": uid, "from_id": uid,
                                           "message_id": message_id, "data": data})  # fmt: skip
        presses[str(r["callback_query_id"])] = (uid, time.time())
        return str(r["callback_query_id"])

    async def current(uid: int, message_id: int) -> dict[str, Any]:
        return dict(await c.emu.get(f"message?chat_id={uid}&message_id={message_id}"))

    again: dict[int, int] = {}

    async def ticked(uid: int, message_id: int, want: str, qid: str, limit_s: float) -> bool:
        """The edit shows the tick (the draft lives in the buttons) within `limit_s`."""
        deadline = time.time() + limit_s
        while time.time() < deadline:
            if _shows(await current(uid, message_id), want):
                shown[qid] = time.time()
                return True
            await asyncio.sleep(0.3)
        return False

    async def voter(uid: int, at: float, picks: frozenset[int]) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))
        mark = tail.seq
        sent = await c.emu.post("messages", {"chat_id": uid, "from_id": uid, "text": "/vote"})
        vote_update[uid] = sent.get("update_id")
        menu = await tail.wait_for(uid, mark, has_data("awv:"), 60)
        if menu is None:
            stuck[uid] = "menu"
            return
        mark = tail.seq
        qid = await press(uid, int(menu["message_id"]), f"awv:v1:{cid}")
        ballot = await tail.wait_for(uid, mark, has_data("awb:"), 60)
        if ballot is None:
            stuck[uid] = "ballot"
            return
        shown[qid] = float(ballot["at"])
        message_id, chosen = int(ballot["message_id"]), frozenset[int]()
        for p in sorted(picks):
            msg = await current(uid, message_id)
            toggle = next(str(b["callback_data"]) for b in buttons(msg.get("reply_markup"))
                          if str(b.get("callback_data", "")).endswith(f":{p}"))  # fmt: skip
            qid = await press(uid, message_id, toggle)
            chosen = chosen | {p}
            want = award_rules.encode_selection(chosen)
            if not await ticked(uid, message_id, want, qid, WINDOW_S):
                # No tick after Telegram's window: a person looks again and, if the tick is
                # still not there, presses the button as it now shows (it carries the ballot
                # as shown, so that press means the same tick whenever the bot handles it).
                # Pressing from an older look would untick a tick that landed in between.
                msg = await current(uid, message_id)
                if not _shows(msg, want):
                    again[uid] = again.get(uid, 0) + 1
                    toggle = next(
                        str(b["callback_data"]) for b in buttons(msg.get("reply_markup"))
                        if str(b.get("callback_data", "")).endswith(f":{p}")
                    )  # fmt: skip
                    qid = await press(uid, message_id, toggle)
                    if not await ticked(uid, message_id, want, qid, 45):
                        stuck[uid] = "tick"
                        return
                else:
                    shown[qid] = time.time()
        msg = await current(uid, message_id)
        submit = next(str(b["callback_data"]) for b in buttons(msg.get("reply_markup"))
                      if str(b.get("callback_data", "")).endswith(":s"))  # fmt: skip
        await press(uid, message_id, submit)
        submitted[uid] = (chosen, time.time())

    voters = [user_id(t, w, size) for t, w in users]
    t0 = time.time() + 1.0
    load = asyncio.gather(*(
        voter(u, t0 + c.rng.uniform(0, seconds),
              frozenset(c.rng.sample(range(1, candidates + 1), c.rng.choice((1, 2)))))
        for u in voters
    ))  # fmt: skip

    async def voted_all() -> bool:
        return load.done()

    await c.lives(kills, 1.5, 4.5, voted_all)
    await c.finish(voted_all, limit_s=240)
    if not load.done():
        load.cancel()
    await asyncio.sleep(1.0)
    tail.stop()
    entries = [e for e in await c.emu.get("transcript")]
    answered: dict[str, float] = {}
    for e in entries:
        if e["method"] == "answerCallbackQuery":
            answered.setdefault(str(e["params"]["callback_query_id"]), float(e["at"]))
    told = {int(e["chat_id"]) for e in entries
            if e["method"] == "sendMessage" and "来不及" in str(e.get("text"))}  # fmt: skip
    # Unanswered: no answer in Telegram's window, not told in the chat, and what the press
    # asked for (the ballot, the tick) did not show within the window either.
    unanswered = [
        q for q, (u, at) in presses.items()
        if min(answered.get(q, float("inf")), shown.get(q, float("inf"))) - at > WINDOW_S
        and u not in told
    ]  # fmt: skip
    for q in unanswered:
        c.charge_life("unanswered", presses[q][1])
    rows = c.sql(
        "SELECT m.tg_user_id FROM award_voters v JOIN members m ON m.id = v.member_id"
        " WHERE v.campaign_id = ?", (cid,),
    )  # fmt: skip
    recorded = {int(r[0]) for r in rows}
    lost = [u for u in submitted if u not in recorded]
    for u in lost:
        c.charge_life("lost", submitted[u][1])
    for _ in stuck:
        c.charge_life("lost", time.time())
    # Where a stuck voter's /vote went: made into an update by the emulator? stored by the bot?
    stuck_at = {}
    for u, stage in stuck.items():
        uid_ = vote_update.get(u)
        row = c.sql("SELECT received_at, done_at FROM inbox WHERE update_id = ?", (uid_,))
        stuck_at[str(u)] = {"stage": stage, "vote_update_id": uid_,
                            "in_inbox": [list(r) for r in row]}  # fmt: skip
    receipts = int(c.sql("SELECT count(*) FROM award_receipts WHERE campaign_id = ?", (cid,))[0][0])
    by_position = c.sql(
        "SELECT position, count(*) FROM award_choices WHERE campaign_id = ? GROUP BY 1", (cid,)
    )
    tally = Counter({int(p): int(n) for p, n in by_position})
    expected = Counter(p for picks, _ in submitted.values() for p in picks)
    wrong = (
        len(recorded - set(submitted))
        + sum((tally - expected).values())
        + sum((expected - tally).values())
        + abs(receipts - len(recorded))
    )
    # A second menu or ballot message in a private chat is a repeated answer.
    bot_msgs = [
        e for e in entries if e["method"] == "sendMessage" and e.get("chat_id") in set(voters)
    ]
    duplicated = c.repeats(
        bot_msgs,
        lambda e: (
            # keyed by text too: the daily reminder to non-voters carries the vote button
            (e["chat_id"], "menu", e["text"])
            if has_data("awv:")(e)
            else (e["chat_id"], "ballot")
            if has_data("awb:")(e)
            else None
        ),
    )
    return {
        "voters": len(voters),
        "ballots_submitted": len(submitted),
        "lost": len(lost) + len(stuck),
        "stuck": dict(Counter(stuck.values())),
        "stuck_detail": stuck_at,
        "pressed_again_by_person": sum(again.values()),
        "wrongly_recorded": wrong,
        "one_receipt_per_voter": receipts == len(recorded),
        "duplicated": duplicated,
        "presses": len(presses),
        "unanswered": len(unanswered),
        "faults_injected": injected,
    }


Scenario = Callable[[Chaos, int], Awaitable[dict[str, Any]]]
# name -> (scenario, share of the kills)
# (check-in last: its lives do not stop when the work is done, so it uses every kill the
# others left over and a run makes all the kills it was asked for)
SCENARIOS: dict[str, tuple[Scenario, float]] = {
    "broadcast": (broadcast, 0.15),
    "schedule": (schedule, 0.15),
    "quiz": (quiz, 0.2),
    "vote": (vote, 0.2),
    "checkin": (checkin, 0.3),
}


async def run_one(name: str, fn: Scenario, kills: int, seed: int, scale: float) -> dict[str, Any]:
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
            c = Chaos(random.Random(seed), emu, root, db_path, scale)
            try:
                figures = await fn(c, kills)
            finally:
                await c.stop()
            stats = await emu.get("stats")
    finally:
        emulator.send_signal(signal.SIGTERM)
        await emulator.wait()
    per_kill = c.kills_report()
    return {"kills": c.kills, **figures, "flood_429": stats["flood_429"],
            "pending_updates_at_end": stats.get("pending_updates"), "bot_exits": c.exits,
            "integrity": c.integrity(), "elapsed_s": round(time.time() - started, 1),
            "repeats_within_in_flight": all(k["repeated"] <= k["in_flight"] for k in per_kill),
            "per_kill": per_kill}  # fmt: skip


async def run(kills: int, seed: int, only: list[str], scale: float = 1.0) -> dict[str, Any]:
    chosen = {k: v for k, v in SCENARIOS.items() if not only or k in only}
    share = sum(w for _, w in chosen.values())
    out: dict[str, Any] = {}
    carry = 0  # kills a scenario did not use (its work was done first) go to the next
    planned = 0
    for i, (name, (fn, weight)) in enumerate(chosen.items()):
        # the last one gets what rounding left over, so the budgets add up to `kills`
        share_of = kills - planned if i == len(chosen) - 1 else round(kills * weight / share)
        planned += share_of
        budget = max(1, share_of) + carry
        out[name] = await run_one(name, fn, budget, seed, scale)
        carry = max(0, budget - int(out[name]["kills"]))
    total = {
        k: sum(int(s.get(k, 0)) for s in out.values())
        for k in ("kills", "lost", "duplicated", "wrongly_recorded", "unanswered")
    }
    ok = all(s["integrity"] == "ok" for s in out.values())
    bounded = all(s["repeats_within_in_flight"] for s in out.values())
    return {"bench": "chaos", **total, "integrity_ok": ok, "repeats_within_in_flight": bounded,
            "seed": seed, "scale": scale, "scenarios": out}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--kills", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0, help="share of the load (smoke: 0.25)")
    p.add_argument("--only", default="", help="comma-separated scenario names")
    a = p.parse_args()
    only = [x for x in a.only.split(",") if x]
    print(json.dumps(asyncio.run(run(a.kills, a.seed, only, a.scale)), ensure_ascii=False))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
