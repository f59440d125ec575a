"""Benchmark: the monthly attendance workbook for a big enterprise.

One year of generated data: 10,000 workers in 300 teams, a study session per team per workday
(about 2.5 M attendance rows). Measures, in the same run and on the same read-only
connection:

- total_s: building the monthly XLSX for everyone exactly as /report and `banzu report
  attendance` do (汇总, 缺勤统计, 明细 — one row per person per session — plus the six-month
  trend);
- (a) sql_s: the bare SQL queries that needs, every row fetched;
- (b) xlsxwriter_s: writing the same rows straight with xlsxwriter in constant-memory mode,
  no formatting;
- ratio = total / (a + b); the target is ≤ 1.5. `--rounds N` (2) interleaves both sides N
  times, the order alternating, and takes the best of each (sql_s is one more bare run; the
  xlsxwriter figure is the best baseline minus it).

Prints one JSON line. Localhost only; about a minute, most of it generating the data.

    .venv/bin/python bench/report.py [--workers 10000] [--teams 300] [--month 2026-11]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import iso  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.domain.org_import import RosterRow  # noqa: E402
from bot.repos.attendance import AttendanceRepo, ReportQueries, open_readonly  # noqa: E402
from bot.repos.org import OrgRepo  # noqa: E402
from bot.services import reports  # noqa: E402
from bot.texts import Texts  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2026
STATUSES = ("present",) * 85 + ("late",) * 5 + ("leave",) * 4 + ("absent",) * 5 + ("makeup",)
TEAMS_PER_UNIT = 30


async def generate(path: str, workers: int, teams: int) -> int:
    db = Database(path)
    await db.open()
    try:
        rows = [
            RosterRow(
                row=i + 2,
                unit=f"第{(i % teams) // TEAMS_PER_UNIT + 1}车间",
                team=f"{i % teams + 1}班",
                employee_no=f"{i + 1:06d}",
                name=f"职工{i + 1}",
                roles=frozenset({"worker"}),
                tags=(),
            )
            for i in range(workers)
        ]
        await OrgRepo(db).apply_roster(rows)
        team_rows = await db.fetchall("SELECT id, unit_id FROM teams ORDER BY id")
        members: dict[int, list[int]] = {}
        for r in await db.fetchall("SELECT id, team_id FROM members ORDER BY id"):
            members.setdefault(r[1], []).append(r[0])
        repo = AttendanceRepo(db)
        rng = random.Random(2026)
        total = 0
        day = date(YEAR, 1, 1)
        batch_s: list[tuple[int, int | None, str, datetime, datetime]] = []
        batch_r: list[list[tuple[int, int, str, str | None]]] = []
        while day.year == YEAR:
            if day.weekday() < 5:  # a session per team per workday, 08:00 local (班前学习)
                start = datetime(day.year, day.month, day.day, 8, tzinfo=TZ).astimezone(UTC)
                at = iso(start)
                for team_id, unit_id in team_rows:
                    batch_s.append((unit_id, team_id, "班前安全学习", start,
                                    start + timedelta(minutes=30)))  # fmt: skip
                    recs = []
                    for member_id in members[team_id]:
                        status = STATUSES[rng.randrange(len(STATUSES))]
                        recs.append((member_id, team_id, status,
                                     at if status in ("present", "late") else None))  # fmt: skip
                    total += len(recs)
                    batch_r.append(recs)
            day += timedelta(days=1)
            if len(batch_s) >= 3000 or day.year != YEAR:
                await repo.bulk_insert_closed(batch_s, batch_r)
                batch_s, batch_r = [], []
        await db.execute("ANALYZE")
        return total
    finally:
        await db.close()


def timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def bare_sql(q: ReportQueries, month: reports.Month, texts: Texts) -> list[Any]:
    """Every query the report runs, every row fetched; returns the detail rows."""
    start, end = month.bounds(TZ)
    for back in range(reports.TREND_MONTHS):
        q.team_totals(*month.shift(-back).bounds(TZ), None)
    q.people(start, end, None)
    return list(reports.detail_rows(q, start, end, None, TZ, texts))


def straight_xlsx(path: Path, report: reports.Report, detail: list[Any]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("汇总")
    for i, r in enumerate(report.teams):
        ws.write_row(i, 0, (r.unit, r.team, r.sessions, r.total, r.present, r.late, r.leave,
                            r.absent, r.makeup))  # fmt: skip
    ws = wb.add_worksheet("缺勤统计")
    for i, p in enumerate(report.people):
        ws.write_row(i, 0, (p.unit, p.team, p.employee_no, p.name, p.absent, p.late, p.leave,
                            p.makeup))  # fmt: skip
    ws = wb.add_worksheet("明细")
    for i, row in enumerate(detail):
        ws.write_row(i, 0, row)
    wb.close()


def run(workers: int, teams: int, month_text: str, rounds: int = 2) -> dict[str, Any]:
    month = reports.parse_month(month_text)
    assert month is not None
    tmp = Path(tempfile.mkdtemp(prefix="banzu-bench-report-"))
    db_path = str(tmp / "bench.db")
    gen_s, rows = timed(lambda: asyncio.run(generate(db_path, workers, teams)))
    texts = Texts()
    conn = open_readonly(db_path)
    q = ReportQueries(conn)
    bare_sql(q, month, texts)  # warm the page cache for every measurement alike
    out = tmp / "report.xlsx"

    def full() -> int:
        report = reports.build(q, month, None, TZ, "全部")
        return reports.write_xlsx(q, report, None, TZ, texts, out, datetime.now(UTC))

    report = reports.build(q, month, None, TZ, "全部")

    def baseline() -> float:
        sql_s, detail = timed(lambda: bare_sql(q, month, texts))
        xlsx_s, _ = timed(lambda: straight_xlsx(tmp / "straight.xlsx", report, detail))
        return sql_s + xlsx_s

    # Interleaved rounds, the order alternating, best of each side: on a shared machine a
    # burst of someone else's work during one side of a single round skewed the ratio.
    totals, bases, detail_rows = [], [], 0
    for i in range(rounds):
        if i % 2:
            bases.append(baseline())
        total_s, detail_rows = timed(full)
        totals.append(total_s)
        if not i % 2:
            bases.append(baseline())
    total_s, base_s = min(totals), min(bases)
    sql_s, _ = timed(lambda: bare_sql(q, month, texts))
    xlsx_s = base_s - sql_s
    conn.close()
    return {
        "bench": "report",
        "workers": workers,
        "teams": teams,
        "attendance_rows": rows,
        "month": month.label,
        "detail_rows": detail_rows,
        "total_s": round(total_s, 3),
        "sql_s": round(sql_s, 3),
        "xlsxwriter_s": round(xlsx_s, 3),
        "ratio": round(total_s / base_s, 3),
        "rounds": rounds,
        "total_each_s": [round(t, 2) for t in totals],
        "baseline_each_s": [round(b, 2) for b in bases],
        "xlsx_mb": round(out.stat().st_size / 1e6, 2),
        "generate_s": round(gen_s, 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--workers", type=int, default=10_000)
    p.add_argument("--teams", type=int, default=300)
    p.add_argument("--month", default="2026-11")
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds, best of each side")
    a = p.parse_args()
    print(json.dumps(run(a.workers, a.teams, a.month, max(1, a.rounds))))


if __name__ == "__main__":
    main()
