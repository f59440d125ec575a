"""Registration claims on a fresh database: approving one links its account in the same
transaction, or changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import utcnow
from bot.db import Database
from bot.repos.claims import ClaimsRepo
from bot.repos.org import OrgRepo
from tests.test_org_repo import ROSTER


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "t.db")
    await database.open()
    await OrgRepo(database).import_file(ROSTER.encode(), "r.csv")
    yield database
    await database.close()


async def member(db: Database, number: str) -> tuple[int, int]:
    row = await db.fetchone("SELECT id, team_id FROM members WHERE employee_no = ?", (number,))
    assert row is not None
    return int(row[0]), int(row[1])


async def test_approve_links_the_account_with_the_claim(db: Database) -> None:
    repo, now = ClaimsRepo(db), utcnow()
    mid, team = await member(db, "10002")
    claim = await repo.create(mid, 5001, "王", now, now - timedelta(hours=48))
    assert claim is not None
    assert await repo.approve(claim, 9, now, "10002", team) == "approved"
    assert await db.fetchval("SELECT tg_user_id FROM members WHERE id = ?", (mid,)) == 5001
    assert await repo.approve(claim, 9, now, "10002", team) == "gone"


async def test_an_account_linked_meanwhile_leaves_the_claim_open(db: Database) -> None:
    repo, now = ClaimsRepo(db), utcnow()
    mid, team = await member(db, "10002")
    other, _ = await member(db, "10001")
    claim = await repo.create(mid, 5001, "王", now, now - timedelta(hours=48))
    assert claim is not None
    await db.execute("UPDATE members SET tg_user_id = 5001 WHERE id = ?", (other,))
    assert await repo.approve(claim, 9, now, "10002", team) == "taken"
    state = await db.fetchval("SELECT state FROM registration_claims WHERE id = ?", (claim.id,))
    assert state == "pending"  # the approval was rolled back with the failed link
    assert await db.fetchval("SELECT tg_user_id FROM members WHERE id = ?", (mid,)) is None
