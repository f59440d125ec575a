-- Leave asked ahead (请假): a worker asks for a range of local days, any time before they
-- come; a leader of the team approves or refuses with a reason. Approved leave marks the
-- worker 请假 in every session of those days when it opens (and in one already open, or
-- closed as absent, when the approval comes late). Days are the enterprise's local dates
-- (YYYY-MM-DD), times UTC ISO-8601.
CREATE TABLE leave_requests (
    id               INTEGER PRIMARY KEY,
    member_id        INTEGER NOT NULL REFERENCES members(id),
    team_id          INTEGER NOT NULL REFERENCES teams(id),  -- the team when asked
    kind             TEXT NOT NULL CHECK (kind IN ('sick','personal','official','other')),
    first_day        TEXT NOT NULL,
    last_day         TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    photo            TEXT,  -- Telegram file_id of the evidence photo, if one was sent
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending','approved','refused','cancelled')),
    asked_at         TEXT NOT NULL,
    decided_by       INTEGER,  -- Telegram user id of the leader
    decided_at       TEXT,
    decision_reason  TEXT,
    cancelled_at     TEXT,
    CHECK (first_day <= last_day)
);
-- "Who is on leave on this day?" at every session opening, and a member's own list.
CREATE INDEX leave_requests_days ON leave_requests(status, first_day, last_day);
CREATE INDEX leave_requests_member ON leave_requests(member_id, status, first_day);
CREATE INDEX leave_requests_team ON leave_requests(team_id, status, first_day);
