"""Clock times as people write them in Chinese: 下午3点, 15点半, 晚上8点, 早上7点半, 三点一刻.

Pure functions, no I/O. `parse_clock` reads one time; `normalise_times` rewrites every time
in a longer text (a schedule rule) as HH:MM so the rule parser sees one form.

The part of the day decides the hour the way it is spoken:
- 凌晨/清晨/早上/早晨/上午: the hour as written (凌晨12点 is midnight);
- 中午/午间: 11 and 12 as written, 1 and 2 in the afternoon (中午1点 = 13:00);
- 下午/傍晚: 1–11 in the afternoon (下午3点 = 15:00);
- 晚上/晚间/今晚: 5–11 in the evening, 12 is midnight, 1–4 the small hours (晚上1点 = 01:00);
- 夜里/夜间/半夜/深夜: 0–4 the small hours, 5–11 in the evening (夜里11点 = 23:00).
An hour already on the 24-hour clock (下午15点) stays; one that contradicts its part of the
day (上午13点), and 25点 or 8点61分, are refused with `TimeSyntaxError`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time

__all__ = ["TimeSyntaxError", "find_times", "normalise_times", "parse_clock"]

_MORNING = ("凌晨", "清晨", "早上", "早晨", "上午")
_NOON = ("中午", "午间")
_AFTERNOON = ("下午", "傍晚")
_EVENING = ("晚上", "晚间", "今晚")
_NIGHT = ("夜里", "夜间", "半夜", "深夜")
_PERIODS = _MORNING + _NOON + _AFTERNOON + _EVENING + _NIGHT

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_NUM = r"(?:[二三四五]?十[一二三四五六七八九]?|[零〇一二两三四五六七八九])"
_NUM = rf"(?:\d{{1,2}}|{_CN_NUM})"
_PERIOD = "(?:(?P<period>" + "|".join(_PERIODS) + r")\s*)?"
_CLOCK = re.compile(
    _PERIOD
    + r"(?:"
    + r"(?P<h1>\d{1,2}):(?P<m1>\d{2})"
    + r"|"
    + rf"(?P<h2>{_NUM})\s*[点點时時]"
    + rf"(?:\s*(?P<m2>半|一刻|三刻|整|(?:{_NUM})(?:\s*分)?))?"
    + r")"
)


class TimeSyntaxError(ValueError):
    """A time that cannot be: `value` is the text as written."""

    def __init__(self, value: str) -> None:
        super().__init__(f"bad time: {value!r}")
        self.value = value


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
    return _DIGITS[text]


def _minute(text: str | None) -> int:
    if not text or text == "整":
        return 0
    if text == "半":
        return 30
    if text == "一刻":
        return 15
    if text == "三刻":
        return 45
    return _number(text.rstrip("分").strip())


def _hour(period: str | None, hour: int, minute: int, written: str) -> int:
    if hour == 24 and minute == 0 and period is None:
        return 0
    if hour > 23:
        raise TimeSyntaxError(written)
    if period is None or hour >= 13:
        if period in _MORNING and hour >= 13:
            raise TimeSyntaxError(written)
        return hour
    if period in _MORNING:
        return 0 if hour == 12 and period == "凌晨" else hour
    if period in _NOON:
        if hour in (11, 12):
            return hour
        if hour in (0, 1, 2):
            return hour + 12
        raise TimeSyntaxError(written)
    if period in _AFTERNOON:
        if hour == 0:
            raise TimeSyntaxError(written)
        return hour if hour == 12 else hour + 12
    if period in _EVENING:
        if hour == 12 or hour == 0:
            return 0
        return hour + 12 if hour >= 5 else hour
    # _NIGHT
    if hour == 12:
        return 0
    return hour + 12 if hour >= 5 else hour


def _from_match(m: re.Match[str]) -> time:
    written = m.group(0).strip()
    period = m.group("period")
    if m.group("h1") is not None:
        hour, minute = int(m.group("h1")), int(m.group("m1"))
    else:
        hour, minute = _number(m.group("h2")), _minute(m.group("m2"))
    if minute > 59:
        raise TimeSyntaxError(written)
    return time(_hour(period, hour, minute, written), minute)


def parse_clock(text: str) -> time:
    """One time of day: "15:00", "15点半", "下午3点", "晚上8点", "早上7点半", "三点一刻"."""
    normal = unicodedata.normalize("NFKC", text).strip()
    m = _CLOCK.fullmatch(normal)
    if m is None:
        raise TimeSyntaxError(text.strip())
    return _from_match(m)


def find_times(text: str) -> list[tuple[int, int, time]]:
    """Each time in `text` (already NFKC-normalised): (start, end, time), in order. A bare
    number is not a time; a number with 点/时 or an HH:MM is, with its part of the day."""
    out = []
    for m in _CLOCK.finditer(text):
        if m.group("h1") is not None:
            # "2026-11-01 08:00" is a time; "12-28" and "30m" are not (no colon).
            before = text[m.start() - 1] if m.start() else ""
            if before.isdigit():
                continue
        out.append((m.start(), m.end(), _from_match(m)))
    return out


def normalise_times(text: str) -> str:
    """`text` with every time written as HH:MM ("每周二 下午3点" → "每周二 15:00")."""
    normal = unicodedata.normalize("NFKC", text)
    pieces = []
    at = 0
    for start, end, when in find_times(normal):
        pieces.append(normal[at:start])
        sep = "" if not pieces[-1] or pieces[-1][-1].isspace() else " "
        pieces.append(f"{sep}{when.hour:02d}:{when.minute:02d}")
        at = end
    pieces.append(normal[at:])
    return "".join(pieces)
