"""Schedule rules and the holiday calendar: examples from the seeds, and properties that must
hold for any rule (hypothesis)."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.holidays import HolidayCalendar
from scheduler.rules import (
    EveryNDays,
    HolidayPolicy,
    MonthlyByWeek,
    MonthlyLastWorkday,
    OneOff,
    Rotation,
    Rule,
    RuleError,
    Shift,
    Weekly,
    Workdays,
    Yearly,
    default_policy,
    iter_occurrences,
    month_week_day,
    next_occurrences,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = HolidayCalendar()
E, M, N, OFF = Shift.EARLY, Shift.MIDDLE, Shift.NIGHT, Shift.OFF
FOUR_THREE = (E, E, M, M, N, N, OFF, OFF)  # 四班三运转: 早早中中夜夜休休
MAKEUP_2026 = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


def local(text: str, tz: ZoneInfo = SH) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def occ_local(rule: Rule, after: str, count: int, policy: HolidayPolicy | None = None) -> list[str]:
    got = itertools.islice(iter_occurrences(rule, local(after), SH, CAL, policy), count)
    return [f"{o.local:%Y-%m-%d %H:%M}" for o in got]


# ----------------------------------------------------------------------------- examples


def test_weekly_study_day_skips_national_day_by_default() -> None:
    rule = Weekly((3,), time(14, 0))  # Thursday
    assert default_policy(rule) is HolidayPolicy.SKIP
    assert occ_local(rule, "2026-09-20", 3) == [
        "2026-09-24 14:00",
        "2026-10-08 14:00",  # 10-01 is 国庆
        "2026-10-15 14:00",
    ]
    assert occ_local(rule, "2026-09-20", 2, HolidayPolicy.IGNORE)[1] == "2026-10-01 14:00"


def test_next_workday_can_land_on_a_makeup_sunday() -> None:
    # 2026-01-01 (Thu) to 01-03 are 元旦; Sunday 01-04 is worked (调休).
    got = list(
        itertools.islice(
            iter_occurrences(
                Weekly((3,), time(9, 0)), local("2025-12-30"), SH, CAL, HolidayPolicy.NEXT_WORKDAY
            ),
            2,
        )
    )
    assert [(o.day, o.moved_from) for o in got] == [
        (date(2026, 1, 4), date(2026, 1, 1)),
        (date(2026, 1, 8), None),
    ]


def test_moved_occurrences_merge_and_stay_ordered() -> None:
    # Mon 10-05 and Tue 10-06 are both holidays: both move to Thu 10-08, once.
    rule = Weekly((0, 1, 3), time(9, 0))
    assert occ_local(rule, "2026-09-30", 4, HolidayPolicy.NEXT_WORKDAY) == [
        "2026-10-08 09:00",
        "2026-10-12 09:00",
        "2026-10-13 09:00",
        "2026-10-15 09:00",
    ]


def test_monthly_meeting_in_last_week_moves_off_mid_autumn() -> None:
    rule = MonthlyByWeek(4, -1, time(15, 0))  # Friday of the last week
    assert occ_local(rule, "2026-08-01", 3) == [
        "2026-08-28 15:00",
        "2026-09-28 15:00",  # Fri 09-25 is 中秋; Monday 09-28 is still in the last week
        "2026-10-30 15:00",
    ]


def test_nth_weekday_and_last_workday() -> None:
    assert occ_local(MonthlyByWeek(1, 2, time(9, 0)), "2026-11-01", 2) == [
        "2026-11-10 09:00",
        "2026-12-08 09:00",
    ]
    # January 2026 ends on a Saturday: its last workday is Friday the 30th.
    assert occ_local(MonthlyLastWorkday(time(16, 0)), "2026-01-01", 1) == ["2026-01-30 16:00"]


def test_last_workday_counts_a_makeup_saturday() -> None:
    # Saturday 2026-02-28 is worked (春节调休): it is February's last workday.
    assert occ_local(MonthlyLastWorkday(time(16, 0)), "2026-02-01", 1) == ["2026-02-28 16:00"]
    assert occ_local(MonthlyLastWorkday(time(16, 0)), "2026-02-01", 1, HolidayPolicy.IGNORE) == [
        "2026-02-27 16:00"
    ]


def test_every_n_days_from_anchor_only() -> None:
    rule = EveryNDays(date(2026, 11, 1), 3, time(8, 0))
    assert occ_local(rule, "2026-10-01", 3, HolidayPolicy.IGNORE) == [
        "2026-11-01 08:00",
        "2026-11-04 08:00",
        "2026-11-07 08:00",
    ]
    assert occ_local(rule, "2026-11-02", 1, HolidayPolicy.IGNORE) == ["2026-11-04 08:00"]


def test_once_and_yearly() -> None:
    assert occ_local(OneOff(date(2026, 12, 31), time(16, 0)), "2026-01-01", 5) == [
        "2026-12-31 16:00"
    ]
    assert occ_local(OneOff(date(2026, 12, 31), time(16, 0)), "2027-01-01", 5) == []
    half = Yearly(((6, 28), (12, 28)), time(16, 0))
    assert occ_local(half, "2026-07-01", 3, HolidayPolicy.IGNORE) == [
        "2026-12-28 16:00",
        "2027-06-28 16:00",
        "2027-12-28 16:00",
    ]
    leap = Yearly(((2, 29),), time(9, 0))
    assert occ_local(leap, "2026-01-01", 2, HolidayPolicy.IGNORE) == [
        "2028-02-29 09:00",
        "2032-02-29 09:00",
    ]


def test_rotation_four_teams_three_shifts() -> None:
    rule = Rotation(FOUR_THREE, date(2026, 11, 1), lead=timedelta(minutes=30))
    got = list(itertools.islice(iter_occurrences(rule, local("2026-11-01"), SH, CAL), 7))
    assert [(f"{o.local:%m-%d %H:%M}", o.day.day, o.shift) for o in got] == [
        ("11-01 07:30", 1, E),
        ("11-02 07:30", 2, E),
        ("11-03 15:30", 3, M),
        ("11-04 15:30", 4, M),
        ("11-04 23:30", 5, N),  # the 00:00 night shift of the 5th: 30 minutes before
        ("11-05 23:30", 6, N),
        ("11-09 07:30", 9, E),  # 7th and 8th are rest days
    ]
    assert got[4].shift_start == local("2026-11-05 00:00")
    # Nothing before the anchor.
    assert occ_local(rule, "2026-10-01", 1) == ["2026-11-01 07:30"]


def test_rotation_runs_through_spring_festival_by_default() -> None:
    rule = Rotation((E,), date(2026, 2, 1))
    assert default_policy(rule) is HolidayPolicy.IGNORE
    days = [
        o.day
        for o in iter_occurrences(
            rule, local("2026-02-14"), SH, CAL, until=local("2026-02-24 23:00")
        )
    ]
    assert days == [date(2026, 2, d) for d in range(14, 25)]
    skipped = iter_occurrences(
        rule, local("2026-02-14"), SH, CAL, HolidayPolicy.SKIP, until=local("2026-02-24 23:00")
    )
    assert [o.day.day for o in skipped] == [14, 24]


def test_custom_shift_starts() -> None:
    rule = Rotation((N, E), date(2026, 11, 1), timedelta(hours=1), night=time(23, 0))
    assert occ_local(rule, "2026-11-01", 3) == [
        "2026-11-01 22:00",
        "2026-11-02 07:00",
        "2026-11-03 22:00",
    ]


def test_times_are_utc_and_after_is_exclusive() -> None:
    rule = Weekly((1,), time(14, 0))
    first = next_occurrences(rule, local("2026-11-03 14:00"), SH, CAL, count=1)
    assert first == [datetime(2026, 11, 10, 6, 0, tzinfo=UTC)]
    inclusive = next(iter_occurrences(rule, local("2026-11-03 14:00"), SH, CAL, inclusive=True))
    assert inclusive.at == datetime(2026, 11, 3, 6, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        next_occurrences(rule, datetime(2026, 11, 3), SH, CAL)


def test_rules_refuse_nonsense() -> None:
    for make in (
        lambda: Weekly((), time(8)),
        lambda: Weekly((2, 1), time(8)),
        lambda: Weekly((7,), time(8)),
        lambda: MonthlyByWeek(0, 5, time(8)),
        lambda: EveryNDays(date(2026, 1, 1), 0, time(8)),
        lambda: Yearly(((2, 30),), time(8)),
        lambda: Rotation((OFF, OFF), date(2026, 1, 1)),
        lambda: Rotation((E,), date(2026, 1, 1), lead=timedelta(hours=13)),
        lambda: Weekly((1,), time(8, 0, 30)),
    ):
        with pytest.raises(RuleError):
            make()


# ----------------------------------------------------------------------------- holidays


def test_calendar_2026_official_days() -> None:
    assert not CAL.is_workday(date(2026, 10, 1)) and CAL.is_holiday(date(2026, 10, 3))
    assert not CAL.is_holiday(date(2026, 10, 17))  # an ordinary Saturday is no holiday
    assert CAL.is_day_off(date(2026, 10, 17))
    for day in MAKEUP_2026:
        assert CAL.is_workday(day) and CAL.is_makeup_workday(day) and not CAL.is_holiday(day)
    assert CAL.next_workday(date(2026, 9, 30)) == date(2026, 10, 8)
    assert CAL.next_workday(date(2026, 2, 13)) == date(2026, 2, 14)  # the make-up Saturday
    assert CAL.workday_on_or_after(date(2026, 2, 15)) == date(2026, 2, 24)


def test_own_additions_override_the_package() -> None:
    cal = HolidayCalendar(extra_holidays=[date(2026, 11, 11)], extra_workdays=[date(2026, 10, 2)])
    assert cal.is_holiday(date(2026, 11, 11)) and not cal.is_workday(date(2026, 11, 11))
    assert cal.is_workday(date(2026, 10, 2)) and not cal.is_holiday(date(2026, 10, 2))
    rule = Weekly((2,), time(14, 0))  # Wednesday
    got = [
        o.day
        for o in itertools.islice(
            iter_occurrences(rule, local("2026-11-01"), SH, cal, HolidayPolicy.SKIP), 2
        )
    ]
    assert got == [date(2026, 11, 4), date(2026, 11, 18)]
    # The same date as both: the holiday wins.
    both = HolidayCalendar(extra_holidays=[date(2026, 3, 3)], extra_workdays=[date(2026, 3, 3)])
    assert not both.is_workday(date(2026, 3, 3))


def test_unknown_year_falls_back_to_weekends_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cal = HolidayCalendar()
    assert HolidayCalendar.known(2026) and not HolidayCalendar.known(2099)
    with caplog.at_level(logging.WARNING, logger="scheduler.holidays"):
        assert cal.is_workday(date(2099, 1, 1))  # a Thursday; the package knows nothing
        assert not cal.is_workday(date(2099, 1, 3))
        assert not cal.is_holiday(date(2099, 1, 1))
        assert cal.next_workday(date(2099, 1, 2)) == date(2099, 1, 5)
    warnings = [r for r in caplog.records if "2099" in r.getMessage()]
    assert len(warnings) == 1
    # An admin can fill the gap until the package is upgraded.
    patched = HolidayCalendar(extra_holidays=[date(2099, 1, 1)])
    assert patched.is_holiday(date(2099, 1, 1))


def test_workdays_rule_is_the_official_workday_list_for_2026() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    official = [d for d in chinese_calendar.get_dates(start, end) if chinese_calendar.is_workday(d)]
    got = [
        o.day
        for o in iter_occurrences(
            Workdays(time(8, 0)),
            local("2025-12-31 23:00"),
            SH,
            CAL,
            until=local("2026-12-31 23:59"),
        )
    ]
    assert got == official
    assert set(MAKEUP_2026) <= set(got)
    plain = [
        o.day
        for o in iter_occurrences(
            Workdays(time(8, 0)),
            local("2025-12-31 23:00"),
            SH,
            CAL,
            HolidayPolicy.IGNORE,
            until=local("2026-12-31 23:59"),
        )
    ]
    assert plain == [d for d in chinese_calendar.get_dates(start, end) if d.weekday() < 5]


# ----------------------------------------------------------------------------- properties

ZONES = [ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("Europe/London")]
times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
days = st.dates(date(2024, 1, 1), date(2030, 12, 31))
weekday_sets = st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s)))
patterns = (
    st.lists(st.sampled_from(list(Shift)), min_size=1, max_size=16)
    .filter(lambda p: any(s is not Shift.OFF for s in p))
    .map(tuple)
)
rotations = st.builds(
    Rotation,
    pattern=patterns,
    anchor=days,
    lead=st.integers(0, 720).map(lambda m: timedelta(minutes=m)),
    early=times,
    middle=times,
    night=times,
)
rules: st.SearchStrategy[Rule] = st.one_of(
    st.builds(Weekly, weekday_sets, times),
    st.builds(Workdays, times),
    st.builds(MonthlyByWeek, st.integers(0, 6), st.sampled_from([-1, 1, 2, 3, 4]), times),
    st.builds(MonthlyLastWorkday, times),
    st.builds(EveryNDays, days, st.integers(1, 40), times),
    st.builds(OneOff, days, times),
    st.builds(
        Yearly,
        st.sets(st.tuples(st.integers(1, 12), st.integers(1, 28)), min_size=1, max_size=3).map(
            lambda s: tuple(sorted(s))
        ),
        times,
    ),
    rotations,
)
moments = st.datetimes(datetime(2025, 6, 1), datetime(2027, 6, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)
policies = st.sampled_from(list(HolidayPolicy))
extra = st.lists(st.dates(date(2025, 6, 1), date(2028, 1, 1)), max_size=20)


@settings(max_examples=150, deadline=None)
@given(rules, moments, st.sampled_from(ZONES), policies, extra, extra)
def test_occurrences_strictly_increasing_after_start(
    rule: Rule,
    after: datetime,
    tz: ZoneInfo,
    policy: HolidayPolicy,
    holidays: list[date],
    workdays: list[date],
) -> None:
    cal = HolidayCalendar(holidays, workdays)
    got = list(itertools.islice(iter_occurrences(rule, after, tz, cal, policy), 25))
    ats = [o.at for o in got]
    assert all(a.tzinfo is UTC for a in ats)
    assert all(a > after for a in ats)
    assert all(b > a for a, b in itertools.pairwise(ats))
    for occ in got:
        assert occ.local == occ.at.astimezone(tz)
        if policy is not HolidayPolicy.IGNORE:
            assert not cal.is_holiday(occ.day)  # never on a skipped holiday
        if occ.moved_from is not None:
            assert policy is HolidayPolicy.NEXT_WORKDAY
            assert cal.is_holiday(occ.moved_from) and cal.is_workday(occ.day)


@settings(max_examples=80, deadline=None)
@given(rules, moments, extra, extra)
def test_next_workday_equals_brute_force(
    rule: Rule, after: datetime, holidays: list[date], workdays: list[date]
) -> None:
    """Moving holidays forward, merging and re-sorting, done the slow obvious way."""
    cal = HolidayCalendar(holidays, workdays)
    until = after + timedelta(days=120)
    # Workday rules already follow the calendar (make-up days included) unless IGNORE.
    plain = HolidayPolicy.SKIP if isinstance(rule, Workdays | MonthlyLastWorkday) else None
    raw = iter_occurrences(
        rule, after - timedelta(days=40), SH, cal, plain or HolidayPolicy.IGNORE, until=until
    )
    expected = set()
    for occ in raw:
        if not cal.is_holiday(occ.day):
            expected.add(occ.at)
            continue
        target = cal.workday_on_or_after(occ.day)
        if target is not None:
            moved = (occ.local.replace(tzinfo=None) + (target - occ.day)).replace(tzinfo=SH)
            expected.add(moved.astimezone(UTC))
    want = sorted(a for a in expected if after < a <= until)
    got = [
        o.at
        for o in iter_occurrences(rule, after, SH, cal, HolidayPolicy.NEXT_WORKDAY, until=until)
    ]
    assert got == want


@settings(max_examples=100, deadline=None)
@given(rotations, moments)
def test_rotation_cycles_repeat_exactly(rule: Rotation, after: datetime) -> None:
    period = timedelta(days=rule.period)
    span = after + 3 * period
    got = list(iter_occurrences(rule, after, SH, CAL, until=span + period))
    by_day = {o.day: o for o in got}
    working = sum(s is not Shift.OFF for s in rule.pattern)
    for occ in got:
        assert occ.shift is not None and occ.shift is not Shift.OFF
        assert occ.shift is rule.shift_on(occ.day)
        begins = datetime.combine(occ.day, rule.start_of(occ.shift))
        assert occ.local.replace(tzinfo=None) == begins - rule.lead
        if occ.at <= span:
            again = by_day[occ.day + period]
            assert again.shift is occ.shift
            assert again.local.replace(tzinfo=None) == occ.local.replace(tzinfo=None) + period
    # Every full period (from a day surely past `after`, lead <= 12h) holds one occurrence
    # per working letter.
    first = max(after.astimezone(SH).date() + timedelta(days=2), rule.anchor)
    window = [o for o in got if first <= o.day < first + period]
    if got and got[-1].day >= first + period:
        assert len(window) == working


def test_last_week_of_month_every_month_2026_to_2030() -> None:
    for year, month in itertools.product(range(2026, 2031), range(1, 13)):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        length = (nxt - timedelta(days=1)).day
        for weekday in range(7):
            day = month_week_day(year, month, weekday, -1)
            assert (day.year, day.month, day.weekday()) == (year, month, weekday)
            assert length - 7 < day.day <= length
            # ...and it is the last such weekday of the month
            assert (day + timedelta(days=7)).month != month
    rule = MonthlyByWeek(4, -1, time(15, 0))
    got = list(
        iter_occurrences(
            rule,
            local("2025-12-31 23:00"),
            SH,
            CAL,
            HolidayPolicy.IGNORE,
            until=local("2030-12-31 23:59"),
        )
    )
    assert [(o.day.year, o.day.month) for o in got] == list(
        itertools.product(range(2026, 2031), range(1, 13))
    )
    assert all(o.day.weekday() == 4 and o.day.day > 21 for o in got)
