-- 每日一题 on workdays only (the official calendar with 调休 make-up days, plus the site's own
-- holiday_overrides): most sites drill on the days people are at work.
ALTER TABLE quiz_plans ADD COLUMN workdays INTEGER NOT NULL DEFAULT 0;
