"""`banzu tag`: texts on standard input, one JSON object per line out, by the bot's own tagger."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.cli.common import Subparsers
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


def add_parser(sub: Subparsers) -> None:
    sub.add_parser("tag", help="tag texts from standard input: one JSON line per input line")
