"""SQL for schedules, their occurrences, pre-shift posts and 已学, and own holiday additions.

Delivery (the lead's part, on top of the outbox) is meant to run like this:
1. `record_occurrences(schedule_id, planned)`: every message moment is a row first, keyed
   (schedule, occurs_at), so recording twice after a restart is a no-op;
2. for a pre-shift prompt, `record_post(occurrence, team, prompt_id)` fixes the item a team
   gets (the first choice wins, so a retry sends the same item);
3. one transaction inserts the outbox rows and calls `mark_sent(occurrence, tx=tx)`, which
   only moves a row out of 'due' once: a second handover finds it already sent;
4. after a downtime, `due(now)` lists what is still 'due'; what is past its grace is
   `mark_missed` and later reported (`missed_unreported` / `mark_missed_reported`).
Times are aware datetimes in and out, stored as UTC ISO strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.clock import iso, parse_iso
from bot.db import Database, Tx
from bot.domain.schedules import Purpose, Scope

__all__ = [
    "CLI_ACTOR",
    "HolidayOverride",
    "MemberRef",
    "OccurrenceRow",
    "Purpose",
    "Schedule",
    "SchedulesRepo",
    "Scope",
]

# created_by of schedules made with `banzu schedule add` (no Telegram account behind it).
CLI_ACTOR = 0

_SCHEDULE_SQL = (
    "SELECT s.*, t.name AS team_name, COALESCE(u.name, tu.name) AS unit_name"
    " FROM schedules s LEFT JOIN teams t ON t.id = s.team_id"
    " LEFT JOIN units tu ON tu.id = t.unit_id LEFT JOIN units u ON u.id = s.unit_id"
)
_OCC_SQL = (
    "SELECT id, schedule_id, occurs_at, event_at, lead_minutes, state, handed_at"
    " FROM schedule_occurrences"
)


@dataclass(frozen=True)
class Schedule:
    id: int
    scope: Scope
    team_id: int | None
    unit_id: int | None
    team_name: str | None
    unit_name: str | None  # the team's unit for a team schedule
    purpose: Purpose
    title: str
    body: str | None
    rule: str
    holiday_policy: str
    leads: tuple[int, ...]  # minutes before each event, largest first
    paused: bool
    created_by: int
    created_at: datetime
    deleted: bool
    # Creation or the last pause/resume: a resumed schedule is planned from here, so what
    # fell inside the pause is neither sent nor reported as missed.
    updated_at: datetime

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Schedule:
        return cls(
            id=row["id"],
            scope=Scope(row["scope"]),
            team_id=row["team_id"],
            unit_id=row["unit_id"],
            team_name=row["team_name"],
            unit_name=row["unit_name"],
            purpose=Purpose(row["purpose"]),
            title=row["title"],
            body=row["body"],
            rule=row["rule"],
            holiday_policy=row["holiday_policy"],
            leads=tuple(int(x) for x in row["leads"].split(",") if x),
            paused=bool(row["paused"]),
            created_by=row["created_by"],
            created_at=parse_iso(row["created_at"]),
            deleted=row["deleted_at"] is not None,
            updated_at=parse_iso(row["updated_at"]),
        )


@dataclass(frozen=True)
class OccurrenceRow:
    id: int
    schedule_id: int
    occurs_at: datetime
    event_at: datetime
    lead_minutes: int
    state: str  # due | sent | missed
    handed_at: datetime | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> OccurrenceRow:
        return cls(
            id=row["id"],
            schedule_id=row["schedule_id"],
            occurs_at=parse_iso(row["occurs_at"]),
            event_at=parse_iso(row["event_at"]),
            lead_minutes=row["lead_minutes"],
            state=row["state"],
            handed_at=parse_iso(row["handed_at"]) if row["handed_at"] else None,
        )


@dataclass(frozen=True)
class MemberRef:
    member_id: int
    name: str
    tg_user_id: int | None


@dataclass(frozen=True)
class HolidayOverride:
    day: date
    kind: str  # holiday | workday
    note: str


class SchedulesRepo:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock  # stamps updated_at, handed_at, missed_reported_at: the bot's one now

    # ------------------------------------------------------------ schedules

    async def create(
        self,
        *,
        scope: Scope,
        purpose: Purpose,
        rule: str,
        holiday_policy: str,
        leads: Sequence[int],
        created_by: int,
        team_id: int | None = None,
        unit_id: int | None = None,
        title: str = "",
        body: str | None = None,
    ) -> int:
        detail = {
            "scope": scope.value,
            "team_id": team_id,
            "unit_id": unit_id,
            "purpose": purpose.value,
            "rule": rule,
            "holiday_policy": holiday_policy,
        }
        async with self.db.transaction() as tx:
            async with tx.execute(
                "INSERT INTO schedules(scope, team_id, unit_id, purpose, title, body, rule,"
                " holiday_policy, leads, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    scope.value,
                    team_id,
                    unit_id,
                    purpose.value,
                    title,
                    body,
                    rule,
                    holiday_policy,
                    ",".join(str(m) for m in leads),
                    created_by,
                ),
            ) as cur:
                schedule_id = cur.lastrowid or 0
            await _audit(tx, created_by, "schedule.create", schedule_id, detail)
        return schedule_id

    async def get(self, schedule_id: int) -> Schedule | None:
        row = await self.db.fetchone(_SCHEDULE_SQL + " WHERE s.id = ?", (schedule_id,))
        return Schedule.from_row(row) if row else None

    async def schedules(self, *, include_deleted: bool = False) -> list[Schedule]:
        where = "" if include_deleted else " WHERE s.deleted_at IS NULL"
        rows = await self.db.fetchall(_SCHEDULE_SQL + where + " ORDER BY s.id")
        return [Schedule.from_row(r) for r in rows]

    async def live(self) -> list[Schedule]:
        """Schedules that should fire: neither paused nor deleted."""
        rows = await self.db.fetchall(
            _SCHEDULE_SQL + " WHERE s.paused = 0 AND s.deleted_at IS NULL ORDER BY s.id"
        )
        return [Schedule.from_row(r) for r in rows]

    async def set_paused(self, schedule_id: int, paused: bool, actor: int) -> bool:
        """Pause or resume; False if there is no such (undeleted) schedule or no change."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                "UPDATE schedules SET paused = ?, updated_at = ?"
                " WHERE id = ? AND deleted_at IS NULL AND paused != ?",
                (int(paused), iso(self.clock()), schedule_id, int(paused)),
            ) as cur:
                changed = cur.rowcount == 1
            if changed:
                action = "schedule.pause" if paused else "schedule.resume"
                await _audit(tx, actor, action, schedule_id, {})
        return changed

    async def delete(self, schedule_id: int, actor: int) -> bool:
        """Delete (kept as a row for history); False if there is no such schedule."""
        now = iso(self.clock())
        async with self.db.transaction() as tx:
            async with tx.execute(
                "UPDATE schedules SET deleted_at = ?, updated_at = ?"
                " WHERE id = ? AND deleted_at IS NULL",
                (now, now, schedule_id),
            ) as cur:
                changed = cur.rowcount == 1
            if changed:
                await _audit(tx, actor, "schedule.delete", schedule_id, {})
        return changed

    # ------------------------------------------------------------ occurrences

    async def record_occurrences(
        self, schedule_id: int, planned: Iterable[tuple[datetime, datetime, int]]
    ) -> list[OccurrenceRow]:
        """Record (occurs_at, event_at, lead_minutes) moments; existing ones are kept as they
        are (their state too). Returns the rows for all of them, in occurs_at order."""
        keys = []
        async with self.db.transaction() as tx:
            for occurs_at, event_at, lead in planned:
                await tx.execute(
                    "INSERT INTO schedule_occurrences(schedule_id, occurs_at, event_at,"
                    " lead_minutes) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(schedule_id, occurs_at) DO NOTHING",
                    (schedule_id, iso(occurs_at), iso(event_at), lead),
                )
                keys.append(iso(occurs_at))
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = await self.db.fetchall(
            _OCC_SQL + f" WHERE schedule_id = ? AND occurs_at IN ({marks}) ORDER BY occurs_at",
            (schedule_id, *keys),
        )
        return [OccurrenceRow.from_row(r) for r in rows]

    async def occurrence(self, occurrence_id: int) -> OccurrenceRow | None:
        row = await self.db.fetchone(_OCC_SQL + " WHERE id = ?", (occurrence_id,))
        return OccurrenceRow.from_row(row) if row else None

    async def last_occurs_at(self, schedule_id: int) -> datetime | None:
        """The latest recorded moment of a schedule: planning resumes after it."""
        value = await self.db.fetchval(
            "SELECT max(occurs_at) FROM schedule_occurrences WHERE schedule_id = ?",
            (schedule_id,),
        )
        return parse_iso(value) if value else None

    async def due(self, now: datetime) -> list[OccurrenceRow]:
        """Occurrences of live schedules still 'due' at `now`, oldest first."""
        rows = await self.db.fetchall(
            "SELECT o.id, o.schedule_id, o.occurs_at, o.event_at, o.lead_minutes, o.state,"
            " o.handed_at FROM schedule_occurrences o JOIN schedules s ON s.id = o.schedule_id"
            " WHERE o.state = 'due' AND o.occurs_at <= ? AND s.paused = 0"
            " AND s.deleted_at IS NULL ORDER BY o.occurs_at, o.id",
            (iso(now),),
        )
        return [OccurrenceRow.from_row(r) for r in rows]

    async def mark_sent(self, occurrence_id: int, *, tx: Tx | None = None) -> bool:
        """'due' -> 'sent' (handed to the outbox). Pass the transaction that writes the outbox
        rows, so both commit together. False if it was not 'due' (already handed, or missed)."""
        sql = (
            "UPDATE schedule_occurrences SET state = 'sent', handed_at = ?"
            " WHERE id = ? AND state = 'due'"
        )
        return await self._change(sql, (iso(self.clock()), occurrence_id), tx) == 1

    async def mark_missed(self, occurrence_id: int, *, tx: Tx | None = None) -> bool:
        sql = "UPDATE schedule_occurrences SET state = 'missed' WHERE id = ? AND state = 'due'"
        return await self._change(sql, (occurrence_id,), tx) == 1

    async def missed_unreported(self) -> list[OccurrenceRow]:
        rows = await self.db.fetchall(
            _OCC_SQL + " WHERE state = 'missed' AND missed_reported_at IS NULL ORDER BY occurs_at"
        )
        return [OccurrenceRow.from_row(r) for r in rows]

    async def mark_missed_reported(self, occurrence_ids: Sequence[int]) -> None:
        now = iso(self.clock())
        await self.db.executemany(
            "UPDATE schedule_occurrences SET missed_reported_at = ? WHERE id = ?",
            [(now, i) for i in occurrence_ids],
        )

    async def _change(self, sql: str, params: Sequence[object], tx: Tx | None) -> int:
        if tx is not None:
            async with tx.execute(sql, params) as cur:
                return cur.rowcount
        async with self.db.transaction() as own, own.execute(sql, params) as cur:
            return cur.rowcount

    # ------------------------------------------------------------ pre-shift posts and 已学

    async def record_post(
        self,
        occurrence_id: int,
        team_id: int,
        prompt_id: str,
        *,
        tx: Tx | None = None,
    ) -> str:
        """Fix the item a team gets at an occurrence; the first recorded choice wins and is
        returned (a retry after a crash sends the same item)."""
        insert = (
            "INSERT INTO preshift_posts(occurrence_id, team_id, prompt_id) VALUES (?, ?, ?)"
            " ON CONFLICT(occurrence_id, team_id) DO NOTHING"
        )
        select = "SELECT prompt_id FROM preshift_posts WHERE occurrence_id = ? AND team_id = ?"
        if tx is None:
            async with self.db.transaction() as own:
                return await _post(own, insert, select, occurrence_id, team_id, prompt_id)
        return await _post(tx, insert, select, occurrence_id, team_id, prompt_id)

    async def set_post_message(
        self, occurrence_id: int, team_id: int, chat_id: int, message_id: int
    ) -> None:
        await self.db.execute(
            "UPDATE preshift_posts SET chat_id = ?, message_id = ?"
            " WHERE occurrence_id = ? AND team_id = ?",
            (chat_id, message_id, occurrence_id, team_id),
        )

    async def post_for_message(self, chat_id: int, message_id: int) -> tuple[int, int] | None:
        """(occurrence_id, team_id) of the pre-shift post that is this group message."""
        row = await self.db.fetchone(
            "SELECT occurrence_id, team_id FROM preshift_posts"
            " WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return (row[0], row[1]) if row else None

    async def prompt_history(self, team_id: int, limit: int) -> list[str]:
        """Prompt ids posted to a team, oldest first, at most the last `limit`."""
        rows = await self.db.fetchall(
            "SELECT prompt_id FROM (SELECT p.prompt_id, o.occurs_at, p.rowid AS r"
            " FROM preshift_posts p JOIN schedule_occurrences o ON o.id = p.occurrence_id"
            " WHERE p.team_id = ? ORDER BY o.occurs_at DESC, r DESC LIMIT ?)"
            " ORDER BY occurs_at, r",
            (team_id, limit),
        )
        return [r[0] for r in rows]

    async def latest_posts(self, before: datetime) -> dict[int, tuple[int, str]]:
        """team -> (occurrence id, prompt id) of its latest pre-shift post at or before `before`."""
        rows = await self.db.fetchall(
            "SELECT p.team_id, p.occurrence_id, p.prompt_id, max(o.occurs_at)"
            " FROM preshift_posts p JOIN schedule_occurrences o ON o.id = p.occurrence_id"
            " WHERE o.occurs_at <= ? GROUP BY p.team_id",
            (iso(before),),
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    async def post_prompt(self, occurrence_id: int, team_id: int) -> str | None:
        """The prompt id a team got at an occurrence; None if there is no such post."""
        value = await self.db.fetchval(
            "SELECT prompt_id FROM preshift_posts WHERE occurrence_id = ? AND team_id = ?",
            (occurrence_id, team_id),
        )
        return None if value is None else str(value)

    async def ack(self, occurrence_id: int, member_id: int, team_id: int) -> bool:
        """Record 已学; False if this member had already pressed it."""
        added = await self.db.execute_count(
            "INSERT INTO preshift_acks(occurrence_id, member_id, team_id) VALUES (?, ?, ?)"
            " ON CONFLICT(occurrence_id, member_id) DO NOTHING",
            (occurrence_id, member_id, team_id),
        )
        return added == 1

    async def acked(self, occurrence_id: int, team_id: int) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT member_id FROM preshift_acks WHERE occurrence_id = ? AND team_id = ?",
            (occurrence_id, team_id),
        )
        return {r[0] for r in rows}

    async def not_acked(self, occurrence_id: int, team_id: int) -> list[MemberRef]:
        """Active members of the team who have not pressed 已学, by employee number."""
        rows = await self.db.fetchall(
            "SELECT m.id, m.name, m.tg_user_id FROM members m WHERE m.team_id = ?"
            " AND m.active = 1 AND NOT EXISTS (SELECT 1 FROM preshift_acks a"
            " WHERE a.occurrence_id = ? AND a.member_id = m.id) ORDER BY m.employee_no",
            (team_id, occurrence_id),
        )
        return [MemberRef(r[0], r[1], r[2]) for r in rows]

    async def record_nudge(self, occurrence_id: int, member_id: int, by: int) -> bool:
        """A leader's private reminder; False if this member was already reminded."""
        added = await self.db.execute_count(
            "INSERT INTO preshift_nudges(occurrence_id, member_id, nudged_by) VALUES (?, ?, ?)"
            " ON CONFLICT(occurrence_id, member_id) DO NOTHING",
            (occurrence_id, member_id, by),
        )
        return added == 1

    # ------------------------------------------------------------ own holiday additions

    async def holiday_overrides(self) -> list[HolidayOverride]:
        rows = await self.db.fetchall("SELECT day, kind, note FROM holiday_overrides ORDER BY day")
        return [HolidayOverride(date.fromisoformat(r[0]), r[1], r[2]) for r in rows]

    async def set_holiday_override(
        self, day: date, kind: str, note: str, actor: int | None
    ) -> None:
        if kind not in ("holiday", "workday"):
            raise ValueError(f"kind must be holiday or workday, not {kind!r}")
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO holiday_overrides(day, kind, note, created_by) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, note = excluded.note,"
                " created_by = excluded.created_by, created_at = excluded.created_at",
                (day.isoformat(), kind, note, actor),
            )
            await _audit(tx, actor, "holiday.set", None, {"day": day.isoformat(), "kind": kind})

    async def remove_holiday_override(self, day: date, actor: int | None) -> bool:
        async with self.db.transaction() as tx:
            async with tx.execute(
                "DELETE FROM holiday_overrides WHERE day = ?", (day.isoformat(),)
            ) as cur:
                removed = cur.rowcount == 1
            if removed:
                await _audit(tx, actor, "holiday.remove", None, {"day": day.isoformat()})
        return removed


async def _post(tx: Tx, insert: str, select: str, occ: int, team: int, prompt: str) -> str:
    await tx.execute(insert, (occ, team, prompt))
    async with tx.execute(select, (occ, team)) as cur:
        row = await cur.fetchone()
    assert row is not None
    return str(row[0])


async def _audit(
    tx: Tx,
    actor: int | None,
    action: str,
    schedule_id: int | None,
    detail: Mapping[str, object],
) -> None:
    await tx.execute(
        "INSERT INTO audit_log(actor, action, subject, detail) VALUES (?, ?, ?, ?)",
        (
            actor or None,
            action,
            None if schedule_id is None else f"schedule:{schedule_id}",
            json.dumps(detail, ensure_ascii=False),
        ),
    )
