"""SQL for notices (通知公告): the notice, its audience snapshot, confirmations, reminders."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import iso, parse_iso
from bot.db import Database
from bot.repos.conversations import END_CONVERSATION_SQL
from bot.repos.groups import GroupsRepo
from bot.repos.outbox import OutboxRepo, OutMessage


@dataclass(frozen=True)
class Member:
    """An audience member as a notice plan needs them."""

    member_id: int
    name: str
    team_id: int
    unit_id: int
    tg_user_id: int | None
    private_ok: bool


@dataclass(frozen=True)
class Recipient:
    member_id: int
    team_id: int
    via: str  # private | group | none


@dataclass(frozen=True)
class NoticeDraft:
    author_user_id: int
    author_name: str
    kind: str
    body: str
    media: str | None
    audience: dict[str, Any]
    audience_label: str
    target: str
    pin: bool
    progress_chat_id: int | None
    progress_message_id: int | None
    fallback_count: int
    unreachable_count: int


@dataclass(frozen=True)
class Notice:
    id: int
    author_user_id: int
    author_name: str
    kind: str
    body: str
    audience: dict[str, Any]
    audience_label: str
    target: str
    pin: bool
    progress_chat_id: int | None
    progress_message_id: int | None
    fallback_count: int
    unreachable_count: int
    last_reminded_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, r: aiosqlite.Row) -> Notice:
        reminded = parse_iso(r["last_reminded_at"]) if r["last_reminded_at"] else None
        return cls(
            r["id"], r["author_user_id"], r["author_name"], r["kind"], r["body"],
            json.loads(r["audience"]), r["audience_label"], r["target"], bool(r["pin"]),
            r["progress_chat_id"], r["progress_message_id"], r["fallback_count"],
            r["unreachable_count"], reminded, parse_iso(r["created_at"]),
        )  # fmt: skip


@dataclass(frozen=True)
class StatusRow:
    unit_name: str
    team_name: str
    name: str
    acked: bool
    via: str


_MEMBERS = (
    "SELECT m.id, m.name, m.team_id, t.unit_id, m.tg_user_id, coalesce(u.private_ok, 0) AS ok"
    " FROM members m JOIN teams t ON t.id = m.team_id"
    " LEFT JOIN tg_users u ON u.user_id = m.tg_user_id WHERE m.active = 1"
)


class NoticesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def audience(
        self,
        unit_id: int | None = None,
        team_id: int | None = None,
        role: str | None = None,
        tag: str | None = None,
    ) -> list[Member]:
        """Active roster members in a place (None = everywhere), optionally by role or tag."""
        sql, params = _MEMBERS, list[object]()
        if unit_id is not None:
            sql += " AND t.unit_id = ?"
            params.append(unit_id)
        if team_id is not None:
            sql += " AND m.team_id = ?"
            params.append(team_id)
        if role is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM member_roles r WHERE r.member_id = m.id AND r.role = ?)"
            )
            params.append(role)
        if tag is not None:
            sql += (
                " AND EXISTS (SELECT 1 FROM member_tags g WHERE g.member_id = m.id AND g.tag = ?)"
            )
            params.append(tag)
        rows = await self.db.fetchall(sql + " ORDER BY t.unit_id, m.team_id, m.employee_no", params)
        return [Member(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    async def tags(self, unit_id: int | None = None, team_id: int | None = None) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT g.tag FROM member_tags g JOIN members m ON m.id = g.member_id"
            " JOIN teams t ON t.id = m.team_id WHERE m.active = 1"
            " AND (? IS NULL OR t.unit_id = ?) AND (? IS NULL OR m.team_id = ?) ORDER BY g.tag",
            (unit_id, unit_id, team_id, team_id),
        )
        return [r[0] for r in rows]

    async def team_groups(self) -> dict[int, int]:
        """team -> its bound, active group chat."""
        return await GroupsRepo(self.db).team_groups()

    async def create(
        self,
        draft: NoticeDraft,
        recipients: Sequence[Recipient],
        messages: Callable[[int], list[OutMessage]],
        end_conversation: tuple[int, int] | None = None,
    ) -> int:
        """The notice, its audience and its outbox rows, in one transaction — with the end of
        the composing conversation (chat, user) if given, so that a crash leaves either a sent
        notice and no draft, or the draft and no notice."""
        async with self.db.transaction() as tx:
            if end_conversation is not None:
                await tx.execute(END_CONVERSATION_SQL, end_conversation)
            async with tx.execute(
                "INSERT INTO notices(author_user_id, author_name, kind, body, media, audience,"
                " audience_label, target, pin, progress_chat_id, progress_message_id,"
                " fallback_count, unreachable_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    draft.author_user_id, draft.author_name, draft.kind, draft.body, draft.media,
                    json.dumps(draft.audience, ensure_ascii=False), draft.audience_label,
                    draft.target, int(draft.pin), draft.progress_chat_id,
                    draft.progress_message_id, draft.fallback_count, draft.unreachable_count,
                ),
            ) as cur:  # fmt: skip
                notice_id = int(cur.lastrowid or 0)
            await tx.executemany(
                "INSERT INTO notice_recipients(notice_id, member_id, team_id, via)"
                " VALUES (?, ?, ?, ?)",
                [(notice_id, r.member_id, r.team_id, r.via) for r in recipients],
            )
            await OutboxRepo(self.db).enqueue(messages(notice_id), tx)
            return notice_id

    async def get(self, notice_id: int) -> Notice | None:
        row = await self.db.fetchone("SELECT * FROM notices WHERE id = ?", (notice_id,))
        return Notice.from_row(row) if row else None

    async def recent(self, author_user_id: int | None, limit: int = 6) -> list[Notice]:
        """Latest notices, of one author (None = everyone's)."""
        rows = await self.db.fetchall(
            "SELECT * FROM notices WHERE ? IS NULL OR author_user_id = ? ORDER BY id DESC LIMIT ?",
            (author_user_id, author_user_id, limit),
        )
        return [Notice.from_row(r) for r in rows]

    async def ack(self, notice_id: int, member_id: int, now: datetime) -> str:
        """'new', 'again', or 'not_recipient'."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT acked_at FROM notice_recipients WHERE notice_id = ? AND member_id = ?",
                (notice_id, member_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return "not_recipient"
            if row[0] is not None:
                return "again"
            await tx.execute(
                "UPDATE notice_recipients SET acked_at = ? WHERE notice_id = ? AND member_id = ?",
                (iso(now), notice_id, member_id),
            )
            return "new"

    async def status(self, notice_id: int) -> list[StatusRow]:
        rows = await self.db.fetchall(
            "SELECT u.name, t.name, m.name, r.acked_at IS NOT NULL, r.via"
            " FROM notice_recipients r JOIN members m ON m.id = r.member_id"
            " JOIN teams t ON t.id = r.team_id JOIN units u ON u.id = t.unit_id"
            " WHERE r.notice_id = ? ORDER BY u.id, t.id, m.employee_no",
            (notice_id,),
        )
        return [StatusRow(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    async def confirmations(
        self, notice_id: int
    ) -> list[tuple[str, str, str, str, datetime | None, str]]:
        """Every recipient of a notice for the export: unit, team, employee no, name, when
        they confirmed (None: not yet), how it was delivered."""
        rows = await self.db.fetchall(
            "SELECT u.name, t.name, m.employee_no, m.name, r.acked_at, r.via"
            " FROM notice_recipients r JOIN members m ON m.id = r.member_id"
            " JOIN teams t ON t.id = r.team_id JOIN units u ON u.id = t.unit_id"
            " WHERE r.notice_id = ? ORDER BY u.id, t.id, m.employee_no",
            (notice_id,),
        )
        return [
            (r[0], r[1], r[2], r[3], parse_iso(r[4]) if r[4] else None, r[5] or "") for r in rows
        ]

    async def unconfirmed(self, notice_id: int) -> list[Member]:
        rows = await self.db.fetchall(
            _MEMBERS.replace("WHERE m.active = 1", "JOIN notice_recipients r ON r.member_id = m.id"
            " WHERE r.notice_id = ? AND r.acked_at IS NULL ORDER BY m.employee_no"),
            (notice_id,),
        )  # fmt: skip
        return [Member(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    async def claim_reminder(self, notice_id: int, now: datetime, interval_s: float) -> bool:
        """Stamp a reminder unless one was sent less than `interval_s` ago (atomic)."""
        cutoff = iso(datetime.fromtimestamp(now.timestamp() - interval_s, now.tzinfo))
        changed = await self.db.execute_count(
            "UPDATE notices SET last_reminded_at = ? WHERE id = ?"
            " AND (last_reminded_at IS NULL OR last_reminded_at <= ?)",
            (iso(now), notice_id, cutoff),
        )
        return changed == 1
