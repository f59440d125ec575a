"""SQL for pledges (决心书): versions kept per member and year, and reminders sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import iso, parse_iso
from bot.db import Database


@dataclass(frozen=True)
class Pledge:
    id: int
    member_id: int
    year: int
    version: int
    pledge: str
    plan: str | None
    current: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Pledge:
        return cls(
            id=row["id"],
            member_id=row["member_id"],
            year=row["year"],
            version=row["version"],
            pledge=row["pledge"],
            plan=row["plan"],
            current=bool(row["current"]),
            created_at=parse_iso(row["created_at"]),
        )


_COLS = "id, member_id, year, version, pledge, plan, current, created_at"


class PledgesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, member_id: int, year: int, pledge: str, plan: str | None) -> Pledge:
        """A new version becomes current; earlier ones stay as history."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT coalesce(max(version), 0) FROM pledges WHERE member_id = ? AND year = ?",
                (member_id, year),
            ) as cur:
                row = await cur.fetchone()
            version = int(row[0]) + 1 if row else 1
            await tx.execute(
                "UPDATE pledges SET current = 0 WHERE member_id = ? AND year = ? AND current = 1",
                (member_id, year),
            )
            async with tx.execute(
                "INSERT INTO pledges(member_id, year, version, pledge, plan, current)"
                f" VALUES (?, ?, ?, ?, ?, 1) RETURNING {_COLS}",
                (member_id, year, version, pledge, plan),
            ) as cur:
                new = await cur.fetchone()
        assert new is not None
        return Pledge.from_row(new)

    async def current(self, member_id: int, year: int) -> Pledge | None:
        row = await self.db.fetchone(
            f"SELECT {_COLS} FROM pledges WHERE member_id = ? AND year = ? AND current = 1",
            (member_id, year),
        )
        return Pledge.from_row(row) if row else None

    async def history(self, member_id: int, year: int) -> list[Pledge]:
        rows = await self.db.fetchall(
            f"SELECT {_COLS} FROM pledges WHERE member_id = ? AND year = ? ORDER BY version DESC",
            (member_id, year),
        )
        return [Pledge.from_row(r) for r in rows]

    async def compilation(
        self, team_ids: list[int], year: int
    ) -> list[tuple[str, str, str, str, int | None, datetime | None, str, str]]:
        """决心书汇编: every active member of the teams with their pledge in force for the year
        (None where there is none): unit, team, employee no, name, version, written at,
        pledge, plan."""
        rows = await self.db.fetchall(
            "SELECT u.name, t.name, m.employee_no, m.name, p.version, p.created_at,"
            " coalesce(p.pledge, ''), coalesce(p.plan, '')"
            " FROM members m JOIN teams t ON t.id = m.team_id JOIN units u ON u.id = t.unit_id"
            " LEFT JOIN pledges p ON p.member_id = m.id AND p.year = ? AND p.current = 1"
            " WHERE m.active = 1 AND m.team_id IN (SELECT value FROM json_each(?))"
            " ORDER BY u.id, t.id, m.employee_no",
            (year, json.dumps(team_ids)),
        )
        return [
            (r[0], r[1], r[2], r[3], r[4], parse_iso(r[5]) if r[5] else None, r[6], r[7])
            for r in rows
        ]

    async def members_with_pledge(self, member_ids: list[int], year: int) -> set[int]:
        if not member_ids:
            return set()
        marks = ",".join("?" * len(member_ids))
        rows = await self.db.fetchall(
            f"SELECT DISTINCT member_id FROM pledges WHERE year = ? AND current = 1"
            f" AND member_id IN ({marks})",
            (year, *member_ids),
        )
        return {int(r[0]) for r in rows}

    async def last_reminded(self, member_ids: list[int]) -> dict[int, datetime]:
        if not member_ids:
            return {}
        marks = ",".join("?" * len(member_ids))
        rows = await self.db.fetchall(
            f"SELECT member_id, max(sent_at) FROM pledge_reminders"
            f" WHERE member_id IN ({marks}) GROUP BY member_id",
            tuple(member_ids),
        )
        return {int(r[0]): parse_iso(r[1]) for r in rows}

    async def claim_reminder(
        self, member_id: int, year: int, by_user: int, at: datetime, interval: timedelta
    ) -> bool:
        """Record a reminder unless one went out within `interval`; True = go ahead and send.

        Checked and written in one transaction, so two leaders pressing at once still make
        one reminder."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT 1 FROM pledge_reminders WHERE member_id = ? AND sent_at > ?",
                (member_id, iso(at - interval)),
            ) as cur:
                if await cur.fetchone():
                    return False
            await tx.execute(
                "INSERT INTO pledge_reminders(member_id, year, sent_by, sent_at)"
                " VALUES (?, ?, ?, ?)",
                (member_id, year, by_user, iso(at)),
            )
            return True
