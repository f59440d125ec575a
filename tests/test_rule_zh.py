"""Rules echoed in Chinese read as an admin writes them, and parse back to the same rule."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings

from scheduler.rule_text import parse_rule
from scheduler.rule_zh import format_rule_zh
from scheduler.rules import Rotation, Rule, Shift
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
