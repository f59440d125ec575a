-- Schedules (study-day reminders, pre-shift prompts, meeting reminders, custom texts), their
-- occurrences, pre-shift posts and 已学 acknowledgements, and the organisation's own holiday
-- additions. Times are UTC ISO-8601 strings. See scheduler/rules.py and bot/repos/schedules.py.

-- A schedule: who it is for (scope), what it sends (purpose), when (rule, as the canonical
-- text of scheduler/rule_text.py, in the organisation's time zone), and how holidays move it.
-- `leads` are the reminders before each event, in minutes, comma-separated ('1440,60' = the
-- day before and an hour before; '0' = at the time itself).
-- Deleting a schedule sets deleted_at: occurrences and 已学 records keep pointing at a row.
CREATE TABLE schedules (
    id              INTEGER PRIMARY KEY,
    scope           TEXT NOT NULL CHECK (scope IN ('team','unit','all')),
    team_id         INTEGER REFERENCES teams(id),
    unit_id         INTEGER REFERENCES units(id),
    purpose         TEXT NOT NULL
                    CHECK (purpose IN ('study_reminder','preshift','meeting','custom')),
    title           TEXT NOT NULL DEFAULT '',
    body            TEXT,
    rule            TEXT NOT NULL,
    holiday_policy  TEXT NOT NULL CHECK (holiday_policy IN ('skip','next_workday','ignore')),
    leads           TEXT NOT NULL DEFAULT '0',
    paused          INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER NOT NULL,  -- Telegram user id (BANZU_ADMINS admins have no roster row)
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    deleted_at      TEXT,
    CHECK ((scope = 'team' AND team_id IS NOT NULL AND unit_id IS NULL)
        OR (scope = 'unit' AND unit_id IS NOT NULL AND team_id IS NULL)
        OR (scope = 'all' AND team_id IS NULL AND unit_id IS NULL)),
    CHECK (purpose != 'custom' OR (body IS NOT NULL AND body != ''))
);
CREATE INDEX schedules_live ON schedules(paused, deleted_at);
CREATE INDEX schedules_team ON schedules(team_id);
CREATE INDEX schedules_unit ON schedules(unit_id);

-- One row per message moment of a schedule, written before anything is handed to the outbox:
-- the unique key (schedule, occurs_at) makes recording idempotent, so a restart at any point
-- neither drops nor repeats an occurrence. occurs_at = event_at - lead_minutes.
-- state: due -> sent (handed to the outbox, in the same transaction as the outbox rows)
--        due -> missed (found too late after a downtime; reported to admins once).
CREATE TABLE schedule_occurrences (
    id                INTEGER PRIMARY KEY,
    schedule_id       INTEGER NOT NULL REFERENCES schedules(id),
    occurs_at         TEXT NOT NULL,
    event_at          TEXT NOT NULL,
    lead_minutes      INTEGER NOT NULL DEFAULT 0,
    state             TEXT NOT NULL DEFAULT 'due' CHECK (state IN ('due','sent','missed')),
    handed_at         TEXT,
    missed_reported_at TEXT,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (schedule_id, occurs_at)
);
CREATE INDEX schedule_occurrences_due ON schedule_occurrences(state, occurs_at);

-- The pre-shift item a team got at an occurrence, chosen when the occurrence is handed out
-- (so a retry sends the same item) and the group message it went out as. The team's rows,
-- newest last, are its prompt rotation state (bot/services/prompts.py: next_prompt).
CREATE TABLE preshift_posts (
    occurrence_id  INTEGER NOT NULL REFERENCES schedule_occurrences(id),
    team_id        INTEGER NOT NULL REFERENCES teams(id),
    prompt_id      TEXT NOT NULL,
    chat_id        INTEGER,
    message_id     INTEGER,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    PRIMARY KEY (occurrence_id, team_id)
);
CREATE INDEX preshift_posts_team ON preshift_posts(team_id, created_at);
CREATE INDEX preshift_posts_message ON preshift_posts(chat_id, message_id);

-- 已学: one row per member per occurrence; a second press is a no-op.
CREATE TABLE preshift_acks (
    occurrence_id  INTEGER NOT NULL REFERENCES schedule_occurrences(id),
    member_id      INTEGER NOT NULL REFERENCES members(id),
    team_id        INTEGER NOT NULL REFERENCES teams(id),
    acked_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    PRIMARY KEY (occurrence_id, member_id)
);
CREATE INDEX preshift_acks_team ON preshift_acks(occurrence_id, team_id);

-- A team leader's private reminder to someone who has not pressed 已学: at most one per
-- member per occurrence (polite, not nagging).
CREATE TABLE preshift_nudges (
    occurrence_id  INTEGER NOT NULL REFERENCES schedule_occurrences(id),
    member_id      INTEGER NOT NULL REFERENCES members(id),
    nudged_by      INTEGER NOT NULL,  -- Telegram user id
    nudged_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    PRIMARY KEY (occurrence_id, member_id)
);

-- The organisation's own calendar additions, over the official holidays and make-up workdays
-- (scheduler/holidays.py): a local holiday or shutdown, or a day worked against the calendar.
CREATE TABLE holiday_overrides (
    day         TEXT PRIMARY KEY,  -- local date YYYY-MM-DD
    kind        TEXT NOT NULL CHECK (kind IN ('holiday','workday')),
    note        TEXT NOT NULL DEFAULT '',
    created_by  INTEGER,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
