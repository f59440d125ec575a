-- The rectification register (整改销号: "改一销一，不改不销"). Times are UTC ISO-8601 strings;
-- deadlines are local calendar days (YYYY-MM-DD), as people set and read them.
--
-- rect_items holds the current state only; every move (raise, submit, verify, send back,
-- postpone, reopen) is a row of rect_events, so the history of an item — a postponement's
-- reason, a 反弹 — is never overwritten. `version` grows with each move: a button drawn
-- before the last move carries the old version and is refused as stale.

CREATE TABLE rect_items (
    id            INTEGER PRIMARY KEY,
    problem       TEXT NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    team_id       INTEGER REFERENCES teams(id),
    owner_id      INTEGER NOT NULL REFERENCES members(id),   -- the person responsible
    deadline      TEXT NOT NULL,                              -- local date, YYYY-MM-DD
    state         TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','rectified','closed')),
    source        TEXT NOT NULL DEFAULT 'manual'
                  CHECK (source IN ('manual','suggestion','meeting')),
    suggestion_id INTEGER REFERENCES suggestions(id),
    raised_by     INTEGER NOT NULL,                           -- Telegram user id
    submitted_by  INTEGER,                                    -- who submitted the evidence
    rounds        INTEGER NOT NULL DEFAULT 0,  -- reopenings: escalations start afresh each
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    closed_at     TEXT
);
CREATE INDEX rect_items_unit ON rect_items(unit_id, state);
CREATE INDEX rect_items_owner ON rect_items(owner_id, state);
CREATE INDEX rect_items_due ON rect_items(state, deadline);
-- One item per adopted suggestion: pressing "转整改" twice raises nothing twice.
CREATE UNIQUE INDEX rect_items_suggestion ON rect_items(suggestion_id)
    WHERE suggestion_id IS NOT NULL;

CREATE TABLE rect_events (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES rect_items(id),
    move          TEXT NOT NULL
                  CHECK (move IN ('raise','submit','verify','send_back','postpone','reopen')),
    actor         INTEGER NOT NULL,                           -- Telegram user id
    reason        TEXT NOT NULL DEFAULT '',
    old_deadline  TEXT,
    new_deadline  TEXT,
    at            TEXT NOT NULL
);
CREATE INDEX rect_events_item ON rect_events(item_id, id);
CREATE INDEX rect_events_at ON rect_events(at);

-- Evidence: text, photos and files, held by Telegram file id (the bytes stay with Telegram,
-- bounded in size when received). A piece belongs to the submission event once submitted;
-- until then (event_id NULL) it is the owner's draft.
CREATE TABLE rect_evidence (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES rect_items(id),
    event_id      INTEGER REFERENCES rect_events(id),
    kind          TEXT NOT NULL CHECK (kind IN ('text','photo','document')),
    body          TEXT NOT NULL DEFAULT '',                   -- the text, or a caption
    file_id       TEXT,
    file_name     TEXT,
    size          INTEGER,
    added_by      INTEGER NOT NULL,                           -- Telegram user id
    at            TEXT NOT NULL
);
CREATE INDEX rect_evidence_item ON rect_evidence(item_id, event_id);
