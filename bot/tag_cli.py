"""`banzu tag` (texts on standard input, one JSON object per line out) and
`banzu report suggestions --from --to --out` (text, PNG and XLSX files)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.settings import Settings
from bot.tagging import Tagger


def tag_lines(source: TextIO, out: TextIO, tagger: Tagger | None = None) -> int:
    """The bot's own tagger on each input line; empty lines give empty results."""
    tagger = tagger or Tagger()
    tagger.wait()
    count = 0
    for line in source:
        text = line.rstrip("\r\n")
        result = tagger.tag(text) if text.strip() else None
        topics = list(result.topics) if result else []
        keywords = list(result.keywords) if result else []
        out.write(json.dumps({"topics": topics, "keywords": keywords}, ensure_ascii=False) + "\n")
        count += 1
    out.flush()
    return count


def tag_main() -> int:
    # Chinese in and out whatever the terminal's locale says.
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    tag_lines(stdin, stdout)
    return 0


def add_parsers(sub: Any) -> None:
    """`banzu tag`, and `suggestions` under the `report` command that bot.report_cli adds."""
    sub.add_parser("tag", help="tag texts from standard input: one JSON line per input line")
    report = sub.choices["report"]
    action = next(a for a in report._actions if isinstance(a, argparse._SubParsersAction))
    sug = action.add_parser("suggestions", help="suggestions summary: text, PNG chart, XLSX")
    sug.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    sug.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    sug.add_argument("--out", type=Path, required=True, help="folder, or a .xlsx file name")
    sug.add_argument("--lang", default=None, help="zh-CN (default) or en")


async def report_main(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import Database
    from bot.repos.suggestions import SuggestionsRepo
    from bot.services import suggestion_report as report
    from bot.texts import Texts

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
        built = await report.build(SuggestionsRepo(db), texts, lang, start, end, tz, None)
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
    txt.write_text(_plain(built.text) + "\n", encoding="utf-8")
    return [txt, png, xlsx]


def _plain(text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text))
