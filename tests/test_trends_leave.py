"""Leave in the monthly thought-trend analysis: approved leave is leave, not absence — in the
attendance rate, and in the leave family (leave asked ahead is read from `leave_requests`)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.repos.trends import TrendQueries, open_readonly
from bot.services import trends
from bot.services.reports import Month
from bot.tagging.lexicon import load_lexicon
from tests.trend_data import seed

TZ = ZoneInfo("Asia/Shanghai")
MONTH = Month(2026, 11)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    db = tmp_path / "site.db"

    async def migrate() -> None:
        d = Database(str(db))
        await d.open()
        await d.close()

    asyncio.run(migrate())
    seed(str(db), MONTH, TZ)
    return db


def build(db: Path) -> trends.TrendReport:
    conn = open_readonly(str(db))
    try:
        return trends.build(TrendQueries(conn), MONTH, TZ, load_lexicon().topics)
    finally:
        conn.close()


def month_counts(db: Path) -> tuple[int, int, int]:
    """(attended, absent, leave) of the report month's sessions, straight from the rows."""
    start, end = trends.windows(MONTH, TZ)[-1]
    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT sum(a.status IN ('present','late','makeup')), sum(a.status = 'absent'),"
        " sum(a.status = 'leave') FROM attendance a JOIN study_sessions s ON s.id = a.session_id"
        " WHERE s.starts_at >= ? AND s.starts_at < ?",
        (start, end),
    ).fetchone()
    conn.close()
    return int(row[0]), int(row[1]), int(row[2])


def test_leave_does_not_lower_the_attendance_rate(site: Path) -> None:
    attended, absent, leave = month_counts(site)
    assert leave > 0 and absent > 0
    rate = build(site).attendance[MONTH.label]
    assert rate == pytest.approx(attended / (attended + absent))
    # Turning absences into approved leave raises the rate; it never lowers it.
    conn = sqlite3.connect(site)
    start, end = trends.windows(MONTH, TZ)[-1]
    conn.execute(
        "UPDATE attendance SET status = 'leave' WHERE status = 'absent' AND session_id IN"
        " (SELECT id FROM study_sessions WHERE starts_at >= ? AND starts_at < ?)",
        (start, end),
    )
    conn.commit()
    conn.close()
    assert build(site).attendance[MONTH.label] == pytest.approx(1.0)


def test_leave_asked_ahead_counts_in_the_leave_family_by_its_type(site: Path) -> None:
    before = build(site)
    conn = sqlite3.connect(site)
    conn.executemany(
        "INSERT INTO leave_requests(member_id, team_id, kind, first_day, last_day, note, status,"
        " asked_at) VALUES (1, 1, ?, ?, ?, ?, ?, '2026-10-01T00:00:00.000Z')",
        [
            ("sick", "2026-11-10", "2026-11-12", "", "approved"),  # 病假: sick, whatever the note
            ("official", "2026-11-20", "2026-11-20", "家里", "approved"),  # 公休: official
            ("personal", "2026-11-05", "2026-11-05", "搬家", "approved"),  # 事假: by its note
            ("personal", "2026-11-06", "2026-11-06", "搬家", "refused"),  # not leave
            ("personal", "2026-11-07", "2026-11-07", "搬家", "cancelled"),  # not leave
            ("other", "2026-10-30", "2026-11-02", "搬家", "approved"),  # begins the month before
        ],
    )
    conn.commit()
    conn.close()
    after = build(site)
    added = after.leave - before.leave
    assert dict(added) == {"sick": 1, "official": 1, "family": 1}
    assert dict(after.leave_before - before.leave_before) == {"family": 1}
