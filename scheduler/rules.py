"""Schedule rules as plain data, and the one function that turns a rule into occurrences.

Everything here is pure: a rule, a moment, a time zone and a `HolidayCalendar` in; aware UTC
datetimes out. No bot, no database, no clock.

Rules are written in local wall-clock time (the organisation's time zone, Asia/Shanghai by
default) and converted to UTC one occurrence at a time, so a rule keeps meaning "14:00" across
a daylight-saving change in zones that have one.

Rules
- `Weekly(days, at)`: on the given weekdays (0 = Monday ... 6 = Sunday).
- `Workdays(at)`: every workday of the calendar - make-up Saturdays/Sundays (调休上班) included,
  public holidays excluded. With `HolidayPolicy.IGNORE` it means plain Monday to Friday.
- `MonthlyByWeek(weekday, nth, at)`: nth = 1..4 is the n-th such weekday of the month;
  nth = -1 is that weekday **in the last week of the month**. "The last week of the month" is
  defined as its last seven days (the 25th-31st of a 31-day month, the 22nd-28th of February
  in a common year). Every weekday occurs exactly once in those seven days, so "monthly
  last-week fri" is always well defined, always inside the month, and is by construction the
  same day as "the last Friday of the month" - the text syntax accepts both spellings.
  (A calendar-week reading - the Monday-to-Sunday week holding the month's last day - would
  put "Friday of the last week" into the next month whenever a month ends on Mon-Thu.)
- `MonthlyLastWorkday(at)`: the last workday of each month (last Monday-Friday under IGNORE).
- `EveryNDays(anchor, n, at)`: anchor, anchor + n days, ...; nothing before the anchor.
- `OneOff(on, at)`: once.
- `Yearly(dates, at)`: on each (month, day) every year; two dates six months apart make a
  half-yearly event. 02-29 occurs in leap years only.
- `Rotation(pattern, anchor, lead, early, middle, night)`: a team's shift cycle, e.g. 早早中中夜夜
  休休 (四班三运转, 8 days) whose first letter falls on `anchor`; day d works
  `pattern[(d - anchor) % len]`. Each working day has one occurrence, `lead` before that
  shift's start (defaults: early 08:00, middle 16:00, night 00:00). A shift belongs to the
  calendar day it starts on, so a 00:00 night shift on the 5th with lead 30m gives an
  occurrence at 23:30 on the 4th. Rest days (休) have none. Nothing before the anchor.

Holiday policy (per schedule): `SKIP` drops an occurrence whose day is a public holiday;
`NEXT_WORKDAY` moves it, same local time, to the first workday after (make-up Saturdays count;
at most `MAX_MOVE_DAYS`; merged with an occurrence already on that day); `IGNORE` keeps it.
"Public holiday" is the calendar's `is_holiday` (the break's weekend days included, ordinary
weekends not). For a rotation the day checked is the shift's day. Defaults (`default_policy`):
rotations and one-off events ignore holidays (a mine's shifts run through 春节; an admin who
picks a date means it), monthly and yearly events move to the next workday (the month's
meeting must still happen), weekly and every-N-days study days skip them.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from scheduler.holidays import MAX_MOVE_DAYS, HolidayCalendar

__all__ = [
    "DEFAULT_STARTS",
    "HORIZON",
    "MAX_LEAD",
    "MAX_PATTERN",
    "EveryNDays",
    "HolidayPolicy",
    "MonthlyByWeek",
    "MonthlyLastWorkday",
    "Occurrence",
    "OneOff",
    "Rotation",
    "Rule",
    "RuleError",
    "Shift",
    "Weekly",
    "Workdays",
    "Yearly",
    "default_policy",
    "iter_occurrences",
    "month_week_day",
    "next_occurrences",
]

MAX_LEAD = timedelta(hours=12)
MAX_PATTERN = 62
# How far iter_occurrences looks when no `until` is given: far enough for any real rule
# (02-29 recurs within 8 years), bounded so a rule that never fires cannot loop for ever.
HORIZON = timedelta(days=366 * 12)


class HolidayPolicy(StrEnum):
    SKIP = "skip"
    NEXT_WORKDAY = "next_workday"
    IGNORE = "ignore"


class Shift(StrEnum):
    EARLY = "early"
    MIDDLE = "middle"
    NIGHT = "night"
    OFF = "off"


DEFAULT_STARTS = {Shift.EARLY: time(8, 0), Shift.MIDDLE: time(16, 0), Shift.NIGHT: time(0, 0)}


class RuleError(ValueError):
    """A rule object that cannot describe any schedule (the text parser reports earlier)."""


def _check_time(at: time) -> None:
    if at.tzinfo is not None or at.second or at.microsecond:
        raise RuleError(f"rule times are local wall-clock minutes, got {at!r}")


@dataclass(frozen=True)
class Weekly:
    days: tuple[int, ...]
    at: time

    def __post_init__(self) -> None:
        if not self.days or list(self.days) != sorted(set(self.days)):
            raise RuleError("weekly days must be a non-empty, sorted tuple without repeats")
        if not all(0 <= d <= 6 for d in self.days):
            raise RuleError("weekdays are 0 (Monday) to 6 (Sunday)")
        _check_time(self.at)


@dataclass(frozen=True)
class Workdays:
    at: time

    def __post_init__(self) -> None:
        _check_time(self.at)


@dataclass(frozen=True)
class MonthlyByWeek:
    weekday: int
    nth: int  # 1..4, or -1 = in the last seven days of the month
    at: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise RuleError("weekdays are 0 (Monday) to 6 (Sunday)")
        if self.nth not in (-1, 1, 2, 3, 4):
            raise RuleError("nth must be 1..4 or -1 (last week)")
        _check_time(self.at)


@dataclass(frozen=True)
class MonthlyLastWorkday:
    at: time

    def __post_init__(self) -> None:
        _check_time(self.at)


@dataclass(frozen=True)
class EveryNDays:
    anchor: date
    n: int
    at: time

    def __post_init__(self) -> None:
        if not 1 <= self.n <= 366:
            raise RuleError("every n days: n must be 1..366")
        _check_time(self.at)


@dataclass(frozen=True)
class OneOff:
    on: date
    at: time

    def __post_init__(self) -> None:
        _check_time(self.at)


@dataclass(frozen=True)
class Yearly:
    dates: tuple[tuple[int, int], ...]  # (month, day), sorted, no repeats
    at: time

    def __post_init__(self) -> None:
        if not self.dates or list(self.dates) != sorted(set(self.dates)):
            raise RuleError("yearly dates must be a non-empty, sorted tuple without repeats")
        for month, day in self.dates:
            try:
                date(2024, month, day)  # a leap year: 02-29 is a valid (every-4-years) date
            except ValueError as exc:
                raise RuleError(f"no such day of the year: {month:02d}-{day:02d}") from exc
        _check_time(self.at)


@dataclass(frozen=True)
class Rotation:
    pattern: tuple[Shift, ...]
    anchor: date
    lead: timedelta = timedelta(0)
    early: time = DEFAULT_STARTS[Shift.EARLY]
    middle: time = DEFAULT_STARTS[Shift.MIDDLE]
    night: time = DEFAULT_STARTS[Shift.NIGHT]

    def __post_init__(self) -> None:
        if not 1 <= len(self.pattern) <= MAX_PATTERN:
            raise RuleError(f"a rotation has 1..{MAX_PATTERN} days")
        if all(s is Shift.OFF for s in self.pattern):
            raise RuleError("a rotation needs at least one working shift")
        if not timedelta(0) <= self.lead <= MAX_LEAD or self.lead % timedelta(minutes=1):
            raise RuleError("lead must be whole minutes between 0 and 12 hours")
        for at in (self.early, self.middle, self.night):
            _check_time(at)

    @property
    def period(self) -> int:
        return len(self.pattern)

    def shift_on(self, day: date) -> Shift | None:
        """The shift worked on `day`; None before the anchor."""
        if day < self.anchor:
            return None
        return self.pattern[(day - self.anchor).days % len(self.pattern)]

    def start_of(self, shift: Shift) -> time:
        return {Shift.EARLY: self.early, Shift.MIDDLE: self.middle, Shift.NIGHT: self.night}[shift]


Rule = (
    Weekly | Workdays | MonthlyByWeek | MonthlyLastWorkday | EveryNDays | OneOff | Yearly | Rotation
)


@dataclass(frozen=True)
class Occurrence:
    at: datetime  # aware, UTC
    local: datetime  # the same moment in the rule's time zone
    day: date  # the local day it belongs to (for a rotation: the shift's day)
    moved_from: date | None = None  # NEXT_WORKDAY moved it from this holiday
    shift: Shift | None = None
    shift_start: datetime | None = None  # rotations: the shift's start, aware local


def default_policy(rule: Rule) -> HolidayPolicy:
    """The holiday policy a schedule gets when its author chose none. "Every day" means every
    day: a daily rule keeps holidays unless a policy is chosen."""
    if isinstance(rule, Rotation | OneOff):
        return HolidayPolicy.IGNORE
    if isinstance(rule, Weekly) and len(rule.days) == 7:
        return HolidayPolicy.IGNORE
    if isinstance(rule, MonthlyByWeek | MonthlyLastWorkday | Yearly):
        return HolidayPolicy.NEXT_WORKDAY
    return HolidayPolicy.SKIP


# ----------------------------------------------------------------------------- candidates


@dataclass(frozen=True, order=True)
class _Candidate:
    local: datetime  # naive local wall time
    day: date
    shift: Shift | None = None
    shift_start: datetime | None = None
    moved_from: date | None = None


def _days_from(start: date) -> Iterator[date]:
    day = start
    while day < date.max:
        yield day
        day += timedelta(days=1)


def _months_from(start: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while year <= date.max.year:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _month_length(year: int, month: int) -> int:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (nxt - timedelta(days=1)).day


def month_week_day(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1..4) `weekday` of the month, or (nth = -1) the one in its last seven days."""
    if nth == -1:
        last = date(year, month, _month_length(year, month))
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _candidates(
    rule: Rule, start: date, calendar: HolidayCalendar, policy: HolidayPolicy
) -> Iterator[_Candidate]:
    """The rule's occurrences from local day `start` on, in increasing local time."""

    def worked(day: date) -> bool:
        return day.weekday() < 5 if policy is HolidayPolicy.IGNORE else calendar.is_workday(day)

    if isinstance(rule, Weekly):
        for day in _days_from(start):
            if day.weekday() in rule.days:
                yield _Candidate(datetime.combine(day, rule.at), day)
    elif isinstance(rule, Workdays):
        for day in _days_from(start):
            if worked(day):
                yield _Candidate(datetime.combine(day, rule.at), day)
    elif isinstance(rule, MonthlyByWeek):
        for year, month in _months_from(start):
            day = month_week_day(year, month, rule.weekday, rule.nth)
            if day >= start:
                yield _Candidate(datetime.combine(day, rule.at), day)
    elif isinstance(rule, MonthlyLastWorkday):
        for year, month in _months_from(start):
            length = _month_length(year, month)
            days = (date(year, month, d) for d in range(length, 0, -1))
            last = next((d for d in days if worked(d)), None)
            if last is not None and last >= start:
                yield _Candidate(datetime.combine(last, rule.at), last)
    elif isinstance(rule, EveryNDays):
        skip = max(0, -(-(start - rule.anchor).days // rule.n))
        day = rule.anchor + timedelta(days=skip * rule.n)
        while True:
            yield _Candidate(datetime.combine(day, rule.at), day)
            if (date.max - day).days <= rule.n:
                return
            day += timedelta(days=rule.n)
    elif isinstance(rule, OneOff):
        if rule.on >= start:
            yield _Candidate(datetime.combine(rule.on, rule.at), rule.on)
    elif isinstance(rule, Yearly):
        for year in range(start.year, date.max.year + 1):
            for month, dom in rule.dates:
                if dom > _month_length(year, month):
                    continue  # 02-29 in a common year
                day = date(year, month, dom)
                if day >= start:
                    yield _Candidate(datetime.combine(day, rule.at), day)
    else:
        for day in _days_from(max(start, rule.anchor)):
            shift = rule.shift_on(day)
            if shift is None or shift is Shift.OFF:
                continue
            begins = datetime.combine(day, rule.start_of(shift))
            yield _Candidate(begins - rule.lead, day, shift, begins)


def _apply_policy(
    cand: _Candidate, calendar: HolidayCalendar, policy: HolidayPolicy
) -> _Candidate | None:
    if policy is HolidayPolicy.IGNORE or not calendar.is_holiday(cand.day):
        return cand
    if policy is HolidayPolicy.SKIP:
        return None
    target = calendar.workday_on_or_after(cand.day)
    if target is None:
        return None
    shift = target - cand.day
    return _Candidate(
        cand.local + shift,
        target,
        cand.shift,
        None if cand.shift_start is None else cand.shift_start + shift,
        cand.day,
    )


def _to_utc(local: datetime, tz: tzinfo) -> datetime:
    # fold=0: an ambiguous wall time (clocks going back) means its first instance; a time in
    # a spring-forward gap lands just after the gap.
    return local.replace(tzinfo=tz).astimezone(UTC)


def iter_occurrences(
    rule: Rule,
    after: datetime,
    tz: tzinfo,
    calendar: HolidayCalendar,
    policy: HolidayPolicy | None = None,
    *,
    inclusive: bool = False,
    until: datetime | None = None,
) -> Iterator[Occurrence]:
    """Occurrences strictly after `after` (at or after, if `inclusive`), in strictly
    increasing UTC order, up to `until` (default: `HORIZON` after `after`)."""
    if after.tzinfo is None or (until is not None and until.tzinfo is None):
        raise ValueError("after/until must be aware datetimes")
    policy = default_policy(rule) if policy is None else policy
    until = after + HORIZON if until is None else until
    after_local = after.astimezone(tz)
    # Start early enough that a candidate moved forward past `after`, or a rotation's
    # lead reaching into the previous day, is not missed.
    back = MAX_MOVE_DAYS + 2 if policy is HolidayPolicy.NEXT_WORKDAY else 2
    start = max(date.min + timedelta(days=back), after_local.date()) - timedelta(days=back)
    stop_day = until.astimezone(tz).date() + timedelta(days=2)

    last: datetime | None = None
    counter = itertools.count()
    # A moved candidate may land after later, unmoved ones: hold candidates in a heap and
    # release one only when no future candidate (whose time can only grow when moved) can
    # come before it.
    pending: list[tuple[datetime, int, _Candidate]] = []

    def release(cand: _Candidate) -> Occurrence | None:
        nonlocal last
        at = _to_utc(cand.local, tz)
        if at < after or (at == after and not inclusive) or at > until:
            return None
        if last is not None and at <= last:
            return None  # moved onto an occurrence already given (or a DST fold)
        last = at
        return Occurrence(
            at=at,
            local=at.astimezone(tz),
            day=cand.day,
            moved_from=cand.moved_from,
            shift=cand.shift,
            shift_start=None if cand.shift_start is None else cand.shift_start.replace(tzinfo=tz),
        )

    for cand in _candidates(rule, start, calendar, policy):
        if cand.day > stop_day:
            break
        while pending and pending[0][0] < cand.local:
            occ = release(heapq.heappop(pending)[2])
            if occ is not None:
                yield occ
        mapped = _apply_policy(cand, calendar, policy)
        if mapped is not None:
            heapq.heappush(pending, (mapped.local, next(counter), mapped))
    while pending:
        occ = release(heapq.heappop(pending)[2])
        if occ is not None:
            yield occ


def next_occurrences(
    rule: Rule,
    after: datetime,
    tz: tzinfo,
    calendar: HolidayCalendar,
    policy: HolidayPolicy | None = None,
    count: int = 10,
) -> list[datetime]:
    """The next `count` occurrences strictly after `after`, as aware UTC datetimes."""
    return [
        o.at for o in itertools.islice(iter_occurrences(rule, after, tz, calendar, policy), count)
    ]
