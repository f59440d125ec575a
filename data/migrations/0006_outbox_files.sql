-- Files the bot generates (report PNG/XLSX) travel through the outbox like text: the bytes are
-- stored with the rows that send them, so a restart still has them. After the first upload the
-- Telegram file_id is kept and later recipients get that instead of the bytes; once no row needs
-- the bytes any more they are dropped (name and file_id stay for the record).
CREATE TABLE outbox_files (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    data        BLOB,
    file_id     TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

ALTER TABLE outbox ADD COLUMN file_ref INTEGER REFERENCES outbox_files(id);
CREATE INDEX outbox_file_ref ON outbox(file_ref) WHERE file_ref IS NOT NULL;
