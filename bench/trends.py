"""Benchmark: the monthly thought-trend analysis for a large site against the bare SQL it needs.

Seeds a fresh database (migrations applied) with 10,000 workers in 1,000 teams of 10 units and
50,000 suggestions over the report month and the three before it, two study sessions a team a
month with attendance, and leave requests (tests/trend_data.py). Then, alternately, five times
each: `bare_sql` (every query of the analysis, rows fetched, nothing computed) and
`trends.build` (the same queries plus the statistics: tests, clusters, participation) on the
same read-only connection. Prints one JSON line with the medians and their ratio; the target is
a ratio of at most 1.5. Rendering (text, PNG, XLSX) is not timed: it does not grow with the site.

    .venv/bin/python bench/trends.py [--workers 10000] [--texts 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db import Database  # noqa: E402
from bot.repos.trends import TrendQueries, bare_sql, open_readonly  # noqa: E402
from bot.services import trends  # noqa: E402
from bot.services.reports import Month  # noqa: E402
from bot.tagging.lexicon import load_lexicon  # noqa: E402
from tests.trend_data import seed  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
MONTH = Month(2026, 11)
TARGET = 1.5


async def _migrate(path: str) -> None:
    db = Database(path)
    await db.open()
    await db.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=10_000)
    ap.add_argument("--texts", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    topics = load_lexicon().topics
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "trends.db")
        asyncio.run(_migrate(path))
        began = time.perf_counter()
        site = seed(path, MONTH, TZ, workers=args.workers, texts=args.texts, units=10)
        seed_s = time.perf_counter() - began
        conn = open_readonly(path)
        q = TrendQueries(conn)
        wins = trends.windows(MONTH, TZ)
        days = trends.day_windows(MONTH)
        bare_sql(q, wins, days=days)  # warm the page cache for both
        bare, full = [], []
        rep = None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            rows = bare_sql(q, wins, days=days)
            bare.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rep = trends.build(q, MONTH, TZ, topics)
            full.append(time.perf_counter() - t0)
        conn.close()
    assert rep is not None
    bare_s, full_s = statistics.median(bare), statistics.median(full)
    line = {
        "workers": site.members,
        "teams": site.teams,
        "units": site.units,
        "texts": site.suggestions,
        "runs": args.runs,
        "sql_rows": rows,
        "bare_sql_s": round(bare_s, 4),
        "analysis_s": round(full_s, 4),
        "ratio": round(full_s / bare_s, 3),
        "ratio_max": TARGET,
        "month_texts": rep.texts,
        "flagged": len(rep.significant),
        "problems": len(rep.problems),
        "seed_s": round(seed_s, 2),
    }
    print(json.dumps(line, ensure_ascii=False))
    return 0 if line["ratio"] <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
