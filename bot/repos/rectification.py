"""SQL of the rectification register (整改销号): items, their history, their evidence.

Every move is one write: the item's new state (only if its version is still the one the
actor saw), the event that records it, the evidence it seals, and the messages that tell
the people affected (outbox rows) — all committed together or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.clock import iso, parse_iso
from bot.db import Database
from bot.domain.auth import Place
from bot.domain.rectification import Event, Move, State
from bot.repos.outbox import OutboxRepo, OutMessage

_ITEM_SQL = """
SELECT i.*, u.name AS unit_name, t.name AS team_name, m.name AS owner_name,
       m.tg_user_id AS owner_tg, m.team_id AS owner_team
FROM rect_items i JOIN units u ON u.id = i.unit_id
LEFT JOIN teams t ON t.id = i.team_id JOIN members m ON m.id = i.owner_id
"""


@dataclass(frozen=True)
class Item:
    id: int
    problem: str
    unit_id: int
    unit_name: str
    team_id: int | None
    team_name: str | None
    owner_id: int
    owner_name: str
    owner_tg: int | None
    deadline: date
    state: State
    source: str
    suggestion_id: int | None
    raised_by: int
    submitted_by: int | None
    rounds: int
    version: int
    created_at: datetime
    closed_at: datetime | None

    @property
    def place(self) -> Place:
        return Place(self.unit_id, self.team_id, self.owner_id)

    @classmethod
    def from_row(cls, r: aiosqlite.Row) -> Item:
        return cls(
            id=r["id"],
            problem=r["problem"],
            unit_id=r["unit_id"],
            unit_name=r["unit_name"],
            team_id=r["team_id"],
            team_name=r["team_name"],
            owner_id=r["owner_id"],
            owner_name=r["owner_name"],
            owner_tg=r["owner_tg"],
            deadline=date.fromisoformat(r["deadline"]),
            state=State(r["state"]),
            source=r["source"],
            suggestion_id=r["suggestion_id"],
            raised_by=r["raised_by"],
            submitted_by=r["submitted_by"],
            rounds=r["rounds"],
            version=r["version"],
            created_at=parse_iso(r["created_at"]),
            closed_at=parse_iso(r["closed_at"]) if r["closed_at"] else None,
        )


@dataclass(frozen=True)
class NewItem:
    problem: str
    unit_id: int
    team_id: int | None
    owner_id: int
    deadline: date
    raised_by: int
    source: str = "manual"
    suggestion_id: int | None = None


@dataclass(frozen=True)
class EventRow:
    id: int
    move: str
    actor: int
    actor_name: str
    reason: str
    old_deadline: date | None
    new_deadline: date | None
    at: datetime


@dataclass(frozen=True)
class Evidence:
    id: int
    kind: str  # text | photo | document
    body: str
    file_id: str | None
    file_name: str | None
    size: int | None


@dataclass(frozen=True)
class MoveRecord:
    """What a move writes: the state after it, and what the event keeps."""

    item_id: int
    version: int  # the version the actor saw; a different one makes the move stale
    move: Move
    state: State
    actor: int
    at: datetime
    reason: str = ""
    new_deadline: date | None = None


@dataclass(frozen=True)
class Candidate:
    member_id: int
    name: str
    team_name: str
    unit_id: int
    team_id: int


@dataclass(frozen=True)
class SuggestionRef:
    id: int
    text: str
    state: str
    unit_id: int
    team_id: int


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class RectificationRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ reads

    async def item(self, item_id: int) -> Item | None:
        row = await self.db.fetchone(_ITEM_SQL + " WHERE i.id = ?", (item_id,))
        return Item.from_row(row) if row else None

    async def items(
        self,
        *,
        unit_id: int | None = None,
        team_id: int | None = None,
        owner_id: int | None = None,
        open_only: bool = True,
    ) -> list[Item]:
        """Items in a scope (None = no restriction of that kind), soonest deadline first."""
        where, params = ["1 = 1"], []
        for column, value in (("i.unit_id", unit_id), ("i.team_id", team_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if owner_id is not None:
            where.append("i.owner_id = ?")
            params.append(owner_id)
        if open_only:
            where.append("i.state != 'closed'")
        rows = await self.db.fetchall(
            _ITEM_SQL + " WHERE " + " AND ".join(where) + " ORDER BY i.deadline, i.id", params
        )
        return [Item.from_row(r) for r in rows]

    async def overdue(self, today: date) -> list[Item]:
        rows = await self.db.fetchall(
            _ITEM_SQL + " WHERE i.state != 'closed' AND i.deadline < ? ORDER BY i.id",
            (today.isoformat(),),
        )
        return [Item.from_row(r) for r in rows]

    async def events(self, item_id: int) -> list[EventRow]:
        rows = await self.db.fetchall(
            "SELECT e.*, coalesce((SELECT m.name FROM members m WHERE m.tg_user_id = e.actor),"
            " (SELECT u.first_name FROM tg_users u WHERE u.user_id = e.actor), '') AS actor_name"
            " FROM rect_events e WHERE e.item_id = ? ORDER BY e.id",
            (item_id,),
        )
        return [
            EventRow(
                r["id"],
                r["move"],
                r["actor"],
                r["actor_name"],
                r["reason"],
                _day(r["old_deadline"]),
                _day(r["new_deadline"]),
                parse_iso(r["at"]),
            )
            for r in rows
        ]

    async def draft(self, item_id: int, user: int) -> list[Evidence]:
        """Evidence gathered by `user` for the item and not yet submitted."""
        return await self._evidence(
            "item_id = ? AND event_id IS NULL AND added_by = ?", (item_id, user)
        )

    async def submitted(self, item_id: int) -> list[Evidence]:
        """The evidence of the item's latest submission."""
        return await self._evidence(
            "event_id = (SELECT max(id) FROM rect_events WHERE item_id = ? AND move = 'submit')",
            (item_id,),
        )

    async def _evidence(self, where: str, params: Sequence[object]) -> list[Evidence]:
        rows = await self.db.fetchall(
            "SELECT id, kind, body, file_id, file_name, size FROM rect_evidence"
            f" WHERE {where} ORDER BY id",
            params,
        )
        return [Evidence(*r) for r in rows]

    async def candidates(self, query: str) -> list[Candidate]:
        """Active members whose employee number or name is `query`."""
        rows = await self.db.fetchall(
            "SELECT m.id, m.name, t.name, t.unit_id, t.id FROM members m"
            " JOIN teams t ON t.id = m.team_id"
            " WHERE m.active = 1 AND (m.employee_no = ?1 OR m.name = ?1) ORDER BY m.id",
            (query,),
        )
        return [Candidate(*r) for r in rows]

    async def suggestion(self, suggestion_id: int) -> SuggestionRef | None:
        row = await self.db.fetchone(
            "SELECT id, text, state, unit_id, team_id FROM suggestions WHERE id = ?",
            (suggestion_id,),
        )
        return SuggestionRef(*row) if row else None

    async def by_suggestion(self, suggestion_id: int) -> int | None:
        v = await self.db.fetchval(
            "SELECT id FROM rect_items WHERE suggestion_id = ?", (suggestion_id,)
        )
        return int(v) if v is not None else None

    async def leaders(self, item_id: int) -> list[int]:
        """Whom an overdue item goes to next, 逐级: the owner's team leaders (unless the owner
        is one) and the unit's leaders, who may write to the bot privately; never the owner."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT m.tg_user_id FROM rect_items i"
            " JOIN members o ON o.id = i.owner_id"
            " JOIN members m ON m.active = 1 AND m.id != o.id"
            " JOIN member_roles r ON r.member_id = m.id"
            " JOIN teams t ON t.id = m.team_id"
            " JOIN tg_users u ON u.user_id = m.tg_user_id AND u.private_ok = 1"
            " WHERE i.id = ? AND ("
            "  (r.role = 'unit_leader' AND t.unit_id = i.unit_id)"
            "  OR (r.role = 'team_leader' AND m.team_id = o.team_id AND NOT EXISTS ("
            "      SELECT 1 FROM member_roles x WHERE x.member_id = o.id"
            "      AND x.role IN ('team_leader', 'unit_leader'))))"
            " ORDER BY m.tg_user_id",
            (item_id,),
        )
        return [r[0] for r in rows]

    async def unit_id(self, name: str) -> int | None:
        v = await self.db.fetchval(
            "SELECT id FROM units WHERE name = ?1 OR CAST(id AS TEXT) = ?1", (name,)
        )
        return int(v) if v is not None else None

    async def units(self) -> list[tuple[int, str]]:
        rows = await self.db.fetchall("SELECT id, name FROM units ORDER BY id")
        return [(r[0], r[1]) for r in rows]

    async def history(self, unit_id: int | None = None) -> list[tuple[Item, list[Event]]]:
        """Every item (of a unit) with its whole history, for the monthly register."""
        items = await self.items(unit_id=unit_id, open_only=False)
        if not items:
            return []
        rows = await self.db.fetchall(
            "SELECT item_id, move, at, new_deadline FROM rect_events"
            + (" WHERE item_id IN (SELECT id FROM rect_items WHERE unit_id = ?)" if unit_id else "")
            + " ORDER BY id",
            (unit_id,) if unit_id else (),
        )
        by_item: dict[int, list[Event]] = {i.id: [] for i in items}
        for r in rows:
            by_item.setdefault(r[0], []).append(Event(r[1], parse_iso(r[2]), _day(r[3])))
        return [(i, by_item[i.id]) for i in items]

    # ------------------------------------------------------------------ writes

    async def raise_item(
        self, new: NewItem, at: datetime, tell: Callable[[int], Sequence[OutMessage]]
    ) -> int | None:
        """The new item's id; None if the suggestion already has its item. `tell(id)` gives
        the messages announcing it, enqueued in the same transaction."""

        def write(conn: sqlite3.Connection) -> int | None:
            try:
                cur = conn.execute(
                    "INSERT INTO rect_items(problem, unit_id, team_id, owner_id, deadline, source,"
                    " suggestion_id, raised_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        new.problem,
                        new.unit_id,
                        new.team_id,
                        new.owner_id,
                        new.deadline.isoformat(),
                        new.source,
                        new.suggestion_id,
                        new.raised_by,
                        iso(at),
                    ),
                )
            except sqlite3.IntegrityError:
                return None
            item_id = int(cur.lastrowid or 0)
            conn.execute(
                "INSERT INTO rect_events(item_id, move, actor, new_deadline, at)"
                " VALUES (?, 'raise', ?, ?, ?)",
                (item_id, new.raised_by, new.deadline.isoformat(), iso(at)),
            )
            OutboxRepo.enqueue_sync(conn, tell(item_id))
            return item_id

        return await self.db.write(write)

    async def add_evidence(
        self, item_id: int, user: int, piece: Evidence, at: datetime, limit: int
    ) -> int | None:
        """Adds a piece to the user's draft; its new size, or None when the draft is full."""

        def write(conn: sqlite3.Connection) -> int | None:
            n = conn.execute(
                "SELECT count(*) FROM rect_evidence WHERE item_id = ? AND event_id IS NULL"
                " AND added_by = ?",
                (item_id, user),
            ).fetchone()[0]
            if n >= limit:
                return None
            conn.execute(
                "INSERT INTO rect_evidence(item_id, kind, body, file_id, file_name, size,"
                " added_by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item_id,
                    piece.kind,
                    piece.body,
                    piece.file_id,
                    piece.file_name,
                    piece.size,
                    user,
                    iso(at),
                ),
            )
            return int(n) + 1

        return await self.db.write(write)

    async def discard_draft(self, item_id: int, user: int) -> None:
        await self.db.execute(
            "DELETE FROM rect_evidence WHERE item_id = ? AND event_id IS NULL AND added_by = ?",
            (item_id, user),
        )

    async def move(self, rec: MoveRecord, messages: Sequence[OutMessage] = ()) -> bool:
        """Applies a decided move if the item is still at `rec.version`; False if it moved
        meanwhile (a stale button, or two people pressing at once: the first one wins)."""

        def write(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT deadline, version FROM rect_items WHERE id = ?", (rec.item_id,)
            ).fetchone()
            if row is None or row[1] != rec.version:
                return False
            old = row[0]
            new_deadline = rec.new_deadline.isoformat() if rec.new_deadline else None
            sets = ["state = :state", "version = version + 1"]
            if rec.move is Move.SUBMIT:
                sets.append("submitted_by = :actor")
            if rec.move is Move.SEND_BACK:
                sets.append("submitted_by = NULL")
            if rec.move is Move.VERIFY:
                sets.append("closed_at = :at")
            if rec.move is Move.REOPEN:
                sets += ["closed_at = NULL", "submitted_by = NULL", "rounds = rounds + 1"]
            if new_deadline:
                sets.append("deadline = :deadline")
            values = {
                "state": rec.state.value,
                "actor": rec.actor,
                "at": iso(rec.at),
                "deadline": new_deadline,
                "id": rec.item_id,
            }
            conn.execute(f"UPDATE rect_items SET {', '.join(sets)} WHERE id = :id", values)
            cur = conn.execute(
                "INSERT INTO rect_events(item_id, move, actor, reason, old_deadline,"
                " new_deadline, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    rec.item_id,
                    rec.move.value,
                    rec.actor,
                    rec.reason,
                    old if new_deadline else None,
                    new_deadline,
                    iso(rec.at),
                ),
            )
            if rec.move is Move.SUBMIT:
                conn.execute(
                    "UPDATE rect_evidence SET event_id = ? WHERE item_id = ? AND event_id IS NULL"
                    " AND added_by = ?",
                    (cur.lastrowid, rec.item_id, rec.actor),
                )
            OutboxRepo.enqueue_sync(conn, messages)
            return True

        return await self.db.write(write)

    async def escalate(self, messages: Sequence[OutMessage]) -> int:
        """Hands escalation messages to the outbox; their keys make each one go out once."""

        def write(conn: sqlite3.Connection) -> int:
            return OutboxRepo.enqueue_sync(conn, messages)

        return await self.db.write(write)
