-- The monthly thought-trend analysis (思想动态分析): one row per month and scope once its
-- messages are in the outbox (written in the same transaction), so a restart neither repeats
-- nor loses a delivery. scope: 'site' for admins, 'unit:<id>' for that unit's leaders.
CREATE TABLE trend_reports (
    period   TEXT NOT NULL,  -- YYYY-MM, in the bot's time zone
    scope    TEXT NOT NULL,
    sent_at  TEXT NOT NULL,
    PRIMARY KEY (period, scope)
) WITHOUT ROWID;
