-- registration_check = "leader": a Telegram account's claim to a roster entry waits for the
-- team leader's 同意/拒绝 before the account is linked. At most one open claim per entry (a
-- second account asking for the same colleague is refused and reported); a claim nobody
-- decided within 48 hours expires and may be asked again.
CREATE TABLE registration_claims (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    user_id INTEGER NOT NULL,
    applicant TEXT NOT NULL,           -- the Telegram name, shown to the leader
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'refused', 'expired')),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by INTEGER
);
CREATE UNIQUE INDEX registration_claims_open ON registration_claims(member_id)
    WHERE state = 'pending';
