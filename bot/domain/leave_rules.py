"""Leave asked ahead (请假): its types and the days it covers. Pure rules, no I/O.

A worker may ask leave for the team's coming session or for a range of days; an approved
leave marks every session of the team on those (local) days 请假 when it opens, and reports
count it as leave, not absence.

Days are written the way people write them: 今天, 明天, 后天, 12-05, 2026-12-05, 12月5日,
and ranges 12-05至12-07, 12月5日到7日, 12-05~12-07. A range may not start in the past, end
before it starts, or be longer than MAX_DAYS.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "MAX_DAYS",
    "NOTE_MAX",
    "LeaveError",
    "LeaveStatus",
    "LeaveType",
    "cancellable",
    "covers",
    "day_count",
    "local_day",
    "overlaps",
    "parse_days",
    "parse_type",
    "utc_bounds",
]

MAX_DAYS = 60
NOTE_MAX = 300  # a note, and a leader's reason for refusing


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class LeaveType(StrEnum):
    SICK = "sick"  # 病假
    PERSONAL = "personal"  # 事假
    OFFICIAL = "official"  # 公休 (annual leave, official duty)
    OTHER = "other"  # 其他


_TYPE_WORDS = {
    "病假": LeaveType.SICK, "病": LeaveType.SICK, "sick": LeaveType.SICK,
    "事假": LeaveType.PERSONAL, "事": LeaveType.PERSONAL, "personal": LeaveType.PERSONAL,
    "公休": LeaveType.OFFICIAL, "年假": LeaveType.OFFICIAL, "休假": LeaveType.OFFICIAL,
    "official": LeaveType.OFFICIAL,
    "其他": LeaveType.OTHER, "其它": LeaveType.OTHER, "other": LeaveType.OTHER,
}  # fmt: skip


class LeaveError(ValueError):
    """`code`: bad_date, past, reversed, too_long, bad_type; `value` the text concerned."""

    def __init__(self, code: str, value: str = "") -> None:
        super().__init__(f"{code}: {value!r}")
        self.code = code
        self.value = value


def parse_type(text: str) -> LeaveType:
    word = unicodedata.normalize("NFKC", text).strip().lower()
    if word in _TYPE_WORDS:
        return _TYPE_WORDS[word]
    try:
        return LeaveType(word)
    except ValueError:
        raise LeaveError("bad_type", text.strip()) from None


_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}
_SEP = re.compile(r"\s*(?:至|到|~|～|—|--)\s*")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MD = re.compile(r"(\d{1,2})[-/.](\d{1,2})")
_CN = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})[日号]")


def _day(text: str, today: date, month_hint: int | None, year_hint: int | None) -> date:
    t = text.strip()
    if t in _RELATIVE:
        return today + timedelta(days=_RELATIVE[t])
    try:
        if m := _ISO.fullmatch(t):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _MD.fullmatch(t):
            return _nearest(today, int(m.group(1)), int(m.group(2)), year_hint)
        if m := _CN.fullmatch(t):
            month = int(m.group(2)) if m.group(2) else month_hint
            if month is None:
                month = today.month
            if m.group(1):
                return date(int(m.group(1)), month, int(m.group(3)))
            return _nearest(today, month, int(m.group(3)), year_hint)
    except ValueError:
        pass
    raise LeaveError("bad_date", t)


def _nearest(today: date, month: int, day: int, year: int | None) -> date:
    """A month-day without a year: this year's, or next year's when this year's has passed
    (in December, "01-03" is the coming January)."""
    if year is not None:
        return date(year, month, day)
    this = date(today.year, month, day)
    return this if this >= today - timedelta(days=31) else date(today.year + 1, month, day)


def parse_days(text: str, today: date) -> tuple[date, date]:
    """The first and last day (inclusive) `text` names; `LeaveError` if it names none, starts
    in the past, ends before it starts or is longer than MAX_DAYS."""
    t = unicodedata.normalize("NFKC", text).strip()
    parts = _SEP.split(t, maxsplit=1) if _SEP.search(t) else [t]
    first = _day(parts[0], today, None, None)
    last = first
    if len(parts) == 2:
        last = _day(parts[1], today, first.month, first.year)
        if last < first and last.month < first.month and not _ISO.fullmatch(parts[1].strip()):
            # "12-30至01-02": the end is in the next year ("12月5日到3日" is just reversed)
            try:
                last = last.replace(year=last.year + 1)
            except ValueError:
                raise LeaveError("bad_date", parts[1].strip()) from None
    if first < today:
        raise LeaveError("past", parts[0].strip())
    if last < first:
        raise LeaveError("reversed", t)
    if (last - first).days + 1 > MAX_DAYS:
        raise LeaveError("too_long", str(MAX_DAYS))
    return first, last


def covers(first: date, last: date, day: date) -> bool:
    return first <= day <= last


def day_count(first: date, last: date) -> int:
    return (last - first).days + 1


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    """Two inclusive day ranges share at least one day."""
    return a[0] <= b[1] and b[0] <= a[1]


def cancellable(status: LeaveStatus, first: date, today: date) -> bool:
    """The worker may withdraw a request (waiting or approved) until its first day comes;
    from then on sessions may already count it, and only the leader's roll changes it."""
    return status in (LeaveStatus.PENDING, LeaveStatus.APPROVED) and today < first


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The enterprise's calendar day of an instant (a 23:30 UTC session is the next day)."""
    return moment.astimezone(tz).date()


def utc_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in local time, as UTC instants."""
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))
