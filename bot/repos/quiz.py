"""SQL of the knowledge quizzes: bank, rounds, items, answers, plans, settings, standings.

Writes that belong together take the caller's transaction (`tx`), so a round, its questions
and the outbox rows of its polls commit together, and an answer, its score and whatever it
sets off (the next question of a challenge) commit together.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.clock import iso, parse_iso
from bot.db import Database, Tx
from bot.domain.quiz import Candidate, Item, Kind, Mode, TeamScore

_QUESTION = (
    "SELECT id, code, kind, stem, options, answer, explanation, topic, difficulty, source"
    " FROM quiz_questions"
)


@dataclass(frozen=True)
class Question:
    id: int
    item: Item

    @classmethod
    def from_row(cls, r: aiosqlite.Row) -> Question:
        return cls(
            r["id"],
            Item(
                code=r["code"],
                kind=Kind(r["kind"]),
                stem=r["stem"],
                options=tuple(json.loads(r["options"])),
                answer=tuple(json.loads(r["answer"])),
                explanation=r["explanation"],
                topic=r["topic"],
                difficulty=r["difficulty"],
                source=r["source"],
            ),
        )


@dataclass(frozen=True)
class ImportCounts:
    added: int
    updated: int
    unchanged: int
    import_id: int | None = None


@dataclass(frozen=True)
class Round:
    id: int
    mode: Mode
    chat_id: int
    team_id: int | None
    member_id: int | None
    topic: str | None
    size: int
    open_period: int
    sequential: bool
    state: str
    position: int
    local_day: str
    created_at: datetime

    @classmethod
    def from_row(cls, r: aiosqlite.Row) -> Round:
        return cls(
            r["id"], Mode(r["mode"]), r["chat_id"], r["team_id"], r["member_id"], r["topic"],
            r["size"], r["open_period"], bool(r["sequential"]), r["state"], r["position"],
            r["local_day"], parse_iso(r["created_at"]),
        )  # fmt: skip


_ROUND = (
    "SELECT id, mode, chat_id, team_id, member_id, topic, size, open_period, sequential, state,"
    " position, local_day, created_at FROM quiz_rounds"
)


@dataclass(frozen=True)
class PollRef:
    """The question behind a Telegram poll, and when the poll went out."""

    round: Round
    position: int
    question: Question
    sent_at: datetime | None


@dataclass(frozen=True)
class OutItem:
    """A round's question and the state of its poll in the outbox."""

    round_id: int
    position: int
    question_id: int
    state: str  # the outbox row's state
    sent_at: datetime | None
    settled: bool


@dataclass(frozen=True)
class Plan:
    id: int
    team_id: int | None
    at_time: str
    topic: str | None
    open_period: int
    active: bool
    created_at: datetime
    workdays: bool = False


@dataclass(frozen=True)
class Mistake:
    question: Question
    chosen: tuple[int, ...]
    answered_at: datetime
    times: int


@dataclass(frozen=True)
class PersonScore:
    member_id: int
    name: str
    team_id: int
    team_name: str
    points: int
    answers: int
    correct: int


@dataclass(frozen=True)
class QuestionStat:
    question: Question
    answers: int
    wrong: int

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.answers if self.answers else 0.0


def item_key(round_id: int, position: int) -> str:
    return f"quiz:{round_id}:{position}"


class QuizRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------ bank

    async def upsert_items(
        self, items: Sequence[Item], file_name: str, actor: int | None
    ) -> ImportCounts:
        """Add new items and update changed ones (by code), all in one transaction."""
        added = updated = unchanged = 0
        async with self.db.transaction() as tx:
            known = {
                r[0]: tuple(r[1:])
                for r in await tx.execute_fetchall(
                    "SELECT code, kind, stem, options, answer, explanation, topic, difficulty,"
                    " source, active FROM quiz_questions"
                )
            }
            cur = await tx.execute(
                "INSERT INTO quiz_imports(file_name, actor, added, updated, unchanged)"
                " VALUES (?, ?, 0, 0, 0)",
                (file_name[:200], actor),
            )
            import_id = cur.lastrowid
            for it in items:
                values = (
                    it.kind.value, it.stem, json.dumps(list(it.options), ensure_ascii=False),
                    json.dumps(list(it.answer)), it.explanation, it.topic, it.difficulty, it.source,
                )  # fmt: skip
                old = known.get(it.code)
                if old is None:
                    await tx.execute(
                        "INSERT INTO quiz_questions(code, kind, stem, options, answer,"
                        " explanation, topic, difficulty, source, import_id)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (it.code, *values, import_id),
                    )
                    added += 1
                elif tuple(old) == (*values, 1):
                    unchanged += 1
                else:
                    await tx.execute(
                        "UPDATE quiz_questions SET kind = ?, stem = ?, options = ?, answer = ?,"
                        " explanation = ?, topic = ?, difficulty = ?, source = ?, active = 1,"
                        " import_id = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')"
                        " WHERE code = ?",
                        (*values, import_id, it.code),
                    )
                    updated += 1
            await tx.execute(
                "UPDATE quiz_imports SET added = ?, updated = ?, unchanged = ? WHERE id = ?",
                (added, updated, unchanged, import_id),
            )
        return ImportCounts(added, updated, unchanged, import_id)

    async def bank_size(self) -> int:
        return int(await self.db.fetchval("SELECT count(*) FROM quiz_questions WHERE active = 1"))

    async def topics(self) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT topic, count(*) FROM quiz_questions WHERE active = 1"
            " GROUP BY topic ORDER BY count(*) DESC, topic"
        )
        return {r[0]: r[1] for r in rows}

    async def candidates(self) -> list[Candidate]:
        rows = await self.db.fetchall(
            "SELECT id, topic FROM quiz_questions WHERE active = 1 ORDER BY id"
        )
        return [Candidate(r[0], r[1]) for r in rows]

    async def question(self, question_id: int) -> Question | None:
        row = await self.db.fetchone(_QUESTION + " WHERE id = ?", (question_id,))
        return Question.from_row(row) if row else None

    async def questions(self, ids: Sequence[int]) -> dict[int, Question]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(_QUESTION + f" WHERE id IN ({marks})", list(ids))
        return {r["id"]: Question.from_row(r) for r in rows}

    async def used_counts(self, chat_id: int) -> dict[int, int]:
        """How often each question was drawn for this chat (its rounds, ever)."""
        rows = await self.db.fetchall(
            "SELECT i.question_id, count(*) FROM quiz_items i"
            " JOIN quiz_rounds r ON r.id = i.round_id WHERE r.chat_id = ?"
            " GROUP BY i.question_id",
            (chat_id,),
        )
        return {r[0]: r[1] for r in rows}

    # ------------------------------------------------------------ rounds

    async def insert_round(
        self,
        tx: Tx,
        *,
        mode: Mode,
        chat_id: int,
        team_id: int | None,
        member_id: int | None,
        started_by: int | None,
        topic: str | None,
        question_ids: Sequence[int],
        open_period: int,
        sequential: bool,
        local_day: str,
        key: str | None = None,
        now: datetime,
    ) -> int | None:
        """The new round's id, its questions recorded; None if `key` exists (already done)."""
        cur = await tx.execute(
            "INSERT INTO quiz_rounds(mode, chat_id, team_id, member_id, started_by, topic, size,"
            " open_period, sequential, key, local_day, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
            (
                mode.value, chat_id, team_id, member_id, started_by, topic, len(question_ids),
                open_period, int(sequential), key, local_day, iso(now),
            ),
        )  # fmt: skip
        if not cur.rowcount:
            return None
        round_id = cur.lastrowid
        assert round_id is not None
        await tx.executemany(
            "INSERT INTO quiz_items(round_id, position, question_id, outbox_key)"
            " VALUES (?, ?, ?, ?)",
            [(round_id, i, q, item_key(round_id, i)) for i, q in enumerate(question_ids)],
        )
        return round_id

    async def round(self, round_id: int) -> Round | None:
        row = await self.db.fetchone(_ROUND + " WHERE id = ?", (round_id,))
        return Round.from_row(row) if row else None

    async def round_in(self, tx: Tx, round_id: int) -> Round:
        """The round as the caller's transaction sees it."""
        rows = await tx.execute_fetchall(_ROUND + " WHERE id = ?", (round_id,))
        return Round.from_row(next(iter(rows)))

    async def item_question(self, tx: Tx, round_id: int, position: int) -> int:
        rows = await tx.execute_fetchall(
            "SELECT question_id FROM quiz_items WHERE round_id = ? AND position = ?",
            (round_id, position),
        )
        return int(next(iter(rows))[0])

    async def team_size(self, team_id: int, tx: Tx | None = None) -> int:
        sql = "SELECT count(*) FROM members WHERE team_id = ? AND active = 1"
        if tx is None:
            return int(await self.db.fetchval(sql, (team_id,)))
        return int(next(iter(await tx.execute_fetchall(sql, (team_id,))))[0])

    async def unit_of(self, team_id: int) -> int | None:
        value = await self.db.fetchval("SELECT unit_id FROM teams WHERE id = ?", (team_id,))
        return None if value is None else int(value)

    async def team_by_name(self, name: str) -> int | None:
        """A team by its name, or by unit and name run together ("一分场蒸发一班")."""
        value = await self.db.fetchval(
            "SELECT t.id FROM teams t JOIN units u ON u.id = t.unit_id"
            " WHERE t.name = ? OR u.name || t.name = ? ORDER BY t.id LIMIT 1",
            (name, name),
        )
        return None if value is None else int(value)

    async def team_of_chat(self, chat_id: int) -> tuple[int, int] | None:
        """(team, unit) of the team a group chat is bound to."""
        row = await self.db.fetchone(
            "SELECT t.id, t.unit_id FROM group_bindings g JOIN teams t ON t.id = g.team_id"
            " WHERE g.chat_id = ? AND g.active = 1",
            (chat_id,),
        )
        return (row[0], row[1]) if row else None

    async def team_groups(self) -> dict[int, int]:
        """team -> its bound, active group chat."""
        rows = await self.db.fetchall(
            "SELECT team_id, chat_id FROM group_bindings WHERE active = 1"
        )
        return {r[0]: r[1] for r in rows}

    async def running(self) -> list[Round]:
        rows = await self.db.fetchall(_ROUND + " WHERE state = 'running' ORDER BY id")
        return [Round.from_row(r) for r in rows]

    async def running_private(self, member_id: int) -> Round | None:
        row = await self.db.fetchone(
            _ROUND + " WHERE state = 'running' AND sequential = 1 AND member_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (member_id,),
        )
        return Round.from_row(row) if row else None

    async def items(self, round_id: int) -> list[OutItem]:
        rows = await self.db.fetchall(
            "SELECT i.round_id, i.position, i.question_id, o.state, o.done_at, i.settled"
            " FROM quiz_items i LEFT JOIN outbox o ON o.dedupe_key = i.outbox_key"
            " WHERE i.round_id = ? ORDER BY i.position",
            (round_id,),
        )
        return [
            OutItem(r[0], r[1], r[2], r[3] or "none", parse_iso(r[4]) if r[4] else None, bool(r[5]))
            for r in rows
        ]

    async def settle(self, tx: Tx, round_id: int, position: int) -> bool:
        """Mark a private round's question settled; False if it already was (a race lost)."""
        cur = await tx.execute(
            "UPDATE quiz_items SET settled = 1 WHERE round_id = ? AND position = ? AND settled = 0",
            (round_id, position),
        )
        return cur.rowcount == 1

    async def advance(self, tx: Tx, round_id: int, position: int) -> None:
        await tx.execute(
            "UPDATE quiz_rounds SET position = ? WHERE id = ? AND state = 'running'",
            (position, round_id),
        )

    async def finish(self, tx: Tx, round_id: int, now: datetime, state: str = "finished") -> bool:
        cur = await tx.execute(
            "UPDATE quiz_rounds SET state = ?, finished_at = ? WHERE id = ? AND state = 'running'",
            (state, iso(now), round_id),
        )
        return cur.rowcount == 1

    async def recent_rounds(self, team_id: int, limit: int = 5) -> list[Round]:
        rows = await self.db.fetchall(
            _ROUND + " WHERE team_id = ? AND sequential = 0 ORDER BY id DESC LIMIT ?",
            (team_id, limit),
        )
        return [Round.from_row(r) for r in rows]

    # ------------------------------------------------------------ answers

    async def poll_ref(self, poll_id: str) -> PollRef | None:
        """One read: the poll's round, position, question and send time (an answer's hot path)."""
        row = await self.db.fetchone(
            "SELECT r.id, r.mode, r.chat_id, r.team_id, r.member_id, r.topic, r.size,"
            " r.open_period, r.sequential, r.state, r.position, r.local_day, r.created_at,"
            " i.position AS item_position, o.done_at, q.id AS qid, q.code, q.kind, q.stem,"
            " q.options, q.answer, q.explanation, q.topic AS qtopic, q.difficulty, q.source"
            " FROM outbox o JOIN quiz_items i ON i.outbox_key = o.dedupe_key"
            " JOIN quiz_rounds r ON r.id = i.round_id JOIN quiz_questions q ON q.id = i.question_id"
            " WHERE o.poll_id = ?",
            (poll_id,),
        )
        if row is None:
            return None
        question = Question(
            row["qid"],
            Item(
                code=row["code"], kind=Kind(row["kind"]), stem=row["stem"],
                options=tuple(json.loads(row["options"])), answer=tuple(json.loads(row["answer"])),
                explanation=row["explanation"], topic=row["qtopic"], difficulty=row["difficulty"],
                source=row["source"],
            ),
        )  # fmt: skip
        sent = parse_iso(row["done_at"]) if row["done_at"] else None
        return PollRef(Round.from_row(row), row["item_position"], question, sent)

    async def add_answer(
        self,
        tx: Tx,
        poll_id: str,
        tg_user_id: int,
        option_ids: Sequence[int],
        at: datetime,
    ) -> bool:
        """Keep a poll answer as it came; False if this person had answered this poll."""
        cur = await tx.execute(
            "INSERT INTO quiz_answers(poll_id, tg_user_id, option_ids, answered_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(poll_id, tg_user_id) DO NOTHING",
            (poll_id, tg_user_id, json.dumps(list(option_ids)), iso(at)),
        )
        return cur.rowcount == 1

    async def earned_on(self, tx: Tx, member_id: int, day: str) -> int:
        rows = await tx.execute_fetchall(
            "SELECT coalesce(sum(points), 0) FROM quiz_answers"
            " WHERE member_id = ? AND local_day = ? AND state = 'counted'",
            (member_id, day),
        )
        return int(next(iter(rows))[0])

    async def settle_answer(
        self,
        tx: Tx,
        poll_id: str,
        tg_user_id: int,
        *,
        state: str,
        ref: PollRef | None,
        member_id: int | None,
        team_id: int | None,
        correct: bool | None,
        points: int,
        local_day: str | None,
    ) -> None:
        await tx.execute(
            "UPDATE quiz_answers SET state = ?, round_id = ?, position = ?, question_id = ?,"
            " member_id = ?, team_id = ?, correct = ?, points = ?, local_day = ?"
            " WHERE poll_id = ? AND tg_user_id = ? AND state = 'raw'",
            (
                state, ref.round.id if ref else None, ref.position if ref else None,
                ref.question.id if ref else None, member_id, team_id,
                None if correct is None else int(correct), points, local_day, poll_id, tg_user_id,
            ),
        )  # fmt: skip

    async def raw_answers(self, limit: int = 500) -> list[tuple[str, int, list[int], datetime]]:
        """Answers whose poll was not known when they came (the sender had not yet recorded
        the poll's id), oldest first."""
        rows = await self.db.fetchall(
            "SELECT a.poll_id, a.tg_user_id, a.option_ids, a.answered_at FROM quiz_answers a"
            " WHERE a.state = 'raw' ORDER BY a.answered_at LIMIT ?",
            (limit,),
        )
        return [(r[0], r[1], json.loads(r[2]), parse_iso(r[3])) for r in rows]

    async def answered(self, round_id: int) -> dict[int, int]:
        """member -> correct answers in the round (counted ones)."""
        rows = await self.db.fetchall(
            "SELECT member_id, coalesce(sum(correct), 0) FROM quiz_answers"
            " WHERE round_id = ? AND state = 'counted' GROUP BY member_id",
            (round_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def round_totals(self, round_id: int, tx: Tx | None = None) -> tuple[int, int, int, int]:
        """(people, answers, correct, points) of a round's counted answers."""
        sql = (
            "SELECT count(DISTINCT member_id), count(*), coalesce(sum(correct), 0),"
            " coalesce(sum(points), 0) FROM quiz_answers WHERE round_id = ? AND state = 'counted'"
        )
        rows = await (tx or self.db.conn).execute_fetchall(sql, (round_id,))
        row = next(iter(rows))
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    async def mistakes(self, member_id: int, limit: int = 10) -> list[Mistake]:
        """错题本: questions this person got wrong and has not answered right since (rowid:
        the order answers arrived in, which two equal clock readings cannot blur), latest
        first, with how often they missed each."""
        rows = await self.db.fetchall(
            "SELECT a.question_id, a.option_ids, max(a.answered_at) AS at, count(*) AS times"
            " FROM quiz_answers a WHERE a.member_id = ? AND a.state = 'counted' AND a.correct = 0"
            " AND NOT EXISTS (SELECT 1 FROM quiz_answers b WHERE b.member_id = a.member_id"
            " AND b.question_id = a.question_id AND b.correct = 1"
            " AND b.rowid > a.rowid)"
            " GROUP BY a.question_id ORDER BY at DESC LIMIT ?",
            (member_id, limit),
        )
        questions = await self.questions([r[0] for r in rows])
        return [
            Mistake(questions[r[0]], tuple(json.loads(r[1])), parse_iso(r[2]), r[3])
            for r in rows
            if r[0] in questions
        ]

    async def mistake_ids(self, member_id: int) -> list[int]:
        return [m.question.id for m in await self.mistakes(member_id, limit=1000)]

    # ------------------------------------------------------------ reminders

    async def remind_once(
        self, tx: Tx, round_id: int, member_ids: Sequence[int], now: datetime
    ) -> list[int]:
        """Members not reminded for this round before (and now recorded as reminded)."""
        fresh: list[int] = []
        for m in member_ids:
            cur = await tx.execute(
                "INSERT INTO quiz_reminders(round_id, member_id, sent_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (round_id, m, iso(now)),
            )
            if cur.rowcount:
                fresh.append(m)
        return fresh

    # ------------------------------------------------------------ plans and settings

    async def add_plan(
        self,
        team_id: int | None,
        at_time: str,
        topic: str | None,
        open_period: int,
        by: int | None,
        now: datetime,
        workdays: bool = False,
    ) -> int:
        return await self.db.execute(
            "INSERT INTO quiz_plans(team_id, at_time, topic, open_period, created_by, created_at,"
            " workdays) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (team_id, at_time, topic, open_period, by, iso(now), int(workdays)),
        )

    async def plans(self, active_only: bool = True) -> list[Plan]:
        rows = await self.db.fetchall(
            "SELECT id, team_id, at_time, topic, open_period, active, created_at, workdays"
            " FROM quiz_plans" + (" WHERE active = 1" if active_only else "") + " ORDER BY id"
        )
        return [
            Plan(r[0], r[1], r[2], r[3], r[4], bool(r[5]), parse_iso(r[6]), bool(r[7]))
            for r in rows
        ]

    async def day_overrides(self) -> tuple[list[date], list[date]]:
        """(extra holidays, extra workdays) the site added to the official calendar."""
        rows = await self.db.fetchall("SELECT day, kind FROM holiday_overrides")
        holidays = [date.fromisoformat(r[0]) for r in rows if r[1] == "holiday"]
        workdays = [date.fromisoformat(r[0]) for r in rows if r[1] == "workday"]
        return holidays, workdays

    async def stop_plan(self, plan_id: int) -> bool:
        return (
            await self.db.execute_count(
                "UPDATE quiz_plans SET active = 0 WHERE id = ? AND active = 1", (plan_id,)
            )
            == 1
        )

    async def setting(self, key: str) -> str | None:
        value = await self.db.fetchval("SELECT value FROM quiz_settings WHERE key = ?", (key,))
        return None if value is None else str(value)

    async def set_setting(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO quiz_settings(key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # ------------------------------------------------------------ standings and reports

    async def team_scores(
        self, first_day: str, last_day: str, team_ids: Sequence[int] | None = None
    ) -> list[TeamScore]:
        """Every team (or those given) with points, answers and participants in the days."""
        rows = await self.db.fetchall(
            "SELECT t.id, u.name || t.name,"
            " (SELECT count(*) FROM members m WHERE m.team_id = t.id AND m.active = 1),"
            " count(DISTINCT a.member_id), coalesce(sum(a.points), 0), count(a.poll_id),"
            " coalesce(sum(a.correct), 0)"
            " FROM teams t JOIN units u ON u.id = t.unit_id"
            " LEFT JOIN quiz_answers a ON a.team_id = t.id AND a.state = 'counted'"
            " AND a.local_day BETWEEN ? AND ?"
            " GROUP BY t.id ORDER BY t.id",
            (first_day, last_day),
        )
        wanted = set(team_ids) if team_ids is not None else None
        return [
            TeamScore(r[0], r[1], r[2], r[3], r[4], r[5], r[6])
            for r in rows
            if wanted is None or r[0] in wanted
        ]

    async def person_scores(
        self, first_day: str, last_day: str, team_id: int | None = None
    ) -> list[PersonScore]:
        rows = await self.db.fetchall(
            "SELECT m.id, m.name, t.id, u.name || t.name, coalesce(sum(a.points), 0),"
            " count(a.poll_id), coalesce(sum(a.correct), 0)"
            " FROM members m JOIN teams t ON t.id = m.team_id JOIN units u ON u.id = t.unit_id"
            " LEFT JOIN quiz_answers a ON a.member_id = m.id AND a.state = 'counted'"
            " AND a.local_day BETWEEN ? AND ?"
            " WHERE m.active = 1 AND (? IS NULL OR m.team_id = ?)"
            " GROUP BY m.id ORDER BY 5 DESC, 7 DESC, m.employee_no",
            (first_day, last_day, team_id, team_id),
        )
        return [PersonScore(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    async def question_stats(self, first_day: str, last_day: str) -> list[QuestionStat]:
        """Questions answered in the days, the most missed first."""
        rows = await self.db.fetchall(
            "SELECT question_id, count(*), sum(1 - correct) FROM quiz_answers"
            " WHERE state = 'counted' AND local_day BETWEEN ? AND ? GROUP BY question_id"
            " ORDER BY sum(1 - correct) * 1.0 / count(*) DESC, sum(1 - correct) DESC,"
            " question_id",
            (first_day, last_day),
        )
        questions = await self.questions([r[0] for r in rows])
        return [QuestionStat(questions[r[0]], r[1], r[2]) for r in rows if r[0] in questions]

    async def took_part(self, team_id: int, first_day: str, last_day: str) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT member_id FROM quiz_answers WHERE team_id = ? AND state = 'counted'"
            " AND local_day BETWEEN ? AND ?",
            (team_id, first_day, last_day),
        )
        return {r[0] for r in rows}

    async def counts(self) -> dict[str, int]:
        """Answers by state (for `banzu quiz status` and the bench)."""
        rows = await self.db.fetchall("SELECT state, count(*) FROM quiz_answers GROUP BY state")
        return {r[0]: r[1] for r in rows}
