"""`banzu quiz import FILE [--dry-run]`, `banzu quiz daily --at HH:MM [--team NAME]
[--topic T] | --list | --stop ID`, `banzu quiz config [--daily-cap N] [--individual-ranking
on|off]`, and `banzu report quiz --month YYYY-MM --out F.xlsx [--chart F.png]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.cli.common import Subparsers, plain
from bot.clock import utcnow
from bot.db import Database
from bot.delivery.outbox import Outbox
from bot.domain.quiz_bank import BankFileError, parse_file
from bot.repos.people import PeopleRepo
from bot.repos.quiz import QuizRepo
from bot.services import quiz_report
from bot.services.quiz import QuizService, Refused
from bot.settings import Settings
from bot.texts import Texts
from bot.views import quiz as views


def add_parser(sub: Subparsers) -> None:
    quiz = sub.add_parser("quiz", help="knowledge quizzes: import a bank, daily question, settings")
    q_sub = quiz.add_subparsers(dest="quiz_command", required=True)
    imp = q_sub.add_parser("import", help="import questions from XLSX or CSV (all or nothing)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    daily = q_sub.add_parser("daily", help="每日一题: plan, list or stop")
    daily.add_argument("--at", help="time of day HH:MM (site time zone)")
    daily.add_argument("--team", help="only this team (name); default every bound team group")
    daily.add_argument("--topic", help="only this topic; default every topic")
    daily.add_argument("--open", type=int, default=600, help="seconds the poll stays open")
    daily.add_argument(
        "--workdays", action="store_true", help="only on workdays (holidays and 调休 respected)"
    )
    daily.add_argument("--list", action="store_true")
    daily.add_argument("--stop", type=int, metavar="ID")
    cfg = q_sub.add_parser("config", help="daily points cap, individual ranking")
    cfg.add_argument("--daily-cap", type=int)
    cfg.add_argument("--individual-ranking", choices=("on", "off"))
    cfg.add_argument("--session-quiz", choices=("on", "off"), help="a quiz after each session")


def add_report_parser(rep_sub: Subparsers) -> None:
    """`banzu report quiz`, added by the report group (bot/cli/report.py) to its own commands."""
    rq = rep_sub.add_parser("quiz", help="monthly quiz XLSX (班组, 个人, 题目) and chart")
    rq.add_argument("--month", required=True, help="YYYY-MM, in the bot's time zone")
    rq.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    rq.add_argument("--chart", type=Path, help="also write the PNG chart here")


def _service(settings: Settings, db: Database, clock: Callable[[], datetime]) -> QuizService:
    return QuizService(db, QuizRepo(db), PeopleRepo(db), Outbox(db), Texts(), settings.tz, clock)


async def main(
    settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime] = utcnow
) -> int:
    """`banzu quiz …`; `clock`: the command's one now (a test hands its own)."""
    db = Database(settings.db_path)
    await db.open()
    try:
        svc = _service(settings, db, clock)
        if args.quiz_command == "import":
            return await _import(svc, settings, args)
        if args.quiz_command == "daily":
            return await _daily(svc, args)
        return await _config(svc, args)
    finally:
        await db.close()


async def report_main(
    settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime]
) -> int:
    """`banzu report quiz`, dispatched by the report group."""
    db = Database(settings.db_path)
    await db.open()
    try:
        return await _report(_service(settings, db, clock), settings, args)
    finally:
        await db.close()


async def _import(svc: QuizService, settings: Settings, args: argparse.Namespace) -> int:
    texts, lang = svc.texts, settings.language
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"banzu: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    if args.dry_run:
        try:
            parsed = parse_file(data, args.file.name)
        except BankFileError as exc:
            print(plain(views.import_summary(texts, lang, counts=None, errors=[],
                                              file_error=exc)), file=sys.stderr)  # fmt: skip
            return 1
        if parsed.errors:
            print(plain(views.import_summary(texts, lang, counts=None, errors=parsed.errors,
                                              file_error=None)), file=sys.stderr)  # fmt: skip
            return 1
        print(f"{args.file}: {len(parsed.items)} questions OK (dry run, nothing written)")
        return 0
    outcome = await svc.import_file(None, data, args.file.name)
    if isinstance(outcome, Refused):  # the operator (actor None) is never refused
        return 2
    text = views.import_summary(texts, lang, counts=outcome.counts, errors=outcome.errors,
                                file_error=outcome.file_error)  # fmt: skip
    print(plain(text), file=sys.stdout if outcome.ok else sys.stderr)
    return 0 if outcome.ok else 1


async def _daily(svc: QuizService, args: argparse.Namespace) -> int:
    if args.stop is not None:
        if not await svc.stop_plan(args.stop):
            print(f"banzu: no active daily plan #{args.stop}", file=sys.stderr)
            return 1
        print(plain(svc.texts.get("quiz.plan.stopped", id=args.stop)))
        return 0
    if args.list or not args.at:
        for p in await svc.plans():
            days = "workdays" if p.workdays else "every day"
            print(f"#{p.id} {p.at_time} {days} team={p.team_id or 'all'}"
                  f" topic={p.topic or 'all'} open={p.open_period}s")  # fmt: skip
        return 0
    team_id = None
    if args.team:
        team_id = await svc.team_by_name(args.team)
        if team_id is None:
            print(f"banzu: no team {args.team!r}", file=sys.stderr)
            return 2
    try:
        plan = await svc.plan_daily(args.at, team_id, args.topic, args.open, workdays=args.workdays)
    except ValueError as exc:
        print(f"banzu: {exc}", file=sys.stderr)
        return 2
    scope = args.team or svc.texts.get("quiz.plan.all")
    key = "quiz.plan.added_workdays" if args.workdays else "quiz.plan.added"
    print(plain(svc.texts.get(key, at=args.at, scope=scope, id=plan)))
    return 0


async def _config(svc: QuizService, args: argparse.Namespace) -> int:
    if args.daily_cap is not None:
        if not 1 <= args.daily_cap <= 1000:
            print("banzu: --daily-cap must be 1..1000", file=sys.stderr)
            return 2
        await svc.set_setting("daily_cap", str(args.daily_cap))
    if args.session_quiz is not None:
        await svc.set_setting("session_quiz", "1" if args.session_quiz == "on" else "0")
    if args.individual_ranking is not None:
        await svc.set_setting("individual_ranking", "1" if args.individual_ranking == "on" else "0")
    session = "off" if (await svc.setting("session_quiz")) == "0" else "on"
    ranking = "on" if await svc.individual_ranking() else "off"
    print(f"daily_cap={await svc.daily_cap()} individual_ranking={ranking} session_quiz={session}")
    return 0


async def _report(svc: QuizService, settings: Settings, args: argparse.Namespace) -> int:
    try:
        first, last = svc.month_days(args.month)
    except ValueError:
        print(f"banzu: --month must look like 2026-11, not {args.month!r}", file=sys.stderr)
        return 2
    report = await svc.report(first, last)
    scope = svc.texts.get("quiz.report.scope_all", settings.language)
    data = quiz_report.workbook(report, svc.texts, settings.language, settings.tz, scope)
    args.out.write_bytes(data)
    if args.chart is not None:
        args.chart.write_bytes(quiz_report.chart(report, svc.texts, settings.language))
    print(plain(quiz_report.summary(report, svc.texts, settings.language)))
    print(f"{args.out}: {len(report.teams)} teams, {len(report.people)} people,"
          f" {len(report.questions)} questions")  # fmt: skip
    return 0
