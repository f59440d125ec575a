"""SQL for the outbox: messages waiting to be delivered, and what became of each.

The state machine and why it delivers each row once are explained in `bot/delivery/outbox.py`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import iso, parse_iso, utcnow
from bot.db import Database, Tx

STATES = ("pending", "sending", "sent", "undeliverable", "cancelled")

_INSERT = (
    "INSERT INTO outbox(dedupe_key, purpose, batch, chat_id, kind, text, media, reply_markup,"
    " pin, priority, not_before, file_ref, poll) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(dedupe_key) DO NOTHING"
)
# Rows at this priority or above answer what a person just did (the session message of a
# leader's /study): the sender sends them with the flood controller's interactive turn, ahead of
# broadcasts and tally edits, and not held by its start-up pause.
PRIORITY_INTERACTIVE = 10

_ROW = (
    "SELECT id, chat_id, purpose, batch, kind, text, media, reply_markup, pin, attempts,"
    " file_ref, poll, priority, ref, coalesce_key FROM outbox o"
)
# An edit row: what to show is rendered when it is sent; while one waits for a (chat,
# message), asking again adds nothing (the partial unique index on `coalesce_key`). Its
# dedupe key only has to be unique: the coalescing is the key's job, not the dedupe key's.
_INSERT_EDIT = (
    "INSERT INTO outbox(dedupe_key, purpose, chat_id, kind, ref, coalesce_key, priority,"
    " not_before) VALUES ('edit:' || ? || ':' || hex(randomblob(8)), ?, ?, 'edit', ?, ?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
# An edit row that failed or was cut off by a crash must not come back as a second pending
# row of its message: a newer one waiting there shows at least as much.
_SUPERSEDED = (
    "UPDATE outbox SET state = 'cancelled', error = 'superseded', done_at = ?"
    " WHERE state = 'sending' AND coalesce_key IS NOT NULL AND EXISTS (SELECT 1 FROM outbox p"
    " WHERE p.coalesce_key = outbox.coalesce_key AND p.state = 'pending')"
)
# A message to someone whose link to what it is about must not stay in the database (the
# anonymous author of a confidential request): once done, the row keeps no address, text or
# buttons. Until then it lives for the moments the sender needs to deliver it.
SEALED = "sealed"
_SCRUB_SEALED = (
    "UPDATE outbox SET chat_id = 0, text = '', reply_markup = NULL, message_id = NULL"
    f" WHERE id = ? AND purpose = '{SEALED}' AND state IN ('sent', 'undeliverable')"
)
# Bytes nobody needs any more: every row that sends the file is finished.
_DROP_DONE_FILES = (
    "UPDATE outbox_files SET data = NULL WHERE data IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.file_ref = outbox_files.id"
    " AND o.state IN ('pending', 'sending'))"
)


@dataclass(frozen=True, eq=False)
class OutFile:
    """Bytes to upload with a photo or document row (a report's PNG or XLSX). Rows that share
    one OutFile object share one stored copy and, after the first upload, its file_id."""

    name: str
    data: bytes


@dataclass(frozen=True)
class OutMessage:
    """One message to deliver. `dedupe_key` is unique for all time: enqueueing the same key
    again does nothing, so a caller may retry its own enqueue after a crash safely."""

    chat_id: int
    text: str
    purpose: str
    dedupe_key: str
    batch: str | None = None
    kind: str = "text"  # text | photo | document (media = a Telegram file_id, text = caption)
    media: str | None = None
    reply_markup: dict[str, Any] | None = None  # InlineKeyboardMarkup.to_dict()
    pin: bool = False
    priority: int = 0  # higher goes first; PRIORITY_INTERACTIVE and up: someone is waiting
    not_before: datetime | None = None
    file: OutFile | None = None  # instead of `media`, for kind photo / document
    # A quiz poll: sendPoll's parameters (question, options, type, ...); `text` is the question
    # again, for logs and status. Sent with sendPoll; the poll's id is kept with the result.
    poll: dict[str, Any] | None = None

    def params(self, now: str, file_ref: int | None = None) -> tuple[Any, ...]:
        markup = json.dumps(self.reply_markup, ensure_ascii=False) if self.reply_markup else None
        at = iso(self.not_before) if self.not_before else now
        return (
            self.dedupe_key,
            self.purpose,
            self.batch,
            self.chat_id,
            self.kind,
            self.text,
            self.media,
            markup,
            int(self.pin),
            self.priority,
            at,
            file_ref,
            json.dumps(self.poll, ensure_ascii=False) if self.poll else None,
        )


@dataclass(frozen=True)
class OutEdit:
    """Have a live message edited: the sender asks the editor registered for `ref`'s prefix
    ("session:12" -> "session") what the message in `chat_id` should show, when it sends.
    `key` names the message (one pending edit per key at a time)."""

    chat_id: int
    ref: str
    key: str
    purpose: str = "edit"
    priority: int = PRIORITY_INTERACTIVE


@dataclass(frozen=True)
class OutRow:
    id: int
    chat_id: int
    purpose: str
    batch: str | None
    kind: str
    text: str
    media: str | None
    reply_markup: dict[str, Any] | None
    pin: bool
    attempts: int
    file_ref: int | None = None
    poll: dict[str, Any] | None = None
    priority: int = 0
    ref: str | None = None  # kind "edit": what to render when sending
    coalesce_key: str | None = None

    @property
    def interactive(self) -> bool:
        return self.priority >= PRIORITY_INTERACTIVE

    @classmethod
    def from_row(cls, r: aiosqlite.Row) -> OutRow:
        markup = json.loads(r["reply_markup"]) if r["reply_markup"] else None
        poll = json.loads(r["poll"]) if r["poll"] else None
        return cls(
            r["id"], r["chat_id"], r["purpose"], r["batch"], r["kind"], r["text"], r["media"],
            markup, bool(r["pin"]), r["attempts"], r["file_ref"], poll, r["priority"],
            r["ref"], r["coalesce_key"],
        )  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What one send attempt came to: sent, undeliverable, or pending again (retry later)."""

    row_id: int
    state: str
    message_id: int | None = None
    error: str | None = None
    retry_at: datetime | None = None
    chat_id: int | None = None  # a group that migrated to a supergroup gets its new id
    poll_id: str | None = None  # Telegram's id of a poll this row sent


@dataclass(frozen=True)
class StatusLine:
    purpose: str
    batch: str | None
    state: str
    count: int


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------ enqueue

    async def enqueue(self, messages: Sequence[OutMessage], tx: Tx | None = None) -> int:
        """Insert the messages (in `tx` if given, else in a transaction of their own);
        returns how many were new (a known dedupe_key is skipped). Messages with files go
        through `Database.write` (or `enqueue_sync`), not a caller's `tx`."""
        if any(m.file is not None for m in messages):
            if tx is not None:
                raise ValueError("files are enqueued with enqueue_sync inside Database.write")
            return await self.db.write(lambda conn: self.enqueue_sync(conn, messages))
        now = iso(utcnow())
        rows = [m.params(now) for m in messages]
        if tx is not None:
            return await _insert(tx, rows)
        async with self.db.transaction() as own:
            return await _insert(own, rows)

    @staticmethod
    def enqueue_sync(conn: sqlite3.Connection, messages: Sequence[OutMessage]) -> int:
        """The same inside a `Database.write(fn)` transaction (plain sqlite3)."""
        now = iso(utcnow())
        refs: dict[int, int] = {}
        for m in messages:
            if m.file is not None and id(m.file) not in refs:
                cur = conn.execute(
                    "INSERT INTO outbox_files(name, data) VALUES (?, ?)", (m.file.name, m.file.data)
                )
                assert cur.lastrowid is not None
                refs[id(m.file)] = cur.lastrowid
        before = conn.total_changes
        conn.executemany(
            _INSERT, [m.params(now, refs[id(m.file)] if m.file else None) for m in messages]
        )
        added = conn.total_changes - before
        if refs:  # every row was known already: its copy of the bytes is not needed
            marks = ",".join("?" * len(refs))
            conn.execute(
                f"DELETE FROM outbox_files WHERE id IN ({marks}) AND NOT EXISTS"
                " (SELECT 1 FROM outbox o WHERE o.file_ref = outbox_files.id)",
                list(refs.values()),
            )
        return added

    @staticmethod
    def enqueue_edits_sync(conn: sqlite3.Connection, edits: Sequence[OutEdit]) -> int:
        """Edit rows inside a `Database.write(fn)` transaction; returns how many were new (an
        edit of a message that already has one waiting adds nothing)."""
        now = iso(utcnow())
        before = conn.total_changes
        conn.executemany(
            _INSERT_EDIT,
            [(e.key, e.purpose, e.chat_id, e.ref, e.key, e.priority, now) for e in edits],
        )
        return conn.total_changes - before

    async def enqueue_edits(self, edits: Sequence[OutEdit]) -> int:
        return await self.db.write(lambda conn: self.enqueue_edits_sync(conn, edits))

    @staticmethod
    def keys_sync(conn: sqlite3.Connection, prefix: str) -> list[tuple[str, int]]:
        """(dedupe key, chat) of the messages whose key starts with `prefix` (a range on the
        unique index, not a scan of the whole outbox); edit rows are not messages."""
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = conn.execute(
            "SELECT dedupe_key, chat_id FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ?"
            " AND kind != 'edit' ORDER BY dedupe_key",
            (prefix, upper),
        ).fetchall()
        return [(str(r[0]), int(r[1])) for r in rows]

    @staticmethod
    def chats_of_keys_sync(conn: sqlite3.Connection, prefix: str) -> list[int]:
        """The chats of the messages whose dedupe key starts with `prefix`."""
        return sorted({chat for _, chat in OutboxRepo.keys_sync(conn, prefix)})

    async def sent_message(self, dedupe_key: str) -> int | None:
        """Telegram's id of the message sent for `dedupe_key`, if it was sent."""
        row = await self.db.fetchone(
            "SELECT message_id FROM outbox WHERE dedupe_key = ? AND state = 'sent'",
            (dedupe_key,),
        )
        return int(row["message_id"]) if row is not None and row["message_id"] else None

    async def file_for_upload(self, file_ref: int) -> tuple[str, str | bytes]:
        """(name, Telegram file_id) once uploaded, else (name, the bytes)."""
        row = await self.db.fetchone(
            "SELECT name, data, file_id FROM outbox_files WHERE id = ?", (file_ref,)
        )
        if row is None or (row["file_id"] is None and row["data"] is None):
            raise LookupError(f"outbox file {file_ref} is gone")
        return row["name"], row["file_id"] or bytes(row["data"])

    async def remember_file_id(self, file_ref: int, file_id: str) -> None:
        await self.db.execute(
            "UPDATE outbox_files SET file_id = ? WHERE id = ? AND file_id IS NULL",
            (file_id, file_ref),
        )

    # ------------------------------------------------------------ the sender's side

    async def recover(self) -> int:
        """Rows caught in flight by a stop or crash go back to pending (see scheduler/outbox)."""

        def write(conn: sqlite3.Connection) -> int:
            conn.execute(_SUPERSEDED, (iso(utcnow()),))
            cur = conn.execute(
                "UPDATE outbox SET state = 'pending', recovered = recovered + 1"
                " WHERE state = 'sending'"
            )
            return cur.rowcount

        return await self.db.write(write)

    async def due(self, limit: int, now: datetime | None = None) -> list[OutRow]:
        """Pending rows that may go now, in order; only the oldest unfinished row of a chat,
        so the parts of a long message arrive in order."""
        rows = await self.db.fetchall(
            _ROW + " WHERE state = 'pending' AND not_before <= ? AND NOT EXISTS ("
            " SELECT 1 FROM outbox p WHERE p.chat_id = o.chat_id AND p.id < o.id"
            " AND p.state IN ('pending', 'sending'))"
            " ORDER BY priority DESC, id LIMIT ?",
            (iso(now or utcnow()), limit),
        )
        return [OutRow.from_row(r) for r in rows]

    async def next_due_in(self) -> float | None:
        """Seconds until the earliest pending row that is not due yet becomes due."""
        now = utcnow()
        value = await self.db.fetchval(
            "SELECT min(not_before) FROM outbox WHERE state = 'pending' AND not_before > ?",
            (iso(now),),
        )
        return max((parse_iso(value) - now).total_seconds(), 0.001) if value else None

    async def claim(self, ids: Sequence[int]) -> set[int]:
        """pending -> sending, attempt counted; committed before any request leaves.
        Returns the ids really claimed (one cancelled meanwhile is not)."""
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        async with (
            self.db.transaction() as tx,
            tx.execute(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_at = ?"
                f" WHERE state = 'pending' AND id IN ({marks}) RETURNING id",
                (iso(utcnow()), *ids),
            ) as cur,
        ):
            return {int(r[0]) for r in await cur.fetchall()}

    async def record(
        self, outcomes: Sequence[Outcome], files: bool = False, batches: Sequence[str] = ()
    ) -> None:
        """The results of sends, in one transaction and one trip to the database thread (only
        rows still in `sending`); `files`: some of the rows carried stored bytes, which may now
        be dropped; `batches`: their progress is no longer final (see `mark_final`)."""
        now = iso(utcnow())

        def write(conn: sqlite3.Connection) -> None:
            for o in outcomes:
                if o.state == "pending":
                    at = iso(o.retry_at or utcnow())
                    conn.execute(_SUPERSEDED + " AND id = ?", (now, o.row_id))
                    conn.execute(
                        "UPDATE outbox SET state = 'pending', not_before = ?, error = ?,"
                        " chat_id = coalesce(?, chat_id) WHERE id = ? AND state = 'sending'",
                        (at, o.error, o.chat_id, o.row_id),
                    )
                else:
                    conn.execute(
                        "UPDATE outbox SET state = ?, message_id = ?, error = ?, done_at = ?,"
                        " poll_id = coalesce(?, poll_id) WHERE id = ? AND state = 'sending'",
                        (o.state, o.message_id, o.error, now, o.poll_id, o.row_id),
                    )
                    conn.execute(_SCRUB_SEALED, (o.row_id,))
            conn.executemany(
                "DELETE FROM outbox_batches_final WHERE batch = ?", [(b,) for b in batches]
            )
            if files:
                conn.execute(_DROP_DONE_FILES)

        await self.db.write(write)

    async def mark_final(self, batch: str, seen: datetime) -> bool:
        """The batch's listener, called at `seen`, ran after its last row was done: its
        progress message shows the final state. Only if no row of it is pending or in flight
        and none was finished after `seen` (the listener could not have shown it)."""
        n = await self.db.execute_count(
            "INSERT OR IGNORE INTO outbox_batches_final(batch, final_at) SELECT ?, ?"
            " WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE batch = ?"
            " AND (state IN ('pending', 'sending') OR done_at >= ?))",
            (batch, iso(utcnow()), batch, iso(seen)),
        )
        return n == 1

    async def unfinal_batches(self) -> list[tuple[str, str]]:
        """(batch, purpose) of every batch whose progress message may not show its final
        state: a crash came between its rows' results and the listener's last call."""
        rows = await self.db.fetchall(
            "SELECT batch, min(purpose) FROM outbox o WHERE batch IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox_batches_final f WHERE f.batch = o.batch)"
            " GROUP BY batch"
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    async def pins_due(self) -> list[tuple[int, int, int, str | None]]:
        """(row id, chat, message id, batch) of sent rows asked to be pinned and not pinned."""
        rows = await self.db.fetchall(
            "SELECT id, chat_id, message_id, batch FROM outbox WHERE pin = 1 AND state = 'sent'"
            " AND pinned_at IS NULL AND message_id IS NOT NULL ORDER BY id"
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def pin_failures(self, batch: str) -> list[tuple[int, str | None, str]]:
        """(chat, its title as the bot last saw it, Telegram's refusal) of the batch's rows
        that were sent but could not be pinned."""
        rows = await self.db.fetchall(
            "SELECT o.chat_id, c.title, o.error FROM outbox o"
            " LEFT JOIN bot_chats c ON c.chat_id = o.chat_id"
            " WHERE o.batch = ? AND o.pin = 1 AND o.pinned_at IS NOT NULL"
            " AND o.error LIKE 'pin: %' ORDER BY o.id",
            (batch,),
        )
        return [(r[0], r[1], str(r[2])) for r in rows]

    async def pins_unsettled(self, batch: str) -> int:
        """Rows of the batch to be pinned whose pin has not been tried yet."""
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM outbox WHERE batch = ? AND pin = 1"
                " AND state IN ('pending', 'sending', 'sent') AND pinned_at IS NULL",
                (batch,),
            )
            or 0
        )

    async def mark_pinned(self, row_id: int, error: str | None = None) -> None:
        await self.db.execute(
            "UPDATE outbox SET pinned_at = ?, error = coalesce(?, error) WHERE id = ?",
            (iso(utcnow()), error, row_id),
        )

    # ------------------------------------------------------------ inspection, cancel

    async def cancel(self, batch: str) -> int:
        """Pending rows of a batch will not be sent; rows already sent stay sent."""
        async with (
            self.db.transaction() as tx,
            tx.execute(
                "UPDATE outbox SET state = 'cancelled', done_at = ?"
                " WHERE batch = ? AND state = 'pending'",
                (iso(utcnow()), batch),
            ) as cur,
        ):
            cancelled = cur.rowcount
            await tx.execute(_DROP_DONE_FILES)
            return cancelled

    async def batch_counts(self, batch: str) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT state, count(*) FROM outbox WHERE batch = ? GROUP BY state", (batch,)
        )
        counts = dict.fromkeys(STATES, 0)
        counts.update({r[0]: r[1] for r in rows})
        return counts

    async def batch_rows(self, batch: str, state: str) -> list[tuple[int, str | None]]:
        """(chat, error) of a batch's rows in a state, e.g. who could not be reached."""
        rows = await self.db.fetchall(
            "SELECT chat_id, error FROM outbox WHERE batch = ? AND state = ? ORDER BY id",
            (batch, state),
        )
        return [(r[0], r[1]) for r in rows]

    async def delivered_chats(self, batch: str) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT chat_id FROM outbox WHERE batch = ? AND state = 'sent'", (batch,)
        )
        return [r[0] for r in rows]

    async def status(self) -> list[StatusLine]:
        rows = await self.db.fetchall(
            "SELECT purpose, batch, state, count(*) FROM outbox"
            " GROUP BY purpose, batch, state ORDER BY purpose, batch, state"
        )
        return [StatusLine(r[0], r[1], r[2], r[3]) for r in rows]

    async def recovered_count(self) -> int:
        return int(await self.db.fetchval("SELECT coalesce(sum(recovered), 0) FROM outbox"))

    async def unfinished(self) -> int:
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"
            )
        )


async def _insert(tx: Tx, rows: list[tuple[Any, ...]]) -> int:
    # executemany sums the changes of every row (an ignored duplicate adds nothing)
    return max(0, (await tx.executemany(_INSERT, rows)).rowcount)
