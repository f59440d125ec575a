"""A rule written in Chinese, the way an admin would type it: `format_rule_zh(rule)`.

The text is the Chinese form `scheduler.rule_text.parse_rule` reads, so what the bot echoes
can be copied back as input: `parse_rule(format_rule_zh(r)) == r` for every rule. Schedules
still store the canonical English form (`format_rule`); this is what Chinese readers see.
"""

from __future__ import annotations

from datetime import time, timedelta

from scheduler.rules import (
    DEFAULT_STARTS,
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

__all__ = ["format_rule_zh", "rule_for"]

_DAYS = "一二三四五六日"
_NTH = {1: "一", 2: "二", 3: "三", 4: "四"}
_LETTER = {Shift.EARLY: "早", Shift.MIDDLE: "中", Shift.NIGHT: "夜", Shift.OFF: "休"}
_SHIFT_WORD = {Shift.EARLY: "早班", Shift.MIDDLE: "中班", Shift.NIGHT: "夜班"}


def _hhmm(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


def _lead(lead: timedelta) -> str:
    hours, minutes = divmod(int(lead.total_seconds() // 60), 60)
    if hours and minutes:
        return f"{hours}小时{minutes}分钟"
    return f"{hours}小时" if hours else f"{minutes}分钟"


def format_rule_zh(rule: Rule) -> str:
    """每周二 14:00, 每天 08:00, 每月最后一周周五 15:00, 倒班 早早中中夜夜休休 起始 … ."""
    if isinstance(rule, Weekly):
        if len(rule.days) == 7:
            return f"每天 {_hhmm(rule.at)}"
        days = "、".join(f"周{_DAYS[d]}" for d in rule.days)
        return f"每{days} {_hhmm(rule.at)}"
    if isinstance(rule, Workdays):
        return f"每个工作日 {_hhmm(rule.at)}"
    if isinstance(rule, MonthlyByWeek):
        day = f"周{_DAYS[rule.weekday]}"
        if rule.nth == -1:
            return f"每月最后一周{day} {_hhmm(rule.at)}"
        return f"每月第{_NTH[rule.nth]}个{day} {_hhmm(rule.at)}"
    if isinstance(rule, MonthlyLastWorkday):
        return f"每月最后一个工作日 {_hhmm(rule.at)}"
    if isinstance(rule, EveryNDays):
        return f"每{rule.n}天 {_hhmm(rule.at)} 从 {rule.anchor.isoformat()}"
    if isinstance(rule, OneOff):
        return f"一次 {rule.on.isoformat()} {_hhmm(rule.at)}"
    if isinstance(rule, Yearly):
        days = "、".join(f"{m:02d}-{d:02d}" for m, d in rule.dates)
        return f"每年 {days} {_hhmm(rule.at)}"
    return _rotation(rule)


def _rotation(rule: Rotation) -> str:
    pattern = "".join(_LETTER[s] for s in rule.pattern)
    out = f"倒班 {pattern} 起始 {rule.anchor.isoformat()}"
    if rule.lead:
        out += f" 提前 {_lead(rule.lead)}"
    for shift, default in DEFAULT_STARTS.items():
        if rule.start_of(shift) != default:
            out += f" {_SHIFT_WORD[shift]} {_hhmm(rule.start_of(shift))}"
    return out


def rule_for(rule_text: str, lang: str | None) -> str:
    """A stored (canonical English) rule as its reader writes it: Chinese for zh readers."""
    if lang is not None and not lang.lower().startswith("zh"):
        return rule_text
    from scheduler.rule_text import RuleSyntaxError, parse_rule

    try:
        return format_rule_zh(parse_rule(rule_text))
    except RuleSyntaxError:  # a rule stored by an older version: show it as it is
        return rule_text
