"""SQL for the organisation: units, teams, roster members, invite codes, roster import.

A roster import is one transaction: a file either lands whole or not at all. Members are keyed
by employee number, so a re-import updates people in place and a team move keeps the member
row (and everything pointing at it) while `team_history` records where they were and when.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, replace

from bot.db import Database, Tx
from bot.domain.job_titles import StaffAs
from bot.domain.org import Team, Unit
from bot.domain.org_import import (
    ImportResult,
    ImportSummary,
    MemberChange,
    RosterFileError,
    RosterRow,
    read_roster_file,
    validate,
)

__all__ = [
    "ImportResult",
    "ImportSummary",
    "Invite",
    "OrgRepo",
    "Team",
    "Unit",
    "new_invite_code",
]

_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
_TEAM_SQL = (
    "SELECT t.id, t.unit_id, u.name AS unit_name, t.name, t.invite_code"
    " FROM teams t JOIN units u ON u.id = t.unit_id"
)


@dataclass(frozen=True)
class Invite:
    team_id: int
    unit_name: str
    team_name: str
    code: str


@dataclass
class _Member:
    id: int
    name: str
    team_id: int
    active: bool
    roles: set[str]
    tags: set[str]
    tg_user_id: int | None = None
    title: str = ""
    phone_tail: str = ""

    def snapshot(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "team_id": self.team_id,
            "active": self.active,
            "roles": sorted(self.roles),
            "tags": sorted(self.tags),
            "title": self.title,
            "phone_tail": self.phone_tail,
        }


@dataclass(frozen=True)
class Staged:
    id: int
    actor: int | None
    source: str
    content: bytes
    prune: bool
    status: str
    chat_id: int | None
    message_id: int | None


@dataclass(frozen=True)
class Applied:
    result: ImportResult
    import_id: int


@dataclass(frozen=True)
class Undone:
    import_id: int
    source: str
    restored: int
    deactivated: int


class _DryRun(Exception):
    """Raised inside the import transaction to roll it back after counting."""

    def __init__(self, summary: ImportSummary, changes: list[MemberChange]) -> None:
        super().__init__("dry run")
        self.summary = summary
        self.changes = changes


class ImportStale(Exception):
    """The staged import was already applied, cancelled or undone."""


AfterApply = Callable[[Tx, list[MemberChange]], Awaitable[None]]


async def _insert_import(
    tx: Tx, actor: int | None, source: str, data: bytes | None, prune: bool
) -> int:
    async with tx.execute(
        "INSERT INTO roster_imports(actor, source, content, prune) VALUES (?, ?, ?, ?)",
        (actor, source, data, int(prune)),
    ) as cur:
        if cur.lastrowid is None:
            raise RuntimeError("insert returned no row id")
        return cur.lastrowid


def new_invite_code() -> str:
    # 9 random bytes = 72 bits, 12 URL-safe characters: unguessable, and within what a
    # Telegram deep-link payload allows (A-Z a-z 0-9 _ -, at most 64).
    return secrets.token_urlsafe(9)


class OrgRepo:
    def __init__(self, db: Database, staff_as: str = "tag") -> None:
        self.db = db
        # the site's political_titles setting: 书记/政工员… as admins or as tags only
        self.staff_as: StaffAs = "admin" if staff_as == "admin" else "tag"

    # ------------------------------------------------------------ import

    async def import_file(
        self,
        data: bytes,
        filename: str,
        *,
        prune: bool = False,
        dry_run: bool = False,
        actor: int | None = None,
    ) -> ImportResult:
        """Read, check and (unless there is any error, or dry_run) apply a roster file.

        A dry run still computes the summary and the named changes, inside a transaction that
        is rolled back: that is the preview.
        """
        result, rows = self._check(data, filename, dry_run)
        if rows is None:
            return result
        summary, changes, _ = await self._apply(
            rows, prune=prune, actor=actor, source=filename, dry_run=dry_run
        )
        return replace(result, summary=summary, changes=tuple(changes))

    def _check(
        self, data: bytes, filename: str, dry_run: bool
    ) -> tuple[ImportResult, list[RosterRow] | None]:
        try:
            roster = read_roster_file(data, filename)
        except RosterFileError as exc:
            return ImportResult(file_error=exc.error, dry_run=dry_run), None
        rows, errors = validate(roster.rows, staff_as=self.staff_as)
        result = ImportResult(
            errors=errors,
            rows=len(roster.rows),
            dry_run=dry_run,
            header_row=roster.header_row,
            ignored=roster.ignored,
        )
        return result, (None if errors else rows)

    async def apply_roster(
        self,
        rows: Sequence[RosterRow],
        *,
        prune: bool = False,
        actor: int | None = None,
        source: str | None = None,
        dry_run: bool = False,
    ) -> ImportSummary:
        """Upsert units, teams and members from checked rows, in one transaction.

        With prune, active members missing from `rows` are deactivated (rows kept).
        """
        summary, _, _ = await self._apply(
            rows, prune=prune, actor=actor, source=source, dry_run=dry_run
        )
        return summary

    async def _apply(
        self,
        rows: Sequence[RosterRow],
        *,
        prune: bool,
        actor: int | None,
        source: str | None,
        dry_run: bool,
        staged: int | None = None,
        after: AfterApply | None = None,
    ) -> tuple[ImportSummary, list[MemberChange], int]:
        try:
            async with self.db.transaction() as tx:
                job = _Import(tx)
                summary = await job.run(rows, prune)
                if dry_run:
                    raise _DryRun(summary, job.changes)
                detail = {**asdict(summary), "rows": len(rows), "prune": prune}
                await tx.execute(
                    "INSERT INTO audit_log(actor, action, subject, detail)"
                    " VALUES (?, 'org.import', ?, ?)",
                    (actor, source, json.dumps(detail)),
                )
                undo = json.dumps({"created": job.created, "before": job.before})
                if staged is None:
                    staged = await _insert_import(tx, actor, source or "", None, prune)
                async with tx.execute(
                    f"UPDATE roster_imports SET status = 'applied', undo = ?, content = NULL,"
                    f" decided_at = {_NOW} WHERE id = ? AND status = 'pending'",
                    (undo, staged),
                ) as cur:
                    if cur.rowcount != 1:
                        raise ImportStale(staged)
                if after is not None:
                    await after(tx, job.changes)
        except _DryRun as dry:
            return dry.summary, dry.changes, 0
        return summary, job.changes, staged

    # ------------------------------------------------------------ staged imports

    async def stage(
        self, data: bytes, filename: str, *, prune: bool = False, actor: int | None = None
    ) -> tuple[ImportResult, int | None]:
        """Preview a file and keep it, pending an admin's confirmation; id None if not valid."""
        result = await self.import_file(data, filename, prune=prune, dry_run=True, actor=actor)
        if not result.ok:
            return result, None
        async with self.db.transaction() as tx:
            import_id = await _insert_import(tx, actor, filename, data, prune)
        return result, import_id

    async def staged(self, import_id: int) -> Staged | None:
        row = await self.db.fetchone(
            "SELECT id, actor, source, content, prune, status, chat_id, message_id"
            " FROM roster_imports WHERE id = ?",
            (import_id,),
        )
        if row is None:
            return None
        return Staged(
            row["id"],
            row["actor"],
            row["source"],
            bytes(row["content"] or b""),
            bool(row["prune"]),
            row["status"],
            row["chat_id"],
            row["message_id"],
        )

    async def confirm(
        self, import_id: int, *, actor: int | None, after: AfterApply | None = None
    ) -> Applied:
        """Apply a staged import (once: a second press finds it no longer pending).

        Raises ImportStale if it is not pending any more.
        """
        staged = await self.staged(import_id)
        if staged is None or staged.status != "pending":
            raise ImportStale(import_id)
        result, rows = self._check(staged.content, staged.source, False)
        if rows is None:
            await self.cancel(import_id)
            return Applied(result, import_id)
        summary, changes, _ = await self._apply(
            rows,
            prune=staged.prune,
            actor=actor,
            source=staged.source,
            dry_run=False,
            staged=import_id,
            after=after,
        )
        return Applied(replace(result, summary=summary, changes=tuple(changes)), import_id)

    async def cancel(self, import_id: int) -> bool:
        async with (
            self.db.transaction() as tx,
            tx.execute(
                f"UPDATE roster_imports SET status = 'cancelled', content = NULL,"
                f" decided_at = {_NOW} WHERE id = ? AND status = 'pending'",
                (import_id,),
            ) as cur,
        ):
            return cur.rowcount == 1

    async def undo_last(self, *, actor: int | None) -> Undone | None:
        """Put back what the last applied import changed; None if there is none to undo.

        People it created are deactivated, not deleted: they may have registered or checked in
        since, and their records must keep pointing at someone.
        """
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT id, source, undo FROM roster_imports"
                " WHERE status IN ('applied', 'undone') ORDER BY id DESC LIMIT 1"
            ) as cur:
                last = await cur.fetchone()
            if last is None or last["undo"] is None:
                return None
            async with tx.execute(
                "SELECT status FROM roster_imports WHERE id = ?", (last["id"],)
            ) as cur:
                status = await cur.fetchone()
            if status is None or status[0] != "applied":
                return None
            undo = json.loads(last["undo"])
            job = _Import(tx)
            job.now = await job._scalar(f"SELECT {_NOW}")
            for member_id in undo["created"]:
                await job._deactivate(int(member_id))
            for before in undo["before"]:
                await job._restore(before)
            await tx.execute(
                f"UPDATE roster_imports SET status = 'undone', decided_at = {_NOW} WHERE id = ?",
                (last["id"],),
            )
            await tx.execute(
                "INSERT INTO audit_log(actor, action, subject, detail)"
                " VALUES (?, 'org.import_undo', ?, ?)",
                (actor, last["source"], json.dumps({"import": last["id"]})),
            )
        return Undone(last["id"], last["source"], len(undo["before"]), len(undo["created"]))

    # ------------------------------------------------------------ reading

    async def units(self) -> list[Unit]:
        rows = await self.db.fetchall("SELECT id, name FROM units ORDER BY id")
        return [Unit(r["id"], r["name"]) for r in rows]

    async def unit_name(self, unit_id: int) -> str | None:
        value = await self.db.fetchval("SELECT name FROM units WHERE id = ?", (unit_id,))
        return None if value is None else str(value)

    async def teams(self) -> list[Team]:
        """Teams in roster order (the order units and teams were first imported)."""
        rows = await self.db.fetchall(_TEAM_SQL + " ORDER BY u.id, t.id")
        return [Team.from_row(r) for r in rows]

    async def team(self, team_id: int) -> Team | None:
        row = await self.db.fetchone(_TEAM_SQL + " WHERE t.id = ?", (team_id,))
        return Team.from_row(row) if row else None

    async def team_by_invite(self, code: str) -> Team | None:
        row = await self.db.fetchone(_TEAM_SQL + " WHERE t.invite_code = ?", (code,))
        return Team.from_row(row) if row else None

    # ------------------------------------------------------------ invites

    async def list_invites(self) -> list[Invite]:
        return [Invite(t.id, t.unit_name, t.name, t.invite_code) for t in await self.teams()]

    async def rotate_invite(self, team_id: int) -> str:
        """A new invite code for the team; the old one stops resolving. LookupError if no team."""
        async with self.db.transaction() as tx:
            code = await _unused_code(tx)
            async with tx.execute(
                f"UPDATE teams SET invite_code = ?, invite_at = {_NOW} WHERE id = ?",
                (code, team_id),
            ) as cur:
                if cur.rowcount != 1:
                    raise LookupError(f"no team {team_id}")
        return code


async def _unused_code(tx: Tx) -> str:
    while True:
        code = new_invite_code()
        async with tx.execute("SELECT 1 FROM teams WHERE invite_code = ?", (code,)) as cur:
            if await cur.fetchone() is None:
                return code


class _Import:
    """One roster import on an open transaction; counts what it does."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.counts: dict[str, int] = dict.fromkeys(asdict(ImportSummary()), 0)
        self.now = ""
        self.changes: list[MemberChange] = []
        self.created: list[int] = []
        self.before: list[dict[str, object]] = []  # state of every member changed, for undo
        self.labels: dict[int, str] = {}

    async def run(self, rows: Sequence[RosterRow], prune: bool) -> ImportSummary:
        self.now = await self._scalar(f"SELECT {_NOW}")
        # dict.fromkeys keeps roster order, so ids (and listings ordered by id) follow the file.
        units = await self._units(list(dict.fromkeys(r.unit for r in rows)))
        teams = await self._teams(list(dict.fromkeys((units[r.unit], r.team) for r in rows)))
        async with self.tx.execute(
            "SELECT t.id, u.name AS unit, t.name FROM teams t JOIN units u ON u.id = t.unit_id"
        ) as cur:
            self.labels = {r["id"]: f"{r['unit']} {r['name']}" for r in await cur.fetchall()}
        members = await self._members()
        new: list[tuple[RosterRow, int]] = []
        for row in rows:
            team_id = teams[(units[row.unit], row.team)]
            member = members.get(row.employee_no)
            if member is None:
                new.append((row, team_id))
            else:
                await self._update(member, row, team_id)
        await self._create(new)
        if prune:
            keep = {r.employee_no for r in rows}
            for employee_no, member in members.items():
                if member.active and employee_no not in keep:
                    self.before.append(member.snapshot())
                    self.changes.append(
                        MemberChange(
                            "deactivated",
                            employee_no,
                            member.name,
                            old_team=self.labels.get(member.team_id, ""),
                            tg_user_id=member.tg_user_id,
                        )
                    )
                    await self._deactivate(member.id)
        return ImportSummary(**self.counts)

    async def _restore(self, before: dict[str, object]) -> None:
        """Put a member back as `before` (a snapshot) says, history included."""
        member_id = int(str(before["id"]))
        team_id = int(str(before["team_id"]))
        await self.tx.execute(
            "UPDATE members SET name = ?, team_id = ?, active = ?, title = ?, phone_tail = ?,"
            " updated_at = ? WHERE id = ?",
            (
                before["name"],
                team_id,
                int(bool(before["active"])),
                before.get("title", ""),
                before.get("phone_tail", ""),
                self.now,
                member_id,
            ),
        )
        await self.tx.execute("DELETE FROM member_roles WHERE member_id = ?", (member_id,))
        await self.tx.execute("DELETE FROM member_tags WHERE member_id = ?", (member_id,))
        roles = before["roles"]
        tags = before["tags"]
        assert isinstance(roles, list) and isinstance(tags, list)
        await self.tx.executemany(
            "INSERT INTO member_roles(member_id, role) VALUES (?, ?)",
            [(member_id, r) for r in roles],
        )
        await self.tx.executemany(
            "INSERT INTO member_tags(member_id, tag) VALUES (?, ?)",
            [(member_id, t) for t in tags],
        )
        if before["active"]:
            await self._place(member_id, team_id)
        else:
            await self.tx.execute(
                "UPDATE team_history SET to_at = ? WHERE member_id = ? AND to_at IS NULL",
                (self.now, member_id),
            )

    async def _scalar(self, sql: str) -> str:
        async with self.tx.execute(sql) as cur:
            row = await cur.fetchone()
        if row is None:
            raise RuntimeError(f"no value from {sql}")
        return str(row[0])

    async def _insert(self, sql: str, params: Sequence[object]) -> int:
        async with self.tx.execute(sql, params) as cur:
            if cur.lastrowid is None:
                raise RuntimeError("insert returned no row id")
            return cur.lastrowid

    async def _units(self, names: list[str]) -> dict[str, int]:
        async with self.tx.execute("SELECT id, name FROM units") as cur:
            known: dict[str, int] = {r["name"]: r["id"] for r in await cur.fetchall()}
        for name in names:
            if name not in known:
                known[name] = await self._insert("INSERT INTO units(name) VALUES (?)", (name,))
                self.counts["units_created"] += 1
        return known

    async def _teams(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
        async with self.tx.execute("SELECT id, unit_id, name FROM teams") as cur:
            known: dict[tuple[int, str], int] = {
                (r["unit_id"], r["name"]): r["id"] for r in await cur.fetchall()
            }
        for unit_id, name in keys:
            if (unit_id, name) not in known:
                code = await _unused_code(self.tx)
                known[(unit_id, name)] = await self._insert(
                    "INSERT INTO teams(unit_id, name, invite_code) VALUES (?, ?, ?)",
                    (unit_id, name, code),
                )
                self.counts["teams_created"] += 1
        return known

    async def _members(self) -> dict[str, _Member]:
        async with self.tx.execute(
            "SELECT id, employee_no, name, team_id, active, tg_user_id, title, phone_tail"
            " FROM members"
        ) as cur:
            rows = list(await cur.fetchall())
        by_id = {
            r["id"]: _Member(
                r["id"],
                r["name"],
                r["team_id"],
                bool(r["active"]),
                set(),
                set(),
                r["tg_user_id"],
                r["title"],
                r["phone_tail"],
            )
            for r in rows
        }
        async with self.tx.execute("SELECT member_id, role FROM member_roles") as cur:
            for member_id, role in await cur.fetchall():
                by_id[member_id].roles.add(role)
        async with self.tx.execute("SELECT member_id, tag FROM member_tags") as cur:
            for member_id, tag in await cur.fetchall():
                by_id[member_id].tags.add(tag)
        return {r["employee_no"]: by_id[r["id"]] for r in rows}

    async def _create(self, new: list[tuple[RosterRow, int]]) -> None:
        """New members in a few batched statements: a first import may hold thousands, and
        every round trip here holds the database's one writer lock a little longer."""
        await self.tx.executemany(
            "INSERT INTO members(employee_no, name, team_id, active, title, phone_tail,"
            " created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
            [
                (row.employee_no, row.name, team_id, row.title, row.phone_tail, self.now, self.now)
                for row, team_id in new
            ],
        )
        async with self.tx.execute("SELECT employee_no, id FROM members") as cur:
            ids: dict[str, int] = {r[0]: r[1] for r in await cur.fetchall()}
        self.created.extend(ids[row.employee_no] for row, _ in new)
        self.changes.extend(
            MemberChange("added", row.employee_no, row.name, new_team=self.labels.get(team_id, ""))
            for row, team_id in new
        )
        await self._set_labels([(ids[row.employee_no], row) for row, _ in new])
        await self.tx.executemany(
            "INSERT INTO team_history(member_id, team_id, from_at) VALUES (?, ?, ?)",
            [(ids[row.employee_no], team_id, self.now) for row, team_id in new],
        )
        self.counts["members_created"] += len(new)

    async def _update(self, member: _Member, row: RosterRow, team_id: int) -> None:
        same = (
            member.name == row.name
            and member.team_id == team_id
            and member.active
            and member.roles == set(row.roles)
            and member.tags == set(row.tags)
            and member.title == row.title
            and member.phone_tail == row.phone_tail
        )
        if same:
            self.counts["unchanged"] += 1
            return
        self.before.append(member.snapshot())
        kind = "reactivated" if not member.active else "moved"
        if kind == "reactivated" or member.team_id != team_id:
            self.changes.append(
                MemberChange(
                    kind,
                    row.employee_no,
                    row.name,
                    old_team=self.labels.get(member.team_id, ""),
                    new_team=self.labels.get(team_id, ""),
                    tg_user_id=member.tg_user_id,
                )
            )
        await self.tx.execute(
            "UPDATE members SET name = ?, team_id = ?, active = 1, title = ?, phone_tail = ?,"
            " updated_at = ? WHERE id = ?",
            (row.name, team_id, row.title, row.phone_tail, self.now, member.id),
        )
        await self.tx.execute("DELETE FROM member_roles WHERE member_id = ?", (member.id,))
        await self.tx.execute("DELETE FROM member_tags WHERE member_id = ?", (member.id,))
        await self._set_labels([(member.id, row)])
        await self._place(member.id, team_id)
        self.counts["members_updated"] += 1
        self.counts["members_moved"] += int(member.team_id != team_id)

    async def _set_labels(self, members: list[tuple[int, RosterRow]]) -> None:
        await self.tx.executemany(
            "INSERT INTO member_roles(member_id, role) VALUES (?, ?)",
            [(member_id, role) for member_id, row in members for role in sorted(row.roles)],
        )
        await self.tx.executemany(
            "INSERT INTO member_tags(member_id, tag) VALUES (?, ?)",
            [(member_id, tag) for member_id, row in members for tag in row.tags],
        )

    async def _place(self, member_id: int, team_id: int) -> None:
        """Make the member's one open history row point at team_id, closing any other."""
        await self.tx.execute(
            "UPDATE team_history SET to_at = ?"
            " WHERE member_id = ? AND to_at IS NULL AND team_id != ?",
            (self.now, member_id, team_id),
        )
        async with self.tx.execute(
            "SELECT 1 FROM team_history WHERE member_id = ? AND to_at IS NULL", (member_id,)
        ) as cur:
            if await cur.fetchone() is not None:
                return
        await self.tx.execute(
            "INSERT INTO team_history(member_id, team_id, from_at) VALUES (?, ?, ?)",
            (member_id, team_id, self.now),
        )

    async def _deactivate(self, member_id: int) -> None:
        await self.tx.execute(
            "UPDATE members SET active = 0, updated_at = ? WHERE id = ?", (self.now, member_id)
        )
        await self.tx.execute(
            "UPDATE team_history SET to_at = ? WHERE member_id = ? AND to_at IS NULL",
            (self.now, member_id),
        )
        self.counts["members_deactivated"] += 1
