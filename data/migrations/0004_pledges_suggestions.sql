-- Pledges (决心书) and rationalization suggestions (合理化建议). Times are UTC ISO-8601 strings.

-- Every version of a member's pledge for a year is kept; `current` marks the one in force.
CREATE TABLE pledges (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    year        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    pledge      TEXT NOT NULL,
    plan        TEXT,
    current     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (member_id, year, version)
);
CREATE UNIQUE INDEX pledges_current ON pledges(member_id, year) WHERE current = 1;

-- Private reminders to write a pledge: one row per reminder actually sent.
CREATE TABLE pledge_reminders (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    year       INTEGER NOT NULL,
    sent_by    INTEGER NOT NULL,
    sent_at    TEXT NOT NULL
);
CREATE INDEX pledge_reminders_member ON pledge_reminders(member_id, sent_at);

-- A suggestion keeps the team and unit of its author at submission, so later moves do not
-- rewrite history. `author_member_id` is kept even when anonymous: reviewers never see it,
-- but the author is still told of every step.
CREATE TABLE suggestions (
    id                INTEGER PRIMARY KEY,
    author_member_id  INTEGER NOT NULL REFERENCES members(id),
    team_id           INTEGER NOT NULL REFERENCES teams(id),
    unit_id           INTEGER NOT NULL REFERENCES units(id),
    text              TEXT NOT NULL,
    photos            TEXT NOT NULL DEFAULT '[]',
    anonymous         INTEGER NOT NULL DEFAULT 0,
    topics            TEXT NOT NULL DEFAULT '[]',
    auto_topics       TEXT NOT NULL DEFAULT '[]',
    keywords          TEXT NOT NULL DEFAULT '[]',
    tokens            TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT 'submitted' CHECK (state IN
                        ('submitted','under_review','adopted','rejected','implemented',
                         'rewarded','merged')),
    duplicate_of      INTEGER REFERENCES suggestions(id),
    reason            TEXT,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX suggestions_unit_state ON suggestions(unit_id, state);
CREATE INDEX suggestions_author ON suggestions(author_member_id);
CREATE INDEX suggestions_created ON suggestions(created_at);

-- People credited besides the author (a later duplicate's author, once merged).
CREATE TABLE suggestion_credits (
    suggestion_id  INTEGER NOT NULL REFERENCES suggestions(id),
    member_id      INTEGER NOT NULL REFERENCES members(id),
    via_id         INTEGER REFERENCES suggestions(id),
    PRIMARY KEY (suggestion_id, member_id)
);

-- Every state change, with who and why.
CREATE TABLE suggestion_events (
    id             INTEGER PRIMARY KEY,
    suggestion_id  INTEGER NOT NULL REFERENCES suggestions(id),
    at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    actor          INTEGER NOT NULL,
    from_state     TEXT,
    to_state       TEXT NOT NULL,
    note           TEXT
);
CREATE INDEX suggestion_events_suggestion ON suggestion_events(suggestion_id);

-- The reward ledger: points and/or an amount in fen (分) per rewarded suggestion.
CREATE TABLE suggestion_rewards (
    id             INTEGER PRIMARY KEY,
    suggestion_id  INTEGER NOT NULL REFERENCES suggestions(id),
    points         INTEGER NOT NULL DEFAULT 0,
    amount_fen     INTEGER NOT NULL DEFAULT 0,
    note           TEXT,
    given_by       INTEGER NOT NULL,
    at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX suggestion_rewards_at ON suggestion_rewards(at);

-- Topic changes: by the submitter before submitting, or by a reviewer afterwards. Reviewers'
-- corrections feed the tagger (extra per-term weight), so later tagging improves by itself.
CREATE TABLE topic_corrections (
    id             INTEGER PRIMARY KEY,
    suggestion_id  INTEGER NOT NULL REFERENCES suggestions(id),
    old_topics     TEXT NOT NULL,
    new_topics     TEXT NOT NULL,
    by_user        INTEGER NOT NULL,
    by_reviewer    INTEGER NOT NULL DEFAULT 0,
    at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

-- Scheduled summaries already sent, by period key (e.g. 'month:2026-01'), so that a restart
-- never sends one twice.
CREATE TABLE suggestion_summaries (
    period_key  TEXT PRIMARY KEY,
    sent_at     TEXT NOT NULL
)
