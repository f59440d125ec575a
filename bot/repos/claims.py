"""Registration claims waiting for a team leader's decision (table `registration_claims`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.clock import iso, parse_iso
from bot.db import Database
from bot.repos.people import link_in


@dataclass(frozen=True)
class Claim:
    id: int
    member_id: int
    user_id: int
    applicant: str
    state: str
    created_at: datetime


_COLS = "id, member_id, user_id, applicant, state, created_at"


def _claim(r: sqlite3.Row) -> Claim:
    return Claim(int(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4]), parse_iso(str(r[5])))


class ClaimsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, claim_id: int) -> Claim | None:
        row = await self.db.fetchone(
            f"SELECT {_COLS} FROM registration_claims WHERE id = ?", (claim_id,)
        )
        return _claim(row) if row else None

    async def open_for(self, member_id: int) -> Claim | None:
        row = await self.db.fetchone(
            f"SELECT {_COLS} FROM registration_claims WHERE member_id = ? AND state = 'pending'",
            (member_id,),
        )
        return _claim(row) if row else None

    async def create(self, member_id: int, user_id: int, applicant: str, now: datetime,
                     expired_before: datetime) -> Claim | None:  # fmt: skip
        """A new open claim, after expiring an old undecided one; None if another open claim
        for this entry is still in time. One transaction."""

        def create(conn: sqlite3.Connection) -> int | None:
            conn.execute(
                "UPDATE registration_claims SET state = 'expired', decided_at = ?"
                " WHERE member_id = ? AND state = 'pending' AND created_at < ?",
                (iso(now), member_id, iso(expired_before)),
            )
            try:
                cur = conn.execute(
                    "INSERT INTO registration_claims(member_id, user_id, applicant, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (member_id, user_id, applicant, iso(now)),
                )
            except sqlite3.IntegrityError:
                return None
            return cur.lastrowid

        claim_id = await self.db.write(create)
        return None if claim_id is None else await self.get(claim_id)

    async def approve(self, claim: Claim, by: int, now: datetime, employee_no: str,
                      team_id: int) -> str:  # fmt: skip
        """Approve an open claim and link its account in one transaction: "approved", "gone"
        (no longer open) or "taken" (the account or the entry was linked meanwhile; the claim
        stays open, nothing changed)."""

        class _Taken(Exception):
            pass

        def approve(conn: sqlite3.Connection) -> str:
            cur = conn.execute(
                "UPDATE registration_claims SET state = 'approved', decided_at = ?,"
                " decided_by = ? WHERE id = ? AND state = 'pending'",
                (iso(now), by, claim.id),
            )
            if cur.rowcount != 1:
                return "gone"
            if not link_in(conn, claim.member_id, claim.user_id, employee_no, team_id):
                raise _Taken  # rolls this write back alone (its savepoint)
            return "approved"

        try:
            return await self.db.write(approve)
        except _Taken:
            return "taken"

    async def decide(self, claim_id: int, state: str, by: int, now: datetime) -> bool:
        """Close an open claim as approved / refused / expired; False if it was not open."""
        n = await self.db.execute_count(
            "UPDATE registration_claims SET state = ?, decided_at = ?, decided_by = ?"
            " WHERE id = ? AND state = 'pending'",
            (state, iso(now), by, claim_id),
        )
        return n == 1
