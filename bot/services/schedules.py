"""Schedules as domain rules: checking what an admin asks for, planning message moments,
deciding what to do with a moment found late, and rendering occurrences for people.

A schedule's rule gives *events* (a study day at 14:00, a shift start minus its lead); its
`leads` turn each event into one or more *message moments* (`Planned`): a study-day reminder
goes the day before and an hour before (leads 1440 and 60 minutes), a pre-shift prompt at
the rule's time (lead 0). Each moment is one occurrence row, keyed (schedule, occurs_at); if
two moments of one schedule fall on the same minute, one message is sent (the one nearest
its event).

After a downtime a moment is still sent if it is at most `GRACE[purpose]` late and, for a
reminder ahead of an event, the event has not begun; otherwise it is recorded as missed and
reported to admins.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from bot.domain.schedules import describe_occurrence, reminder_times
from bot.domain.text import visible
from bot.outcomes.schedules import Planned, ScheduleError, ScheduleSpec
from bot.repos.schedules import Purpose as Purpose  # re-exported for handlers
from bot.repos.schedules import Schedule as Schedule
from bot.repos.schedules import SchedulesRepo
from bot.repos.schedules import Scope as Scope
from bot.texts import Texts
from scheduler.holidays import HolidayCalendar
from scheduler.rule_text import RuleSyntaxError, format_rule, parse_rule
from scheduler.rules import (
    HORIZON,
    HolidayPolicy,
    Occurrence,
    Rule,
    default_policy,
    iter_occurrences,
)

__all__ = [
    "DEFAULT_LEADS",
    "GRACE",
    "SESSION_OPEN_LEAD",
    "LateDecision",
    "Planned",
    "ScheduleError",
    "ScheduleSpec",
    "build_spec",
    "create_schedule",
    "describe_occurrence",
    "error_text",
    "format_leads",
    "late_decision",
    "load_calendar",
    "next_planned",
    "parse_leads",
    "parse_policy",
    "plan",
    "plan_schedule",
    "reminder_times",
]

DEFAULT_LEADS: dict[Purpose, tuple[int, ...]] = {
    Purpose.STUDY_REMINDER: (1440, 60),
    Purpose.PRESHIFT: (0,),
    Purpose.MEETING: (1440, 60),
    Purpose.CUSTOM: (0,),
}
GRACE: dict[Purpose, timedelta] = {
    Purpose.PRESHIFT: timedelta(minutes=30),
    Purpose.STUDY_REMINDER: timedelta(hours=3),
    Purpose.MEETING: timedelta(hours=3),
    Purpose.CUSTOM: timedelta(hours=1),
}
MAX_LEAD_MINUTES = 7 * 1440
MAX_LEADS = 4
MAX_TITLE = 60
MAX_BODY = 2000
_POLICY_WORDS = {
    "skip": HolidayPolicy.SKIP, "跳过": HolidayPolicy.SKIP,
    "next": HolidayPolicy.NEXT_WORKDAY, "next_workday": HolidayPolicy.NEXT_WORKDAY,
    "next-workday": HolidayPolicy.NEXT_WORKDAY, "顺延": HolidayPolicy.NEXT_WORKDAY,
    "ignore": HolidayPolicy.IGNORE, "照常": HolidayPolicy.IGNORE,
}  # fmt: skip
_LEAD_PART = re.compile(r"(\d+)(d|天|h|小时|m|min|分钟|分)")


ECHO_MAX = 40


def error_text(texts: Texts, exc: ScheduleError | RuleSyntaxError, lang: str | None = None) -> str:
    """The user-facing message for a refused rule or schedule."""
    prefix = "rule_error" if isinstance(exc, RuleSyntaxError) else "error"
    # What was typed is quoted back bounded: a 4,096-character rule must not make the error
    # itself longer than a message may be.
    values = {k: v if len(v) <= ECHO_MAX else v[:ECHO_MAX] + "…" for k, v in exc.values.items()}
    return texts.get(f"schedules.{prefix}.{exc.code}", lang, **values)


# ----------------------------------------------------------------------------- leads, policy


def parse_leads(text: str) -> tuple[int, ...]:
    """'1d,1h' -> (1440, 60): reminders before each event, in minutes, largest first."""
    words = [w for w in re.split(r"[,\s]+", unicodedata.normalize("NFKC", text).strip()) if w]
    if not words or len(words) > MAX_LEADS:
        raise ScheduleError("bad_leads", value=text)
    minutes: set[int] = set()
    for word in words:
        if word == "0":
            minutes.add(0)
            continue
        parts = _LEAD_PART.findall(word.lower())
        if not parts or "".join(n + u for n, u in parts) != word.lower():
            raise ScheduleError("bad_leads", value=word)
        unit = {"d": 1440, "天": 1440, "h": 60, "小时": 60}
        total = sum(int(n) * unit.get(u, 1) for n, u in parts)
        if total > MAX_LEAD_MINUTES:
            raise ScheduleError("bad_leads", value=word)
        minutes.add(total)
    return tuple(sorted(minutes, reverse=True))


def format_leads(leads: tuple[int, ...]) -> str:
    out = []
    for lead in leads:
        days, rest = divmod(lead, 1440)
        hours, mins = divmod(rest, 60)
        text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "")
        text += f"{mins}m" if mins else ""
        out.append(text or "0")
    return ",".join(out)


def parse_policy(word: str) -> HolidayPolicy:
    try:
        return _POLICY_WORDS[word.strip().lower()]
    except KeyError:
        raise ScheduleError("bad_policy", value=word) from None


# ----------------------------------------------------------------------------- planning


def plan(
    rule: Rule,
    policy: HolidayPolicy,
    leads: tuple[int, ...],
    after: datetime,
    until: datetime,
    tz: tzinfo,
    calendar: HolidayCalendar,
) -> list[Planned]:
    """Message moments in (after, until], in order, one per minute at most."""
    longest = timedelta(minutes=max(leads))
    moments: dict[datetime, Planned] = {}
    events = iter_occurrences(rule, after, tz, calendar, policy, until=until + longest)
    for event in events:
        for lead in sorted(leads):  # smallest lead first: it wins a shared minute
            at = event.at - timedelta(minutes=lead)
            if after < at <= until and at not in moments:
                moments[at] = Planned(at, event.at, lead)
    return sorted(moments.values())


def next_planned(
    rule: Rule,
    policy: HolidayPolicy,
    leads: tuple[int, ...],
    after: datetime,
    tz: tzinfo,
    calendar: HolidayCalendar,
) -> Planned | None:
    """The first message moment after `after` (what the job queue should wake up for)."""
    for window in (timedelta(days=8), timedelta(days=400), HORIZON):
        found = plan(rule, policy, leads, after, after + window, tz, calendar)
        if found:
            return found[0]
    return None


def upcoming(
    rule: Rule,
    policy: HolidayPolicy,
    leads: tuple[int, ...],
    after: datetime,
    tz: tzinfo,
    calendar: HolidayCalendar,
    count: int,
) -> list[tuple[Occurrence, list[datetime]]]:
    """The next `count` events and, for each, when its reminders go out (aware UTC, only
    those still after `after`, earliest first) — a preview shows the two apart, so a Friday
    meeting reminded on Thursday reads as a Friday meeting."""
    out: list[tuple[Occurrence, list[datetime]]] = []
    for occ in iter_occurrences(rule, after, tz, calendar, policy):
        sends = sorted({occ.at - timedelta(minutes=lead) for lead in leads})
        out.append((occ, [at for at in sends if at > after]))
        if len(out) >= count:
            break
    return out


def rule_of(schedule: Schedule) -> Rule:
    return parse_rule(schedule.rule)


# A study-day schedule opens each team's session this long before the event: when check-in
# opens (bot.domain.attendance.Rules.before). The moment is planned like a reminder.
SESSION_OPEN_LEAD = 15


def schedule_leads(schedule: Schedule) -> tuple[int, ...]:
    """The moments a schedule acts at: its reminders, and for a study day the session's
    opening."""
    if schedule.purpose is Purpose.STUDY_REMINDER:
        return tuple(sorted({*schedule.leads, SESSION_OPEN_LEAD}))
    return schedule.leads


def plan_schedule(
    schedule: Schedule, after: datetime, until: datetime, tz: tzinfo, calendar: HolidayCalendar
) -> list[Planned]:
    policy = HolidayPolicy(schedule.holiday_policy)
    return plan(rule_of(schedule), policy, schedule_leads(schedule), after, until, tz, calendar)


class LateDecision(StrEnum):
    SEND = "send"
    MISSED = "missed"


def late_decision(
    purpose: Purpose, occurs_at: datetime, event_at: datetime, now: datetime
) -> LateDecision:
    """A moment found due at `now` (e.g. after a downtime): still worth sending?"""
    if now <= occurs_at + GRACE[purpose] and (event_at == occurs_at or now < event_at):
        return LateDecision.SEND
    return LateDecision.MISSED


# ----------------------------------------------------------------------------- creating


def build_spec(
    *,
    scope: Scope,
    purpose: Purpose,
    rule_text: str,
    now: datetime,
    tz: tzinfo,
    calendar: HolidayCalendar,
    team_id: int | None = None,
    unit_id: int | None = None,
    policy: str | None = None,
    leads: str | None = None,
    title: str = "",
    body: str | None = None,
) -> ScheduleSpec:
    """Check a schedule request; raises RuleSyntaxError or ScheduleError naming the problem."""
    rule = parse_rule(rule_text)
    if (scope is Scope.TEAM) != (team_id is not None) or (scope is Scope.UNIT) != (
        unit_id is not None
    ):
        raise ScheduleError("bad_scope", scope=scope.value)
    body = visible(body) or None
    title = visible(title)
    if purpose is Purpose.CUSTOM and body is None:
        raise ScheduleError("body_required")
    if len(title) > MAX_TITLE:
        raise ScheduleError("title_too_long", limit=str(MAX_TITLE))
    if body is not None and len(body) > MAX_BODY:
        raise ScheduleError("body_too_long", limit=str(MAX_BODY))
    chosen = parse_policy(policy) if policy else None
    spec = ScheduleSpec(
        scope=scope,
        team_id=team_id,
        unit_id=unit_id,
        purpose=purpose,
        rule=rule,
        rule_text=format_rule(rule),
        policy=chosen or default_policy(rule),
        leads=parse_leads(leads) if leads else DEFAULT_LEADS[purpose],
        title=title,
        body=body,
    )
    if next_planned(spec.rule, spec.policy, spec.leads, now, tz, calendar) is None:
        raise ScheduleError("no_future", rule=spec.rule_text)
    return spec


async def create_schedule(repo: SchedulesRepo, spec: ScheduleSpec, created_by: int) -> int:
    return await repo.create(
        scope=spec.scope,
        team_id=spec.team_id,
        unit_id=spec.unit_id,
        purpose=spec.purpose,
        rule=spec.rule_text,
        holiday_policy=spec.policy.value,
        leads=spec.leads,
        created_by=created_by,
        title=spec.title,
        body=spec.body,
    )


async def load_calendar(repo: SchedulesRepo) -> HolidayCalendar:
    """The official calendar with the organisation's own additions from the database."""
    overrides = await repo.holiday_overrides()
    return HolidayCalendar(
        extra_holidays=[o.day for o in overrides if o.kind == "holiday"],
        extra_workdays=[o.day for o in overrides if o.kind == "workday"],
    )
