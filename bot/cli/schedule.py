"""`banzu schedule preview|add|list|pause|resume|rm|holiday|syntax`: schedules from a terminal.

`preview` needs no database (it reads the own holiday additions if the database exists), so
a rule can be checked before anyone relies on it. The others work on the database through
the same repository and checks as the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from bot.cli.common import Subparsers, plain
from bot.clock import utcnow
from bot.db import Database
from bot.repos.org import OrgRepo
from bot.repos.schedules import CLI_ACTOR, Purpose, SchedulesRepo, Scope
from bot.services.schedules import (
    ScheduleError,
    build_spec,
    create_schedule,
    describe_occurrence,
    error_text,
    format_leads,
    load_calendar,
    next_planned,
    parse_leads,
    parse_policy,
    reminder_times,
)
from bot.settings import Settings
from bot.texts import Texts
from bot.views.schedules import scope_text
from scheduler.holidays import HolidayCalendar
from scheduler.rule_text import RuleSyntaxError, format_rule, parse_rule
from scheduler.rule_zh import rule_for
from scheduler.rules import default_policy, iter_occurrences

_PURPOSES = {
    "study": Purpose.STUDY_REMINDER, "study_reminder": Purpose.STUDY_REMINDER,
    "preshift": Purpose.PRESHIFT, "meeting": Purpose.MEETING, "custom": Purpose.CUSTOM,
}  # fmt: skip
MAX_PREVIEW = 366


def add_parser(sub: Subparsers) -> None:
    sched = sub.add_parser("schedule", help="schedules: preview a rule, add, list, pause, delete")
    cmd = sched.add_subparsers(dest="schedule_command", required=True)
    cmd.add_parser("syntax", help="print the rule syntax")

    pre = cmd.add_parser("preview", help="print the next occurrences of a rule")
    pre.add_argument("rule", nargs="+", help="e.g. weekly tue 14:00 (see `schedule syntax`)")
    pre.add_argument("--from", dest="start", help="DATE or 'DATE HH:MM' (default: now)")
    pre.add_argument("--count", type=int, default=10, help=f"how many (1..{MAX_PREVIEW})")
    pre.add_argument("--holidays", help="skip | next | ignore (default: the rule's default)")
    pre.add_argument("--remind", help="also show when reminders go out, e.g. 1d,1h")

    add = cmd.add_parser("add", help="add a schedule")
    add.add_argument("rule", nargs="+")
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--team", help="team name, or unit name + team name")
    where.add_argument("--unit", help="unit name")
    where.add_argument("--all", action="store_true", help="everyone")
    add.add_argument("--purpose", required=True, choices=sorted(_PURPOSES))
    add.add_argument("--text", help="the message of a custom schedule")
    add.add_argument("--title", default="", help="e.g. 职工学习日")
    add.add_argument("--holidays", help="skip | next | ignore (default: the rule's default)")
    add.add_argument("--remind", help="before each event, e.g. 1d,1h (default by purpose)")

    lst = cmd.add_parser("list", help="list schedules")
    lst.add_argument("--deleted", action="store_true", help="include deleted ones")
    for name, text in (("pause", "pause"), ("resume", "resume"), ("rm", "delete")):
        one = cmd.add_parser(name, help=f"{text} a schedule")
        one.add_argument("id", type=int)

    hol = cmd.add_parser("holiday", help="own holidays and workdays over the national calendar")
    hol_cmd = hol.add_subparsers(dest="holiday_command", required=True)
    hol_cmd.add_parser("list")
    hol_add = hol_cmd.add_parser("add", help="make a day a day off (or, with --workday, worked)")
    hol_add.add_argument("day")
    hol_add.add_argument("--workday", action="store_true")
    hol_add.add_argument("--note", default="")
    hol_rm = hol_cmd.add_parser("rm")
    hol_rm.add_argument("day")


async def main(
    settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime] = utcnow
) -> int:
    """`clock` is the one now of the command (a test moves it): the preview's start, the
    check that a new schedule still has a future, and the repository's stamps."""
    texts = Texts(default=settings.language)
    command = args.schedule_command
    if command == "syntax":
        print(plain(texts.get("schedules.syntax")))
        return 0
    if command == "preview" and not await asyncio.to_thread(Path(settings.db_path).exists):
        return _preview(settings, texts, args, HolidayCalendar(), clock())
    db = Database(settings.db_path)
    await db.open()
    try:
        repo = SchedulesRepo(db, clock)
        if command == "preview":
            return _preview(settings, texts, args, await load_calendar(repo), clock())
        if command == "add":
            return await _add(settings, texts, repo, OrgRepo(db), args, clock())
        if command == "list":
            return await _list(texts, repo, args.deleted)
        if command == "holiday":
            return await _holiday(texts, repo, args)
        return await _change(texts, repo, command, args.id)
    finally:
        await db.close()


def _preview(
    settings: Settings,
    texts: Texts,
    args: argparse.Namespace,
    calendar: HolidayCalendar,
    now: datetime,
) -> int:
    tz = settings.tz
    try:
        rule = parse_rule(" ".join(args.rule))
        policy = parse_policy(args.holidays) if args.holidays else default_policy(rule)
    except (RuleSyntaxError, ScheduleError) as exc:
        return _fail(error_text(texts, exc))
    start = _moment(args.start, tz) if args.start else now
    if start is None:
        return _fail(texts.get("schedules.cli.bad_date", value=args.start))
    count = max(1, min(args.count, MAX_PREVIEW))
    try:
        leads = parse_leads(args.remind) if args.remind else ()
    except ScheduleError as exc:
        return _fail(error_text(texts, exc))
    occurrences = []
    for occ in iter_occurrences(rule, start, tz, calendar, policy, inclusive=True):
        occurrences.append(occ)
        if len(occurrences) >= count:
            break
    print(
        plain(
            texts.get(
                "schedules.preview.header",
                rule=rule_for(format_rule(rule), texts.default),
                policy=texts.get(f"schedules.policy.{policy.value}"),
                tz=settings.tz_name,
                start=f"{start.astimezone(tz):%Y-%m-%d %H:%M}",
                count=len(occurrences),
            )
        )
    )
    if not occurrences:
        print(plain(texts.get("schedules.preview.none")))
        return 0
    for occ in occurrences:
        print(plain(describe_occurrence(occ, calendar, texts)))
        if leads:
            sends = sorted({occ.at - timedelta(minutes=lead) for lead in leads})
            times = reminder_times(sends, tz, texts, None)
            print(plain(texts.get("schedules.preview.reminders", times=times)))
    unknown = sorted({o.day.year for o in occurrences if not calendar.known(o.day.year)})
    if unknown:
        years = ", ".join(str(y) for y in unknown)
        print(plain(texts.get("schedules.preview.unknown_year", years=years)))
    return 0


async def _add(
    settings: Settings,
    texts: Texts,
    repo: SchedulesRepo,
    org: OrgRepo,
    args: argparse.Namespace,
    now: datetime,
) -> int:
    team_id = unit_id = None
    if args.team:
        teams = [t for t in await org.teams() if args.team in (t.name, f"{t.unit_name}{t.name}")]
        if not teams:
            return _fail(texts.get("schedules.cli.unknown_team", name=args.team))
        if len(teams) > 1:
            return _fail(
                texts.get("schedules.cli.ambiguous_team", name=args.team, count=len(teams))
            )
        team_id, scope = teams[0].id, Scope.TEAM
    elif args.unit:
        units = [u for u in await org.units() if u.name == args.unit]
        if not units:
            return _fail(texts.get("schedules.cli.unknown_unit", name=args.unit))
        unit_id, scope = units[0].id, Scope.UNIT
    else:
        scope = Scope.ALL
    calendar = await load_calendar(repo)
    try:
        spec = build_spec(
            scope=scope,
            purpose=_PURPOSES[args.purpose],
            rule_text=" ".join(args.rule),
            now=now,
            tz=settings.tz,
            calendar=calendar,
            team_id=team_id,
            unit_id=unit_id,
            policy=args.holidays,
            leads=args.remind,
            title=args.title,
            body=args.text,
        )
    except (RuleSyntaxError, ScheduleError) as exc:
        return _fail(error_text(texts, exc))
    schedule_id = await create_schedule(repo, spec, CLI_ACTOR)
    schedule = await repo.get(schedule_id)
    assert schedule is not None
    first = next_planned(spec.rule, spec.policy, spec.leads, now, settings.tz, calendar)
    when = f"{first.occurs_at.astimezone(settings.tz):%Y-%m-%d %H:%M}" if first else "-"
    event = f"{first.event_at.astimezone(settings.tz):%Y-%m-%d %H:%M}" if first else "-"
    print(
        plain(
            texts.get(
                "schedules.cli.added",
                id=schedule_id,
                purpose=texts.get(f"schedules.purpose.{spec.purpose.value}"),
                scope=scope_text(texts, schedule),
                rule=rule_for(spec.rule_text, texts.default),
                policy=texts.get(f"schedules.policy.{spec.policy.value}"),
                next=when,
                event=event,
            )
        )
    )
    return 0


async def _list(texts: Texts, repo: SchedulesRepo, deleted: bool) -> int:
    schedules = await repo.schedules(include_deleted=deleted)
    if not schedules:
        print(plain(texts.get("schedules.cli.none")))
        return 0
    for s in schedules:
        state = "deleted_state" if s.deleted else "paused_state" if s.paused else "active"
        print(
            plain(
                texts.get(
                    "schedules.cli.list_line",
                    id=s.id,
                    state=texts.get(f"schedules.cli.{state}"),
                    purpose=texts.get(f"schedules.purpose.{s.purpose.value}"),
                    scope=scope_text(texts, s),
                    rule=rule_for(s.rule, texts.default),
                    policy=texts.get(f"schedules.policy.{s.holiday_policy}"),
                    leads=format_leads(s.leads),
                    title=s.title or s.body or "",
                )
            )
        )
    return 0


async def _change(texts: Texts, repo: SchedulesRepo, command: str, schedule_id: int) -> int:
    schedule = await repo.get(schedule_id)
    if schedule is None or schedule.deleted:
        return _fail(texts.get("schedules.cli.not_found", id=schedule_id))
    if command == "rm":
        await repo.delete(schedule_id, CLI_ACTOR)
        print(plain(texts.get("schedules.cli.deleted", id=schedule_id)))
        return 0
    pause = command == "pause"
    if not await repo.set_paused(schedule_id, pause, CLI_ACTOR):
        print(plain(texts.get("schedules.cli.unchanged", id=schedule_id)))
        return 0
    print(
        plain(
            texts.get("schedules.cli.paused" if pause else "schedules.cli.resumed", id=schedule_id)
        )
    )
    return 0


async def _holiday(texts: Texts, repo: SchedulesRepo, args: argparse.Namespace) -> int:
    if args.holiday_command == "list":
        overrides = await repo.holiday_overrides()
        if not overrides:
            print(plain(texts.get("schedules.cli.holiday_none")))
        for o in overrides:
            kind = texts.get(f"schedules.cli.kind_{o.kind}")
            print(plain(texts.get("schedules.cli.holiday_line", day=o.day, kind=kind, note=o.note)))
        return 0
    try:
        day = date.fromisoformat(args.day)
    except ValueError:
        return _fail(texts.get("schedules.cli.bad_date", value=args.day))
    if args.holiday_command == "rm":
        if not await repo.remove_holiday_override(day, None):
            return _fail(texts.get("schedules.cli.holiday_not_found", day=day))
        print(plain(texts.get("schedules.cli.holiday_removed", day=day)))
        return 0
    kind = "workday" if args.workday else "holiday"
    await repo.set_holiday_override(day, kind, args.note, None)
    print(
        plain(
            texts.get(
                "schedules.cli.holiday_set", day=day, kind=texts.get(f"schedules.cli.kind_{kind}")
            )
        )
    )
    return 0


def _moment(text: str, tz: tzinfo) -> datetime | None:
    """A local DATE (its midnight) or 'DATE HH:MM', as an aware datetime."""
    m = re.fullmatch(r"\s*(\d{4}-\d{1,2}-\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?\s*", text)
    if m is None:
        return None
    try:
        parts = [int(p) for p in m.group(1).split("-")]
        day = date(parts[0], parts[1], parts[2])
        at = time(int(m.group(2) or 0), int(m.group(3) or 0))
    except ValueError:
        return None
    return datetime.combine(day, at, tzinfo=tz)


def _fail(message: str) -> int:
    print(f"banzu: {plain(message)}", file=sys.stderr)
    return 1
