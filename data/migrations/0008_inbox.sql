-- The durable inbox (#22): every update Telegram gives us is stored here, keyed by its
-- update_id, before the getUpdates offset that acknowledges it is ever sent. The bot processes
-- from here at least once; `done_at` is set once the handlers have finished with it.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,          -- the raw update as Telegram sent it (JSON)
    received_at REAL NOT NULL,          -- unix time it reached us (a press is at most this old)
    done_at     REAL
);
CREATE INDEX inbox_pending ON inbox(update_id) WHERE done_at IS NULL;

-- A batch's progress message has reached its final state (all rows sent, undeliverable or
-- cancelled, and the listener called after that). On start, every batch without this mark
-- gets its listener called once more, so a kill between the last `sent` and the last
-- progress edit cannot leave "正在发送 0/12" with a live stop button.
CREATE TABLE outbox_batches_final (
    batch    TEXT PRIMARY KEY,
    final_at TEXT NOT NULL
);

-- Batches already drained when this migration runs count as final (their progress was
-- edited by the sender of the time, which only stopped calling listeners once drained).
INSERT INTO outbox_batches_final(batch, final_at)
    SELECT batch, strftime('%Y-%m-%dT%H:%M:%fZ','now') FROM outbox
    WHERE batch IS NOT NULL
    GROUP BY batch
    HAVING sum(state IN ('pending', 'sending')) = 0;
