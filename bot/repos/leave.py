"""SQL for leave asked ahead (`leave_requests`, migration 0019).

A request covers local days (`first_day` … `last_day`, ISO dates). Asking refuses a range
that overlaps the member's own waiting or approved leave, inside the same transaction that
inserts it and hands the leaders' messages to the outbox (so a request is never saved without
its notices, nor notices sent for a request that was not saved). Approving marks the member
请假 in every session of those days that has already opened (audited), in the same transaction
as the decision; sessions opening later are marked by `AttendanceRepo.create_session`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.clock import iso, parse_iso
from bot.db import Database
from bot.domain.attendance import Status
from bot.domain.leave import Leave, NewLeave
from bot.domain.leave_rules import LeaveStatus, LeaveType
from bot.repos.outbox import OutboxRepo, OutEdit, OutMessage

_COLS = (
    "l.id, l.member_id, l.team_id, t.unit_id, l.kind, l.first_day, l.last_day, l.note, l.photo,"
    " l.status, l.asked_at, l.decided_by, l.decided_at, l.decision_reason,"
    " m.name, m.employee_no, m.tg_user_id, t.name AS team_name,"
    " COALESCE(d.name, u.first_name) AS decided_by_name"
)
_FROM = (
    " FROM leave_requests l JOIN members m ON m.id = l.member_id JOIN teams t ON t.id = l.team_id"
    " LEFT JOIN members d ON d.tg_user_id = l.decided_by"
    " LEFT JOIN tg_users u ON u.user_id = l.decided_by"
)

# The leaders' cards of request <id> are the outbox rows keyed "leave:<id>:ask:<chat>".
CARD_KEY = "leave:{id}:ask:{chat}"
CARD_REF = "leave:{id}"


def card_edits(conn: sqlite3.Connection, leave_id: int) -> None:
    """Every card of the request shows its new state (no buttons once decided or withdrawn):
    queued in the decision's or withdrawal's own transaction, so no card keeps offering a
    decision that was made."""
    chats = OutboxRepo.chats_of_keys_sync(conn, CARD_KEY.format(id=leave_id, chat=""))
    ref = CARD_REF.format(id=leave_id)
    OutboxRepo.enqueue_edits_sync(conn, [OutEdit(c, ref, f"{ref}:card:{c}") for c in chats])


class Decision(StrEnum):
    DONE = "done"
    NOT_PENDING = "not_pending"  # decided, cancelled, or gone meanwhile


@dataclass(frozen=True)
class Decided:
    outcome: Decision
    sessions: tuple[int, ...] = ()  # sessions whose record became 请假 now


# The audit reason of a record a leave marked 请假: (leave id, kind, note) -> text.
Describe = Callable[[int, LeaveType, str], str]


def _leave(r: sqlite3.Row) -> Leave:
    return Leave(
        id=r["id"],
        member_id=r["member_id"],
        team_id=r["team_id"],
        unit_id=r["unit_id"],
        kind=LeaveType(r["kind"]),
        first_day=date.fromisoformat(r["first_day"]),
        last_day=date.fromisoformat(r["last_day"]),
        note=r["note"],
        photo=r["photo"],
        status=LeaveStatus(r["status"]),
        asked_at=parse_iso(r["asked_at"]),
        decided_by=r["decided_by"],
        decided_at=parse_iso(r["decided_at"]) if r["decided_at"] else None,
        decision_reason=r["decision_reason"],
        name=r["name"],
        employee_no=r["employee_no"],
        tg_user_id=r["tg_user_id"],
        team_name=r["team_name"],
        decided_by_name=r["decided_by_name"],
    )


class LeaveRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        new: NewLeave,
        at: datetime,
        messages: Callable[[int], Sequence[OutMessage]],
    ) -> tuple[int | None, int | None]:
        """(new id, None), or (None, id of the overlapping request) and nothing written.
        `messages(id)` builds the notices to enqueue with the request."""

        def write(conn: sqlite3.Connection) -> tuple[int | None, int | None]:
            clash = conn.execute(
                "SELECT id FROM leave_requests WHERE member_id = ?"
                " AND status IN ('pending', 'approved') AND first_day <= ? AND last_day >= ?"
                " ORDER BY first_day LIMIT 1",
                (new.member_id, new.last_day.isoformat(), new.first_day.isoformat()),
            ).fetchone()
            if clash is not None:
                return None, int(clash[0])
            cur = conn.execute(
                "INSERT INTO leave_requests(member_id, team_id, kind, first_day, last_day, note,"
                " photo, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.member_id,
                    new.team_id,
                    new.kind.value,
                    new.first_day.isoformat(),
                    new.last_day.isoformat(),
                    new.note,
                    new.photo,
                    iso(at),
                ),
            )
            assert cur.lastrowid is not None
            OutboxRepo.enqueue_sync(conn, messages(cur.lastrowid))
            return cur.lastrowid, None

        return await self.db.write(write)

    async def get(self, leave_id: int) -> Leave | None:
        row = await self.db.fetchone(f"SELECT {_COLS}{_FROM} WHERE l.id = ?", (leave_id,))
        return _leave(row) if row else None

    async def of_member(self, member_id: int, from_day: date) -> list[Leave]:
        """The member's waiting and approved leave that has not ended, soonest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLS}{_FROM} WHERE l.member_id = ? AND l.status IN ('pending', 'approved')"
            " AND l.last_day >= ? ORDER BY l.first_day, l.id",
            (member_id, from_day.isoformat()),
        )
        return [_leave(r) for r in rows]

    async def pending(self, unit_id: int | None, team_id: int | None, limit: int) -> list[Leave]:
        """Waiting requests of a team, a unit (team None) or everywhere (both None)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLS}{_FROM} WHERE l.status = 'pending'"
            " AND (? IS NULL OR t.unit_id = ?) AND (? IS NULL OR l.team_id = ?)"
            " ORDER BY l.first_day, l.id LIMIT ?",
            (unit_id, unit_id, team_id, team_id, limit),
        )
        return [_leave(r) for r in rows]

    async def in_period(self, start_day: date, end_day: date) -> list[Leave]:
        """Every request with a day in [start_day, end_day) (reports), by team and day."""
        rows = await self.db.fetchall(
            f"SELECT {_COLS}{_FROM} WHERE l.first_day < ? AND l.last_day >= ?"
            " ORDER BY t.unit_id, l.team_id, l.first_day, l.id",
            (end_day.isoformat(), start_day.isoformat()),
        )
        return [_leave(r) for r in rows]

    async def decide(
        self,
        leave_id: int,
        *,
        approve: bool,
        actor: int,
        reason: str | None,
        at: datetime,
        window: tuple[datetime, datetime],
        describe: Describe,
        messages: Sequence[OutMessage] = (),
    ) -> Decided:
        """Approve or refuse a waiting request. Approving also marks the member 请假 in the
        sessions already opened in `window` (UTC, the leave's days) where they are not
        checked in — still pending, or absent after a close — each change audited.
        `messages` (telling the worker) are enqueued with the decision, never without it."""

        def write(conn: sqlite3.Connection) -> Decided:
            cur = conn.execute(
                "UPDATE leave_requests SET status = ?, decided_by = ?, decided_at = ?,"
                " decision_reason = ? WHERE id = ? AND status = 'pending'",
                ("approved" if approve else "refused", actor, iso(at), reason, leave_id),
            )
            if cur.rowcount != 1:
                return Decided(Decision.NOT_PENDING)
            OutboxRepo.enqueue_sync(conn, messages)
            card_edits(conn, leave_id)
            if not approve:
                return Decided(Decision.DONE)
            row = conn.execute(
                "SELECT member_id, kind, note FROM leave_requests WHERE id = ?", (leave_id,)
            ).fetchone()
            note = describe(leave_id, LeaveType(row["kind"]), row["note"])
            marked = mark_sessions(conn, row["member_id"], window, actor, note, at)
            return Decided(Decision.DONE, tuple(marked))

        return await self.db.write(write)

    async def cancel(
        self,
        leave_id: int,
        member_id: int,
        at: datetime,
        today: date,
        messages: Sequence[OutMessage] = (),
        *,
        window: tuple[datetime, datetime] | None = None,
        describe: Describe | None = None,
        reason: str = "",
    ) -> tuple[int, ...] | None:
        """The member withdraws a waiting or approved request before its first day; `messages`
        (telling the leaders) are enqueued in the same transaction. None if it could not be
        withdrawn; else the open sessions (starting in `window`, the leave's days in UTC)
        where this leave had marked the member 请假 and which now wait for their check-in
        again — each change audited with `reason` (a session may open early, before midnight,
        for a shift of the leave's first day)."""

        def write(conn: sqlite3.Connection) -> tuple[int, ...] | None:
            row = conn.execute(
                "SELECT status, kind, note FROM leave_requests WHERE id = ?", (leave_id,)
            ).fetchone()
            cur = conn.execute(
                "UPDATE leave_requests SET status = 'cancelled', cancelled_at = ?"
                " WHERE id = ? AND member_id = ? AND status IN ('pending', 'approved')"
                " AND first_day > ?",
                (iso(at), leave_id, member_id, today.isoformat()),
            )
            if cur.rowcount != 1:
                return None
            OutboxRepo.enqueue_sync(conn, messages)
            card_edits(conn, leave_id)
            if row["status"] != "approved" or window is None or describe is None:
                return ()
            mark = describe(leave_id, LeaveType(row["kind"]), row["note"])
            return tuple(unmark_sessions(conn, member_id, window, mark, reason, at))

        return await self.db.write(write)


def mark_sessions(
    conn: sqlite3.Connection,
    member_id: int,
    window: tuple[datetime, datetime],
    actor: int | None,
    note: str,
    at: datetime,
) -> list[int]:
    """The member's records in sessions starting in `window` that are pending or absent
    become 请假, each with its audit row; returns the sessions changed."""
    rows = conn.execute(
        "SELECT a.session_id, a.status FROM attendance a"
        " JOIN study_sessions s ON s.id = a.session_id"
        " WHERE a.member_id = ? AND s.starts_at >= ? AND s.starts_at < ?"
        " AND a.status IN ('pending', 'absent') ORDER BY a.session_id",
        (member_id, iso(window[0]), iso(window[1])),
    ).fetchall()
    changed = []
    for session_id, old in rows:
        cur = conn.execute(
            "UPDATE attendance SET status = 'leave', note = ?, updated_at = ?"
            " WHERE session_id = ? AND member_id = ? AND status = ?",
            (note, iso(at), session_id, member_id, old),
        )
        if cur.rowcount != 1:
            continue
        conn.execute(
            "INSERT INTO attendance_audit(session_id, member_id, actor, at, old_status,"
            " new_status, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (session_id, member_id, actor, iso(at), old, Status.LEAVE.value, note),
        )
        changed.append(int(session_id))
    return changed


def unmark_sessions(
    conn: sqlite3.Connection,
    member_id: int,
    window: tuple[datetime, datetime],
    mark: str,
    reason: str,
    at: datetime,
) -> list[int]:
    """The member's 请假 records that `mark` (a leave's audit reason) set, in open sessions
    starting in `window`, are pending again, each with its audit row (no actor: the worker
    withdrew); returns the sessions changed. A leader's own change is left alone."""
    rows = conn.execute(
        "SELECT a.session_id FROM attendance a JOIN study_sessions s ON s.id = a.session_id"
        " WHERE a.member_id = ? AND s.status = 'open' AND s.starts_at >= ? AND s.starts_at < ?"
        " AND a.status = 'leave' AND a.note = ? ORDER BY a.session_id",
        (member_id, iso(window[0]), iso(window[1]), mark),
    ).fetchall()
    changed = []
    for (session_id,) in rows:
        conn.execute(
            "UPDATE attendance SET status = 'pending', note = NULL, updated_at = ?"
            " WHERE session_id = ? AND member_id = ? AND status = 'leave'",
            (iso(at), session_id, member_id),
        )
        conn.execute(
            "INSERT INTO attendance_audit(session_id, member_id, actor, at, old_status,"
            " new_status, reason) VALUES (?, ?, NULL, ?, ?, ?, ?)",
            (session_id, member_id, iso(at), Status.LEAVE.value, Status.PENDING.value, reason),
        )
        changed.append(int(session_id))
    return changed


# (id, member_id, kind, note) of approved leave covering a day, for the still-pending roster
# members of a session being opened. Parameters: (session_id, day, day) with day ISO.
APPROVED_ON_SQL = (
    "SELECT l.id, l.member_id, l.kind, l.note FROM leave_requests l"
    " JOIN attendance a ON a.member_id = l.member_id AND a.session_id = ?"
    " WHERE l.status = 'approved' AND l.first_day <= ? AND l.last_day >= ?"
    " AND a.status = 'pending' ORDER BY l.member_id, l.id"
)
