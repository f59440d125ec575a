-- Anonymous suggestions no longer name their author in the database (#19: secrets protected
-- by the data model). Until now `author_member_id` was kept for anonymous ones "so the author
-- is told of every step"; an admin with the database could read who wrote each.
--
-- From now on an anonymous suggestion has author_member_id NULL and, instead:
--   author_tag = HMAC(key, "sg:<id>:<telegram id>") — the author's own account finds it for
--                /mine; no other account gives the same value, and two suggestions of one
--                person share nothing;
--   reply_to   = the author's chat id sealed with the key (random nonce, MAC), so the bot can
--                tell the author each step; outbox rows to it are scrubbed once sent.
-- The key comes from the bot token, which is not in the database (bot.domain.casework).
--
-- The NOT NULL on author_member_id is dropped in place, the way SQLite documents for removing
-- a NOT NULL constraint (the stored rows do not change; a rebuild would drop the table that
-- five others reference).
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, 'author_member_id  INTEGER NOT NULL REFERENCES members(id)',
                          'author_member_id  INTEGER REFERENCES members(id)')
 WHERE type = 'table' AND name = 'suggestions';
PRAGMA writable_schema = RESET;
ALTER TABLE suggestions ADD COLUMN author_tag BLOB;
ALTER TABLE suggestions ADD COLUMN reply_to BLOB;

-- Anonymous suggestions made before: SQL has no key to make their tags, so the link is cut
-- here. Their authors keep the claim codes the bot already told them; they are no longer told
-- of later steps, and /mine no longer lists them.
UPDATE suggestions SET author_member_id = NULL WHERE anonymous = 1;
-- The other places that tied them to a person: the submit event's actor, the author's own
-- topic choice before submitting, the credit of an anonymous duplicate on the earlier
-- suggestion, and the notices to the author (their key held the Telegram id).
UPDATE suggestion_events SET actor = 0
 WHERE to_state = 'submitted' AND suggestion_id IN (SELECT id FROM suggestions WHERE anonymous = 1);
UPDATE topic_corrections SET by_user = 0
 WHERE by_reviewer = 0 AND suggestion_id IN (SELECT id FROM suggestions WHERE anonymous = 1);
DELETE FROM suggestion_credits
 WHERE via_id IN (SELECT id FROM suggestions WHERE anonymous = 1);
UPDATE outbox SET state = CASE WHEN state IN ('pending', 'sending') THEN 'cancelled' ELSE state END,
       chat_id = 0, text = '', reply_markup = NULL, dedupe_key = 'scrubbed:' || id
 WHERE purpose = 'suggestion'
   AND EXISTS (SELECT 1 FROM suggestions s WHERE s.anonymous = 1
               AND outbox.dedupe_key LIKE 'sg:' || s.id || ':%');
