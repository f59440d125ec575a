"""One timestamp format everywhere: what Python writes and what SQLite's defaults write are
the same text for the same instant, so comparisons and ordering are right at every
millisecond — including a period boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import iso, parse_iso
from bot.db import Database
from bot.domain.periods import Period

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def db(tmp_path: Path) -> Database:  # type: ignore[misc]
    database = Database(tmp_path / "t.db")
    await database.open()
    yield database
    await database.close()


async def test_python_and_sqlite_write_the_same_text(db: Database) -> None:
    moment = datetime(2026, 11, 30, 15, 59, 59, 999_600, tzinfo=UTC)
    sqlite = await db.fetchval(
        "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?)", ("2026-11-30 15:59:59.999600",)
    )
    assert iso(moment) == sqlite == "2026-11-30T15:59:59.999Z"
    assert parse_iso(iso(moment)) == moment.replace(microsecond=999_000)


async def test_rows_at_a_period_boundary_fall_in_the_right_period(db: Database) -> None:
    """Two rows around the start of December (Shanghai): one written by SQLite's default one
    millisecond before, one written by Python at the boundary itself. A range query for
    November takes the first only, one for December the second only."""
    december = Period("month", 2026, 12)
    boundary = december.start(TZ)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO audit_log (actor, action, at) VALUES (1, 'sqlite-default',"
            " strftime('%Y-%m-%dT%H:%M:%fZ', ?))",
            (
                (boundary - timedelta(milliseconds=1))
                .astimezone(UTC)
                .strftime("%Y-%m-%d %H:%M:%S.%f"),
            ),
        )
        await tx.execute(
            "INSERT INTO audit_log (actor, action, at) VALUES (1, 'python', ?)", (iso(boundary),)
        )

    async def between(start: datetime, end: datetime) -> list[str]:
        rows = await db.fetchall(
            "SELECT action FROM audit_log WHERE at >= ? AND at < ? ORDER BY at",
            (iso(start), iso(end)),
        )
        return [r[0] for r in rows]

    november = december.previous()
    assert await between(november.start(TZ), november.end(TZ)) == ["sqlite-default"]
    assert await between(december.start(TZ), december.end(TZ)) == ["python"]
    # And the same instant written both ways compares equal, in either direction.
    same = await db.fetchval(
        "SELECT ? = strftime('%Y-%m-%dT%H:%M:%fZ', ?)",
        (iso(boundary), boundary.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")),
    )
    assert same == 1


async def test_migration_rewrote_microsecond_values(tmp_path: Path) -> None:
    """A database from before 0010 with microsecond text: after the migration every value has
    the one format, truncated to the millisecond."""
    from bot.paths import MIGRATIONS

    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(MIGRATIONS.glob("*.sql")):
        if int(path.name[:4]) < 10:
            (before / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    database = Database(tmp_path / "old.db")
    await database.open(before)
    try:
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO audit_log (actor, action, at) VALUES (1, 'old',"
                " '2026-11-30T16:00:00.123456Z')"
            )
        assert await database.migrate() == sorted(
            int(p.name[:4]) for p in MIGRATIONS.glob("*.sql") if int(p.name[:4]) >= 10
        )
        assert await database.fetchval("SELECT at FROM audit_log WHERE action = 'old'") == (
            "2026-11-30T16:00:00.123Z"
        )
    finally:
        await database.close()
