"""`banzu report rectification --month YYYY-MM [--unit U] --out F.xlsx [--chart F.png]`: the
monthly register (台账: open, closed this month, overdue, postponed, closing rate per unit),
its items and their history, and the PNG of closing rates."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.db import Database
from bot.domain.periods import PeriodError, parse_period
from bot.repos.groups import GroupsRepo
from bot.repos.people import PeopleRepo
from bot.repos.rectification import RectificationRepo
from bot.services.rectification import RectificationService, Refused
from bot.settings import Settings
from bot.texts import Texts
from bot.views import rectification_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--month", required=True, help="YYYY-MM, in the bot's time zone")
    p.add_argument("--unit", help="only this unit (name or id)")
    p.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    p.add_argument("--chart", type=Path, help="also write the PNG of closing rates here")
    p.add_argument("--lang", default=None, help="zh-CN (default) or en")


async def main(settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    """`clock`: the command's one now: which month is "this" one, the ledger's "as of"."""
    texts = Texts(default=settings.language)
    lang = args.lang or settings.language
    now = clock()
    try:
        period = parse_period(args.month, now, settings.tz)
    except PeriodError as e:
        print(
            texts.get(f"rectification.problem.{e.code}_month", lang, detail=e.value),
            file=sys.stderr,
        )
        return 2
    if period.kind != "month":
        print(
            texts.get("rectification.problem.bad_month", lang, detail=args.month), file=sys.stderr
        )
        return 2
    db = Database(settings.db_path)
    await db.open()  # applies migrations, so an older database can be reported on
    try:
        service = RectificationService(
            RectificationRepo(db),
            PeopleRepo(db),
            GroupsRepo(db),
            texts,
            settings.tz,
            settings.admins,
        )
        ledger = await service.ledger(period, now, args.unit, details=True)
    finally:
        await db.close()
    if isinstance(ledger, Refused):
        print(
            texts.get(f"rectification.problem.{ledger.problem.value}", lang, detail=ledger.detail),
            file=sys.stderr,
        )
        return 2
    n = rectification_report.write_xlsx(ledger, texts, lang, settings.tz, args.out)
    print(f"{args.out}: {len(ledger.rows)} units, {n} items")
    if args.chart:
        args.chart.write_bytes(rectification_report.rates_chart(ledger, texts, lang))
        print(f"{args.chart}: closing rate per unit")
    return 0
