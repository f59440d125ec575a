"""SQL for rationalization suggestions: the items, their state changes, credits, the reward
ledger, topic corrections and the record of scheduled summaries."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import iso, parse_iso
from bot.db import Database, Tx
from bot.repos.conversations import END_CONVERSATION_SQL
from bot.repos.outbox import OutboxRepo, OutMessage

_SELECT = """
SELECT s.*, m.name AS author_name, m.tg_user_id AS author_tg, t.name AS team_name,
       u.name AS unit_name,
       (SELECT coalesce(sum(points), 0) FROM suggestion_rewards r
         WHERE r.suggestion_id = s.id) AS points,
       (SELECT coalesce(sum(amount_fen), 0) FROM suggestion_rewards r
         WHERE r.suggestion_id = s.id) AS amount_fen
FROM suggestions s LEFT JOIN members m ON m.id = s.author_member_id
JOIN teams t ON t.id = s.team_id JOIN units u ON u.id = s.unit_id
"""


@dataclass(frozen=True)
class Suggestion:
    id: int
    author_member_id: int | None  # None: anonymous (the author is not in the database)
    author_name: str | None
    author_tg: int | None
    team_id: int
    team_name: str
    unit_id: int
    unit_name: str
    text: str
    photos: tuple[str, ...]
    anonymous: bool
    topics: tuple[str, ...]
    auto_topics: tuple[str, ...]
    keywords: tuple[str, ...]
    tokens: tuple[str, ...]
    state: str
    duplicate_of: int | None
    reason: str | None
    created_at: datetime
    updated_at: datetime
    points: int
    amount_fen: int
    author_tag: bytes | None = None
    reply_to: bytes | None = None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Suggestion:
        return cls(
            id=row["id"],
            author_member_id=row["author_member_id"],
            author_name=row["author_name"],
            author_tg=row["author_tg"],
            team_id=row["team_id"],
            team_name=row["team_name"],
            unit_id=row["unit_id"],
            unit_name=row["unit_name"],
            text=row["text"],
            photos=tuple(json.loads(row["photos"])),
            anonymous=bool(row["anonymous"]),
            topics=tuple(json.loads(row["topics"])),
            auto_topics=tuple(json.loads(row["auto_topics"])),
            keywords=tuple(json.loads(row["keywords"])),
            tokens=tuple(row["tokens"].split()),
            state=row["state"],
            duplicate_of=row["duplicate_of"],
            reason=row["reason"],
            created_at=parse_iso(row["created_at"]),
            updated_at=parse_iso(row["updated_at"]),
            points=int(row["points"]),
            amount_fen=int(row["amount_fen"]),
            author_tag=row["author_tag"],
            reply_to=row["reply_to"],
        )


@dataclass(frozen=True)
class NewSuggestion:
    """An anonymous one has no author_member_id: `tag_of(id)` and `reply_to` stand in for the
    author (bot.domain.casework.suggestion_tag, seal)."""

    author_member_id: int | None
    team_id: int
    unit_id: int
    text: str
    photos: tuple[str, ...]
    anonymous: bool
    topics: tuple[str, ...]
    auto_topics: tuple[str, ...]
    keywords: tuple[str, ...]
    tokens: tuple[str, ...]
    tag_of: Callable[[int], bytes] | None = None
    reply_to: bytes | None = None


@dataclass(frozen=True)
class LedgerRow:
    suggestion_id: int
    points: int
    amount_fen: int
    note: str | None
    given_by: int
    at: datetime
    unit_name: str = ""
    team_name: str = ""
    # Who the reward is for: the author, then those credited through merged duplicates;
    # None for a name that was submitted anonymously.
    people: tuple[str | None, ...] = ()
    payees: tuple[Payee, ...] = ()
    reward_id: int = 0

    @property
    def claim_code(self) -> str:
        return claim_code(self.reward_id, self.suggestion_id, self.at)


@dataclass(frozen=True)
class Payee:
    """One person a reward is paid to. An anonymous author has no number or name here: they
    claim with the code the bot told them privately."""

    employee_no: str
    name: str
    anonymous: bool


def claim_code(reward_id: int, suggestion_id: int, at: datetime) -> str:
    """The code an anonymous author shows to be paid: told to them privately by the bot,
    printed in the ledger instead of their name; not guessable from the reward's number."""
    digest = hashlib.sha256(f"banzu-claim:{reward_id}:{suggestion_id}:{iso(at)}".encode())
    return f"J{reward_id:04d}-{digest.hexdigest()[:4].upper()}"


@dataclass(frozen=True)
class CorrectionRow:
    tokens: tuple[str, ...]
    old: tuple[str, ...]
    new: tuple[str, ...]


def _j(items: tuple[str, ...] | list[str]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


class SuggestionsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, new: NewSuggestion, actor: int, conversation: tuple[int, int]
    ) -> Suggestion | None:
        """Save the suggestion and end the author's conversation in one transaction; None if
        that conversation is already gone (a second press of 提交), so nothing is saved twice."""
        async with self.db.transaction() as tx:
            async with tx.execute(END_CONVERSATION_SQL, conversation) as cur:
                if cur.rowcount == 0:
                    return None
            async with tx.execute(
                "INSERT INTO suggestions(author_member_id, team_id, unit_id, text, photos,"
                " anonymous, topics, auto_topics, keywords, tokens)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    new.author_member_id,
                    new.team_id,
                    new.unit_id,
                    new.text,
                    _j(new.photos),
                    int(new.anonymous),
                    _j(new.topics),
                    _j(new.auto_topics),
                    _j(new.keywords),
                    " ".join(new.tokens),
                ),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            sid = int(row[0])
            if new.anonymous:
                # Nothing of the author in this transaction's rows: the tag and the sealed
                # address only, and no actor on the author's own steps.
                assert new.tag_of is not None and new.reply_to is not None
                actor = 0
                await tx.execute(
                    "UPDATE suggestions SET author_tag = ?, reply_to = ? WHERE id = ?",
                    (new.tag_of(sid), new.reply_to, sid),
                )
            await tx.execute(
                "INSERT INTO suggestion_events(suggestion_id, actor, from_state, to_state)"
                " VALUES (?, ?, NULL, 'submitted')",
                (sid, actor),
            )
            if new.topics != new.auto_topics:
                await tx.execute(
                    "INSERT INTO topic_corrections(suggestion_id, old_topics, new_topics,"
                    " by_user, by_reviewer) VALUES (?, ?, ?, ?, 0)",
                    (sid, _j(new.auto_topics), _j(new.topics), actor),
                )
        found = await self.get(sid)
        assert found is not None
        return found

    async def get(self, suggestion_id: int) -> Suggestion | None:
        row = await self.db.fetchone(_SELECT + " WHERE s.id = ?", (suggestion_id,))
        return Suggestion.from_row(row) if row else None

    async def by_member(self, member_id: int, limit: int = 30) -> list[Suggestion]:
        """A member's own suggestions and those they are credited on, newest first."""
        rows = await self.db.fetchall(
            _SELECT + " WHERE s.author_member_id = ? OR s.id IN"
            " (SELECT suggestion_id FROM suggestion_credits WHERE member_id = ?)"
            " ORDER BY s.id DESC LIMIT ?",
            (member_id, member_id, limit),
        )
        return [Suggestion.from_row(r) for r in rows]

    async def anonymous_tags(self) -> list[tuple[int, bytes]]:
        """(id, author tag) of every anonymous suggestion with a tag, for the author's /mine."""
        rows = await self.db.fetchall(
            "SELECT id, author_tag FROM suggestions WHERE anonymous = 1 AND author_tag IS NOT NULL"
        )
        return [(int(r[0]), bytes(r[1])) for r in rows]

    async def by_ids(self, ids: Sequence[int]) -> list[Suggestion]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(_SELECT + f" WHERE s.id IN ({marks})", tuple(ids))
        return [Suggestion.from_row(r) for r in rows]

    async def queue(self, unit_id: int | None, states: tuple[str, ...]) -> list[Suggestion]:
        marks = ",".join("?" * len(states))
        sql = _SELECT + f" WHERE s.state IN ({marks})"
        params: list[object] = list(states)
        if unit_id is not None:
            sql += " AND s.unit_id = ?"
            params.append(unit_id)
        rows = await self.db.fetchall(sql + " ORDER BY s.id", params)
        return [Suggestion.from_row(r) for r in rows]

    async def earlier_tokens(self, before_id: int | None = None) -> list[tuple[int, list[str]]]:
        """(id, tokens) of suggestions that are not merged duplicates, older than `before_id`."""
        sql = "SELECT id, tokens FROM suggestions WHERE state != 'merged'"
        params: tuple[object, ...] = ()
        if before_id is not None:
            sql += " AND id < ?"
            params = (before_id,)
        rows = await self.db.fetchall(sql, params)
        return [(int(r[0]), str(r[1]).split()) for r in rows]

    async def brief(self, ids: list[int]) -> dict[int, Suggestion]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(_SELECT + f" WHERE s.id IN ({marks})", tuple(ids))
        return {int(r["id"]): Suggestion.from_row(r) for r in rows}

    async def transition(
        self,
        suggestion_id: int,
        from_states: tuple[str, ...],
        to_state: str,
        actor: int,
        note: str | None = None,
        reason: str | None = None,
    ) -> bool:
        """Move the suggestion if it is still in one of `from_states` (a stale button is not)."""
        async with self.db.transaction() as tx:
            return await _move(
                tx, suggestion_id, from_states, to_state, actor, note or reason, reason
            )

    async def merge(
        self, later_id: int, earlier_id: int, from_states: tuple[str, ...], actor: int
    ) -> bool:
        """Mark `later_id` a duplicate of `earlier_id`; its author is credited on the earlier."""
        marks = ",".join("?" * len(from_states))
        async with self.db.transaction() as tx:
            async with tx.execute(
                f"SELECT state, author_member_id FROM suggestions WHERE id = ?"
                f" AND state IN ({marks})",
                (later_id, *from_states),
            ) as cur:
                later = await cur.fetchone()
            async with tx.execute(
                "SELECT author_member_id FROM suggestions WHERE id = ? AND state != 'merged'",
                (earlier_id,),
            ) as cur:
                earlier = await cur.fetchone()
            if later is None or earlier is None or later_id == earlier_id:
                return False
            await tx.execute(
                "UPDATE suggestions SET state = 'merged', duplicate_of = ?,"
                " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
                (earlier_id, later_id),
            )
            # An anonymous duplicate credits nobody: a credit row would name its author.
            if later[1] is not None and later[1] != earlier[0]:
                await tx.execute(
                    "INSERT OR IGNORE INTO suggestion_credits(suggestion_id, member_id, via_id)"
                    " VALUES (?, ?, ?)",
                    (earlier_id, later[1], later_id),
                )
            await tx.execute(
                "INSERT INTO suggestion_events(suggestion_id, actor, from_state, to_state, note)"
                " VALUES (?, ?, ?, 'merged', ?)",
                (later_id, actor, later[0], f"#{earlier_id}"),
            )
            return True

    async def reward(
        self,
        suggestion_id: int,
        points: int,
        amount_fen: int,
        note: str | None,
        actor: int,
        from_states: tuple[str, ...],
    ) -> bool:
        """Ledger row and state change together, so a reward is never booked twice."""
        async with self.db.transaction() as tx:
            if not await _move(tx, suggestion_id, from_states, "rewarded", actor, note):
                return False
            await tx.execute(
                "INSERT INTO suggestion_rewards(suggestion_id, points, amount_fen, note, given_by)"
                " VALUES (?, ?, ?, ?, ?)",
                (suggestion_id, points, amount_fen, note, actor),
            )
            return True

    async def set_topics(
        self, suggestion_id: int, topics: tuple[str, ...], actor: int, by_reviewer: bool
    ) -> tuple[str, ...] | None:
        """Change the topics and keep the correction; returns the old topics (None: unknown)."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT topics FROM suggestions WHERE id = ?", (suggestion_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            old = tuple(json.loads(row[0]))
            if old == topics:
                return old
            await tx.execute(
                "UPDATE suggestions SET topics = ?,"
                " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
                (_j(topics), suggestion_id),
            )
            await tx.execute(
                "INSERT INTO topic_corrections(suggestion_id, old_topics, new_topics, by_user,"
                " by_reviewer) VALUES (?, ?, ?, ?, ?)",
                (suggestion_id, _j(old), _j(topics), actor, int(by_reviewer)),
            )
            return old

    async def reviewer_corrections(self) -> list[CorrectionRow]:
        rows = await self.db.fetchall(
            "SELECT s.tokens, c.old_topics, c.new_topics FROM topic_corrections c"
            " JOIN suggestions s ON s.id = c.suggestion_id WHERE c.by_reviewer = 1 ORDER BY c.id"
        )
        return [
            CorrectionRow(
                tuple(str(r[0]).split()), tuple(json.loads(r[1])), tuple(json.loads(r[2]))
            )
            for r in rows
        ]

    async def credited_tg(self, suggestion_id: int) -> list[int]:
        """Telegram ids of everyone credited on a suggestion besides its author."""
        rows = await self.db.fetchall(
            "SELECT m.tg_user_id FROM suggestion_credits c JOIN members m ON m.id = c.member_id"
            " WHERE c.suggestion_id = ? AND m.tg_user_id IS NOT NULL",
            (suggestion_id,),
        )
        return [int(r[0]) for r in rows]

    async def created_between(self, start: datetime, end: datetime) -> list[Suggestion]:
        rows = await self.db.fetchall(
            _SELECT + " WHERE s.created_at >= ? AND s.created_at < ? ORDER BY s.id",
            (iso(start), iso(end)),
        )
        return [Suggestion.from_row(r) for r in rows]

    async def ledger_between(self, start: datetime, end: datetime) -> list[LedgerRow]:
        rows = await self.db.fetchall(
            "SELECT r.suggestion_id, r.points, r.amount_fen, r.note, r.given_by, r.at,"
            " u.name AS unit_name, t.name AS team_name, r.id AS reward_id,"
            " CASE WHEN s.anonymous THEN NULL ELSE m.name END AS author,"
            " CASE WHEN s.anonymous THEN NULL ELSE m.employee_no END AS author_no,"
            " (SELECT json_group_array(json_array("
            "   CASE WHEN v.anonymous THEN NULL ELSE cm.name END,"
            "   CASE WHEN v.anonymous THEN NULL ELSE cm.employee_no END))"
            "  FROM suggestion_credits c JOIN members cm ON cm.id = c.member_id"
            "  LEFT JOIN suggestions v ON v.id = c.via_id"
            "  WHERE c.suggestion_id = r.suggestion_id) AS credited"
            " FROM suggestion_rewards r JOIN suggestions s ON s.id = r.suggestion_id"
            " LEFT JOIN members m ON m.id = s.author_member_id"
            " JOIN teams t ON t.id = s.team_id JOIN units u ON u.id = s.unit_id"
            " WHERE r.at >= ? AND r.at < ? ORDER BY r.id",
            (iso(start), iso(end)),
        )
        out = []
        for r in rows:
            credited = [(c[0], c[1]) for c in json.loads(r["credited"] or "[]")]
            people = [(r["author"], r["author_no"]), *credited]
            payees = tuple(Payee(no or "", name or "", name is None) for name, no in people)
            out.append(
                LedgerRow(
                    r[0], r[1], r[2], r[3], r[4], parse_iso(r[5]), r["unit_name"],
                    r["team_name"], tuple(name for name, _ in people), payees, r["reward_id"],
                )
            )  # fmt: skip
        return out

    async def claim_code_of(self, suggestion_id: int) -> str | None:
        """The claim code of the suggestion's latest reward (for its anonymous author)."""
        rows = await self.db.fetchall(
            "SELECT id, at FROM suggestion_rewards WHERE suggestion_id = ? ORDER BY id DESC"
            " LIMIT 1",
            (suggestion_id,),
        )
        return claim_code(rows[0][0], suggestion_id, parse_iso(rows[0][1])) if rows else None

    async def summary_sent(self, period_key: str) -> bool:
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM suggestion_summaries WHERE period_key = ?", (period_key,)
            )
        )

    async def claim_summary(
        self, period_key: str, at: datetime, messages: Sequence[OutMessage] = ()
    ) -> bool:
        """Record that the summary of a period is sent and hand its messages to the outbox, in
        one transaction: a restart neither repeats nor loses it. False if it already was."""

        def claim(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "INSERT OR IGNORE INTO suggestion_summaries(period_key, sent_at) VALUES (?, ?)",
                (period_key, iso(at)),
            )
            if cur.rowcount != 1:
                return False
            OutboxRepo.enqueue_sync(conn, messages)
            return True

        return await self.db.write(claim)


async def _move(
    tx: Tx,
    suggestion_id: int,
    from_states: tuple[str, ...],
    to_state: str,
    actor: int,
    note: str | None,
    reason: str | None = None,
) -> bool:
    """Inside `tx`: change the state (and the event log) only if it is still one of
    `from_states`, so a stale button or a second reviewer changes nothing."""
    marks = ",".join("?" * len(from_states))
    async with tx.execute(
        f"SELECT state FROM suggestions WHERE id = ? AND state IN ({marks})",
        (suggestion_id, *from_states),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return False
    await tx.execute(
        "UPDATE suggestions SET state = ?, reason = coalesce(?, reason),"
        " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
        (to_state, reason, suggestion_id),
    )
    await tx.execute(
        "INSERT INTO suggestion_events(suggestion_id, actor, from_state, to_state, note)"
        " VALUES (?, ?, ?, ?, ?)",
        (suggestion_id, actor, row[0], to_state, note),
    )
    return True
