"""`banzu report attendance --month 2026-11 [--unit U] --out FILE.xlsx [--chart FILE.png]`:
the same attendance workbook the bot sends with /report, from the command line;
`banzu report suggestions --from --to --out` (text, PNG and XLSX files); and
`banzu report trends --month 2026-11 [--unit U] --out FILE.xlsx [--chart FILE.png]`: the monthly
thought-trend analysis (思想动态分析) that admins and unit leaders receive on schedule."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.cli import awards, contest, quiz, rectification
from bot.cli.common import Subparsers, plain
from bot.clock import utcnow
from bot.db import Database
from bot.repos.attendance import ReportQueries, open_readonly
from bot.repos.suggestions import SuggestionsRepo
from bot.services import reports, suggestion_report
from bot.settings import Settings
from bot.texts import Texts


def add_parser(sub: Subparsers) -> None:
    rep = sub.add_parser("report", help="reports: attendance workbook and chart, suggestions")
    rep_sub = rep.add_subparsers(dest="report_command", required=True)
    att = rep_sub.add_parser("attendance", help="monthly attendance XLSX (汇总, 缺勤统计, 明细)")
    att.add_argument("--month", required=True, help="YYYY-MM, in the bot's time zone")
    att.add_argument("--unit", help="only this unit (name or id)")
    att.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    att.add_argument("--chart", type=Path, help="also write the PNG chart here")
    sug = rep_sub.add_parser("suggestions", help="suggestions summary: text, PNG chart, XLSX")
    sug.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    sug.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    sug.add_argument("--out", type=Path, required=True, help="folder, or a .xlsx file name")
    sug.add_argument("--lang", default=None, help="zh-CN (default) or en")
    contest.add_report_parser(rep_sub)
    quiz.add_report_parser(rep_sub)
    tr = rep_sub.add_parser("trends", help="monthly thought-trend analysis XLSX (思想动态分析)")
    tr.add_argument("--month", required=True, help="YYYY-MM, in the bot's time zone")
    tr.add_argument("--unit", help="only this unit (name or id)")
    tr.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    tr.add_argument("--chart", type=Path, help="also write the PNG chart here")
    awards.add_arguments(
        rep_sub.add_parser("awards", help="recognition results, turnout, 民主评议: XLSX, PNG")
    )
    rectification.add_arguments(
        rep_sub.add_parser("rectification", help="monthly rectification register (台账): XLSX, PNG")
    )


async def main(
    settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime] = utcnow
) -> int:
    """`clock`: the command's one now (a test moves it), e.g. a workbook's 生成时间."""
    if args.report_command == "contest":
        return await contest.main(settings, args)
    if args.report_command == "quiz":
        return await quiz.report_main(settings, args, clock)
    if args.report_command == "suggestions":
        return await suggestions_main(settings, args, clock)
    if args.report_command == "trends":
        return await trends_main(settings, args, clock)
    if args.report_command == "awards":
        return await awards.main(settings, args, clock)
    if args.report_command == "rectification":
        return await rectification.main(settings, args, clock)
    return await attendance_main(settings, args, clock)


async def _month_on_current_schema(settings: Settings, text: str) -> reports.Month | None:
    """The report month (None after saying why on stderr), with the database's migrations
    applied first, so an older database can be reported on through a read-only connection."""
    month = reports.parse_month(text)
    if month is None:
        print(f"banzu: --month must look like 2026-11, not {text!r}", file=sys.stderr)
        return None
    db = Database(settings.db_path)
    await db.open()
    await db.close()
    return month


async def attendance_main(
    settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime] = utcnow
) -> int:
    month = await _month_on_current_schema(settings, args.month)
    if month is None:
        return 2
    texts = Texts(default=settings.language)
    conn = open_readonly(settings.db_path)
    try:
        q = ReportQueries(conn)
        team_ids = None
        scope = texts.get("attendance.report.scope_all")
        if args.unit:
            team_ids = q.teams_in_unit(args.unit)
            if team_ids is None:
                print(f"banzu: no unit {args.unit!r}", file=sys.stderr)
                return 2
            scope = args.unit
        report = reports.build(q, month, team_ids, settings.tz, scope)
        rows = reports.write_xlsx(q, report, team_ids, settings.tz, texts, args.out, clock())
        if args.chart and not report.empty:
            from bot.views.attendance_chart import attendance_chart

            args.chart.write_bytes(attendance_chart(report, texts, settings.language))
    finally:
        conn.close()
    print(plain(reports.report_text(report, texts, settings.language)))
    print(f"{args.out}: {len(report.teams)} teams, {rows} detail rows")
    return 0


async def suggestions_main(
    settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime]
) -> int:
    try:
        first, last = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    except ValueError:
        print("banzu: --from and --to must be dates like 2026-01-31", file=sys.stderr)
        return 2
    if last < first:
        print("banzu: --to is before --from", file=sys.stderr)
        return 2
    tz = settings.tz
    start = datetime.combine(first, time(), tz)
    end = datetime.combine(last + timedelta(days=1), time(), tz)
    db = Database(settings.db_path)
    await db.open()
    try:
        texts = Texts(default=settings.language)
        lang = args.lang or settings.language
        built = await suggestion_report.build(
            SuggestionsRepo(db), texts, lang, start, end, tz, None, at=clock()
        )
    finally:
        await db.close()
    for path in await asyncio.to_thread(_write, args.out, built):
        print(path)
    return 0


def _write(out: Path, built: Any) -> list[Path]:
    if out.suffix.lower() == ".xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        xlsx = out
    else:
        out.mkdir(parents=True, exist_ok=True)
        xlsx = out / f"{built.stem}.xlsx"
    png, txt = xlsx.with_suffix(".png"), xlsx.with_suffix(".txt")
    xlsx.write_bytes(built.xlsx)
    png.write_bytes(built.png)
    txt.write_text(plain(built.text) + "\n", encoding="utf-8")
    return [txt, png, xlsx]


async def trends_main(
    settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime] = utcnow
) -> int:
    month = await _month_on_current_schema(settings, args.month)
    if month is None:
        return 2
    texts = Texts(default=settings.language)
    from bot.repos.trends import TrendQueries
    from bot.repos.trends import open_readonly as open_trends
    from bot.services import trends
    from bot.tagging.lexicon import load_lexicon
    from bot.views import trends as view

    conn = open_trends(settings.db_path)
    try:
        q = TrendQueries(conn)
        unit_id, scope = None, ""
        if args.unit:
            unit_id = q.unit_by_name(args.unit)
            if unit_id is None:
                print(f"banzu: no unit {args.unit!r}", file=sys.stderr)
                return 2
            scope = dict(q.units(unit_id))[unit_id]
        rep = trends.build(q, month, settings.tz, load_lexicon().topics, unit_id, scope)
    finally:
        conn.close()
    lang = settings.language
    out = view.render(rep, texts, lang, settings.tz, clock())
    print(view.plain(out.text))
    if out.empty:
        return 0
    args.out.write_bytes(out.xlsx)
    if args.chart:
        args.chart.write_bytes(out.png)
    print(f"{args.out}: {len(rep.units)} units, {rep.texts} suggestions", end="")
    print(f", {len(rep.problems)} common problems")
    return 0
