"""Which days are worked in mainland China: public holidays, make-up workdays (调休), own days.

Package choice: `chinese-calendar` (import name `chinese_calendar`, pinned 1.11 in pyproject),
not `holidays`.

- Make-up workdays. `chinese-calendar` keeps, per year, the State Council's notice as two
  tables, days off and make-up workdays (2026: 1-4, 2-14, 2-28, 5-9, 9-20, 10-10), and its
  `is_workday` answers exactly the question a schedule asks. `holidays` (0.108) models China
  as public holidays plus "day off (substituted from …)" labels: the make-up workday appears
  only inside a label string, there is no workday category or query for China, so we would be
  parsing translated labels to learn that a Saturday is worked.
- Years covered. `chinese-calendar` 1.11 knows 2004-2026 and raises `NotImplementedError` for
  any other year rather than guessing. `holidays` computes lunar holidays for any year, but the
  调休 arrangement of a future year is decided by the State Council each November, so its
  answers for years not yet announced are guesses too - wrong ones on the make-up Saturdays.
- Update cadence. `chinese-calendar` publishes a release within days or weeks of each annual
  notice (the data is the whole package, small and dependency-free); upgrading it is the one
  maintenance step per year. `holidays` releases often, but for every country at once.

Years the package does not know (e.g. 2027 before an upgrade): we fall back to "Monday to
Friday are workdays", log one warning per year per calendar, and let admins fill the gap with
their own additions (extra holidays and extra workdays, kept in the database) until the
package is upgraded. `HolidayCalendar.known(year)` tells callers whether a year is covered,
so the bot can warn admins before the year starts.

Own additions win over the package: an extra workday makes any day a workday (a plant that
works on a public holiday), an extra holiday makes any day a day off (a local festival, a
plant shutdown). A day cannot be both; the later addition replaces the earlier in the DB.

Two notions, because schedules need both:
- a *workday* is a day people work: Monday-Friday, minus public holidays, plus make-up
  workdays (调休上班, e.g. Saturday 2026-02-14);
- a *public holiday* is a day off the notice (or an admin) grants: 2026-10-01..07, including
  the Saturday and Sunday inside that break, but not an ordinary weekend. "Skip holidays"
  skips these, so a rule for Saturdays is not emptied by the fact that Saturdays are off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

import chinese_calendar  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

# How far next_workday looks: the longest official break is 9 days (Spring Festival 2026);
# an admin may add longer shutdowns, but past a month "the next workday" stops being a
# reminder of the same thing.
MAX_MOVE_DAYS = 31


class HolidayCalendar:
    """The official Chinese calendar merged with an organisation's own additions."""

    def __init__(
        self, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()
    ) -> None:
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays) - self.extra_holidays
        self._warned: set[int] = set()

    @staticmethod
    def known(year: int) -> bool:
        """Does the holiday package know this year's holidays and make-up workdays?"""
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def official_workday(self, day: date) -> bool:
        """The State Council's answer, or Monday-Friday for a year the package does not know."""
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning(
                    "holiday data for %d unknown to chinese-calendar %s: treating Monday to"
                    " Friday as workdays; upgrade the package or add the year's holidays",
                    day.year,
                    chinese_calendar.__version__,
                )
            return day.weekday() < 5

    def is_workday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        return self.official_workday(day)

    def is_day_off(self, day: date) -> bool:
        """Any day not worked: weekend, public holiday or own addition."""
        return not self.is_workday(day)

    def is_holiday(self, day: date) -> bool:
        """A public holiday (or own addition), weekend days inside a holiday break included."""
        if day in self.extra_holidays:
            return True
        if day in self.extra_workdays:
            return False
        try:
            off, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            self.official_workday(day)  # logs the one warning for the unknown year
            return False
        return bool(off) and name is not None

    def is_makeup_workday(self, day: date) -> bool:
        """A Saturday or Sunday that is worked (调休上班), officially or by own addition."""
        return day.weekday() >= 5 and self.is_workday(day)

    def workday_on_or_after(self, day: date, limit: int = MAX_MOVE_DAYS) -> date | None:
        """The first workday from `day` on; None if there is none within `limit` days."""
        for offset in range(limit + 1):
            candidate = day + timedelta(days=offset)
            if self.is_workday(candidate):
                return candidate
        return None

    def next_workday(self, day: date, limit: int = MAX_MOVE_DAYS) -> date | None:
        """The first workday strictly after `day`; None if none within `limit` days."""
        return self.workday_on_or_after(day + timedelta(days=1), limit - 1)
