"""SQL for study sessions, attendance records, their audit trail, leave and make-up requests,
and the report queries (aggregated in SQL: a year of a big enterprise is millions of rows).

Every change of a record other than the member's own check-in writes an audit row in the same
transaction, so no record can be changed without a trace.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import aiosqlite

from bot.clock import iso, parse_iso
from bot.db import Database, Tx
from bot.domain.attendance import Counts, Status, Window
from bot.domain.leave_rules import LeaveType
from bot.repos.leave import APPROVED_ON_SQL, Describe
from bot.repos.outbox import OutboxRepo, OutEdit, OutMessage


@dataclass(frozen=True)
class Session:
    id: int
    unit_id: int
    team_id: int | None
    topic: str
    material: str | None
    starts_at: datetime
    ends_at: datetime
    window: Window
    opened_by: int | None
    closed: bool
    closed_at: datetime | None
    occurrence_id: int | None = None  # the schedule occurrence that opened it

    @classmethod
    def from_row(cls, r: aiosqlite.Row | sqlite3.Row) -> Session:
        return cls(
            id=r["id"],
            unit_id=r["unit_id"],
            team_id=r["team_id"],
            topic=r["topic"],
            material=r["material"],
            starts_at=parse_iso(r["starts_at"]),
            ends_at=parse_iso(r["ends_at"]),
            window=Window(
                parse_iso(r["checkin_from"]),
                parse_iso(r["late_from"]),
                parse_iso(r["checkin_until"]),
            ),
            opened_by=r["opened_by"],
            closed=r["status"] == "closed",
            closed_at=parse_iso(r["closed_at"]) if r["closed_at"] else None,
            occurrence_id=r["occurrence_id"],
        )


@dataclass(frozen=True)
class LeaveMark:
    """Approved leave to apply when a session opens: its local day, the audit text, now."""

    day: date
    describe: Describe
    at: datetime


@dataclass(frozen=True)
class Record:
    session_id: int
    member_id: int
    employee_no: str
    name: str
    team_id: int
    status: Status
    checked_in_at: datetime | None
    tg_user_id: int | None


class CheckIn(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    ON_LEAVE = "on_leave"
    NOT_ON_ROSTER = "not_on_roster"


@dataclass(frozen=True)
class CheckInResult:
    outcome: CheckIn
    status: Status | None = None
    at: datetime | None = None
    edits: int = 0  # live-message edit rows queued with the check-in


@dataclass(frozen=True)
class RollCard:
    """A leader's roll card (/roll): a live message while its session is open."""

    id: int
    session_id: int
    chat_id: int
    message_id: int
    lang: str


@dataclass(frozen=True)
class AuditEntry:
    session_id: int
    member_id: int
    actor: int | None
    at: datetime
    old: Status
    new: Status
    reason: str | None


@dataclass(frozen=True)
class Request:
    id: int
    kind: str
    session_id: int
    member_id: int
    reason: str
    status: str


_SESSION_COLS = (
    "id, unit_id, team_id, topic, material, starts_at, ends_at, checkin_from, late_from,"
    " checkin_until, opened_by, status, closed_at, occurrence_id"
)
_RECORD_SQL = (
    "SELECT a.session_id, a.member_id, m.employee_no, m.name, a.team_id, a.status,"
    " a.checked_in_at, m.tg_user_id FROM attendance a JOIN members m ON m.id = a.member_id"
)


def _record(r: aiosqlite.Row | sqlite3.Row) -> Record:
    return Record(
        r["session_id"],
        r["member_id"],
        r["employee_no"],
        r["name"],
        r["team_id"],
        Status(r["status"]),
        parse_iso(r["checked_in_at"]) if r["checked_in_at"] else None,
        r["tg_user_id"],
    )


class AttendanceRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------ sessions

    async def create_session(
        self,
        *,
        unit_id: int,
        team_id: int | None,
        topic: str,
        material: str | None,
        starts_at: datetime,
        ends_at: datetime,
        window: Window,
        opened_by: int | None,
        occurrence_id: int | None = None,
        leave: LeaveMark | None = None,
    ) -> int:
        """A session and its roster (every active member of the team, or of the unit). With
        `occurrence_id` (a schedule opened it) at most one per occurrence and team: asking
        again returns the session made the first time. With `leave`, members whose approved
        leave covers `leave.day` are 请假 from the start (audited, no actor), in the same
        transaction: no moment exists where the session is open and they count as missing."""
        async with self.db.transaction() as tx:
            if occurrence_id is not None:
                async with tx.execute(
                    "SELECT id FROM study_sessions WHERE occurrence_id = ? AND team_id IS ?",
                    (occurrence_id, team_id),
                ) as cur:
                    found = await cur.fetchone()
                if found is not None:
                    return int(found[0])
            async with tx.execute(
                "INSERT INTO study_sessions(unit_id, team_id, topic, material, starts_at,"
                " ends_at, checkin_from, late_from, checkin_until, opened_by, occurrence_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    unit_id,
                    team_id,
                    topic,
                    material,
                    iso(starts_at),
                    iso(ends_at),
                    iso(window.opens),
                    iso(window.late_from),
                    iso(window.closes),
                    opened_by,
                    occurrence_id,
                ),
            ) as cur:
                session_id = cur.lastrowid
            assert session_id is not None
            await tx.execute(
                "INSERT INTO attendance(session_id, member_id, team_id)"
                " SELECT ?, m.id, m.team_id FROM members m JOIN teams t ON t.id = m.team_id"
                " WHERE m.active = 1 AND (m.team_id = ? OR (? IS NULL AND t.unit_id = ?))",
                (session_id, team_id, team_id, unit_id),
            )
            if leave is not None:
                day = leave.day.isoformat()
                for r in await tx.execute_fetchall(APPROVED_ON_SQL, (session_id, day, day)):
                    reason = leave.describe(r["id"], LeaveType(r["kind"]), r["note"])
                    await _change(
                        tx, session_id, r["member_id"], Status.PENDING, Status.LEAVE, None,
                        reason, leave.at,
                    )  # fmt: skip
        return session_id

    async def session(self, session_id: int) -> Session | None:
        row = await self.db.fetchone(
            f"SELECT {_SESSION_COLS} FROM study_sessions WHERE id = ?", (session_id,)
        )
        return Session.from_row(row) if row else None

    async def open_sessions(self, team_id: int, unit_id: int) -> list[Session]:
        """Open sessions a member of this team belongs to (the team's, and the unit's joint)."""
        rows = await self.db.fetchall(
            f"SELECT {_SESSION_COLS} FROM study_sessions WHERE status = 'open'"
            " AND (team_id = ? OR (team_id IS NULL AND unit_id = ?)) ORDER BY starts_at, id",
            (team_id, unit_id),
        )
        return [Session.from_row(r) for r in rows]

    async def open_session_ids(self) -> list[int]:
        rows = await self.db.fetchall("SELECT id FROM study_sessions WHERE status = 'open'")
        return [r[0] for r in rows]

    async def latest_session(self, team_id: int) -> Session | None:
        row = await self.db.fetchone(
            f"SELECT {_SESSION_COLS} FROM study_sessions WHERE team_id = ?"
            " ORDER BY (status = 'open') DESC, starts_at DESC, id DESC LIMIT 1",
            (team_id,),
        )
        return Session.from_row(row) if row else None

    async def due_to_close(self, now: datetime) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM study_sessions WHERE status = 'open' AND ends_at <= ? ORDER BY id",
            (iso(now),),
        )
        return [r[0] for r in rows]

    async def window_over(self, now: datetime) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM study_sessions WHERE status = 'open' AND checkin_until <= ?",
            (iso(now),),
        )
        return [r[0] for r in rows]

    async def add_post(self, session_id: int, chat_id: int, message_id: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO session_posts(chat_id, message_id, session_id) VALUES (?, ?, ?)",
            (chat_id, message_id, session_id),
        )

    async def posts(self, session_id: int) -> list[tuple[int, int]]:
        """The session's messages: posted directly (/study), or handed to the outbox by a
        schedule (batch `session_batch(id)`) and sent — the outbox keeps the message id."""
        rows = await self.db.fetchall(
            "SELECT chat_id, message_id FROM session_posts WHERE session_id = ?"
            " UNION SELECT chat_id, message_id FROM outbox"
            " WHERE batch = ? AND state = 'sent' AND message_id IS NOT NULL"
            " ORDER BY 1",
            (session_id, session_batch(session_id)),
        )
        return [(r[0], r[1]) for r in rows]

    @staticmethod
    def queue_tally_sync(
        conn: sqlite3.Connection,
        session_ids: Iterable[int],
        skip_card: tuple[int, int] | None = None,
    ) -> int:
        """Queue an edit of every live message of these sessions (inside the change's write):
        the session message in each group it went to (sent, or still on its way: the edit
        waits behind it in that chat), and, while a session is open, its roll cards but
        `skip_card` (chat, message: the card the change was made on, which its handler
        edits itself). Returns how many edit rows were new."""
        edits: list[OutEdit] = []
        for sid in session_ids:
            chats = _chats_sync(conn, sid)
            edits += [OutEdit(c, f"session:{sid}", f"session:{sid}:{c}") for c in chats]
            cards = conn.execute(
                "SELECT r.id, r.chat_id, r.message_id FROM roll_cards r JOIN study_sessions s"
                " ON s.id = r.session_id WHERE r.session_id = ? AND s.status = 'open'",
                (sid,),
            ).fetchall()
            cards = [(i, c, m) for i, c, m in cards if (c, m) != skip_card]
            edits += [OutEdit(c, f"roll:{i}", f"roll:{i}") for i, c, _ in cards]
        return OutboxRepo.enqueue_edits_sync(conn, edits) if edits else 0

    async def add_roll_card(
        self, session_id: int, chat_id: int, message_id: int, lang: str
    ) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO roll_cards(session_id, chat_id, message_id, lang)"
            " VALUES (?, ?, ?, ?)",
            (session_id, chat_id, message_id, lang),
        )

    async def roll_card(self, card_id: int) -> RollCard | None:
        row = await self.db.fetchone(
            "SELECT id, session_id, chat_id, message_id, lang FROM roll_cards WHERE id = ?",
            (card_id,),
        )
        return RollCard(*row) if row else None

    async def close(
        self, session_id: int, actor: int | None, at: datetime, announce: Announce
    ) -> bool:
        """Close an open session: whoever did not check in and is not on leave is absent.
        In the same transaction: the final tally edits, the summary `announce` makes from the
        closed session (its roster, counts and the chats its message went to) as outbox rows,
        and the mark that its quiz is owed. False if it was closed already (two closers at
        once: one wins, and nothing is announced twice)."""

        def write(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE study_sessions SET status = 'closed', closed_at = ?, closed_by = ?,"
                " quiz_owed = 1 WHERE id = ? AND status = 'open'",
                (iso(at), actor, session_id),
            )
            if cur.rowcount != 1:
                return False
            conn.execute(
                "UPDATE attendance SET status = 'absent', updated_at = ?"
                " WHERE session_id = ? AND status = 'pending'",
                (iso(at), session_id),
            )
            self.queue_tally_sync(conn, (session_id,))
            row = conn.execute(
                f"SELECT {_SESSION_COLS} FROM study_sessions WHERE id = ?", (session_id,)
            ).fetchone()
            roster = [
                _record(r)
                for r in conn.execute(
                    _RECORD_SQL + " WHERE a.session_id = ? ORDER BY m.employee_no", (session_id,)
                )
            ]
            counts = _counts(conn.execute(_COUNTS_SQL, (session_id,)).fetchall())
            chats = _chats_sync(conn, session_id)
            OutboxRepo.enqueue_sync(conn, announce(Session.from_row(row), roster, counts, chats))
            return True

        return await self.db.write(write)

    async def quiz_owed(self) -> list[tuple[int, list[int]]]:
        """(session, the chats its message went to) of every closed session whose quiz has
        not been started yet (a crash came between the close and the quiz)."""
        rows = await self.db.fetchall("SELECT id FROM study_sessions WHERE quiz_owed = 1")
        return [(r[0], await self.session_chats(r[0])) for r in rows]

    async def session_chats(self, session_id: int) -> list[int]:
        rows = await self.db.fetchall(_CHATS_SQL, (session_id, session_batch(session_id)))
        return [r[0] for r in rows]

    async def quiz_started(self, session_id: int) -> None:
        await self.db.execute("UPDATE study_sessions SET quiz_owed = 0 WHERE id = ?", (session_id,))

    # ------------------------------------------------------------ records

    async def check_in(
        self, session_id: int, member_id: int, team_id: int, status: Status, at: datetime
    ) -> CheckInResult:
        """The member's own press: idempotent by (session, member). A member who joined the
        team after the session opened (`team_id` already checked by the caller) is added.
        One trip to the database thread (a burst of presses shares one commit)."""

        def write(conn: sqlite3.Connection) -> tuple[int, str | None, str | None]:
            cur = conn.execute(
                "INSERT INTO attendance(session_id, member_id, team_id, status, checked_in_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(session_id, member_id) DO UPDATE SET status = excluded.status,"
                " checked_in_at = excluded.checked_in_at, updated_at = excluded.updated_at"
                " WHERE attendance.status = 'pending'",
                (session_id, member_id, team_id, status.value, iso(at), iso(at)),
            )
            if cur.rowcount == 1:
                return 1 + self.queue_tally_sync(conn, (session_id,)), None, None
            row = conn.execute(
                "SELECT status, checked_in_at FROM attendance"
                " WHERE session_id = ? AND member_id = ?",
                (session_id, member_id),
            ).fetchone()
            return 0, row[0], row[1]

        changed, old_status, old_at = await self.db.write(write)
        if changed:
            return CheckInResult(CheckIn.RECORDED, status, at, edits=changed - 1)
        old = Status(old_status or Status.PENDING)
        when = parse_iso(old_at) if old_at else None
        if old is Status.LEAVE:
            return CheckInResult(CheckIn.ON_LEAVE, old, when)
        return CheckInResult(CheckIn.ALREADY, old, when)

    async def ensure_record(self, session_id: int, member_id: int, team_id: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO attendance(session_id, member_id, team_id) VALUES (?, ?, ?)",
            (session_id, member_id, team_id),
        )

    async def counts(self, session_id: int) -> Counts:
        return _counts(await self.db.fetchall(_COUNTS_SQL, (session_id,)))

    async def roster(self, session_id: int) -> list[Record]:
        rows = await self.db.fetchall(
            _RECORD_SQL + " WHERE a.session_id = ? ORDER BY m.employee_no", (session_id,)
        )
        return [_record(r) for r in rows]

    async def record(self, session_id: int, member_id: int) -> Record | None:
        row = await self.db.fetchone(
            _RECORD_SQL + " WHERE a.session_id = ? AND a.member_id = ?", (session_id, member_id)
        )
        return _record(row) if row else None

    async def set_status(
        self,
        session_id: int,
        member_id: int,
        *,
        old: Status,
        new: Status,
        actor: int | None,
        reason: str | None,
        at: datetime,
    ) -> bool:
        """Change a record from `old` to `new` with its audit row; False (and nothing written)
        if the record no longer holds `old` — someone else changed it meanwhile."""
        async with self.db.transaction() as tx:
            return await _change(tx, session_id, member_id, old, new, actor, reason, at)

    async def audit_trail(self, session_id: int) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            "SELECT session_id, member_id, actor, at, old_status, new_status, reason"
            " FROM attendance_audit WHERE session_id = ? ORDER BY id",
            (session_id,),
        )
        return [
            AuditEntry(r[0], r[1], r[2], parse_iso(r[3]), Status(r[4]), Status(r[5]), r[6])
            for r in rows
        ]

    async def absences(self, member_id: int, since: datetime) -> list[Session]:
        """Closed sessions since `since` where the member is recorded absent, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {', '.join('s.' + c.strip() for c in _SESSION_COLS.split(','))}"
            " FROM attendance a JOIN study_sessions s ON s.id = a.session_id"
            " WHERE a.member_id = ? AND a.status = 'absent' AND s.status = 'closed'"
            " AND s.starts_at >= ? ORDER BY s.starts_at DESC",
            (member_id, iso(since)),
        )
        return [Session.from_row(r) for r in rows]

    async def leader_user_ids(self, team_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT m.tg_user_id FROM members m JOIN member_roles r ON r.member_id = m.id"
            " WHERE m.team_id = ? AND r.role = 'team_leader' AND m.active = 1"
            " AND m.tg_user_id IS NOT NULL ORDER BY m.employee_no",
            (team_id,),
        )
        return [r[0] for r in rows]

    # ------------------------------------------------------------ requests

    async def add_request(
        self, kind: str, session_id: int, member_id: int, reason: str, at: datetime
    ) -> int | None:
        """A new pending request; None if the same one is already waiting for a decision."""
        async with (
            self.db.transaction() as tx,
            tx.execute(
                "INSERT OR IGNORE INTO attendance_requests(kind, session_id, member_id, reason,"
                " asked_at) VALUES (?, ?, ?, ?, ?)",
                (kind, session_id, member_id, reason, iso(at)),
            ) as cur,
        ):
            return cur.lastrowid if cur.rowcount == 1 else None

    async def request(self, request_id: int) -> Request | None:
        row = await self.db.fetchone(
            "SELECT id, kind, session_id, member_id, reason, status FROM attendance_requests"
            " WHERE id = ?",
            (request_id,),
        )
        return Request(*row) if row else None

    async def decide(
        self,
        request_id: int,
        *,
        approve: bool,
        actor: int,
        at: datetime,
        change: tuple[Status, Status, str | None] | None,
    ) -> bool:
        """Decide a pending request; when approving, apply `change` (old, new, reason) to the
        record in the same transaction. False if it was decided already or the record moved."""
        req = await self.request(request_id)
        if req is None:
            return False
        async with self.db.transaction() as tx:
            async with tx.execute(
                "UPDATE attendance_requests SET status = ?, decided_by = ?, decided_at = ?"
                " WHERE id = ? AND status = 'pending'",
                ("approved" if approve else "refused", actor, iso(at), request_id),
            ) as cur:
                if cur.rowcount != 1:
                    return False
            if approve and change is not None:
                old, new, reason = change
                if not await _change(
                    tx, req.session_id, req.member_id, old, new, actor, reason, at
                ):
                    raise _Moved
        return True

    # ------------------------------------------------------------ bulk (benchmarks, fixtures)

    async def bulk_insert_closed(
        self,
        sessions: Sequence[tuple[int, int | None, str, datetime, datetime]],
        records: Sequence[Sequence[tuple[int, int, str, str | None]]],
    ) -> list[int]:
        """Closed sessions with their records in one transaction, for generated data sets:
        sessions (unit_id, team_id, topic, starts_at, ends_at); records per session
        (member_id, team_id, status, checked_in_at as UTC ISO or None)."""
        ids: list[int] = []
        async with self.db.transaction() as tx:
            for (unit_id, team_id, topic, starts, ends), rows in zip(
                sessions, records, strict=True
            ):
                s, e = iso(starts), iso(ends)
                async with tx.execute(
                    "INSERT INTO study_sessions(unit_id, team_id, topic, starts_at, ends_at,"
                    " checkin_from, late_from, checkin_until, status, closed_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'closed', ?)",
                    (unit_id, team_id, topic, s, e, s, s, e, e),
                ) as cur:
                    sid = cur.lastrowid
                assert sid is not None
                ids.append(sid)
                await tx.executemany(
                    "INSERT INTO attendance(session_id, member_id, team_id, status, checked_in_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [(sid, mid, tid, st, at) for mid, tid, st, at in rows],
                )
        return ids


_COUNTED = ("pending", "present", "late", "absent", "leave", "makeup")
_COUNTS_SQL = "SELECT status, count(*) FROM attendance WHERE session_id = ? GROUP BY status"
# The chats a session's message went to: sent, or still on its way (what is queued for such a
# chat waits behind it there).
_CHATS_SQL = (
    "SELECT chat_id FROM session_posts WHERE session_id = ?"
    " UNION SELECT chat_id FROM outbox WHERE batch = ? AND purpose = 'session'"
    " AND state IN ('pending', 'sending', 'sent') ORDER BY 1"
)

# What a close announces: the closed session, its roster and counts, its chats -> outbox rows.
Announce = Callable[[Session, list[Record], Counts, list[int]], Sequence[OutMessage]]


def _counts(rows: Iterable[sqlite3.Row | aiosqlite.Row]) -> Counts:
    by = {r[0]: int(r[1]) for r in rows}
    return Counts(total=sum(by.values()), **{s: by.get(s, 0) for s in _COUNTED})


def _chats_sync(conn: sqlite3.Connection, session_id: int) -> list[int]:
    rows = conn.execute(_CHATS_SQL, (session_id, session_batch(session_id))).fetchall()
    return [int(r[0]) for r in rows]


class _Moved(Exception):
    """The record changed between reading and deciding: roll the decision back."""


async def _change(
    tx: Tx,
    session_id: int,
    member_id: int,
    old: Status,
    new: Status,
    actor: int | None,
    reason: str | None,
    at: datetime,
) -> bool:
    note = reason.strip() if reason and reason.strip() else None
    async with tx.execute(
        "UPDATE attendance SET status = ?, note = coalesce(?, note), updated_at = ?"
        " WHERE session_id = ? AND member_id = ? AND status = ?",
        (new.value, note, iso(at), session_id, member_id, old.value),
    ) as cur:
        if cur.rowcount != 1:
            return False
    await tx.execute(
        "INSERT INTO attendance_audit(session_id, member_id, actor, at, old_status, new_status,"
        " reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (session_id, member_id, actor, iso(at), old.value, new.value, note),
    )
    return True


async def decide_request(
    repo: AttendanceRepo,
    request_id: int,
    *,
    approve: bool,
    actor: int,
    at: datetime,
    change: tuple[Status, Status, str | None] | None,
) -> bool | None:
    """`repo.decide`, with a record that moved meanwhile reported as None (nothing written)."""
    try:
        return await repo.decide(request_id, approve=approve, actor=actor, at=at, change=change)
    except _Moved:
        return None


# ================================================================ reports (synchronous)
#
# Reports run in a worker thread on their own read-only sqlite3 connection (WAL lets it read
# while the bot writes), so a year-long export never stalls the bot's event loop.


@dataclass(frozen=True)
class TeamRow:
    unit_id: int
    unit: str
    team_id: int
    team: str
    sessions: int
    total: int
    present: int
    late: int
    leave: int
    absent: int
    makeup: int


@dataclass(frozen=True)
class PersonRow:
    unit: str
    team: str
    employee_no: str
    name: str
    absent: int
    late: int
    leave: int
    makeup: int


def session_batch(session_id: int) -> str:
    """The outbox batch of a session's messages (a schedule opened the session)."""
    return f"att:session:{session_id}"


def open_readonly(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def _scope(team_ids: Sequence[int] | None) -> tuple[str, tuple[object, ...]]:
    if team_ids is None:
        return "", ()
    return " AND a.team_id IN (SELECT value FROM json_each(?))", (json.dumps(list(team_ids)),)


_IN_MONTH = " s.status = 'closed' AND s.starts_at >= ? AND s.starts_at < ?"


class ReportQueries:
    """The report's SQL: per-team totals, per-person counts, per-person-per-session detail."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def team_totals(
        self, start: datetime, end: datetime, team_ids: Sequence[int] | None
    ) -> list[TeamRow]:
        """Every team in scope, those without a study in the period included (with zeros):
        they are the ones an admin looks for."""
        where, params = _scope(team_ids)
        teams = "" if team_ids is None else " WHERE t.id IN (SELECT value FROM json_each(?))"
        rows = self.conn.execute(
            "SELECT u.id, u.name, t.id, t.name, coalesce(x.sessions, 0), coalesce(x.total, 0),"
            " coalesce(x.present, 0), coalesce(x.late, 0), coalesce(x.leave, 0),"
            " coalesce(x.absent, 0), coalesce(x.makeup, 0)"
            " FROM teams t JOIN units u ON u.id = t.unit_id LEFT JOIN ("
            "  SELECT a.team_id, count(DISTINCT a.session_id) AS sessions, count(*) AS total,"
            "  sum(a.status = 'present') AS present, sum(a.status = 'late') AS late,"
            "  sum(a.status = 'leave') AS leave, sum(a.status = 'absent') AS absent,"
            "  sum(a.status = 'makeup') AS makeup"
            "  FROM study_sessions s JOIN attendance a ON a.session_id = s.id"
            "  WHERE" + _IN_MONTH + where + " GROUP BY a.team_id"
            " ) x ON x.team_id = t.id" + teams + " ORDER BY u.id, t.id",
            (iso(start), iso(end), *params, *params),
        ).fetchall()
        return [TeamRow(*r) for r in rows]

    def changes(
        self, start: datetime, end: datetime, team_ids: Sequence[int] | None
    ) -> list[tuple[str, str, str, str, str, str, str, int | None, str, str, str]]:
        """Every change a leader made to a record of the period's sessions, oldest first:
        unit, team, employee no, name, session start, topic, when, who (Telegram id), old,
        new status, reason."""
        where, params = _scope(team_ids)
        rows = self.conn.execute(
            "SELECT u.name, t.name, m.employee_no, m.name, s.starts_at, s.topic, au.at,"
            " au.actor, au.old_status, au.new_status, coalesce(au.reason, '')"
            " FROM attendance_audit au"
            " JOIN attendance a ON a.session_id = au.session_id AND a.member_id = au.member_id"
            " JOIN study_sessions s ON s.id = au.session_id"
            " JOIN members m ON m.id = au.member_id"
            " JOIN teams t ON t.id = a.team_id JOIN units u ON u.id = t.unit_id"
            " WHERE" + _IN_MONTH + where + " ORDER BY au.at, au.id",
            (iso(start), iso(end), *params),
        ).fetchall()
        return [tuple(r) for r in rows]

    def leave_asked(
        self, first: date, last: date, team_ids: Sequence[int] | None
    ) -> list[tuple[str, str, str, str, str, str, str, str, str, int | None, str | None, str]]:
        """Leave asked ahead with a day in [first, last] (local days), by team and first day:
        unit, team, employee no, name, kind, first day, last day, status, asked at, decided
        by (Telegram id), decided at, note or the refusal's reason."""
        where, params = _scope(team_ids)
        rows = self.conn.execute(
            "SELECT u.name, t.name, m.employee_no, m.name, a.kind, a.first_day, a.last_day,"
            " a.status, a.asked_at, a.decided_by, a.decided_at,"
            " trim(a.note || CASE WHEN a.decision_reason IS NOT NULL"
            " THEN ' / ' || a.decision_reason ELSE '' END)"
            " FROM leave_requests a JOIN members m ON m.id = a.member_id"
            " JOIN teams t ON t.id = a.team_id JOIN units u ON u.id = t.unit_id"
            " WHERE a.first_day <= ? AND a.last_day >= ?"
            + where
            + " ORDER BY u.id, t.id, a.first_day, a.id",
            (last.isoformat(), first.isoformat(), *params),
        ).fetchall()
        return [tuple(r) for r in rows]

    def actor_names(self, tg_ids: Sequence[int]) -> dict[int, str]:
        """Names of the members linked to these Telegram ids."""
        if not tg_ids:
            return {}
        rows = self.conn.execute(
            "SELECT tg_user_id, name FROM members WHERE tg_user_id IN"
            " (SELECT value FROM json_each(?))",
            (json.dumps(list(tg_ids)),),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def people(
        self, start: datetime, end: datetime, team_ids: Sequence[int] | None
    ) -> list[PersonRow]:
        """People with an absence, lateness, leave or make-up, most absences first."""
        where, params = _scope(team_ids)
        rows = self.conn.execute(
            "SELECT u.name, t.name, m.employee_no, m.name, sum(a.status = 'absent') AS ab,"
            " sum(a.status = 'late'), sum(a.status = 'leave'), sum(a.status = 'makeup')"
            " FROM study_sessions s JOIN attendance a ON a.session_id = s.id"
            " JOIN members m ON m.id = a.member_id"
            " JOIN teams t ON t.id = a.team_id JOIN units u ON u.id = t.unit_id"
            " WHERE"
            + _IN_MONTH
            + " AND a.status IN ('absent','late','leave','makeup')"
            + where
            + " GROUP BY a.member_id ORDER BY ab DESC, u.id, t.id, m.employee_no",
            (iso(start), iso(end), *params),
        ).fetchall()
        return [PersonRow(*r) for r in rows]

    def detail(
        self,
        start: datetime,
        end: datetime,
        team_ids: Sequence[int] | None,
        *,
        offset_minutes: int,
        labels: dict[str, str],
    ) -> Iterator[tuple[object, ...]]:
        """One row per person per session, already shaped for the sheet: local date and
        times (`offset_minutes` from UTC, fixed over the month) and status labels."""
        where, params = _scope(team_ids)
        shift = f"{offset_minutes:+d} minutes"
        status_case = "CASE a.status" + "".join(" WHEN ? THEN ?" for _ in labels) + " END"
        label_params = [x for item in labels.items() for x in item]
        cur = self.conn.cursor()
        cur.row_factory = None  # plain tuples: cheapest for the big sheet
        cur.execute(
            "SELECT u.name, t.name, m.employee_no, m.name, strftime('%Y-%m-%d', s.starts_at, ?),"
            " strftime('%H:%M', s.starts_at, ?), s.topic, " + status_case + ","
            " coalesce(strftime('%H:%M:%S', a.checked_in_at, ?), ''), coalesce(a.note, '')"
            " FROM study_sessions s JOIN attendance a ON a.session_id = s.id"
            " JOIN members m ON m.id = a.member_id"
            " JOIN teams t ON t.id = a.team_id JOIN units u ON u.id = t.unit_id"
            " WHERE" + _IN_MONTH + where + " ORDER BY u.id, t.id, m.employee_no, s.starts_at",
            (shift, shift, *label_params, shift, iso(start), iso(end), *params),
        )
        cur.arraysize = 2000
        while batch := cur.fetchmany():
            yield from batch

    def teams_in_unit(self, unit: str) -> list[int] | None:
        """Team ids of the unit named (or numbered) `unit`; None if there is no such unit."""
        row = self.conn.execute(
            "SELECT id FROM units WHERE name = ? OR CAST(id AS TEXT) = ?", (unit, unit)
        ).fetchone()
        if row is None:
            return None
        return [
            r[0] for r in self.conn.execute("SELECT id FROM teams WHERE unit_id = ?", (row[0],))
        ]

    def teams_of(self, unit_id: int | None, team_id: int | None) -> list[int]:
        if team_id is not None:
            return [team_id]
        return [
            r[0] for r in self.conn.execute("SELECT id FROM teams WHERE unit_id = ?", (unit_id,))
        ]
