"""`banzu contest list|create SPEC.toml|correct …` and `banzu report contest`: labour
competitions from the command line, through the same use cases the bot uses (acting as an
admin, Telegram id 0, so every correction is audited as made on the command line).

A spec file:

    name = "安全高产百日竞赛"
    kind = "pair"            # league | pair | challenge | arena
    level = "team"           # team | unit | person
    unit = "一分场"           # optional: only this unit's teams
    start = 2026-12-01
    end = 2026-12-31
    metrics = ["output", "safe_days", "attendance_rate"]
    weights = { output = 2 }  # optional; 1 otherwise
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.common import Subparsers
from bot.clock import Clock
from bot.db import Database
from bot.domain.auth import Actor, Role
from bot.domain.contest import Kind, Level
from bot.repos.org import OrgRepo
from bot.repos.people import PeopleRepo
from bot.services.contest import Board, ContestService, Created, Draft, Refused
from bot.settings import Settings
from bot.texts import Texts
from bot.views import contest as view

CLI_ACTOR = Actor(tg_user_id=0, roles=frozenset({Role.ADMIN}))


def add_parser(sub: Subparsers) -> None:
    c = sub.add_parser("contest", help="labour competitions: list, create from a spec, correct")
    c_sub = c.add_subparsers(dest="contest_command", required=True)
    c_sub.add_parser("list", help="every competition with its state and period")
    create = c_sub.add_parser("create", help="create a competition from a TOML spec")
    create.add_argument("spec", type=Path)
    fix = c_sub.add_parser("correct", help="correct a figure (after close too), with a reason")
    fix.add_argument("--contest", type=int, required=True)
    fix.add_argument("--participant", required=True, help="team (or unit) name, or its id")
    fix.add_argument("--metric", required=True, help="metric key, e.g. output")
    fix.add_argument("--week", required=True, help="any day of the week, YYYY-MM-DD")
    fix.add_argument("--value", type=float, required=True)
    fix.add_argument("--reason", required=True)


def add_report_parser(rep_sub: Subparsers) -> None:
    r = rep_sub.add_parser("contest", help="competition XLSX (standings, figures, changes) + PNG")
    r.add_argument("--contest", type=int, help="competition id (default: the latest)")
    r.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
    r.add_argument("--chart", type=Path, help="also write the PNG leaderboard here")


async def main(settings: Settings, args: argparse.Namespace) -> int:
    db = Database(settings.db_path)
    await db.open()
    try:
        texts = Texts(default=settings.language)
        svc = ContestService.build(db, PeopleRepo(db), OrgRepo(db), settings, texts, Clock())
        command = getattr(args, "contest_command", None) or "report"
        return await _COMMANDS[command](svc, texts, settings, args)
    finally:
        await db.close()


async def _list(svc: ContestService, texts: Texts, settings: Settings, _: Any) -> int:
    lang = settings.language
    for c in await svc.all():
        state = "进行中" if c.active else "已结束"
        kind = texts.get(f"contest.kind.{c.kind}", lang)
        print(f"#{c.id}\t{c.name}\t{kind}\t{c.starts_on} ~ {c.ends_on}\t{state}")
    return 0


async def _create(svc: ContestService, texts: Texts, settings: Settings, args: Any) -> int:
    try:
        text = await asyncio.to_thread(Path(args.spec).read_text, encoding="utf-8")
        spec = tomllib.loads(text)
        draft = await _draft(svc, spec)
    except (OSError, tomllib.TOMLDecodeError, KeyError, ValueError) as exc:
        print(f"banzu: {args.spec}: {exc}", file=sys.stderr)
        return 2
    created = await svc.create(CLI_ACTOR, draft)
    if isinstance(created, Refused):
        print(f"banzu: {texts.plain(f'contest.refused.{created.why}', settings.language)}")
        return 1
    assert isinstance(created, Created)
    print(f"#{created.contest_id} {draft.name}: {created.participants} participants")
    for a, b in created.pairs:
        print(f"  {a} ⚔ {b}")
    return 0


async def _draft(svc: ContestService, spec: dict[str, Any]) -> Draft:
    unit_id = None
    if "unit" in spec:
        units = {u.name: u.id for u in await svc.org.units()}
        if spec["unit"] not in units:
            raise ValueError(f"no unit {spec['unit']!r}")
        unit_id = units[spec["unit"]]
    unknown = [k for k in spec["metrics"] if k not in svc.templates]
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; known: {', '.join(svc.templates)}")
    return Draft(
        name=str(spec["name"]),
        kind=Kind(spec.get("kind", "league")),
        level=Level(spec.get("level", "team")),
        unit_id=unit_id,
        starts_on=_day(spec["start"]),
        ends_on=_day(spec["end"]),
        metric_keys=tuple(str(k) for k in spec["metrics"]),
        weights={str(k): float(v) for k, v in spec.get("weights", {}).items()},
        individual_public=bool(spec.get("individual_public", False)),
    )


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def _correct(svc: ContestService, texts: Texts, settings: Settings, args: Any) -> int:
    contest = await svc.get(args.contest)
    if contest is None:
        print(f"banzu: no competition #{args.contest}", file=sys.stderr)
        return 2
    ids = await svc.participants(contest.id)
    names = await svc.member_names(contest.level, ids)
    by_name = {v: k for k, v in names.items()}
    pid = by_name.get(args.participant) or (
        int(args.participant) if str(args.participant).isdigit() else None
    )
    try:
        week = date.fromisoformat(args.week)
    except ValueError:
        print("banzu: --week must be a date like 2026-12-07", file=sys.stderr)
        return 2
    saved = await svc.correct_closed(
        CLI_ACTOR, contest.id, pid or 0, args.metric, week, args.value, args.reason
    )
    if isinstance(saved, Refused):
        print(f"banzu: {texts.plain(f'contest.refused.{saved.why}', settings.language)}")
        return 1
    print(f"#{contest.id}: {saved.changed} figure changed (audited)")
    return 0


async def _report(svc: ContestService, texts: Texts, settings: Settings, args: Any) -> int:
    contests = await svc.all()
    contest_id = args.contest or (contests[-1].id if contests else None)
    if contest_id is None:
        print("banzu: no competition yet", file=sys.stderr)
        return 2
    board = await svc.board(CLI_ACTOR, contest_id, svc.repo.clock())
    if isinstance(board, Refused):
        print(f"banzu: no competition #{contest_id}", file=sys.stderr)
        return 2
    assert isinstance(board, Board)
    lang = settings.language
    figures = await svc.figures(contest_id)
    audit = await svc.audit(contest_id)
    actors = await svc.actor_names([a.actor for a in audit])
    data = view.contest_workbook(texts, lang, board, figures, audit, actors, settings.tz)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    if args.chart:
        title = board.contest.name
        args.chart.write_bytes(view.leaderboard_png(texts, lang, title, board.standings))
    print(f"{args.out}: {len(board.standings)} participants, {len(figures)} figures,")
    print(f"  {len(audit)} changes")
    return 0


_COMMANDS = {"list": _list, "create": _create, "correct": _correct, "report": _report}
