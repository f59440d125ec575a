-- The outbox: every message the bot must deliver for a broadcast or a schedule is a row first.
-- state: pending -> sending (claimed, committed before the HTTP call) -> sent | undeliverable;
-- pending -> cancelled. See scheduler/outbox.py for why this gives exactly-once per chat.

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    dedupe_key   TEXT NOT NULL UNIQUE,
    purpose      TEXT NOT NULL,
    batch        TEXT,
    chat_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text','photo','document')),
    text         TEXT NOT NULL DEFAULT '',
    media        TEXT,
    reply_markup TEXT,
    pin          INTEGER NOT NULL DEFAULT 0,
    priority     INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending','sending','sent','undeliverable','cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    recovered    INTEGER NOT NULL DEFAULT 0,
    not_before   TEXT NOT NULL,
    message_id   INTEGER,
    error        TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    claimed_at   TEXT,
    done_at      TEXT,
    pinned_at    TEXT
);
CREATE INDEX outbox_due ON outbox(state, priority, not_before, id);
CREATE INDEX outbox_batch ON outbox(batch, state);
-- The oldest unfinished row of each chat goes first (parts of a long notice stay in order).
CREATE INDEX outbox_chat_open ON outbox(chat_id, id) WHERE state IN ('pending','sending');

-- A notice (通知公告) as the author confirmed it.
CREATE TABLE notices (
    id                   INTEGER PRIMARY KEY,
    author_user_id       INTEGER NOT NULL,
    author_name          TEXT NOT NULL DEFAULT '',
    kind                 TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text','photo','document')),
    body                 TEXT NOT NULL DEFAULT '',
    media                TEXT,
    audience             TEXT NOT NULL,
    audience_label       TEXT NOT NULL DEFAULT '',
    target               TEXT NOT NULL CHECK (target IN ('groups','private','both')),
    pin                  INTEGER NOT NULL DEFAULT 0,
    progress_chat_id     INTEGER,
    progress_message_id  INTEGER,
    fallback_count       INTEGER NOT NULL DEFAULT 0,
    unreachable_count    INTEGER NOT NULL DEFAULT 0,
    last_reminded_at     TEXT,
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX notices_author ON notices(author_user_id, id);

-- Who a notice was meant for (the audience when it was confirmed) and who pressed 收到.
CREATE TABLE notice_recipients (
    notice_id  INTEGER NOT NULL REFERENCES notices(id),
    member_id  INTEGER NOT NULL REFERENCES members(id),
    team_id    INTEGER NOT NULL REFERENCES teams(id),
    via        TEXT NOT NULL CHECK (via IN ('private','group','none')),
    acked_at   TEXT,
    PRIMARY KEY (notice_id, member_id)
);
CREATE INDEX notice_recipients_team ON notice_recipients(notice_id, team_id)
