"""谈心谈话 / 逐级谈话: what a leader writes to record a talk, and when a planned one is due.

`/talk 10003 思想 明天 谈家庭困难的安置` plans a talk; with today's or a past date (or no date)
it records one held. Pure: the words in, a `TalkInput` or a `TalkError` out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.text import is_blank

MAX_TEXT = 500
MAX_AHEAD_DAYS = 90
MAX_BACK_DAYS = 31


class TalkCategory(StrEnum):
    IDEAS = "ideas"  # 思想
    WORK = "work"  # 工作
    FAMILY = "family"  # 家庭、生活
    SAFETY = "safety"  # 安全
    INTEGRITY = "integrity"  # 廉洁
    OTHER = "other"


# Words a leader may write for a category (the first is how it is shown).
CATEGORY_WORDS: dict[str, TalkCategory] = {
    "思想": TalkCategory.IDEAS,
    "思想动态": TalkCategory.IDEAS,
    "工作": TalkCategory.WORK,
    "岗位": TalkCategory.WORK,
    "家庭": TalkCategory.FAMILY,
    "生活": TalkCategory.FAMILY,
    "安全": TalkCategory.SAFETY,
    "廉洁": TalkCategory.INTEGRITY,
    "其他": TalkCategory.OTHER,
    **{c.value: c for c in TalkCategory},
}


class TalkProblem(StrEnum):
    USAGE = "usage"
    CATEGORY = "category"
    TEXT_EMPTY = "text_empty"
    TEXT_LONG = "text_long"
    TOO_FAR = "too_far"  # planned more than MAX_AHEAD_DAYS ahead
    TOO_OLD = "too_old"  # held more than MAX_BACK_DAYS ago


@dataclass(frozen=True)
class TalkError(ValueError):
    problem: TalkProblem


@dataclass(frozen=True)
class TalkInput:
    who: str  # employee number or name, resolved by the service
    category: TalkCategory
    on: date
    planned: bool  # a date after today
    text: str


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_CN = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]$")
_RELATIVE = {"今天": 0, "明天": 1, "后天": 2, "昨天": -1, "前天": -2}


def parse_day(word: str, today: date) -> date | None:
    if word in _RELATIVE:
        return today + timedelta(days=_RELATIVE[word])
    m = _ISO.match(word)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _CN.match(word)
        if not m:
            return None
        y = int(m.group(1)) if m.group(1) else today.year
        mo, d = int(m.group(2)), int(m.group(3))
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def parse_talk(args: list[str], today: date) -> TalkInput:
    if len(args) < 3:
        raise TalkError(TalkProblem.USAGE)
    who, word, rest = args[0], args[1], args[2:]
    category = CATEGORY_WORDS.get(word)
    if category is None:
        raise TalkError(TalkProblem.CATEGORY)
    on = parse_day(rest[0], today)
    if on is not None:
        rest = rest[1:]
    on = on or today
    text = " ".join(rest).strip()
    if is_blank(text):
        raise TalkError(TalkProblem.TEXT_EMPTY)
    if len(text) > MAX_TEXT:
        raise TalkError(TalkProblem.TEXT_LONG)
    if on > today + timedelta(days=MAX_AHEAD_DAYS):
        raise TalkError(TalkProblem.TOO_FAR)
    if on < today - timedelta(days=MAX_BACK_DAYS):
        raise TalkError(TalkProblem.TOO_OLD)
    return TalkInput(who, category, on, on > today, text)


def due_for_reminder(planned_on: date, reminded_on: date | None, today: date) -> bool:
    """A planned talk is reminded on its day and each day after while still planned, once a
    day."""
    return planned_on <= today and reminded_on != today
