-- Live messages (a session's "已签到 18/30", a leader's roll card) are edited through the
-- outbox like every other message, so a crash between a press and its edit loses no edit and
-- every edit goes through the one flood-controlled sender.
--
-- An `edit` row names what to show (`ref`, e.g. 'session:12') instead of carrying a text: the
-- sender renders it from the database when it sends (never a stale count) and edits the
-- message it finds for that chat. `coalesce_key` (one per chat and message) allows at most one
-- PENDING row per key: a press while one waits adds nothing, so a message never has N edits
-- queued; a press while one is in flight adds one more, which shows what came after.
--
-- The CHECK on `kind` is widened in place, the way SQLite documents for changing a constraint
-- that no stored row violates (a rebuild would have to copy every row of the outbox).
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, 'CHECK (kind IN (''text'',''photo'',''document''))',
                          'CHECK (kind IN (''text'',''photo'',''document'',''edit''))')
 WHERE type = 'table' AND name = 'outbox';
PRAGMA writable_schema = RESET;
ALTER TABLE outbox ADD COLUMN ref TEXT;
ALTER TABLE outbox ADD COLUMN coalesce_key TEXT;
CREATE UNIQUE INDEX outbox_coalesce ON outbox(coalesce_key)
    WHERE state = 'pending' AND coalesce_key IS NOT NULL;

-- A leader's roll card (/roll) is a live message too: while the session is open it follows
-- every check-in, leave and withdrawal. `lang` is the leader's language when it was sent.
CREATE TABLE roll_cards (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES study_sessions(id),
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    lang        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (chat_id, message_id)
);
CREATE INDEX roll_cards_session ON roll_cards(session_id);
