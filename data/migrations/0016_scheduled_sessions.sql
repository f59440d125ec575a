-- A study-day schedule opens each team's session itself. The occurrence that opened a
-- session is kept with it, unique per team, so a tick repeated after a crash finds the
-- session it already made instead of making a second one.
ALTER TABLE study_sessions ADD COLUMN occurrence_id INTEGER REFERENCES schedule_occurrences(id);
CREATE UNIQUE INDEX study_sessions_occurrence
    ON study_sessions(occurrence_id, team_id) WHERE occurrence_id IS NOT NULL
