-- When someone last wrote to the bot is kept to the day: a time to the millisecond next to
-- their user id could be lined up with the creation time of an anonymous request's or an
-- anonymous suggestion's rows, and nothing needs more than the day.
UPDATE tg_users SET last_seen = substr(last_seen, 1, 10);
