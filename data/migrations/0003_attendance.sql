-- Study sessions and attendance (学习考勤). Times are UTC ISO-8601 strings.

-- A session belongs to a team, or to a whole unit (team_id NULL) for joint sessions.
-- The check-in window is fixed when the session is opened, so later changes of the
-- default rules never rewrite how an earlier session was judged.
CREATE TABLE study_sessions (
    id             INTEGER PRIMARY KEY,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    team_id        INTEGER REFERENCES teams(id),
    topic          TEXT NOT NULL,
    material       TEXT,
    starts_at      TEXT NOT NULL,
    ends_at        TEXT NOT NULL,
    checkin_from   TEXT NOT NULL,
    late_from      TEXT NOT NULL,
    checkin_until  TEXT NOT NULL,
    opened_by      INTEGER,  -- Telegram user id; NULL when a schedule opened it
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
    closed_at      TEXT,
    closed_by      INTEGER,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX study_sessions_team ON study_sessions(team_id, starts_at);
CREATE INDEX study_sessions_start ON study_sessions(starts_at);
CREATE INDEX study_sessions_open ON study_sessions(status, ends_at);

-- The one message per group that carries the 签到 button and the live tally.
CREATE TABLE session_posts (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    session_id  INTEGER NOT NULL REFERENCES study_sessions(id),
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX session_posts_session ON session_posts(session_id);

-- One row per roster member per session, written when the session opens ('pending'),
-- so the roster is the one of that day. team_id is the member's team at that time.
-- Clustered on (session, member): a session's rows are read together, and the key makes
-- a second press of 签到 a no-op.
CREATE TABLE attendance (
    session_id     INTEGER NOT NULL REFERENCES study_sessions(id),
    member_id      INTEGER NOT NULL REFERENCES members(id),
    team_id        INTEGER NOT NULL REFERENCES teams(id),
    status         TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending','present','late','absent','leave','makeup')),
    checked_in_at  TEXT,
    note           TEXT,
    updated_at     TEXT,
    PRIMARY KEY (session_id, member_id)
) WITHOUT ROWID;
CREATE INDEX attendance_member ON attendance(member_id, status);

-- Every change of a record other than the member's own check-in: who, when, old -> new, why.
CREATE TABLE attendance_audit (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    actor       INTEGER,  -- Telegram user id
    at          TEXT NOT NULL,
    old_status  TEXT NOT NULL,
    new_status  TEXT NOT NULL,
    reason      TEXT,
    FOREIGN KEY (session_id, member_id) REFERENCES attendance(session_id, member_id)
);
CREATE INDEX attendance_audit_record ON attendance_audit(session_id, member_id);

-- Leave (请假) and make-up (补学) requests a leader approves or refuses.
CREATE TABLE attendance_requests (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('leave','makeup')),
    session_id  INTEGER NOT NULL REFERENCES study_sessions(id),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    reason      TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','refused')),
    asked_at    TEXT NOT NULL,
    decided_by  INTEGER,
    decided_at  TEXT
);
CREATE UNIQUE INDEX attendance_requests_pending
    ON attendance_requests(kind, session_id, member_id) WHERE status = 'pending'
