"""SQL for labour competitions (劳动竞赛): contests, their metrics and figures, standings, and
the points ledger (积分).

Standings are one SQL statement: every metric's value per participant (entered figures
aggregated over the weeks, or computed from the bot's own records), each scaled between the
worst and the best participant of that metric, weighted, summed to 0-100 and ranked with
ties sharing a rank.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.clock import iso
from bot.db import Database
from bot.domain.contest import (
    Aggregate,
    Direction,
    Kind,
    Level,
    MetricTemplate,
    Source,
    week_of,
)
from bot.repos.outbox import OutboxRepo, OutMessage


@dataclass(frozen=True)
class Contest:
    id: int
    name: str
    kind: Kind
    level: Level
    unit_id: int | None
    starts_on: date
    ends_on: date
    individual_public: bool
    holder_id: int | None
    active: bool
    created_by: int

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Contest:
        return cls(
            id=row["id"],
            name=row["name"],
            kind=Kind(row["kind"]),
            level=Level(row["level"]),
            unit_id=row["unit_id"],
            starts_on=date.fromisoformat(row["starts_on"]),
            ends_on=date.fromisoformat(row["ends_on"]),
            individual_public=bool(row["individual_public"]),
            holder_id=row["holder_id"],
            active=row["state"] == "active",
            created_by=row["created_by"],
        )


@dataclass(frozen=True)
class Metric:
    id: int
    contest_id: int
    key: str
    source: Source
    unit: str
    direction: Direction
    aggregate: Aggregate
    weight: float
    lo: float
    hi: float

    @property
    def entered(self) -> bool:
        return self.source is Source.ENTERED

    @property
    def template(self) -> MetricTemplate:
        return MetricTemplate(
            self.key, self.source, self.unit, self.direction, self.aggregate, self.lo, self.hi
        )

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Metric:
        return cls(
            id=row["id"],
            contest_id=row["contest_id"],
            key=row["key"],
            source=Source(row["source"]),
            unit=row["unit"],
            direction=Direction(row["direction"]),
            aggregate=Aggregate(row["aggregate"]),
            weight=row["weight"],
            lo=row["lo"],
            hi=row["hi"],
        )


@dataclass(frozen=True)
class Standing:
    participant_id: int
    name: str
    score: float
    rank: int
    values: dict[int, float | None]  # metric id -> value (None: not entered / no records)


@dataclass(frozen=True)
class Pair:
    id: int
    a_id: int
    b_id: int
    state: str
    proposed_by: int | None


@dataclass(frozen=True)
class FigureEntry:
    metric_id: int
    participant_id: int
    week: date
    value: float


@dataclass(frozen=True)
class AuditRow:
    metric_key: str
    participant_id: int
    week: str
    old_value: float | None
    new_value: float
    actor: int
    at: str
    via: str
    confirmed_doubt: str | None
    reason: str | None
    after_close: bool


# How a participant is named per level, and how the bot's own records map to it. Fixed SQL
# fragments chosen by the contest's level: never user input.
_NAME_SQL = {
    Level.TEAM: "SELECT id, name FROM teams WHERE id IN ({ids})",
    Level.UNIT: "SELECT id, name FROM units WHERE id IN ({ids})",
    Level.PERSON: "SELECT id, name FROM members WHERE id IN ({ids})",
}
# (participant expression over a row with team_id `t`, member_id `m`, unit via teams `tu`)
_PART = {Level.TEAM: "{t}", Level.UNIT: "tu.unit_id", Level.PERSON: "{m}"}

_ATTENDANCE = """
SELECT {part} AS pid,
       100.0 * sum(a.status IN ('present','late','makeup'))
             / nullif(sum(a.status <> 'leave'), 0) AS value
FROM attendance a JOIN study_sessions s ON s.id = a.session_id
JOIN teams tu ON tu.id = a.team_id
WHERE s.starts_at >= :from_utc AND s.starts_at < :to_utc
GROUP BY pid
"""
_LEARNED = """
WITH posts AS (
    SELECT p.occurrence_id, p.team_id FROM preshift_posts p
    WHERE p.created_at >= :from_utc AND p.created_at < :to_utc
), expected AS (
    SELECT {part_expected} AS pid, count(*) AS n
    FROM posts JOIN members m ON m.team_id = posts.team_id AND m.active = 1
    JOIN teams tu ON tu.id = posts.team_id
    GROUP BY pid
), done AS (
    SELECT {part_done} AS pid, count(*) AS n
    FROM preshift_acks k JOIN posts USING (occurrence_id, team_id)
    JOIN teams tu ON tu.id = k.team_id
    GROUP BY pid
)
SELECT expected.pid, 100.0 * coalesce(done.n, 0) / expected.n AS value
FROM expected LEFT JOIN done USING (pid)
"""
_ADOPTED = """
SELECT {part} AS pid, count(DISTINCT e.suggestion_id) AS value
FROM suggestion_events e JOIN suggestions s ON s.id = e.suggestion_id
JOIN teams tu ON tu.id = s.team_id
WHERE e.to_state = 'adopted' AND e.at >= :from_utc AND e.at < :to_utc
GROUP BY pid
"""
_PLEDGES = """
SELECT {part} AS pid,
       100.0 * count(p.member_id) / count(*) AS value
FROM members m JOIN teams tu ON tu.id = m.team_id
LEFT JOIN pledges p ON p.member_id = m.id AND p.year = :year AND p.current = 1
WHERE m.active = 1
GROUP BY pid
"""


def _source_sql(source: Source, level: Level) -> str:
    part = _PART[level]
    if source is Source.ATTENDANCE_RATE:
        return _ATTENDANCE.format(part=part.format(t="a.team_id", m="a.member_id"))
    if source is Source.LEARNED_RATE:
        return _LEARNED.format(
            part_expected=part.format(t="posts.team_id", m="m.id"),
            part_done=part.format(t="k.team_id", m="k.member_id"),
        )
    if source is Source.SUGGESTIONS_ADOPTED:
        return _ADOPTED.format(part=part.format(t="s.team_id", m="s.author_member_id"))
    if source is Source.PLEDGES_WRITTEN:
        return _PLEDGES.format(part=part.format(t="m.team_id", m="m.id"))
    raise ValueError(f"not a computed source: {source}")


_ENTERED = """
SELECT f.metric_id, f.participant_id AS pid,
       CASE :agg WHEN 'sum' THEN sum(f.value) WHEN 'avg' THEN avg(f.value)
            ELSE (SELECT f2.value FROM contest_figures f2
                  WHERE f2.metric_id = f.metric_id AND f2.participant_id = f.participant_id
                    AND f2.week <= :until_week ORDER BY f2.week DESC LIMIT 1) END AS value
FROM contest_figures f
WHERE f.metric_id = :metric AND f.week >= :from_week AND f.week <= :until_week
GROUP BY f.metric_id, f.participant_id
"""

_SCORE = """
WITH vals(metric_id, pid, value) AS ({values}),
bounds AS (SELECT metric_id, min(value) AS lo, max(value) AS hi FROM vals
           WHERE value IS NOT NULL GROUP BY metric_id),
parts AS (
    SELECT p.participant_id AS pid, m.id AS metric_id, m.weight,
           CASE WHEN v.value IS NULL THEN 0.0
                WHEN b.hi = b.lo THEN 1.0
                WHEN m.direction = 'higher' THEN (v.value - b.lo) / (b.hi - b.lo)
                ELSE (b.hi - v.value) / (b.hi - b.lo) END AS part
    FROM contest_participants p JOIN contest_metrics m ON m.contest_id = p.contest_id
    LEFT JOIN vals v ON v.metric_id = m.id AND v.pid = p.participant_id
    LEFT JOIN bounds b ON b.metric_id = m.id
    WHERE p.contest_id = :contest
), totals AS (
    SELECT pid, round(100.0 * sum(part * weight) / sum(weight), 4) AS score FROM parts
    GROUP BY pid
)
SELECT pid, score, RANK() OVER (ORDER BY score DESC) AS rank FROM totals
ORDER BY rank, pid
"""


class ContestRepo:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock

    # ------------------------------------------------------------ contests

    async def create(
        self,
        *,
        name: str,
        kind: Kind,
        level: Level,
        unit_id: int | None,
        starts_on: date,
        ends_on: date,
        participants: Sequence[int],
        metrics: Sequence[tuple[MetricTemplate, float]],
        pairs: Sequence[tuple[int, int]],
        created_by: int,
        individual_public: bool = False,
    ) -> int:
        """The contest, its participants, metrics and fixed pairs, in one transaction."""
        now = iso(self.clock())

        def create(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO contests(name, kind, level, unit_id, starts_on, ends_on,"
                " individual_public, created_by, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    name,
                    kind.value,
                    level.value,
                    unit_id,
                    starts_on.isoformat(),
                    ends_on.isoformat(),
                    int(individual_public),
                    created_by,
                    now,
                ),
            )
            contest_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO contest_participants(contest_id, participant_id, position)"
                " VALUES (?,?,?)",
                [(contest_id, pid, i) for i, pid in enumerate(participants)],
            )
            conn.executemany(
                "INSERT INTO contest_metrics(contest_id, key, source, unit, direction, aggregate,"
                " weight, lo, hi, position) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        contest_id,
                        t.key,
                        t.source.value,
                        t.unit,
                        t.direction.value,
                        t.aggregate.value,
                        weight,
                        t.lo,
                        t.hi,
                        i,
                    )
                    for i, (t, weight) in enumerate(metrics)
                ],
            )
            conn.executemany(
                "INSERT INTO contest_pairs(contest_id, a_id, b_id, state, created_at)"
                " VALUES (?,?,?,'active',?)",
                [(contest_id, a, b, now) for a, b in pairs],
            )
            return contest_id

        return await self.db.write(create)

    async def get(self, contest_id: int) -> Contest | None:
        row = await self.db.fetchone("SELECT * FROM contests WHERE id = ?", (contest_id,))
        return None if row is None else Contest.from_row(row)

    async def all(self, active_only: bool = False) -> list[Contest]:
        where = " WHERE state = 'active'" if active_only else ""
        rows = await self.db.fetchall(f"SELECT * FROM contests{where} ORDER BY id")
        return [Contest.from_row(r) for r in rows]

    async def for_participants(self, level: Level, ids: Sequence[int]) -> list[Contest]:
        """Active contests at `level` in which any of `ids` takes part."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            "SELECT DISTINCT c.* FROM contests c JOIN contest_participants p"
            f" ON p.contest_id = c.id WHERE c.state = 'active' AND c.level = ?"
            f" AND p.participant_id IN ({marks}) ORDER BY c.id",
            (level.value, *ids),
        )
        return [Contest.from_row(r) for r in rows]

    async def participants(self, contest_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT participant_id FROM contest_participants WHERE contest_id = ?"
            " ORDER BY position",
            (contest_id,),
        )
        return [int(r[0]) for r in rows]

    async def metrics(self, contest_id: int) -> list[Metric]:
        rows = await self.db.fetchall(
            "SELECT * FROM contest_metrics WHERE contest_id = ? ORDER BY position", (contest_id,)
        )
        return [Metric.from_row(r) for r in rows]

    async def names(self, level: Level, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        sql = _NAME_SQL[level].format(ids=",".join("?" * len(ids)))
        return {int(r[0]): str(r[1]) for r in await self.db.fetchall(sql, tuple(ids))}

    async def close(self, contest_id: int, by: int) -> bool:
        changed = await self.db.execute_count(
            "UPDATE contests SET state = 'closed', closed_by = ?, closed_at = ?"
            " WHERE id = ? AND state = 'active'",
            (by, iso(self.clock()), contest_id),
        )
        return changed == 1

    # ------------------------------------------------------------ pairs and challenges

    async def pairs(self, contest_id: int, states: Sequence[str] = ("active",)) -> list[Pair]:
        marks = ",".join("?" * len(states))
        rows = await self.db.fetchall(
            "SELECT id, a_id, b_id, state, proposed_by FROM contest_pairs"
            f" WHERE contest_id = ? AND state IN ({marks}) ORDER BY id",
            (contest_id, *states),
        )
        return [Pair(r["id"], r["a_id"], r["b_id"], r["state"], r["proposed_by"]) for r in rows]

    async def propose(self, contest_id: int, a_id: int, b_id: int, by: int) -> int | None:
        """A challenge from `a_id` to `b_id`; None when one between them is already open."""

        def propose(conn: sqlite3.Connection) -> int | None:
            open_ = conn.execute(
                "SELECT 1 FROM contest_pairs WHERE contest_id = ? AND state IN"
                " ('proposed','active') AND ((a_id = ? AND b_id = ?) OR (a_id = ? AND b_id = ?))",
                (contest_id, a_id, b_id, b_id, a_id),
            ).fetchone()
            if open_ is not None:
                return None
            cur = conn.execute(
                "INSERT INTO contest_pairs(contest_id, a_id, b_id, state, proposed_by, created_at)"
                " VALUES (?,?,?,'proposed',?,?)",
                (contest_id, a_id, b_id, by, iso(self.clock())),
            )
            return int(cur.lastrowid or 0)

        return await self.db.write(propose)

    async def pair(self, pair_id: int) -> tuple[int, Pair] | None:
        row = await self.db.fetchone(
            "SELECT contest_id, id, a_id, b_id, state, proposed_by FROM contest_pairs WHERE id = ?",
            (pair_id,),
        )
        if row is None:
            return None
        return int(row[0]), Pair(row["id"], row["a_id"], row["b_id"], row["state"], row[5])

    async def decide(self, pair_id: int, accept: bool, by: int) -> bool:
        """A proposed challenge accepted or declined, once."""
        changed = await self.db.execute_count(
            "UPDATE contest_pairs SET state = ?, decided_by = ?"
            " WHERE id = ? AND state = 'proposed'",
            ("active" if accept else "declined", by, pair_id),
        )
        return changed == 1

    # ------------------------------------------------------------ figures

    async def figure(self, metric_id: int, participant_id: int, week: date) -> float | None:
        value = await self.db.fetchval(
            "SELECT value FROM contest_figures WHERE metric_id = ? AND participant_id = ?"
            " AND week = ?",
            (metric_id, participant_id, week.isoformat()),
        )
        return None if value is None else float(value)

    async def previous_figure(
        self, metric_id: int, participant_id: int, before: date
    ) -> float | None:
        """The latest figure of an earlier week: what the leader is shown while typing."""
        value = await self.db.fetchval(
            "SELECT value FROM contest_figures WHERE metric_id = ? AND participant_id = ?"
            " AND week < ? ORDER BY week DESC LIMIT 1",
            (metric_id, participant_id, before.isoformat()),
        )
        return None if value is None else float(value)

    async def save_figures(
        self,
        entries: Sequence[FigureEntry],
        *,
        actor: int,
        via: str,
        after_close: bool = False,
        reason: str | None = None,
        doubts: dict[int, str] | None = None,
    ) -> int:
        """Figures in force replaced and each change audited, all or nothing. Returns how many
        changed (the same value typed again changes and audits nothing)."""
        now = iso(self.clock())
        doubts = doubts or {}

        def save(conn: sqlite3.Connection) -> int:
            changed = 0
            for e in entries:
                week = e.week.isoformat()
                row = conn.execute(
                    "SELECT value FROM contest_figures WHERE metric_id = ? AND participant_id = ?"
                    " AND week = ?",
                    (e.metric_id, e.participant_id, week),
                ).fetchone()
                old = None if row is None else float(row[0])
                if old == e.value:
                    continue
                conn.execute(
                    "INSERT INTO contest_figures(metric_id, participant_id, week, value,"
                    " entered_by, entered_at) VALUES (?,?,?,?,?,?)"
                    " ON CONFLICT(metric_id, participant_id, week) DO UPDATE SET"
                    " value = excluded.value, entered_by = excluded.entered_by,"
                    " entered_at = excluded.entered_at",
                    (e.metric_id, e.participant_id, week, e.value, actor, now),
                )
                conn.execute(
                    "INSERT INTO contest_figure_audit(metric_id, participant_id, week, old_value,"
                    " new_value, actor, at, via, confirmed_doubt, reason, after_close)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        e.metric_id,
                        e.participant_id,
                        week,
                        old,
                        e.value,
                        actor,
                        now,
                        via,
                        doubts.get(e.metric_id),
                        reason,
                        int(after_close),
                    ),
                )
                changed += 1
            return changed

        return await self.db.write(save)

    async def with_figures(self, metric_ids: Sequence[int], week: date) -> set[int]:
        """Participants with at least one figure for `week` among these metrics."""
        marks = ",".join("?" * len(metric_ids))
        rows = await self.db.fetchall(
            f"SELECT DISTINCT participant_id FROM contest_figures WHERE metric_id IN ({marks})"
            " AND week = ?",
            (*metric_ids, week.isoformat()),
        )
        return {int(r[0]) for r in rows}

    async def audit(self, contest_id: int) -> list[AuditRow]:
        rows = await self.db.fetchall(
            "SELECT m.key, a.participant_id, a.week, a.old_value, a.new_value, a.actor, a.at,"
            " a.via, a.confirmed_doubt, a.reason, a.after_close FROM contest_figure_audit a"
            " JOIN contest_metrics m ON m.id = a.metric_id WHERE m.contest_id = ?"
            " ORDER BY a.id",
            (contest_id,),
        )
        return [
            AuditRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], bool(r[10]))
            for r in rows
        ]

    async def actor_names(self, user_ids: Sequence[int]) -> dict[int, str]:
        """Who entered figures, by Telegram id: the roster name, else the Telegram name."""
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            "SELECT u.user_id, coalesce(m.name, u.first_name) FROM tg_users u"
            f" LEFT JOIN members m ON m.tg_user_id = u.user_id WHERE u.user_id IN ({marks})",
            tuple(ids),
        )
        return {int(r[0]): str(r[1]) for r in rows}

    async def figures(self, contest_id: int) -> list[tuple[str, int, str, float]]:
        """(metric key, participant, week, value) of every figure in force, for the workbook."""
        rows = await self.db.fetchall(
            "SELECT m.key, f.participant_id, f.week, f.value FROM contest_figures f"
            " JOIN contest_metrics m ON m.id = f.metric_id WHERE m.contest_id = ?"
            " ORDER BY f.week, m.position, f.participant_id",
            (contest_id,),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # ------------------------------------------------------------ standings

    async def standings(
        self,
        contest: Contest,
        metrics: Sequence[Metric],
        *,
        from_utc: str,
        to_utc: str,
        until_week: date,
    ) -> list[Standing]:
        """Ranked standings from the contest's start up to `until_week` (entered figures) and
        up to `to_utc` (the bot's own records); ties share a rank."""
        if not metrics:
            return []
        params: dict[str, object] = {
            "contest": contest.id,
            "from_utc": from_utc,
            "to_utc": to_utc,
            # figures are kept per week start: the week holding the first day counts
            "from_week": week_of(contest.starts_on).isoformat(),
            "until_week": until_week.isoformat(),
            "year": contest.starts_on.year,
        }
        selects = []
        for i, m in enumerate(metrics):
            params[f"metric_{i}"] = m.id
            if m.entered:
                params[f"agg_{i}"] = m.aggregate.value
                sql = _ENTERED.replace(":metric", f":metric_{i}").replace(":agg", f":agg_{i}")
                selects.append(f"SELECT metric_id, pid, value FROM ({sql})")
            else:
                source_sql = _source_sql(m.source, contest.level)
                selects.append(f"SELECT :metric_{i} AS metric_id, pid, value FROM ({source_sql})")
        values_sql = " UNION ALL ".join(selects)
        rows = await self.db.fetchall(_SCORE.format(values=values_sql), params)
        raw = await self.db.fetchall(f"SELECT metric_id, pid, value FROM ({values_sql})", params)
        values: dict[int, dict[int, float | None]] = {}
        for r in raw:
            values.setdefault(int(r[1]), {})[int(r[0])] = None if r[2] is None else float(r[2])
        names = await self.names(contest.level, [int(r[0]) for r in rows])
        return [
            Standing(
                participant_id=int(r[0]),
                name=names.get(int(r[0]), "?"),
                score=float(r[1] or 0.0),
                rank=int(r[2]),
                values={m.id: values.get(int(r[0]), {}).get(m.id) for m in metrics},
            )
            for r in rows
        ]

    # ------------------------------------------------------------ weekly posts

    async def group_chats(self, team_ids: Sequence[int]) -> list[int]:
        """The bound group of each team that has one, in the teams' order."""
        if not team_ids:
            return []
        marks = ",".join("?" * len(team_ids))
        rows = await self.db.fetchall(
            "SELECT team_id, chat_id FROM group_bindings"
            f" WHERE active = 1 AND team_id IN ({marks})",
            tuple(team_ids),
        )
        chats = {int(r[0]): int(r[1]) for r in rows}
        return [chats[t] for t in team_ids if t in chats]

    async def claim_post(
        self,
        contest_id: int,
        period_key: str,
        messages: Sequence[OutMessage],
        holder_id: int | None = None,
    ) -> bool:
        """Record a week's post, the arena's new holder and its outbox rows in one transaction:
        a restart neither repeats nor loses it. False if that week was posted already."""

        def claim(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "INSERT OR IGNORE INTO contest_posts(contest_id, period_key, handed_at)"
                " VALUES (?,?,?)",
                (contest_id, period_key, iso(self.clock())),
            )
            if cur.rowcount != 1:
                return False
            if holder_id is not None:
                conn.execute(
                    "UPDATE contests SET holder_id = ? WHERE id = ?", (holder_id, contest_id)
                )
            OutboxRepo.enqueue_sync(conn, messages)
            return True

        return await self.db.write(claim)

    async def posted(self, contest_id: int, period_key: str) -> bool:
        return (
            await self.db.fetchval(
                "SELECT 1 FROM contest_posts WHERE contest_id = ? AND period_key = ?",
                (contest_id, period_key),
            )
            is not None
        )

    # ------------------------------------------------------------ points

    async def unbooked_acts(self, rule: str, since_utc: str) -> list[tuple[int, str, str]]:
        """(member, ref, moment) of acts under `rule` since `since_utc` not yet in the ledger."""
        sql = _ACTS.get(rule)
        if sql is None:
            return []
        rows = await self.db.fetchall(
            f"SELECT member_id, ref, at FROM ({sql}) acts WHERE at >= :since AND NOT EXISTS"
            " (SELECT 1 FROM points_ledger l WHERE l.rule = :rule AND l.ref = acts.ref)"
            " ORDER BY at, ref",
            {"since": since_utc, "rule": rule},
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def earned(self, member_id: int, rule: str, day: str) -> tuple[int, int, int]:
        """Points booked under `rule` for the member on `day`, in its month, in its year."""
        row = await self.db.fetchone(
            "SELECT coalesce(sum(CASE WHEN day = :day THEN points END), 0),"
            " coalesce(sum(CASE WHEN substr(day, 1, 7) = substr(:day, 1, 7) THEN points END), 0),"
            " coalesce(sum(points), 0) FROM points_ledger"
            " WHERE member_id = :m AND rule = :rule AND substr(day, 1, 4) = substr(:day, 1, 4)",
            {"day": day, "m": member_id, "rule": rule},
        )
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    async def book(self, rows: Sequence[tuple[int, str, str, int, str]]) -> int:
        """(member, rule, ref, points, day) booked once each; returns how many were new."""
        now = iso(self.clock())

        def book(conn: sqlite3.Connection) -> int:
            added = 0
            for member, rule, ref, points, day in rows:
                cur = conn.execute(
                    "INSERT INTO points_ledger(member_id, rule, ref, points, day, booked_at)"
                    " VALUES (?,?,?,?,?,?) ON CONFLICT(rule, ref) DO NOTHING",
                    (member, rule, ref, points, day, now),
                )
                added += cur.rowcount
            return added

        return await self.db.write(book)

    async def member_points(self, member_id: int, from_day: str, to_day: str) -> dict[str, int]:
        """Points per rule for one member between two local days (both included)."""
        rows = await self.db.fetchall(
            "SELECT rule, sum(points) FROM points_ledger WHERE member_id = ?"
            " AND day >= ? AND day <= ? GROUP BY rule",
            (member_id, from_day, to_day),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def team_points(self, from_day: str, to_day: str) -> list[tuple[int, int, int]]:
        """(team, points, members who earned any) per team: teams first, never persons."""
        rows = await self.db.fetchall(
            "SELECT m.team_id, sum(l.points), count(DISTINCT l.member_id) FROM points_ledger l"
            " JOIN members m ON m.id = l.member_id WHERE l.day >= ? AND l.day <= ?"
            " GROUP BY m.team_id ORDER BY 2 DESC, 1",
            (from_day, to_day),
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


# Acts that earn points, as (member_id, ref, at) with `at` a UTC ISO moment. The ref names the
# act uniquely, so booking is idempotent whatever the order or the number of syncs.
_ACTS = {
    "study_attended": (
        "SELECT a.member_id, 's' || a.session_id || ':m' || a.member_id AS ref,"
        " coalesce(a.checked_in_at, s.starts_at) AS at FROM attendance a"
        " JOIN study_sessions s ON s.id = a.session_id"
        " WHERE a.status IN ('present','late','makeup')"
    ),
    "preshift_learned": (
        "SELECT member_id, 'o' || occurrence_id || ':m' || member_id AS ref, acked_at AS at"
        " FROM preshift_acks"
    ),
    "pledge_written": (
        "SELECT member_id, 'y' || year || ':m' || member_id AS ref, min(created_at) AS at"
        " FROM pledges GROUP BY member_id, year"
    ),
    "suggestion_submitted": (
        "SELECT author_member_id AS member_id, 'sg' || id AS ref, created_at AS at"
        " FROM suggestions WHERE state <> 'merged'"
    ),
    "suggestion_adopted": (
        "SELECT s.author_member_id AS member_id, 'sg' || s.id AS ref, min(e.at) AS at"
        " FROM suggestion_events e JOIN suggestions s ON s.id = e.suggestion_id"
        " WHERE e.to_state = 'adopted' GROUP BY s.id"
    ),
    "suggestion_implemented": (
        "SELECT s.author_member_id AS member_id, 'sg' || s.id AS ref, min(e.at) AS at"
        " FROM suggestion_events e JOIN suggestions s ON s.id = e.suggestion_id"
        " WHERE e.to_state = 'implemented' GROUP BY s.id"
    ),
}
