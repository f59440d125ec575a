-- Recognition (评先树优: campaigns, nominations, secret ballots) and democratic evaluation
-- (民主评议: anonymous ratings of leaders). Times are UTC ISO-8601 strings.
--
-- Secrecy lives in this schema, not in the screens (see bot/domain/recognition.py):
-- * who has voted (award_voters) and what was chosen (award_receipts, award_choices) are
--   separate tables with nothing in common but the campaign;
-- * ballot tables are WITHOUT ROWID, keyed by a random receipt (a keyed hash of a token only
--   the voter holds, in a button of their private chat), so neither a row id, nor a time, nor
--   the storage order follows the order in which people voted; they carry no time column;
-- * the same holds for ratings: rating_done says who rated whom, rating_grades and
--   rating_comments hold what was said, each row under its own random key.

CREATE TABLE award_campaigns (
    id            INTEGER PRIMARY KEY,
    category      TEXT NOT NULL,              -- 文明工区 / 模范职工 / 优秀班组长 or the site's own
    nominee_kind  TEXT NOT NULL CHECK (nominee_kind IN ('member','team','unit')),
    period        TEXT NOT NULL,              -- 2026Q4, 2026H2 or 2026 (year-end)
    quota         INTEGER NOT NULL CHECK (quota > 0),
    unit_id       INTEGER REFERENCES units(id),  -- NULL: the whole site nominates and votes
    nominee_role  TEXT,                        -- a nominee must hold it (优秀班组长: team_leader)
    nominators    TEXT NOT NULL DEFAULT 'members' CHECK (nominators IN ('members','leaders')),
    voter_role    TEXT,                        -- NULL: every active member in scope votes
    stage         TEXT NOT NULL DEFAULT 'nomination'
                  CHECK (stage IN ('nomination','review','vote','closed','archived')),
    vote_ends_at  TEXT,                        -- closed automatically at this moment
    created_by    INTEGER NOT NULL,            -- Telegram user id
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    closed_at     TEXT
);
CREATE INDEX award_campaigns_stage ON award_campaigns(stage);

-- A nomination is public within the campaign: nominee, who proposed, why.
CREATE TABLE award_nominations (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES award_campaigns(id),
    nominee_id    INTEGER NOT NULL,            -- members.id, teams.id or units.id by nominee_kind
    nominated_by  INTEGER NOT NULL,            -- Telegram user id
    reason        TEXT NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (campaign_id, nominee_id, nominated_by)
);

-- The review's shortlist; `position` is the number a ballot refers to (1..n), fixed when the
-- vote opens.
CREATE TABLE award_candidates (
    campaign_id   INTEGER NOT NULL REFERENCES award_campaigns(id),
    nominee_id    INTEGER NOT NULL,
    position      INTEGER,
    PRIMARY KEY (campaign_id, nominee_id)
) WITHOUT ROWID;

-- Who has voted, and nothing else: no time, no link to a ballot.
CREATE TABLE award_voters (
    campaign_id   INTEGER NOT NULL REFERENCES award_campaigns(id),
    member_id     INTEGER NOT NULL REFERENCES members(id),
    PRIMARY KEY (campaign_id, member_id)
) WITHOUT ROWID;

-- One row per cast ballot (also an empty one), keyed by the receipt: HMAC(key, token).
CREATE TABLE award_receipts (
    campaign_id   INTEGER NOT NULL REFERENCES award_campaigns(id),
    receipt       BLOB NOT NULL,
    PRIMARY KEY (campaign_id, receipt)
) WITHOUT ROWID;

CREATE TABLE award_choices (
    campaign_id   INTEGER NOT NULL,
    receipt       BLOB NOT NULL,
    position      INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, receipt, position),
    FOREIGN KEY (campaign_id, receipt) REFERENCES award_receipts(campaign_id, receipt)
) WITHOUT ROWID;

-- The tally, frozen when the vote closes.
CREATE TABLE award_results (
    campaign_id   INTEGER NOT NULL REFERENCES award_campaigns(id),
    nominee_id    INTEGER NOT NULL,
    votes         INTEGER NOT NULL,
    elected       INTEGER NOT NULL DEFAULT 0,
    tie           INTEGER NOT NULL DEFAULT 0,  -- tied at the quota's edge: admins decide
    PRIMARY KEY (campaign_id, nominee_id)
) WITHOUT ROWID;

-- Reminders to those who have not voted or rated: at most one per person per local day.
CREATE TABLE civic_reminders (
    subject       TEXT NOT NULL,               -- 'award:<id>' or 'rating:<id>'
    member_id     INTEGER NOT NULL REFERENCES members(id),
    day           TEXT NOT NULL,               -- YYYY-MM-DD in the bot's time zone
    PRIMARY KEY (subject, member_id, day)
) WITHOUT ROWID;

-- 民主评议: a half-yearly round of anonymous ratings of leaders by the people they lead.
CREATE TABLE rating_rounds (
    id            INTEGER PRIMARY KEY,
    period        TEXT NOT NULL,               -- 2026H2
    unit_id       INTEGER REFERENCES units(id),
    state         TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','closed')),
    ends_at       TEXT,
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    closed_at     TEXT
);

-- Who may rate whom, fixed when the round opens (the roster of that day).
CREATE TABLE rating_eligible (
    round_id      INTEGER NOT NULL REFERENCES rating_rounds(id),
    ratee_id      INTEGER NOT NULL REFERENCES members(id),
    rater_id      INTEGER NOT NULL REFERENCES members(id),
    PRIMARY KEY (round_id, ratee_id, rater_id)
) WITHOUT ROWID;

-- Who has rated whom; nothing of what they said.
CREATE TABLE rating_done (
    round_id      INTEGER NOT NULL REFERENCES rating_rounds(id),
    ratee_id      INTEGER NOT NULL REFERENCES members(id),
    rater_id      INTEGER NOT NULL REFERENCES members(id),
    PRIMARY KEY (round_id, ratee_id, rater_id)
) WITHOUT ROWID;

CREATE TABLE rating_grades (
    round_id      INTEGER NOT NULL REFERENCES rating_rounds(id),
    ratee_id      INTEGER NOT NULL REFERENCES members(id),
    token         BLOB NOT NULL,               -- random, for nothing but the key
    grade         TEXT NOT NULL CHECK (grade IN ('excellent','competent','basic','incompetent')),
    PRIMARY KEY (round_id, ratee_id, token)
) WITHOUT ROWID;

-- Comments under keys of their own, so a comment is not tied even to its grade.
CREATE TABLE rating_comments (
    round_id      INTEGER NOT NULL REFERENCES rating_rounds(id),
    ratee_id      INTEGER NOT NULL REFERENCES members(id),
    token         BLOB NOT NULL,
    comment       TEXT NOT NULL,
    PRIMARY KEY (round_id, ratee_id, token)
) WITHOUT ROWID;
