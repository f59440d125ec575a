"""Registration claims waiting for a team leader's decision (table `registration_claims`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import iso, parse_iso
from bot.db import Database
from bot.repos.outbox import OutboxRepo, OutEdit, OutMessage
from bot.repos.people import link_in

# The approvers' cards are outbox rows keyed "claim:<id>:<approver>" (the key predates the card
# edits, so cards sent before them are found too); the applicant's answers
# "claim:<id>:told:<outcome>", one per outcome (a 'taken' answer must not swallow a later
# 'approved' one).
CARD_KEY = "claim:{id}:{chat}"
TOLD_KEY = "claim:{id}:told:{outcome}"
CARD_REF = "claim:{id}"


@dataclass(frozen=True)
class Claim:
    id: int
    member_id: int
    user_id: int
    applicant: str
    state: str
    created_at: datetime
    decided_by_name: str | None = None  # roster name, else Telegram name, of who decided


_COLS = (
    "c.id, c.member_id, c.user_id, c.applicant, c.state, c.created_at,"
    " COALESCE(d.name, u.first_name)"
)
_FROM = (
    " FROM registration_claims c LEFT JOIN members d ON d.tg_user_id = c.decided_by"
    " LEFT JOIN tg_users u ON u.user_id = c.decided_by"
)


def _claim(r: sqlite3.Row) -> Claim:
    return Claim(int(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4]), parse_iso(str(r[5])), r[6])


def _settled(conn: sqlite3.Connection, claim_id: int, told: Sequence[OutMessage]) -> None:
    """A claim that stopped waiting: every approver's card shows how it ended (no buttons),
    and the applicant is told — inside the transaction that ended it."""
    prefix = CARD_KEY.format(id=claim_id, chat="")
    chats = sorted(
        {c for key, c in OutboxRepo.keys_sync(conn, prefix) if key[len(prefix) :].isdigit()}
    )
    OutboxRepo.enqueue_sync(conn, told)
    ref = CARD_REF.format(id=claim_id)
    OutboxRepo.enqueue_edits_sync(conn, [OutEdit(c, ref, f"{ref}:card:{c}") for c in chats])


class ClaimsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, claim_id: int) -> Claim | None:
        row = await self.db.fetchone(f"SELECT {_COLS}{_FROM} WHERE c.id = ?", (claim_id,))
        return _claim(row) if row else None

    async def open_for(self, member_id: int) -> Claim | None:
        row = await self.db.fetchone(
            f"SELECT {_COLS}{_FROM} WHERE c.member_id = ? AND c.state = 'pending'", (member_id,)
        )
        return _claim(row) if row else None

    async def lapsed(self, before: datetime, limit: int = 200) -> list[Claim]:
        """Claims still waiting that were opened before `before`, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLS}{_FROM} WHERE c.state = 'pending' AND c.created_at < ?"
            " ORDER BY c.id LIMIT ?",
            (iso(before), limit),
        )
        return [_claim(r) for r in rows]

    async def expire(
        self, told: Mapping[int, Sequence[OutMessage]], now: datetime, before: datetime
    ) -> list[int]:
        """The claims of `told` that still wait and were opened before `before` lapse, each
        with its applicant's message and its cards' edits, in one transaction; returns those."""

        def write(conn: sqlite3.Connection) -> list[int]:
            done = []
            for claim_id, messages in told.items():
                cur = conn.execute(
                    "UPDATE registration_claims SET state = 'expired', decided_at = ?"
                    " WHERE id = ? AND state = 'pending' AND created_at < ?",
                    (iso(now), claim_id, iso(before)),
                )
                if cur.rowcount == 1:
                    _settled(conn, claim_id, messages)
                    done.append(claim_id)
            return done

        return await self.db.write(write)

    async def create(self, member_id: int, user_id: int, applicant: str, now: datetime,
                     expired_before: datetime,
                     cards: Callable[[int], Sequence[OutMessage]] = lambda _: ()
                     ) -> Claim | None:  # fmt: skip
        """A new open claim, after expiring an old undecided one, with the approvers' cards
        (`cards(claim_id)`); None if another open claim for this entry is still in time.
        One transaction: no claim waits for a card that was never queued."""

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
            if cur.lastrowid is not None:
                OutboxRepo.enqueue_sync(conn, cards(cur.lastrowid))
            return cur.lastrowid

        claim_id = await self.db.write(create)
        return None if claim_id is None else await self.get(claim_id)

    async def approve(self, claim: Claim, by: int, now: datetime, employee_no: str,
                      team_id: int, told: Sequence[OutMessage] = ()) -> str:  # fmt: skip
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
            if not link_in(conn, claim.member_id, claim.user_id, employee_no, team_id, now):
                raise _Taken  # rolls this write back alone (its savepoint)
            _settled(conn, claim.id, told)
            return "approved"

        try:
            return await self.db.write(approve)
        except _Taken:
            return "taken"

    async def decide(
        self, claim_id: int, state: str, by: int, now: datetime, told: Sequence[OutMessage] = ()
    ) -> bool:
        """Close an open claim as refused / expired, telling the applicant (`told`) and
        editing the cards in the same transaction; False if it was not open."""

        def write(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE registration_claims SET state = ?, decided_at = ?, decided_by = ?"
                " WHERE id = ? AND state = 'pending'",
                (state, iso(now), by, claim_id),
            )
            if cur.rowcount != 1:
                return False
            _settled(conn, claim_id, told)
            return True

        return await self.db.write(write)
