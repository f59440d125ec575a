-- The command menus Banzu has set per person (setMyCommands with a chat scope for their private
-- chat, a chat-member scope in each team group where they lead): after an import or a role
-- change only what differs is set again, and menus of people who lost their roles are deleted.
-- `digest` covers the command names only (the descriptions follow the person's language).
CREATE TABLE published_menus (
    scope TEXT PRIMARY KEY,          -- 'chat:<user>' | 'member:<chat>:<user>'
    user_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    digest TEXT NOT NULL,
    published_at TEXT NOT NULL
);
CREATE INDEX published_menus_user ON published_menus(user_id);
