"""SQL for 谈心谈话 records. Who may read them is the service's (recorder and admins)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db import Database
from bot.domain.talks import TalkCategory
from bot.repos.outbox import OutboxRepo, OutMessage

_TALK = (
    "SELECT k.id, k.recorder_tg, k.member_id, m.name, t.name AS team, u.name AS unit,"
    " k.category, k.state, k.planned_on, k.held_on, k.follow_up, k.reminded_on"
    " FROM talks k JOIN members m ON m.id = k.member_id JOIN teams t ON t.id = m.team_id"
    " JOIN units u ON u.id = k.unit_id"
)


@dataclass(frozen=True)
class TalkRow:
    id: int
    recorder_tg: int
    member_id: int
    name: str
    team: str
    unit: str
    category: TalkCategory
    state: str  # planned | held | cancelled
    planned_on: str | None
    held_on: str | None
    follow_up: str
    reminded_on: str | None

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> TalkRow:
        return cls(
            int(r["id"]), int(r["recorder_tg"]), int(r["member_id"]), str(r["name"]),
            str(r["team"]), str(r["unit"]), TalkCategory(r["category"]), str(r["state"]),
            r["planned_on"], r["held_on"], str(r["follow_up"]), r["reminded_on"],
        )  # fmt: skip


@dataclass(frozen=True)
class NewTalk:
    recorder_tg: int
    member_id: int
    unit_id: int
    category: TalkCategory
    planned: bool
    on: str  # local date
    follow_up: str


class TalksRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, new: NewTalk) -> int:
        def write(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO talks(recorder_tg, member_id, unit_id, category, state, planned_on,"
                " held_on, follow_up) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.recorder_tg,
                    new.member_id,
                    new.unit_id,
                    new.category.value,
                    "planned" if new.planned else "held",
                    new.on if new.planned else None,
                    None if new.planned else new.on,
                    new.follow_up,
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

        return await self.db.write(write)

    async def get(self, talk_id: int) -> TalkRow | None:
        row = await self.db.fetchone(_TALK + " WHERE k.id = ?", (talk_id,))
        return TalkRow.from_row(row) if row else None

    async def by_recorder(self, recorder_tg: int, limit: int = 20) -> list[TalkRow]:
        rows = await self.db.fetchall(
            _TALK + " WHERE k.recorder_tg = ? AND k.state != 'cancelled'"
            " ORDER BY k.state != 'planned', coalesce(k.planned_on, k.held_on) DESC, k.id DESC"
            " LIMIT ?",
            (recorder_tg, limit),
        )
        return [TalkRow.from_row(r) for r in rows]

    async def settle(self, talk_id: int, to: str, day: str) -> bool:
        """A planned talk held (on `day`) or cancelled; only from planned."""
        held = day if to == "held" else None
        return (
            await self.db.execute_count(
                "UPDATE talks SET state = ?, held_on = coalesce(?, held_on)"
                " WHERE id = ? AND state = 'planned'",
                (to, held, talk_id),
            )
            == 1
        )

    async def monthly(self, start_day: str, end_day: str) -> list[tuple[str, int, int]]:
        """(unit, talks held, people talked with) in [start_day, end_day), every unit."""
        rows = await self.db.fetchall(
            "SELECT u.name, count(k.id), count(DISTINCT k.member_id) FROM units u"
            " LEFT JOIN talks k ON k.unit_id = u.id AND k.state = 'held'"
            " AND k.held_on >= ? AND k.held_on < ? GROUP BY u.id ORDER BY u.name",
            (start_day, end_day),
        )
        return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def due(self, today: str) -> list[TalkRow]:
        rows = await self.db.fetchall(
            _TALK + " WHERE k.state = 'planned' AND k.planned_on <= ?"
            " AND (k.reminded_on IS NULL OR k.reminded_on != ?) ORDER BY k.id",
            (today, today),
        )
        return [TalkRow.from_row(r) for r in rows]

    async def reminded(self, ids: Sequence[int], today: str, notices: Sequence[OutMessage]) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE talks SET reminded_on = ? WHERE id = ?", [(today, i) for i in ids]
            )
            OutboxRepo.enqueue_sync(conn, notices)

        await self.db.write(write)
