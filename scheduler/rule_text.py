"""The textual rule syntax: `parse_rule(text) -> Rule` and `format_rule(rule) -> text`.

Schedules store their rule as canonical text (`format_rule`), so what an admin reads back is
what the bot runs, and `parse_rule(format_rule(r)) == r` for every rule.

Syntax (English keywords, case-insensitive; times are local 24-hour HH:MM, dates YYYY-MM-DD;
weekdays mon tue wed thu fri sat sun or full names; several days joined by commas):

    weekly tue 14:00                       every Tuesday at 14:00
    weekly mon,thu 08:30                   every Monday and Thursday
    workdays 08:00                         every workday (调休 Saturdays included, holidays not)
    monthly last-week fri 15:00            the Friday within the last 7 days of the month
    monthly last fri 16:00                 the month's last Friday (the same day as last-week)
    monthly 2nd tue 09:00                  the 2nd Tuesday (1st, 2nd, 3rd, 4th)
    monthly last-workday 16:00             the month's last workday
    every 3 days 08:00 from 2026-11-01     2026-11-01, 11-04, 11-07, ...
    once 2026-12-31 16:00                  one time
    yearly 06-28,12-28 16:00               every year on those days (half-yearly here)
    rotation 早早中中夜夜休休 anchor 2026-11-01 lead 30m
    rotation DDAANNRR anchor 2026-11-01 lead 30m early 07:30 middle 15:30 night 23:30

A rotation's pattern has one letter per day: 早/中/夜/休, or E/M/N/O, or D/A/N/R (day,
afternoon, night, rest); its first letter falls on the anchor date. `lead` (e.g. 30m, 1h,
1h30m; at most 12h; default 0) puts the occurrence that long before the shift starts. Shift
start times default to early 08:00, middle 16:00, night 00:00; a shift belongs to the day it
starts on.

Chinese forms (each turns into the English form above; full-width digits, colons and commas
are fine, and times may be written as people say them: 14点, 14点半, 下午2点, 晚上8点,
早上7点半 — see `scheduler.cn_time`):

    每周二 14:00            每周一、周四 08:30          每个工作日 08:00
    每月最后一周周五 15:00   每月最后一个周五 16:00      每月第二个周二 09:00
    每月最后一个工作日 16:00 每3天 08:00 从 2026-11-01   一次 2026-12-31 16:00
    每年 06-28、12-28 16:00
    倒班 早早中中夜夜休休 起始 2026-11-01 提前 30分钟 [早班 08:00 中班 16:00 夜班 00:00]

Whether holidays are skipped is not part of the rule; it is the schedule's holiday policy
(see `scheduler.rules`).

A text that cannot be parsed raises `RuleSyntaxError` with a `code` and the offending
`values`; `data/texts/*/schedules.toml` has the message for each code under `rule_error.`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time, timedelta

from scheduler.cn_time import TimeSyntaxError, normalise_times
from scheduler.rules import (
    DEFAULT_STARTS,
    MAX_LEAD,
    MAX_PATTERN,
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

__all__ = ["KINDS", "WEEKDAYS", "RuleSyntaxError", "format_rule", "parse_rule"]

KINDS = ("weekly", "workdays", "monthly", "every", "once", "yearly", "rotation")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_SHIFT_LETTERS = {
    "早": Shift.EARLY, "中": Shift.MIDDLE, "夜": Shift.NIGHT, "休": Shift.OFF,
    "E": Shift.EARLY, "M": Shift.MIDDLE, "N": Shift.NIGHT, "O": Shift.OFF,
    "D": Shift.EARLY, "A": Shift.MIDDLE, "R": Shift.OFF,
}  # fmt: skip
_CANONICAL_LETTER = {Shift.EARLY: "早", Shift.MIDDLE: "中", Shift.NIGHT: "夜", Shift.OFF: "休"}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_LEAD = re.compile(r"(?:(\d+)h)?(?:(\d+)m(?:in)?)?")
_CN_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CN_NUMBER = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ORDINAL_TEXT = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}


class RuleSyntaxError(ValueError):
    """Why a rule text was refused: `code` names the problem, `values` what was wrong."""

    def __init__(self, code: str, **values: str) -> None:
        detail = ", ".join(f"{k}={v!r}" for k, v in values.items())
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.values = values


# ----------------------------------------------------------------------------- pieces


def parse_time(token: str) -> time:
    m = _TIME.match(token)
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise RuleSyntaxError("bad_time", value=token)
    return time(int(m.group(1)), int(m.group(2)))


def parse_date(token: str) -> date:
    m = _DATE.match(token)
    try:
        if m is None:
            raise ValueError(token)
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise RuleSyntaxError("bad_date", value=token) from None


def _weekday(token: str) -> int:
    word = token.lower()
    if word in WEEKDAYS:
        return WEEKDAYS.index(word)
    if word in _FULL_WEEKDAYS:
        return _FULL_WEEKDAYS.index(word)
    raise RuleSyntaxError("bad_weekday", value=token)


def _lead(token: str) -> timedelta:
    word = token.lower()
    m = _LEAD.fullmatch(word)
    if len(word) > 12:  # no lead within 12 hours needs more characters; a longer number
        raise RuleSyntaxError("bad_lead", value=token[:20])  # would overflow timedelta
    if word.isdigit():  # a bare number is minutes
        lead = timedelta(minutes=int(word))
    elif m is not None and (m.group(1) or m.group(2)):
        lead = timedelta(hours=int(m.group(1) or 0), minutes=int(m.group(2) or 0))
    else:
        raise RuleSyntaxError("bad_lead", value=token)
    if lead > MAX_LEAD:
        raise RuleSyntaxError("bad_lead", value=token)
    return lead


def _pattern(token: str) -> tuple[Shift, ...]:
    letters = token.upper()
    bad = [ch for ch in letters if ch not in _SHIFT_LETTERS]
    if bad:
        raise RuleSyntaxError("bad_pattern", value=bad[0])
    if len(letters) > MAX_PATTERN:
        raise RuleSyntaxError("pattern_too_long", limit=str(MAX_PATTERN))
    shifts = tuple(_SHIFT_LETTERS[ch] for ch in letters)
    if all(s is Shift.OFF for s in shifts):
        raise RuleSyntaxError("pattern_no_shift")
    return shifts


class _Tokens:
    def __init__(self, kind: str, words: list[str]) -> None:
        self.kind = kind
        self.words = words

    def take(self, missing: str) -> str:
        if not self.words:
            raise RuleSyntaxError(missing, kind=self.kind)
        return self.words.pop(0)

    def time(self) -> time:
        return parse_time(self.take("missing_time"))

    def done(self) -> None:
        if self.words:
            raise RuleSyntaxError("unexpected", value=" ".join(self.words))


# ----------------------------------------------------------------------------- parse


def parse_rule(text: str) -> Rule:
    """A rule from its text (English or Chinese form); `RuleSyntaxError` says what is wrong."""
    normal = _normalise(text)
    if not normal:
        raise RuleSyntaxError("empty")
    if not normal.isascii():
        normal = _from_chinese(normal)
    words = normal.split()
    kind = words[0].lower()
    toks = _Tokens(kind, words[1:])
    if kind == "weekly":
        rule: Rule = _weekly(toks)
    elif kind == "workdays":
        rule = Workdays(toks.time())
    elif kind == "monthly":
        rule = _monthly(toks)
    elif kind == "every":
        rule = _every(toks)
    elif kind == "once":
        on = parse_date(toks.take("missing_date"))
        rule = OneOff(on, toks.time())
    elif kind == "yearly":
        rule = _yearly(toks)
    elif kind == "rotation":
        rule = _rotation(toks)
    else:
        raise RuleSyntaxError("unknown_kind", word=words[0])
    toks.done()
    return rule


def _normalise(text: str) -> str:
    # NFKC folds full-width digits, letters, colon and comma (１４：００ -> 14:00).
    out = unicodedata.normalize("NFKC", text).strip()
    out = re.sub(r"\s*[、,]\s*", ",", out)
    if out.isascii():
        return out
    # Natural times (下午3点, 15点半, 晚上8点) become HH:MM before the rule is read.
    try:
        return normalise_times(out)
    except TimeSyntaxError as err:
        raise RuleSyntaxError("bad_time", value=err.value) from None


def _weekly(toks: _Tokens) -> Weekly:
    days = [_weekday(w) for w in toks.take("missing_weekday").split(",") if w]
    if not days:
        raise RuleSyntaxError("missing_weekday", kind=toks.kind)
    return Weekly(tuple(sorted(set(days))), toks.time())


def _monthly(toks: _Tokens) -> MonthlyByWeek | MonthlyLastWorkday:
    which = toks.take("missing_weekday").lower()
    if which == "last-workday":
        return MonthlyLastWorkday(toks.time())
    if which in ("last-week", "last"):
        nth = -1
    elif which in _ORDINALS:
        nth = _ORDINALS[which]
    else:
        raise RuleSyntaxError("bad_monthly", value=which)
    weekday = _weekday(toks.take("missing_weekday"))
    return MonthlyByWeek(weekday, nth, toks.time())


def _every(toks: _Tokens) -> EveryNDays:
    count = toks.take("every_syntax")
    if not count.isdigit() or not 1 <= int(count) <= 366:
        raise RuleSyntaxError("bad_every", value=count)
    if toks.take("every_syntax").lower() not in ("day", "days"):
        raise RuleSyntaxError("every_syntax", kind=toks.kind)
    at = toks.time()
    if not toks.words or toks.words[0].lower() != "from":
        raise RuleSyntaxError("missing_from", kind=toks.kind)
    toks.take("missing_from")
    return EveryNDays(parse_date(toks.take("missing_from")), int(count), at)


def _yearly(toks: _Tokens) -> Yearly:
    days: set[tuple[int, int]] = set()
    for word in toks.take("missing_month_day").split(","):
        m = _MONTH_DAY.match(word)
        try:
            if m is None:
                raise ValueError(word)
            date(2024, int(m.group(1)), int(m.group(2)))
        except ValueError:
            raise RuleSyntaxError("bad_month_day", value=word) from None
        days.add((int(m.group(1)), int(m.group(2))))
    return Yearly(tuple(sorted(days)), toks.time())


def _rotation(toks: _Tokens) -> Rotation:
    pattern = _pattern(toks.take("missing_pattern"))
    options: dict[str, str] = {}
    while toks.words:
        key = toks.take("unexpected").lower()
        if key not in ("anchor", "lead", "early", "middle", "night"):
            raise RuleSyntaxError("unexpected", value=key)
        if key in options:
            raise RuleSyntaxError("duplicate_option", value=key)
        if not toks.words:
            raise RuleSyntaxError("missing_value", value=key)
        options[key] = toks.take("missing_value")
    if "anchor" not in options:
        raise RuleSyntaxError("missing_anchor", kind=toks.kind)
    starts = {
        shift.value: parse_time(options[shift.value]) if shift.value in options else default
        for shift, default in DEFAULT_STARTS.items()
    }
    return Rotation(
        pattern=pattern,
        anchor=parse_date(options["anchor"]),
        lead=_lead(options.get("lead", "0")),
        early=starts["early"],
        middle=starts["middle"],
        night=starts["night"],
    )


# ----------------------------------------------------------------------------- Chinese

_CN_TIME = r"(\d{1,2}:\d{2}|\S+)"
_CN_DAY = r"(?:周|星期|礼拜)?([一二三四五六日天])"


def _cn_days(text: str) -> str:
    parts = [p for p in re.split(r"[,和及与]|(?=周|星期|礼拜)", text) if p]
    names = []
    for part in parts:
        m = re.fullmatch(_CN_DAY, part)
        if m is None:
            # "每周一四": the letters without separators
            if not part or any(ch not in _CN_WEEKDAY for ch in part):
                raise RuleSyntaxError("bad_weekday", value=part)
            names += [WEEKDAYS[_CN_WEEKDAY[ch]] for ch in part]
        else:
            names.append(WEEKDAYS[_CN_WEEKDAY[m.group(1)]])
    return ",".join(names)


def _cn_count(text: str) -> str:
    if text.isdigit():
        return text
    if text in _CN_NUMBER:
        return str(_CN_NUMBER[text])
    raise RuleSyntaxError("bad_every", value=text)


def _from_chinese(text: str) -> str:
    """The English form of a Chinese rule (or the text itself, if it is not one)."""
    s = text
    m = re.fullmatch(r"每(?:周|星期|礼拜)(.+?)\s*" + _CN_TIME, s)
    if m:
        return f"weekly {_cn_days(m.group(1))} {m.group(2)}"
    m = re.fullmatch(r"(?:每个?)?工作日\s*" + _CN_TIME, s)
    if m:
        return f"workdays {m.group(1)}"
    m = re.fullmatch(r"每月最后一(?:个)?工作日\s*" + _CN_TIME, s)
    if m:
        return f"monthly last-workday {m.group(1)}"
    m = re.fullmatch(r"每月最后一(周|个)(?:的)?" + _CN_DAY + r"\s*" + _CN_TIME, s)
    if m:
        which = "last-week" if m.group(1) == "周" else "last"
        return f"monthly {which} {WEEKDAYS[_CN_WEEKDAY[m.group(2)]]} {m.group(3)}"
    m = re.fullmatch(r"每月第(\S)个?" + _CN_DAY + r"\s*" + _CN_TIME, s)
    if m:
        n = int(_cn_count(m.group(1)))
        if n not in _ORDINAL_TEXT:
            raise RuleSyntaxError("bad_monthly", value=f"第{m.group(1)}个")
        return f"monthly {_ORDINAL_TEXT[n]} {WEEKDAYS[_CN_WEEKDAY[m.group(2)]]} {m.group(3)}"
    m = re.fullmatch(r"每(\S+?)天\s*" + _CN_TIME + r"\s*(?:从|自)\s*(\S+?)\s*(?:起|开始)?", s)
    if m:
        return f"every {_cn_count(m.group(1))} days {m.group(2)} from {m.group(3)}"
    m = re.fullmatch(r"每天\s*" + _CN_TIME, s)
    if m:
        return f"weekly {','.join(WEEKDAYS)} {m.group(1)}"
    m = re.fullmatch(r"每(\S+?)天\s*" + _CN_TIME, s)
    if m:
        raise RuleSyntaxError("missing_from", kind="every")
    m = re.fullmatch(r"(?:一次|单次|仅一次)\s*(\S+)\s+" + _CN_TIME, s)
    if m:
        return f"once {m.group(1)} {m.group(2)}"
    m = re.fullmatch(r"每年\s*(\S+)\s+" + _CN_TIME, s)
    if m:
        return f"yearly {m.group(1)} {m.group(2)}"
    m = re.fullmatch(r"(?:倒班|轮班)\s*(\S+)\s*(.*)", s)
    if m:
        opts = m.group(2)
        opts = re.sub(r"提前\s*(\d+)\s*(?:分钟|分)", r" lead \1m ", opts)
        opts = re.sub(r"提前\s*(\d+)\s*(?:个)?小时(?:\s*(\d+)\s*(?:分钟|分))?",
                      lambda k: f" lead {k.group(1)}h{k.group(2) + 'm' if k.group(2) else ''} ",
                      opts)  # fmt: skip
        for cn, en in (("起始", "anchor"), ("开始", "anchor"), ("早班", "early"),
                       ("中班", "middle"), ("夜班", "night")):  # fmt: skip
            opts = opts.replace(cn, f" {en} ")
        return f"rotation {m.group(1)} {opts}"
    # An English form with a Chinese word in it (a rotation pattern, or a mistake that the
    # English parser will name precisely).
    if s.split()[0].lower() in KINDS:
        return s
    raise RuleSyntaxError("unknown_kind", word=s.split()[0])


# ----------------------------------------------------------------------------- format


def _hhmm(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


def _lead_text(lead: timedelta) -> str:
    minutes = int(lead.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours}h{minutes}m"
    return f"{hours}h" if hours else f"{minutes}m"


def format_rule(rule: Rule) -> str:
    """The canonical English text of a rule (what schedules store)."""
    if isinstance(rule, Weekly):
        return f"weekly {','.join(WEEKDAYS[d] for d in rule.days)} {_hhmm(rule.at)}"
    if isinstance(rule, Workdays):
        return f"workdays {_hhmm(rule.at)}"
    if isinstance(rule, MonthlyByWeek):
        which = "last-week" if rule.nth == -1 else _ORDINAL_TEXT[rule.nth]
        return f"monthly {which} {WEEKDAYS[rule.weekday]} {_hhmm(rule.at)}"
    if isinstance(rule, MonthlyLastWorkday):
        return f"monthly last-workday {_hhmm(rule.at)}"
    if isinstance(rule, EveryNDays):
        return f"every {rule.n} days {_hhmm(rule.at)} from {rule.anchor.isoformat()}"
    if isinstance(rule, OneOff):
        return f"once {rule.on.isoformat()} {_hhmm(rule.at)}"
    if isinstance(rule, Yearly):
        days = ",".join(f"{m:02d}-{d:02d}" for m, d in rule.dates)
        return f"yearly {days} {_hhmm(rule.at)}"
    text = "".join(_CANONICAL_LETTER[s] for s in rule.pattern)
    out = f"rotation {text} anchor {rule.anchor.isoformat()}"
    if rule.lead:
        out += f" lead {_lead_text(rule.lead)}"
    for shift, default in DEFAULT_STARTS.items():
        if rule.start_of(shift) != default:
            out += f" {shift.value} {_hhmm(rule.start_of(shift))}"
    return out
