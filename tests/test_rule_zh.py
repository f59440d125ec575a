"""Rules echoed in Chinese read as an admin writes them, and parse back to the same rule."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings

from scheduler.rule_text import RuleSyntaxError, parse_rule
from scheduler.rule_zh import format_rule_zh
from scheduler.rules import (
    HolidayPolicy,
    MonthlyByWeek,
    OneOff,
    Rotation,
    Rule,
    Shift,
    Weekly,
    Workdays,
    default_policy,
)
from tests.test_rules import rules


@pytest.mark.parametrize(
    ("text", "chinese"),
    [
        ("weekly tue 14:00", "每周二 14:00"),
        ("weekly mon,thu 08:30", "每周一、周四 08:30"),
        ("weekly mon,tue,wed,thu,fri,sat,sun 07:00", "每天 07:00"),
        ("workdays 08:00", "每个工作日 08:00"),
        ("monthly last-week fri 15:00", "每月最后一周周五 15:00"),
        ("monthly 2nd tue 09:00", "每月第二个周二 09:00"),
        ("monthly last-workday 16:00", "每月最后一个工作日 16:00"),
        ("every 3 days 08:00 from 2026-11-01", "每3天 08:00 从 2026-11-01"),
        ("once 2026-12-31 16:00", "一次 2026-12-31 16:00"),
        ("yearly 06-28,12-28 16:00", "每年 06-28、12-28 16:00"),
        (
            "rotation 早早中中夜夜休休 anchor 2026-11-01 lead 30m",
            "倒班 早早中中夜夜休休 起始 2026-11-01 提前 30分钟",
        ),
        (
            "rotation DDAANNRR anchor 2026-11-01 lead 1h30m early 07:30",
            "倒班 早早中中夜夜休休 起始 2026-11-01 提前 1小时30分钟 早班 07:30",
        ),
    ],
)
def test_chinese_echo(text: str, chinese: str) -> None:
    rule = parse_rule(text)
    assert format_rule_zh(rule) == chinese
    assert parse_rule(chinese) == rule


def test_no_english_keyword_in_the_echo() -> None:
    rule = Rotation(
        (Shift.EARLY, Shift.NIGHT, Shift.OFF), date(2026, 11, 1), timedelta(hours=2),
        night=time(23, 0),
    )  # fmt: skip
    text = format_rule_zh(rule)
    assert text == "倒班 早夜休 起始 2026-11-01 提前 2小时 夜班 23:00"
    assert not any(w in text for w in ("rotation", "anchor", "lead", "night"))


@settings(max_examples=300, deadline=None)
@given(rules)
def test_chinese_then_parse_is_identity(rule: Rule) -> None:
    assert parse_rule(format_rule_zh(rule)) == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("每周二 下午3点", Weekly((1,), time(15, 0))),
        ("每周五下午3点半", Weekly((4,), time(15, 30))),
        ("每天 晚上8点", Weekly(tuple(range(7)), time(20, 0))),
        ("每个工作日 早上7点半", Workdays(time(7, 30))),
        ("每月最后一个周五 15点", MonthlyByWeek(4, -1, time(15, 0))),
        ("一次 2026-12-31 下午4点", OneOff(date(2026, 12, 31), time(16, 0))),
    ],
)
def test_natural_times_in_rules(text: str, rule: Rule) -> None:
    assert parse_rule(text) == rule


def test_impossible_natural_time_is_named() -> None:
    with pytest.raises(RuleSyntaxError) as err:
        parse_rule("每周二 上午13点")
    assert err.value.code == "bad_time" and err.value.values == {"value": "上午13点"}


def test_every_day_keeps_holidays_unless_a_policy_is_chosen() -> None:
    assert default_policy(parse_rule("每天 08:00")) is HolidayPolicy.IGNORE
    assert default_policy(parse_rule("每周二 08:00")) is HolidayPolicy.SKIP
