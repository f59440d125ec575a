-- Closing a session owes the group(s) a summary and a quiz on what was studied. The summary
-- rows go into the outbox in the closing transaction itself; the quiz is started after the
-- commit (it draws questions and writes its own rows), so the close records that it is owed:
-- a crash between the two leaves the mark, and start-up starts the quiz then (once: the
-- quiz round is keyed by session and chat).
ALTER TABLE study_sessions ADD COLUMN quiz_owed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX study_sessions_quiz_owed ON study_sessions(quiz_owed) WHERE quiz_owed = 1;
