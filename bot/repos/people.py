"""SQL for people as the bot meets them: Telegram accounts, roster members, registration."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import iso, parse_iso
from bot.db import Database
from bot.domain.people import Person as Person  # re-exported: moved to the domain
from bot.repos.conversations import END_CONVERSATION_SQL

_PERSON_SQL = """
SELECT m.id, m.employee_no, m.name, m.team_id, t.name AS team_name, t.unit_id,
       u.name AS unit_name, m.tg_user_id, m.active,
       (SELECT group_concat(role, ',') FROM member_roles r WHERE r.member_id = m.id) AS roles,
       (SELECT group_concat(tag, ',') FROM member_tags g WHERE g.member_id = m.id) AS tags
FROM members m JOIN teams t ON t.id = m.team_id JOIN units u ON u.id = t.unit_id
"""


@dataclass(frozen=True)
class Attempts:
    failures: int
    locked_until: datetime | None


# Who a Telegram account is changes rarely (registration, a roster import) but is asked on
# nearly every update, so a short-lived copy saves a database trip per update. Changes made by
# this process drop the copy at once; a roster import from the command line (another process)
# is seen within PERSON_TTL seconds.
PERSON_TTL = 30.0
_PERSON_CACHE_MAX = 100_000


class PeopleRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._persons: dict[int, tuple[float, Person | None]] = {}

    def forget(self, user_id: int | None = None) -> None:
        """Drop the cached identity of one account, or of everyone (after a roster import)."""
        if user_id is None:
            self._persons.clear()
        else:
            self._persons.pop(user_id, None)

    async def touch_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        private: bool,
    ) -> None:
        await self.db.execute(
            # last_seen by the day only (migration 0026 says why)
            "INSERT INTO tg_users(user_id, first_name, last_name, username, language_code,"
            " private_ok, last_seen) VALUES (?, ?, ?, ?, ?, ?, date('now'))"
            " ON CONFLICT(user_id) DO UPDATE SET first_name = excluded.first_name,"
            " last_name = excluded.last_name, username = excluded.username,"
            " language_code = excluded.language_code,"
            " private_ok = max(tg_users.private_ok, excluded.private_ok),"
            " last_seen = date('now')",
            (user_id, first_name, last_name, username, language_code, int(private)),
        )

    async def set_private_ok(self, user_id: int, ok: bool) -> None:
        await self.db.execute(
            "UPDATE tg_users SET private_ok = ? WHERE user_id = ?", (int(ok), user_id)
        )

    async def private_ok(self, user_id: int) -> bool:
        return bool(
            await self.db.fetchval("SELECT private_ok FROM tg_users WHERE user_id = ?", (user_id,))
        )

    async def by_tg(self, user_id: int) -> Person | None:
        now = time.monotonic()
        hit = self._persons.get(user_id)
        if hit is not None and now - hit[0] < PERSON_TTL:
            return hit[1]
        row = await self.db.fetchone(_PERSON_SQL + " WHERE m.tg_user_id = ?", (user_id,))
        person = Person.from_row(row) if row else None
        if len(self._persons) >= _PERSON_CACHE_MAX:
            self._persons.clear()
        self._persons[user_id] = (now, person)
        return person

    async def by_member(self, member_id: int) -> Person | None:
        row = await self.db.fetchone(_PERSON_SQL + " WHERE m.id = ?", (member_id,))
        return Person.from_row(row) if row else None

    async def by_employee_no(self, employee_no: str) -> Person | None:
        row = await self.db.fetchone(_PERSON_SQL + " WHERE m.employee_no = ?", (employee_no,))
        return Person.from_row(row) if row else None

    async def phone_tail(self, member_id: int) -> str:
        """Last 4 digits of the member's mobile as the roster gave it; "" when it had none."""
        value = await self.db.fetchval("SELECT phone_tail FROM members WHERE id = ?", (member_id,))
        return str(value or "")

    async def registered(self, user_id: int | None = None) -> list[Person]:
        """Everyone linked to a Telegram account (active or not), or that one account."""
        if user_id is not None:
            rows = await self.db.fetchall(_PERSON_SQL + " WHERE m.tg_user_id = ?", (user_id,))
        else:
            rows = await self.db.fetchall(
                _PERSON_SQL + " WHERE m.tg_user_id IS NOT NULL ORDER BY m.id"
            )
        return [Person.from_row(r) for r in rows]

    async def team_members(self, team_id: int) -> list[Person]:
        rows = await self.db.fetchall(
            _PERSON_SQL + " WHERE m.team_id = ? AND m.active = 1 ORDER BY m.employee_no",
            (team_id,),
        )
        return [Person.from_row(r) for r in rows]

    async def link(
        self, member_id: int, user_id: int, employee_no: str, team_id: int, now: datetime
    ) -> bool:
        """Link an account to a roster member, with its audit record, and end the registration
        conversation (in the private chat, whose id is the user's), in one transaction; False
        if either is already linked elsewhere."""
        linked = await self.db.write(
            lambda conn: link_in(conn, member_id, user_id, employee_no, team_id, now)
        )
        self.forget(user_id)
        return linked

    async def admin_user_ids(self, configured: frozenset[int]) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT m.tg_user_id FROM members m JOIN member_roles r ON r.member_id = m.id"
            " WHERE r.role = 'admin' AND m.active = 1 AND m.tg_user_id IS NOT NULL"
        )
        return sorted(configured | {r[0] for r in rows})

    async def reachable_admins(self, configured: frozenset[int]) -> list[int]:
        """Admins the bot may write to privately (they wrote to it and did not block it)."""
        admins = await self.admin_user_ids(configured)
        if not admins:
            return []
        marks = ",".join("?" * len(admins))
        rows = await self.db.fetchall(
            f"SELECT user_id FROM tg_users WHERE private_ok = 1 AND user_id IN ({marks})", admins
        )
        return sorted(r[0] for r in rows)

    async def reachable_unit_leaders(self, unit_id: int) -> list[int]:
        """The unit's leaders the bot may write to privately."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT m.tg_user_id FROM members m"
            " JOIN member_roles r ON r.member_id = m.id AND r.role = 'unit_leader'"
            " JOIN teams t ON t.id = m.team_id"
            " JOIN tg_users u ON u.user_id = m.tg_user_id AND u.private_ok = 1"
            " WHERE t.unit_id = ? AND m.active = 1",
            (unit_id,),
        )
        return sorted(r[0] for r in rows)

    async def attempts(self, user_id: int) -> Attempts:
        row = await self.db.fetchone(
            "SELECT failures, locked_until FROM registration_attempts WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return Attempts(0, None)
        locked = parse_iso(row["locked_until"]) if row["locked_until"] else None
        return Attempts(row["failures"], locked)

    async def record_failure(
        self, user_id: int, max_failures: int, pause: timedelta, now: datetime
    ) -> Attempts:
        """Count a wrong employee number; the max-th failure starts a pause (from `now`) and
        resets the count."""
        until = now + pause

        def record(conn: sqlite3.Connection) -> Attempts:
            row = conn.execute(
                "INSERT INTO registration_attempts(user_id, failures) VALUES (?, 1)"
                " ON CONFLICT(user_id) DO UPDATE SET failures = failures + 1"
                " RETURNING failures",
                (user_id,),
            ).fetchone()
            failures = int(row[0]) if row else 1
            if failures < max_failures:
                return Attempts(failures, None)
            conn.execute(
                "UPDATE registration_attempts SET failures = 0, locked_until = ? WHERE user_id = ?",
                (iso(until), user_id),
            )
            return Attempts(failures, until)

        return await self.db.write(record)

    async def audit(
        self, actor: int | None, action: str, subject: str | None, detail: dict[str, object]
    ) -> None:
        await self.db.execute(
            "INSERT INTO audit_log(actor, action, subject, detail) VALUES (?, ?, ?, ?)",
            (actor, action, subject, json.dumps(detail, ensure_ascii=False)),
        )


def link_in(
    conn: sqlite3.Connection,
    member_id: int,
    user_id: int,
    employee_no: str,
    team_id: int,
    at: datetime,
) -> bool:
    """`PeopleRepo.link`'s statements, for a write that links as one of its steps (a claim
    approved and its account linked commit together)."""
    now = iso(at)
    taken = conn.execute(
        "SELECT 1 FROM members WHERE tg_user_id = ? AND id != ?", (user_id, member_id)
    ).fetchone()
    if taken:
        return False
    cur = conn.execute(
        "UPDATE members SET tg_user_id = ?, linked_at = ?, updated_at = ?"
        " WHERE id = ? AND tg_user_id IS NULL",
        (user_id, now, now, member_id),
    )
    if cur.rowcount != 1:
        return False
    conn.execute("DELETE FROM registration_attempts WHERE user_id = ?", (user_id,))
    conn.execute(END_CONVERSATION_SQL, (user_id, user_id))
    conn.execute(
        "INSERT INTO audit_log(actor, action, subject, detail)"
        " VALUES (?, 'registration.linked', ?, ?)",
        (user_id, employee_no, json.dumps({"team_id": team_id})),
    )
    return True
