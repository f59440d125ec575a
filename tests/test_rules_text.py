"""The textual rule syntax: good strings (English and Chinese), bad strings with the message
each gets, and format/parse round trips."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings

from bot.texts import Texts
from scheduler.rule_text import RuleSyntaxError, format_rule, parse_rule
from scheduler.rules import (
    EveryNDays,
    MonthlyByWeek,
    MonthlyLastWorkday,
    OneOff,
    Rotation,
    Rule,
    Shift,
    Weekly,
    Workdays,
    Yearly,
)
from tests.test_rules import rules

E, M, N, OFF = Shift.EARLY, Shift.MIDDLE, Shift.NIGHT, Shift.OFF
ROT = Rotation((E, E, M, M, N, N, OFF, OFF), date(2026, 11, 1), timedelta(minutes=30))

GOOD: list[tuple[str, Rule]] = [
    ("weekly tue 14:00", Weekly((1,), time(14, 0))),
    ("weekly mon,thu 08:30", Weekly((0, 3), time(8, 30))),
    ("Weekly  Thursday, mon 8:30", Weekly((0, 3), time(8, 30))),
    ("workdays 08:00", Workdays(time(8, 0))),
    ("monthly last-week fri 15:00", MonthlyByWeek(4, -1, time(15, 0))),
    ("monthly last fri 16:00", MonthlyByWeek(4, -1, time(16, 0))),
    ("monthly 2nd tue 09:00", MonthlyByWeek(1, 2, time(9, 0))),
    ("monthly last-workday 16:00", MonthlyLastWorkday(time(16, 0))),
    ("every 3 days 08:00 from 2026-11-01", EveryNDays(date(2026, 11, 1), 3, time(8, 0))),
    ("every 1 day 07:00 from 2026-1-5", EveryNDays(date(2026, 1, 5), 1, time(7, 0))),
    ("once 2026-12-31 16:00", OneOff(date(2026, 12, 31), time(16, 0))),
    ("yearly 12-28,06-28 16:00", Yearly(((6, 28), (12, 28)), time(16, 0))),
    ("rotation 早早中中夜夜休休 anchor 2026-11-01 lead 30m", ROT),
    ("rotation EEMMNNOO anchor 2026-11-01 lead 30", ROT),
    ("rotation ddaannrr lead 0h30m anchor 2026-11-01", ROT),
    (
        "rotation 夜早 anchor 2026-11-01 lead 1h30m early 07:30 night 23:00",
        Rotation(
            (N, E), date(2026, 11, 1), timedelta(minutes=90), early=time(7, 30), night=time(23, 0)
        ),
    ),
    ("rotation 早中夜休 anchor 2026-11-01", Rotation((E, M, N, OFF), date(2026, 11, 1))),
    # Chinese forms
    ("每周二 14:00", Weekly((1,), time(14, 0))),
    ("每周一、周四 08:30", Weekly((0, 3), time(8, 30))),
    ("每星期一和星期四 8点半", Weekly((0, 3), time(8, 30))),
    ("每周一四 08:30", Weekly((0, 3), time(8, 30))),
    ("每周日 14点", Weekly((6,), time(14, 0))),
    ("每天 07:00", Weekly(tuple(range(7)), time(7, 0))),
    ("每个工作日 08:00", Workdays(time(8, 0))),
    ("每月最后一周周五 15:00", MonthlyByWeek(4, -1, time(15, 0))),
    ("每月最后一个星期五 16:00", MonthlyByWeek(4, -1, time(16, 0))),
    ("每月第二个周二 09:00", MonthlyByWeek(1, 2, time(9, 0))),
    ("每月第2个周二 9点", MonthlyByWeek(1, 2, time(9, 0))),
    ("每月最后一个工作日 16:00", MonthlyLastWorkday(time(16, 0))),
    ("每3天 08:00 从 2026-11-01", EveryNDays(date(2026, 11, 1), 3, time(8, 0))),
    ("每三天 08:00 从2026-11-01起", EveryNDays(date(2026, 11, 1), 3, time(8, 0))),
    ("一次 2026-12-31 16:00", OneOff(date(2026, 12, 31), time(16, 0))),
    ("每年 06-28、12-28 16:00", Yearly(((6, 28), (12, 28)), time(16, 0))),
    ("倒班 早早中中夜夜休休 起始 2026-11-01 提前 30分钟", ROT),
    ("倒班 早早中中夜夜休休 起始 2026-11-01 提前30分钟 早班 08:00 中班 16:00 夜班 00:00", ROT),
    (
        "倒班 夜早 起始 2026-11-01 提前 1小时30分钟 夜班 23:00",
        Rotation((N, E), date(2026, 11, 1), timedelta(minutes=90), night=time(23, 0)),
    ),
    ("每周二 １４：００", Weekly((1,), time(14, 0))),  # full-width digits and colon
]

BAD: list[tuple[str, str, dict[str, str]]] = [
    ("", "empty", {}),
    ("   ", "empty", {}),
    ("daily 08:00", "unknown_kind", {"word": "daily"}),
    ("每隔两周 08:00", "unknown_kind", {"word": "每隔两周"}),
    ("weekly", "missing_weekday", {"kind": "weekly"}),
    ("weekly tue", "missing_time", {"kind": "weekly"}),
    ("weekly tue 25:00", "bad_time", {"value": "25:00"}),
    ("weekly tue 14.00", "bad_time", {"value": "14.00"}),
    ("weekly tues 14:00", "bad_weekday", {"value": "tues"}),
    ("weekly 周二 14:00", "bad_weekday", {"value": "周二"}),
    ("weekly tue 14:00 please", "unexpected", {"value": "please"}),
    ("每周八 14:00", "bad_weekday", {"value": "八"}),
    ("monthly fri 15:00", "bad_monthly", {"value": "fri"}),
    ("monthly 5th fri 15:00", "bad_monthly", {"value": "5th"}),
    ("monthly last-week 15:00", "bad_weekday", {"value": "15:00"}),
    ("每月第五个周五 15:00", "bad_monthly", {"value": "第五个"}),
    ("every 0 days 08:00 from 2026-11-01", "bad_every", {"value": "0"}),
    ("every three days 08:00 from 2026-11-01", "bad_every", {"value": "three"}),
    ("every 3 weeks 08:00 from 2026-11-01", "every_syntax", {"kind": "every"}),
    ("every 3 days 08:00", "missing_from", {"kind": "every"}),
    ("每3天 08:00", "missing_from", {"kind": "every"}),
    ("every 3 days 08:00 from 2026-02-30", "bad_date", {"value": "2026-02-30"}),
    ("once 2026-12-31", "missing_time", {"kind": "once"}),
    ("once tomorrow 16:00", "bad_date", {"value": "tomorrow"}),
    ("yearly 02-30 09:00", "bad_month_day", {"value": "02-30"}),
    ("rotation", "missing_pattern", {"kind": "rotation"}),
    ("rotation 早早中中夜夜休休", "missing_anchor", {"kind": "rotation"}),
    ("rotation 早早班休 anchor 2026-11-01", "bad_pattern", {"value": "班"}),
    ("rotation 休休 anchor 2026-11-01", "pattern_no_shift", {}),
    ("rotation " + "早" * 63 + " anchor 2026-11-01", "pattern_too_long", {"limit": "62"}),
    ("rotation 早休 anchor 2026-11-01 lead 13h", "bad_lead", {"value": "13h"}),
    ("rotation 早休 anchor 2026-11-01 lead soon", "bad_lead", {"value": "soon"}),
    # a number too large for timedelta is refused, not an OverflowError (#23), echoed bounded
    (
        "rotation 早休 anchor 2026-11-01 lead 999999999999999999999999m",
        "bad_lead",
        {"value": "99999999999999999999"},
    ),
    ("rotation 早休 anchor 2026-11-01 lead 9999999999999", "bad_lead", {"value": "9999999999999"}),
    ("rotation 早休 anchor 2026-11-01 anchor 2026-11-02", "duplicate_option", {"value": "anchor"}),
    ("rotation 早休 anchor", "missing_value", {"value": "anchor"}),
    ("rotation 早休 anchor 2026-11-01 morning 07:00", "unexpected", {"value": "morning"}),
    ("rotation 早休 anchor 2026-11-01 early 7", "bad_time", {"value": "7"}),
    ("倒班 早早中中夜夜休休 提前 30分钟", "missing_anchor", {"kind": "rotation"}),
]


@pytest.mark.parametrize(("text", "rule"), GOOD)
def test_good_rules(text: str, rule: Rule) -> None:
    assert parse_rule(text) == rule
    assert parse_rule(format_rule(rule)) == rule


@pytest.mark.parametrize(("text", "code", "values"), BAD)
def test_bad_rules_name_the_problem(text: str, code: str, values: dict[str, str]) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(text)
    assert (info.value.code, info.value.values) == (code, values)
    texts = Texts()
    for lang in ("zh-CN", "en"):
        message = texts.get(f"schedules.rule_error.{code}", lang, **values)
        for key, value in values.items():
            assert key == "kind" or value in message  # the offending text is quoted back


def test_every_error_code_has_a_text() -> None:
    source = Path("scheduler/rule_text.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'RuleSyntaxError\(\s*"([a-z_]+)"', source))
    codes |= set(re.findall(r'take\("([a-z_]+)"\)', source))
    assert codes >= {code for _, code, _ in BAD}
    texts = Texts()
    missing = {c for c in codes if not texts.has(f"schedules.rule_error.{c}")}
    assert missing == set()


def test_canonical_forms() -> None:
    assert format_rule(parse_rule("每月最后一个周五 16点")) == "monthly last-week fri 16:00"
    assert format_rule(parse_rule("rotation DDAANNRR anchor 2026-11-01 lead 90m early 08:00")) == (
        "rotation 早早中中夜夜休休 anchor 2026-11-01 lead 1h30m"
    )
    assert format_rule(parse_rule("weekly sun,mon 08:00")) == "weekly mon,sun 08:00"


@settings(max_examples=300, deadline=None)
@given(rules)
def test_format_then_parse_is_identity(rule: Rule) -> None:
    text = format_rule(rule)
    assert parse_rule(text) == rule
    assert format_rule(parse_rule(text)) == text
