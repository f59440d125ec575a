-- Labour competitions (劳动竞赛) and the points ledger (积分). Times are UTC ISO-8601 strings;
-- days and weeks are local dates YYYY-MM-DD (a week is named by its Monday).

-- A competition: who takes part at which level, over which local dates, in which scope.
-- unit_id is the unit a unit leader created it for (NULL: the whole site, by an admin).
CREATE TABLE contests (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('league','pair','challenge','arena')),
    level         TEXT NOT NULL CHECK (level IN ('team','unit','person')),
    unit_id       INTEGER REFERENCES units(id),
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    individual_public INTEGER NOT NULL DEFAULT 0,
    holder_id     INTEGER,           -- 擂台赛: the participant holding the arena
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','closed')),
    created_by    INTEGER NOT NULL,  -- Telegram user id (0: the command line)
    created_at    TEXT NOT NULL,
    closed_by     INTEGER,
    closed_at     TEXT,
    CHECK (starts_on <= ends_on)
);
CREATE INDEX contests_state ON contests(state, ends_on);

-- participant_id is a team, a unit or a member id, as the contest's level says.
CREATE TABLE contest_participants (
    contest_id      INTEGER NOT NULL REFERENCES contests(id),
    participant_id  INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    PRIMARY KEY (contest_id, participant_id)
) WITHOUT ROWID;

-- 对口赛 pairs (fixed at creation) and 对手赛 / 擂台赛 challenges (proposed by one side,
-- accepted or declined by the other).
CREATE TABLE contest_pairs (
    id            INTEGER PRIMARY KEY,
    contest_id    INTEGER NOT NULL REFERENCES contests(id),
    a_id          INTEGER NOT NULL,
    b_id          INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'active'
                  CHECK (state IN ('proposed','active','declined')),
    proposed_by   INTEGER,
    decided_by    INTEGER,
    created_at    TEXT NOT NULL,
    CHECK (a_id <> b_id)
);
CREATE UNIQUE INDEX contest_pairs_open ON contest_pairs(contest_id, a_id, b_id)
    WHERE state IN ('proposed','active');

-- The metrics of one competition, copied from the catalogue (data/contest/metrics.toml) at
-- creation, so a later change of the catalogue never rescales a running competition.
CREATE TABLE contest_metrics (
    id          INTEGER PRIMARY KEY,
    contest_id  INTEGER NOT NULL REFERENCES contests(id),
    key         TEXT NOT NULL,
    source      TEXT NOT NULL,
    unit        TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('higher','lower')),
    aggregate   TEXT NOT NULL CHECK (aggregate IN ('sum','last','avg')),
    weight      REAL NOT NULL CHECK (weight > 0),
    lo          REAL NOT NULL,
    hi          REAL NOT NULL,
    position    INTEGER NOT NULL,
    UNIQUE (contest_id, key)
);

-- The figure in force per metric, participant and week; every entry and correction is in
-- contest_figure_audit with who, when, old and new value and (for corrections) why.
CREATE TABLE contest_figures (
    metric_id       INTEGER NOT NULL REFERENCES contest_metrics(id),
    participant_id  INTEGER NOT NULL,
    week            TEXT NOT NULL,
    value           REAL NOT NULL,
    entered_by      INTEGER NOT NULL,
    entered_at      TEXT NOT NULL,
    PRIMARY KEY (metric_id, participant_id, week)
) WITHOUT ROWID;

CREATE TABLE contest_figure_audit (
    id              INTEGER PRIMARY KEY,
    metric_id       INTEGER NOT NULL REFERENCES contest_metrics(id),
    participant_id  INTEGER NOT NULL,
    week            TEXT NOT NULL,
    old_value       REAL,
    new_value       REAL NOT NULL,
    actor           INTEGER NOT NULL,
    at              TEXT NOT NULL,
    via             TEXT NOT NULL CHECK (via IN ('chat','file','cli')),
    confirmed_doubt TEXT,            -- the leader confirmed a figure the bot questioned
    reason          TEXT,
    after_close     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contest_figure_audit_metric ON contest_figure_audit(metric_id, participant_id, week);

-- Weekly standings already handed to the outbox, by (contest, week), so a restart neither
-- skips nor repeats a post; the arena's holder after that week is decided in the same step.
CREATE TABLE contest_posts (
    contest_id  INTEGER NOT NULL REFERENCES contests(id),
    period_key  TEXT NOT NULL,
    handed_at   TEXT NOT NULL,
    PRIMARY KEY (contest_id, period_key)
) WITHOUT ROWID;

-- Points (积分): one row per act, booked once (UNIQUE rule, ref) with the caps applied when
-- booked; `points` may be 0 when a cap was reached, so the act is still known to be counted.
CREATE TABLE points_ledger (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    rule        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    points      INTEGER NOT NULL CHECK (points >= 0),
    day         TEXT NOT NULL,
    booked_at   TEXT NOT NULL,
    UNIQUE (rule, ref)
);
CREATE INDEX points_ledger_member ON points_ledger(member_id, day);
