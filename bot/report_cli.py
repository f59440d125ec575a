"""`banzu report attendance --month 2026-11 [--unit U] --out FILE.xlsx [--chart FILE.png]`:
the same attendance workbook the bot sends with /report, from the command line."""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path
from typing import Any

from bot.db import Database
from bot.repos.attendance import ReportQueries, open_readonly
from bot.services import reports
from bot.settings import Settings
from bot.texts import Texts


def add_parser(sub: Any) -> None:
    rep = sub.add_parser("report", help="reports: attendance workbook and chart")
    rep_sub = rep.add_subparsers(dest="report_command", required=True)
    att = rep_sub.add_parser("attendance", help="monthly attendance XLSX (汇总, 缺勤统计, 明细)")
    att.add_argument("--month", required=True, help="YYYY-MM, in the bot's time zone")
    att.add_argument("--unit", help="only this unit (name or id)")
    att.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    att.add_argument("--chart", type=Path, help="also write the PNG chart here")


async def main(settings: Settings, args: argparse.Namespace) -> int:
    month = reports.parse_month(args.month)
    if month is None:
        print(f"banzu: --month must look like 2026-11, not {args.month!r}", file=sys.stderr)
        return 2
    db = Database(settings.db_path)
    await db.open()  # applies migrations, so an older database can be reported on
    await db.close()
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
        rows = reports.write_xlsx(q, report, team_ids, settings.tz, texts, args.out)
        legend: list[str] = []
        if args.chart and not report.empty:
            from bot import charts

            png, legend = charts.attendance_chart(report, texts)
            args.chart.write_bytes(png)
    finally:
        conn.close()
    print(_plain(reports.report_text(report, texts, settings.language, legend)))
    print(f"{args.out}: {len(report.teams)} teams, {rows} detail rows")
    return 0


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text))
