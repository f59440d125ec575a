-- Organisation, people and their Telegram accounts. Times are UTC ISO-8601 strings.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    name         TEXT NOT NULL,
    invite_code  TEXT NOT NULL UNIQUE,
    invite_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (unit_id, name)
);

-- A roster member, keyed by employee number; `active` = 0 once a re-import leaves them out,
-- so their history (attendance, suggestions...) keeps pointing at a real row.
CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    employee_no  TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    team_id      INTEGER NOT NULL REFERENCES teams(id),
    tg_user_id   INTEGER UNIQUE,
    linked_at    TEXT,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX members_team ON members(team_id);

CREATE TABLE member_roles (
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('worker','team_leader','unit_leader','admin')),
    PRIMARY KEY (member_id, role)
);

CREATE TABLE member_tags (
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (member_id, tag)
);
CREATE INDEX member_tags_tag ON member_tags(tag);

-- Which team a member belonged to and when: moves keep the past.
CREATE TABLE team_history (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    team_id    INTEGER NOT NULL REFERENCES teams(id),
    from_at    TEXT NOT NULL,
    to_at      TEXT
);
CREATE INDEX team_history_member ON team_history(member_id);

-- Telegram accounts the bot has seen. `private_ok` = 1 once the person wrote to the bot
-- privately (a bot cannot start a private chat), 0 again if they blocked it.
CREATE TABLE tg_users (
    user_id       INTEGER PRIMARY KEY,
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT,
    username      TEXT,
    language_code TEXT,
    private_ok    INTEGER NOT NULL DEFAULT 0,
    first_seen    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    last_seen     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

-- Groups the bot is in, and the team a group is bound to.
CREATE TABLE bot_chats (
    chat_id     INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    title       TEXT,
    bot_status  TEXT NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE group_bindings (
    chat_id     INTEGER PRIMARY KEY,
    team_id     INTEGER NOT NULL REFERENCES teams(id),
    bound_by    INTEGER NOT NULL,  -- Telegram user id: BANZU_ADMINS admins have no roster row
    bound_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    active      INTEGER NOT NULL DEFAULT 1
);
-- At most one active group per team.
CREATE UNIQUE INDEX group_bindings_team_active ON group_bindings(team_id) WHERE active = 1;

-- Failed registration attempts per Telegram account, for the pause after too many.
CREATE TABLE registration_attempts (
    user_id       INTEGER PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT
);

-- Multi-step conversations in progress, so a restart resumes them.
CREATE TABLE conversations (
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    flow        TEXT NOT NULL,
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    PRIMARY KEY (chat_id, user_id)
);

-- Who did what that matters later (security events, org changes, record corrections).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    actor     INTEGER,
    action    TEXT NOT NULL,
    subject   TEXT,
    detail    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_action ON audit_log(action, at)
