-- Knowledge quizzes (知识征答): the question bank, rounds of quiz polls, answers and scores.

-- Quiz polls travel through the outbox like every other message. A row whose `poll` is set
-- (the sendPoll parameters as JSON; `text` holds the question for logs and status) is sent
-- with sendPoll; Telegram's poll id is kept with the result, so a poll answer (which carries
-- only that id) finds its question.
ALTER TABLE outbox ADD COLUMN poll TEXT;
ALTER TABLE outbox ADD COLUMN poll_id TEXT;
CREATE UNIQUE INDEX outbox_poll_id ON outbox(poll_id) WHERE poll_id IS NOT NULL;

CREATE TABLE quiz_imports (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    actor       INTEGER,                    -- Telegram user id; NULL from the command line
    added       INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

-- The bank. `code` is stable across imports (the starter bank's own ids, the file's 编号, or a
-- hash of the stem), so re-importing a file updates its items instead of adding copies, and
-- the answers and 错题本 of a question survive an edit. Retired questions keep their rows.
CREATE TABLE quiz_questions (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('single','multiple','judge')),
    stem         TEXT NOT NULL,
    options      TEXT NOT NULL,            -- JSON list of option texts
    answer       TEXT NOT NULL,            -- JSON list of 0-based indices
    explanation  TEXT NOT NULL DEFAULT '',
    topic        TEXT NOT NULL,
    difficulty   INTEGER NOT NULL DEFAULT 2 CHECK (difficulty BETWEEN 1 AND 3),
    source       TEXT NOT NULL DEFAULT '',
    active       INTEGER NOT NULL DEFAULT 1,
    import_id    INTEGER REFERENCES quiz_imports(id),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX quiz_questions_topic ON quiz_questions(active, topic);

-- A round: one daily question, a session quiz, an exam or a challenge, in one chat. Group
-- rounds send all their polls at once; private ones (exam, challenge) one at a time, the next
-- when the last was answered or its timer ran out (`position` = the question out now).
-- `key` makes scheduled rounds idempotent: 'daily:<plan>:<day>:<team>'.
CREATE TABLE quiz_rounds (
    id           INTEGER PRIMARY KEY,
    mode         TEXT NOT NULL CHECK (mode IN ('daily','session','exam','challenge')),
    chat_id      INTEGER NOT NULL,
    team_id      INTEGER REFERENCES teams(id),
    member_id    INTEGER REFERENCES members(id),
    started_by   INTEGER,
    topic        TEXT,
    size         INTEGER NOT NULL,
    open_period  INTEGER NOT NULL,
    sequential   INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running','finished','cancelled')),
    position     INTEGER NOT NULL DEFAULT 0,
    key          TEXT UNIQUE,
    local_day    TEXT NOT NULL,
    reminded_at  TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    finished_at  TEXT
);
CREATE INDEX quiz_rounds_open ON quiz_rounds(state) WHERE state = 'running';
CREATE INDEX quiz_rounds_team ON quiz_rounds(team_id, created_at);
CREATE INDEX quiz_rounds_member ON quiz_rounds(member_id, created_at);

-- The questions of a round, drawn when it started (a restart sends the same ones).
-- `outbox_key` is the dedupe key of the poll's outbox row: row, send time and poll id.
CREATE TABLE quiz_items (
    round_id     INTEGER NOT NULL REFERENCES quiz_rounds(id),
    position     INTEGER NOT NULL,
    question_id  INTEGER NOT NULL REFERENCES quiz_questions(id),
    outbox_key   TEXT NOT NULL UNIQUE,
    settled      INTEGER NOT NULL DEFAULT 0, -- private rounds: answered or timed out
    PRIMARY KEY (round_id, position)
);
CREATE INDEX quiz_items_question ON quiz_items(question_id);

-- A poll answer, once per person and poll (the primary key): a repeated or changed answer
-- is ignored. `state`: raw (its poll was not known yet), counted, late (after the timer or the
-- round's end), outsider (no registered member behind the account). `points` is what it added
-- under the daily cap, `local_day` the day (site time zone) the cap applies to.
CREATE TABLE quiz_answers (
    poll_id      TEXT NOT NULL,
    tg_user_id   INTEGER NOT NULL,
    option_ids   TEXT NOT NULL,
    answered_at  TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'raw' CHECK (state IN ('raw','counted','late','outsider')),
    round_id     INTEGER REFERENCES quiz_rounds(id),
    position     INTEGER,
    question_id  INTEGER REFERENCES quiz_questions(id),
    member_id    INTEGER REFERENCES members(id),
    team_id      INTEGER REFERENCES teams(id),
    correct      INTEGER,
    points       INTEGER NOT NULL DEFAULT 0,
    local_day    TEXT,
    PRIMARY KEY (poll_id, tg_user_id)
);
CREATE INDEX quiz_answers_raw ON quiz_answers(state) WHERE state = 'raw';
CREATE INDEX quiz_answers_member ON quiz_answers(member_id, local_day);
CREATE INDEX quiz_answers_team ON quiz_answers(team_id, local_day);
CREATE INDEX quiz_answers_round ON quiz_answers(round_id);

-- 每日一题: at `at_time` (HH:MM, site time) every day, one question to each bound team group
-- of the scope; `topic` NULL = drawn across topics.
CREATE TABLE quiz_plans (
    id           INTEGER PRIMARY KEY,
    team_id      INTEGER REFERENCES teams(id), -- NULL = every team
    at_time      TEXT NOT NULL,
    topic        TEXT,
    open_period  INTEGER NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    created_by   INTEGER,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

-- Site settings of the quiz: daily_cap (points a person can earn per day), individual_ranking
-- ('1' = leaderboards may name individuals; off by default).
CREATE TABLE quiz_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Reminders a leader sent for a round: one per round and member, ever.
CREATE TABLE quiz_reminders (
    round_id   INTEGER NOT NULL REFERENCES quiz_rounds(id),
    member_id  INTEGER NOT NULL REFERENCES members(id),
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (round_id, member_id)
);
