"""SQL for confidential casework and talks. Nothing here decides who may read what: the service
asks `bot.domain.casework.may` first and writes the audit row in the same transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import iso
from bot.db import Database
from bot.domain.casework import Category, Kind, State
from bot.repos.conversations import END_CONVERSATION_SQL
from bot.repos.outbox import OutboxRepo, OutMessage

_CASE = (
    "SELECT c.id, c.kind, c.category, c.unit_id, u.name AS unit_name, c.anonymous,"
    " c.author_member_id, c.author_tag, c.reply_to, c.state, c.created_on, c.topics,"
    " (SELECT group_concat(h.handler_tg, ',') FROM case_handlers h WHERE h.case_id = c.id)"
    " AS handlers FROM case_requests c LEFT JOIN units u ON u.id = c.unit_id"
)


@dataclass(frozen=True)
class FileRef:
    kind: str  # photo | document
    file_id: str


@dataclass(frozen=True)
class CaseRow:
    """A request without its content (what an admin's list may show)."""

    id: int
    kind: Kind
    category: Category
    unit_id: int | None
    unit_name: str | None
    anonymous: bool
    author_member_id: int | None
    author_tag: bytes | None
    reply_to: bytes | None
    state: State
    created_on: str
    topics: tuple[str, ...]
    handlers: frozenset[int]

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> CaseRow:
        return cls(
            id=int(r["id"]),
            kind=Kind(r["kind"]),
            category=Category(r["category"]),
            unit_id=r["unit_id"],
            unit_name=r["unit_name"],
            anonymous=bool(r["anonymous"]),
            author_member_id=r["author_member_id"],
            author_tag=r["author_tag"],
            reply_to=r["reply_to"],
            state=State(r["state"]),
            created_on=str(r["created_on"]),
            topics=tuple(json.loads(r["topics"])),
            handlers=frozenset(int(x) for x in (r["handlers"] or "").split(",") if x),
        )


@dataclass(frozen=True)
class Entry:
    seq: int
    side: str  # author | handler
    handler_tg: int | None
    body: str
    files: tuple[FileRef, ...]
    at: str


@dataclass(frozen=True)
class NewCase:
    id: int
    kind: Kind
    category: Category
    unit_id: int | None
    anonymous: bool
    author_member_id: int | None
    author_tag: bytes | None
    reply_to: bytes | None
    topics: tuple[str, ...]
    created_on: str
    body: str
    files: tuple[FileRef, ...]


@dataclass(frozen=True)
class AuditRow:
    at: str
    actor_tg: int
    actor_name: str
    action: str
    detail: str | None


@dataclass(frozen=True)
class HandlerRow:
    tg_user_id: int
    name: str


def _files_json(files: Sequence[FileRef]) -> str:
    return json.dumps([{"kind": f.kind, "file_id": f.file_id} for f in files])


def _audit(
    conn: sqlite3.Connection, case_id: int, actor: int, action: str, detail: str | None, at: str
) -> None:
    conn.execute(
        "INSERT INTO case_audit(case_id, actor_tg, action, detail, at) VALUES (?, ?, ?, ?, ?)",
        (case_id, actor, action, detail, at),
    )


class CaseworkRepo:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock

    # ---------------------------------------------------------------- writes

    async def create(
        self, new: NewCase, chat_id: int, user_id: int, notices: Sequence[OutMessage] = ()
    ) -> bool:
        """The request, its first entry, the notices of it and the end of the author's
        conversation, together. False if the random number is taken (the caller draws again)."""

        def write(conn: sqlite3.Connection) -> bool:
            taken = conn.execute("SELECT 1 FROM case_requests WHERE id = ?", (new.id,))
            if taken.fetchone():
                return False
            conn.execute(
                "INSERT INTO case_requests(id, kind, category, unit_id, anonymous,"
                " author_member_id, author_tag, reply_to, topics, created_on)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.id,
                    new.kind.value,
                    new.category.value,
                    new.unit_id,
                    int(new.anonymous),
                    new.author_member_id,
                    new.author_tag,
                    new.reply_to,
                    json.dumps(list(new.topics), ensure_ascii=False),
                    new.created_on,
                ),
            )
            conn.execute(
                "INSERT INTO case_entries(case_id, seq, side, body, files, at)"
                " VALUES (?, 1, 'author', ?, ?, ?)",
                (new.id, new.body, _files_json(new.files), new.created_on),
            )
            conn.execute(END_CONVERSATION_SQL, (chat_id, user_id))
            OutboxRepo.enqueue_sync(conn, notices)
            return True

        return await self.db.write(write)

    async def set_handlers(
        self,
        case_id: int,
        actor: int,
        add: int | None,
        remove: int | None,
        new_state: State,
        notices: Sequence[OutMessage] = (),
    ) -> None:
        now = iso(self.clock())

        def write(conn: sqlite3.Connection) -> None:
            if add is not None:
                conn.execute(
                    "INSERT OR IGNORE INTO case_handlers(case_id, handler_tg, assigned_by,"
                    " assigned_at) VALUES (?, ?, ?, ?)",
                    (case_id, add, actor, now),
                )
                _audit(conn, case_id, actor, "assign", str(add), now)
            if remove is not None:
                conn.execute(
                    "DELETE FROM case_handlers WHERE case_id = ? AND handler_tg = ?",
                    (case_id, remove),
                )
                _audit(conn, case_id, actor, "unassign", str(remove), now)
            conn.execute("UPDATE case_requests SET state = ? WHERE id = ?", (new_state, case_id))
            OutboxRepo.enqueue_sync(conn, notices)

        await self.db.write(write)

    async def handler_entry(
        self,
        case_id: int,
        actor: int,
        body: str,
        new_state: State,
        notices: Sequence[OutMessage],
        chat_id: int,
    ) -> None:
        """A handler's reply: the entry, the state, the audit row, the notice to the author and
        the end of the handler's conversation, in one transaction."""
        now = iso(self.clock())

        def write(conn: sqlite3.Connection) -> None:
            seq = conn.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM case_entries WHERE case_id = ?", (case_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO case_entries(case_id, seq, side, handler_tg, body, at)"
                " VALUES (?, ?, 'handler', ?, ?, ?)",
                (case_id, seq, actor, body, now),
            )
            conn.execute("UPDATE case_requests SET state = ? WHERE id = ?", (new_state, case_id))
            _audit(conn, case_id, actor, "reply", None, now)
            OutboxRepo.enqueue_sync(conn, notices)
            conn.execute(END_CONVERSATION_SQL, (chat_id, actor))

        await self.db.write(write)

    async def author_entry(
        self,
        case_id: int,
        body: str,
        day: str,
        notices: Sequence[OutMessage],
        chat_id: int,
        user_id: int,
    ) -> bool:
        """The author's follow-up (dated by day, no actor: for an anonymous request nothing
        here may name them), the notices to its handlers and the end of the author's
        conversation, together; only while the request is open."""

        def write(conn: sqlite3.Connection) -> bool:
            state = conn.execute(
                "SELECT state FROM case_requests WHERE id = ?", (case_id,)
            ).fetchone()
            if state is None or state[0] == State.RESOLVED:
                return False
            seq = conn.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM case_entries WHERE case_id = ?", (case_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO case_entries(case_id, seq, side, body, at)"
                " VALUES (?, ?, 'author', ?, ?)",
                (case_id, seq, body, day),
            )
            OutboxRepo.enqueue_sync(conn, notices)
            conn.execute(END_CONVERSATION_SQL, (chat_id, user_id))
            return True

        return await self.db.write(write)

    async def move(
        self, case_id: int, actor: int, frm: State, to: State, notices: Sequence[OutMessage]
    ) -> bool:
        """Only from `frm` (a second press of the same button changes nothing)."""
        now = iso(self.clock())

        def write(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE case_requests SET state = ? WHERE id = ? AND state = ?",
                (to, case_id, frm),
            )
            if cur.rowcount != 1:
                return False
            _audit(conn, case_id, actor, to.value, None, now)
            OutboxRepo.enqueue_sync(conn, notices)
            return True

        return await self.db.write(write)

    async def audit(self, case_id: int, actor: int, action: str, detail: str | None = None) -> None:
        now = iso(self.clock())
        await self.db.write(lambda conn: _audit(conn, case_id, actor, action, detail, now))

    # ---------------------------------------------------------------- reads

    async def get(self, case_id: int) -> CaseRow | None:
        row = await self.db.fetchone(_CASE + " WHERE c.id = ?", (case_id,))
        return CaseRow.from_row(row) if row else None

    async def entries(self, case_id: int) -> list[Entry]:
        rows = await self.db.fetchall(
            "SELECT seq, side, handler_tg, body, files, at FROM case_entries"
            " WHERE case_id = ? ORDER BY seq",
            (case_id,),
        )
        return [
            Entry(
                int(r["seq"]),
                str(r["side"]),
                r["handler_tg"],
                str(r["body"]),
                tuple(FileRef(f["kind"], f["file_id"]) for f in json.loads(r["files"])),
                str(r["at"]),
            )
            for r in rows
        ]

    async def all_cases(self, open_only: bool, limit: int = 30) -> list[CaseRow]:
        where = " WHERE c.state != 'resolved'" if open_only else ""
        rows = await self.db.fetchall(
            _CASE + where + " ORDER BY c.created_on DESC, c.id LIMIT ?", (limit,)
        )
        return [CaseRow.from_row(r) for r in rows]

    async def handled_by(self, tg_user_id: int) -> list[CaseRow]:
        rows = await self.db.fetchall(
            _CASE + " WHERE c.id IN (SELECT case_id FROM case_handlers WHERE handler_tg = ?)"
            " ORDER BY c.state = 'resolved', c.created_on DESC, c.id",
            (tg_user_id,),
        )
        return [CaseRow.from_row(r) for r in rows]

    async def by_member(self, member_id: int) -> list[CaseRow]:
        rows = await self.db.fetchall(
            _CASE + " WHERE c.author_member_id = ? ORDER BY c.created_on DESC, c.id", (member_id,)
        )
        return [CaseRow.from_row(r) for r in rows]

    async def anonymous_tags(self) -> list[tuple[int, bytes]]:
        """(number, author tag) of every anonymous request: the author's account finds its own
        by recomputing the tag, which needs the key and that account's id."""
        rows = await self.db.fetchall(
            "SELECT id, author_tag FROM case_requests WHERE anonymous = 1 ORDER BY id"
        )
        return [(int(r[0]), bytes(r[1])) for r in rows]

    async def audit_rows(self, case_id: int) -> list[AuditRow]:
        rows = await self.db.fetchall(
            "SELECT a.at, a.actor_tg, a.action, a.detail,"
            " coalesce(m.name, nullif(trim(coalesce(u.last_name, '') || u.first_name), ''),"
            " CAST(a.actor_tg AS TEXT)) AS name"
            " FROM case_audit a LEFT JOIN members m ON m.tg_user_id = a.actor_tg"
            " LEFT JOIN tg_users u ON u.user_id = a.actor_tg WHERE a.case_id = ? ORDER BY a.id",
            (case_id,),
        )
        return [
            AuditRow(
                str(r["at"]), int(r["actor_tg"]), str(r["name"]), str(r["action"]), r["detail"]
            )
            for r in rows
        ]

    async def handler_pool(self, configured_admins: frozenset[int]) -> list[HandlerRow]:
        """Everyone who may be assigned: admins (roster or configured) and union staff, with a
        Telegram account."""
        rows = await self.db.fetchall(
            "SELECT m.tg_user_id, m.name FROM members m WHERE m.active = 1"
            " AND m.tg_user_id IS NOT NULL AND (EXISTS (SELECT 1 FROM member_roles r"
            " WHERE r.member_id = m.id AND r.role = 'admin') OR EXISTS (SELECT 1 FROM"
            " member_tags g WHERE g.member_id = m.id AND g.tag = ?))",
            ("工会",),
        )
        pool = {int(r[0]): str(r[1]) for r in rows}
        missing = sorted(configured_admins - set(pool))
        if missing:
            marks = ",".join("?" * len(missing))
            users = await self.db.fetchall(
                "SELECT user_id, trim(coalesce(last_name, '') || first_name) FROM tg_users"
                f" WHERE user_id IN ({marks})",
                missing,
            )
            names = {int(r[0]): str(r[1]) for r in users}
            for uid in missing:
                pool[uid] = names.get(uid) or str(uid)
        return [HandlerRow(uid, name) for uid, name in sorted(pool.items(), key=lambda p: p[1])]

    async def name_of(self, tg_user_id: int) -> str:
        name = await self.db.fetchval(
            "SELECT coalesce((SELECT name FROM members WHERE tg_user_id = ?),"
            " (SELECT trim(coalesce(last_name, '') || first_name) FROM tg_users"
            " WHERE user_id = ?))",
            (tg_user_id, tg_user_id),
        )
        return str(name) if name else str(tg_user_id)

    async def waiting(self, before_day: str) -> list[CaseRow]:
        """Open requests submitted before `before_day` that nobody has answered yet: not
        assigned, or assigned without a handler's reply."""
        rows = await self.db.fetchall(
            _CASE + " WHERE c.state IN ('received', 'assigned') AND c.created_on < ?"
            " AND NOT EXISTS (SELECT 1 FROM case_entries e WHERE e.case_id = c.id"
            " AND e.side = 'handler') ORDER BY c.created_on, c.id",
            (before_day,),
        )
        return [CaseRow.from_row(r) for r in rows]

    async def notify(self, notices: Sequence[OutMessage]) -> int:
        """Notices on their own (a reminder); a known dedupe key is skipped."""
        return await self.db.write(lambda conn: OutboxRepo.enqueue_sync(conn, notices))

    async def unit_counts(self, start_day: str, end_day: str) -> list[tuple[str, str, int]]:
        """(unit name, kind, requests) submitted on days in [start_day, end_day): counts only."""
        rows = await self.db.fetchall(
            "SELECT coalesce(u.name, ''), c.kind, count(*) FROM case_requests c"
            " LEFT JOIN units u ON u.id = c.unit_id WHERE c.created_on >= ? AND c.created_on < ?"
            " GROUP BY 1, 2",
            (start_day, end_day),
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]
