"""Report periods as admins name them: a month, a quarter or a year, this one, the last
one, or a given one. Pure: `parse_period(text, now, tz)` returns a `Period` or raises
`PeriodError`, whose message (texts key `common.period.bad`) lists the accepted forms —
an unknown period is refused, never silently read as "this month".

Accepted (case and full-width characters do not matter):
    (empty) 本月 month                    this month
    上月 上个月 last-month                 the month before
    2026-11 2026/11 202611 2026年11月     that month
    本季度 季度 quarter / 上季度 last-quarter
    2026-Q4 2026Q4 2026年第四季度 2026年4季度
    本年 今年 年度 year / 去年 上年 last-year
    2026 2026年                            that year
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = ["Period", "PeriodError", "parse_period"]

Kind = Literal["month", "quarter", "year"]
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


class PeriodError(ValueError):
    """`code` is "bad" (not a period) or "future" (a period that has not begun)."""

    def __init__(self, code: str, value: str) -> None:
        super().__init__(f"{code}: {value!r}")
        self.code = code
        self.value = value


@dataclass(frozen=True)
class Period:
    kind: Kind
    year: int
    index: int  # month 1..12, quarter 1..4, or 1 for a year

    def start(self, tz: ZoneInfo) -> datetime:
        month = {"month": self.index, "quarter": 3 * self.index - 2, "year": 1}[self.kind]
        return datetime(self.year, month, 1, tzinfo=tz)

    def end(self, tz: ZoneInfo) -> datetime:
        """The first moment after the period, local midnight (bounds are [start, end))."""
        return self.next().start(tz)

    def next(self) -> Period:
        size = {"month": 12, "quarter": 4, "year": 1}[self.kind]
        if self.index < size:
            return Period(self.kind, self.year, self.index + 1)
        return Period(self.kind, self.year + 1, 1)

    def previous(self) -> Period:
        size = {"month": 12, "quarter": 4, "year": 1}[self.kind]
        if self.index > 1:
            return Period(self.kind, self.year, self.index - 1)
        return Period(self.kind, self.year - 1, size)

    @property
    def key(self) -> str:
        """Stable name for "sent once" records: month:2026-11, quarter:2026-Q4, year:2026."""
        if self.kind == "month":
            return f"month:{self.year:04d}-{self.index:02d}"
        if self.kind == "quarter":
            return f"quarter:{self.year:04d}-Q{self.index}"
        return f"year:{self.year:04d}"

    @property
    def label_zh(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.index}月"
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.index - 1]}季度"
        return f"{self.year}年"

    @property
    def label_en(self) -> str:
        if self.kind == "month":
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}"

    def label(self, lang: str) -> str:
        return self.label_zh if lang.startswith("zh") else self.label_en


def current(kind: Kind, now: datetime, tz: ZoneInfo) -> Period:
    local = now.astimezone(tz)
    if kind == "month":
        return Period("month", local.year, local.month)
    if kind == "quarter":
        return Period("quarter", local.year, (local.month - 1) // 3 + 1)
    return Period("year", local.year, 1)


_WORDS: dict[str, tuple[Kind, int]] = {
    "": ("month", 0), "本月": ("month", 0), "这个月": ("month", 0), "month": ("month", 0),
    "月": ("month", 0), "上月": ("month", -1), "上个月": ("month", -1),
    "last-month": ("month", -1),
    "本季度": ("quarter", 0), "季度": ("quarter", 0), "本季": ("quarter", 0),
    "季": ("quarter", 0), "quarter": ("quarter", 0), "上季度": ("quarter", -1),
    "上个季度": ("quarter", -1), "last-quarter": ("quarter", -1),
    "本年": ("year", 0), "今年": ("year", 0), "年度": ("year", 0), "本年度": ("year", 0),
    "年": ("year", 0), "year": ("year", 0), "去年": ("year", -1), "上年": ("year", -1),
    "上一年": ("year", -1), "last-year": ("year", -1),
}  # fmt: skip
_MONTH = re.compile(r"(\d{4})(?:[-/.]|年)?(\d{1,2})月?")
_QUARTER = re.compile(r"(\d{4})(?:-|年)?(?:q([1-4])|第?([一二三四1-4])季度?)")
_YEAR = re.compile(r"(\d{4})年?")


def parse_period(text: str, now: datetime, tz: ZoneInfo) -> Period:
    """The period `text` names, relative to `now`; `PeriodError` for anything else and for a
    period that has not begun yet."""
    raw = text.strip()
    t = unicodedata.normalize("NFKC", raw).strip().lower().replace(" ", "")
    if t in _WORDS:
        kind, back = _WORDS[t]
        this = current(kind, now, tz)
        return this.previous() if back else this
    named = _explicit(t)
    if named is None:
        raise PeriodError("bad", raw)
    if named.start(tz) > now:
        raise PeriodError("future", raw)
    return named


def _explicit(t: str) -> Period | None:
    m = _QUARTER.fullmatch(t)
    if m:
        return Period("quarter", int(m.group(1)), _CN_QUARTER[m.group(2) or m.group(3)])
    m = _MONTH.fullmatch(t)
    if m and 1 <= int(m.group(2)) <= 12 and (len(m.group(2)) == 2 or not t[4:5].isdigit()):
        return Period("month", int(m.group(1)), int(m.group(2)))
    m = _YEAR.fullmatch(t)
    if m:
        return Period("year", int(m.group(1)), 1)
    return None
