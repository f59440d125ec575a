-- Confidential casework (帮扶救助 requests and private feedback 意见反映) and talks (谈心谈话).
--
-- Secrecy lives in this schema (see bot/domain/casework.py):
-- * a request's number is random, not its place in the order of submission;
-- * an anonymous request has no author_member_id. Two opaque values stand in for the author:
--   author_tag = HMAC(key, "<case>:<telegram id>"), so the author's own account can find
--   its requests (/mycases) and nobody else's can; reply_to = the author's chat id sealed
--   with the same key (random nonce, keyed stream, MAC), so the bot can tell the author each
--   step. The key is derived from the bot token, which is not in the database;
-- * what the author wrote carries only the local date, not the time (no time to match
--   against other rows); handlers' entries and every view are stamped in full (the audit).
-- Content is read only through CaseworkService, which asks bot.domain.casework.may first and
-- writes an audit row for every read of it.

CREATE TABLE case_requests (
    id                INTEGER PRIMARY KEY,         -- random 6 digits, shown as the reference
    kind              TEXT NOT NULL CHECK (kind IN ('assist','feedback')),
    category          TEXT NOT NULL,               -- assist: hardship/illness/schooling/other
    unit_id           INTEGER REFERENCES units(id),  -- for counts only (groups < 5 pooled)
    anonymous         INTEGER NOT NULL DEFAULT 0,
    author_member_id  INTEGER REFERENCES members(id),
    author_tag        BLOB,
    reply_to          BLOB,
    topics            TEXT NOT NULL DEFAULT '[]',  -- feedback: tagger topics, for trends counts
    state             TEXT NOT NULL DEFAULT 'received'
                      CHECK (state IN ('received','assigned','in_progress','resolved')),
    created_on        TEXT NOT NULL,               -- local date (YYYY-MM-DD), no time
    CHECK ((anonymous = 1 AND author_member_id IS NULL AND author_tag IS NOT NULL
            AND reply_to IS NOT NULL)
        OR (anonymous = 0 AND author_member_id IS NOT NULL AND author_tag IS NULL
            AND reply_to IS NULL))
);
CREATE INDEX case_requests_state ON case_requests(state);
CREATE INDEX case_requests_author ON case_requests(author_member_id)
    WHERE author_member_id IS NOT NULL;

-- What was said in a request: the author's text (side 'author', dated by day) and the
-- handlers' replies (side 'handler', with the handler and the full time). Files are Telegram
-- file ids (JSON list of {"kind", "file_id"}).
CREATE TABLE case_entries (
    case_id     INTEGER NOT NULL REFERENCES case_requests(id),
    seq         INTEGER NOT NULL,
    side        TEXT NOT NULL CHECK (side IN ('author','handler')),
    handler_tg  INTEGER,
    body        TEXT NOT NULL,
    files       TEXT NOT NULL DEFAULT '[]',
    at          TEXT NOT NULL,                     -- author: YYYY-MM-DD; handler: UTC ISO time
    PRIMARY KEY (case_id, seq),
    CHECK ((side = 'author' AND handler_tg IS NULL) OR (side = 'handler' AND handler_tg IS NOT NULL))
) WITHOUT ROWID;

-- Who handles a request (Telegram user ids: configured admins have no roster row).
CREATE TABLE case_handlers (
    case_id      INTEGER NOT NULL REFERENCES case_requests(id),
    handler_tg   INTEGER NOT NULL,
    assigned_by  INTEGER NOT NULL,
    assigned_at  TEXT NOT NULL,
    PRIMARY KEY (case_id, handler_tg)
) WITHOUT ROWID;

-- Every read of a request's content and every move on it: who, when, which, what.
CREATE TABLE case_audit (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES case_requests(id),
    actor_tg   INTEGER NOT NULL,
    action     TEXT NOT NULL,   -- view, file, reply, start, resolve, assign, unassign, audit
    detail     TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX case_audit_case ON case_audit(case_id, id);

-- 谈心谈话 / 逐级谈话: a leader records a talk held (or planned) with one person. Seen by the
-- recorder and admins only; counted per unit and month.
CREATE TABLE talks (
    id            INTEGER PRIMARY KEY,
    recorder_tg   INTEGER NOT NULL,
    member_id     INTEGER NOT NULL REFERENCES members(id),
    unit_id       INTEGER NOT NULL REFERENCES units(id),  -- the person's unit at the time
    category      TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('planned','held','cancelled')),
    planned_on    TEXT,          -- local date
    held_on       TEXT,          -- local date
    follow_up     TEXT NOT NULL DEFAULT '',  -- what was agreed / to follow up (planned: the topic)
    reminded_on   TEXT,          -- local date of the last reminder sent for a planned talk
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX talks_recorder ON talks(recorder_tg, state);
CREATE INDEX talks_held ON talks(held_on) WHERE state = 'held';
CREATE INDEX talks_planned ON talks(planned_on) WHERE state = 'planned';
