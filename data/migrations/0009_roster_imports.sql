-- Roster imports: every import is staged first (the file kept here), previewed, then applied
-- by an admin's 确认导入; the applied one keeps what it changed so the last import can be undone.
-- `undo` is JSON: members created (ids) and, for every member it changed, the state before.
CREATE TABLE roster_imports (
    id          INTEGER PRIMARY KEY,
    actor       INTEGER,
    source      TEXT NOT NULL,
    content     BLOB,
    prune       INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'applied', 'cancelled', 'undone')),
    chat_id     INTEGER,
    message_id  INTEGER,
    undo        TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    decided_at  TEXT
);
CREATE INDEX roster_imports_status ON roster_imports(status, id);

-- What the roster says besides our columns: the 职务 as HR wrote it, and the last 4 digits of
-- 手机 (the second check at registration, so a colleague cannot register as someone else).
ALTER TABLE members ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN phone_tail TEXT NOT NULL DEFAULT '';
