"""`banzu report awards --out F.xlsx [--chart F.png]`: results of closed campaigns with
counts, turnout, the year-end sums and 民主评议 grade counts, from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.db import Database
from bot.repos.recognition import RecognitionRepo
from bot.services.recognition import awards_report
from bot.settings import Settings
from bot.texts import Texts
from bot.views import recognition_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    p.add_argument("--chart", type=Path, help="also write the PNG of the latest results")
    p.add_argument("--lang", default=None, help="zh-CN (default) or en")


async def main(settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    """`clock`: the command's one now, the workbook's "as of"."""
    db = Database(settings.db_path)
    await db.open()  # applies migrations, so an older database can be reported on
    try:
        report = await awards_report(RecognitionRepo(db), clock())
    finally:
        await db.close()
    texts = Texts(default=settings.language)
    lang = args.lang or settings.language
    rows = recognition_report.write_xlsx(report, texts, lang, settings.tz, args.out)
    print(f"{args.out}: {len(report.campaigns)} campaigns, {rows} result rows")
    if args.chart:
        png = recognition_report.results_chart(report, texts, lang)
        if png is None:
            print("no closed campaign yet: no chart written")
        else:
            args.chart.write_bytes(png)
            print(f"{args.chart}: results of the latest closed campaign")
    return 0
