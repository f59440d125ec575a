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
from bot.repos.outbox import OutMessage
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


async def test_cards_are_queued_with_the_claim_and_never_without_it(db: Database) -> None:
    repo, now = ClaimsRepo(db), utcnow()
    mid, _ = await member(db, "10002")

    def cards(claim_id: int) -> list[OutMessage]:
        return [OutMessage(9, "卡片", "claim", f"claim:{claim_id}:9")]

    claim = await repo.create(mid, 5001, "王", now, now - timedelta(hours=48), cards)
    assert claim is not None
    keys = [r[0] for r in await db.fetchall("SELECT dedupe_key FROM outbox")]
    assert keys == [f"claim:{claim.id}:9"]
    # a second account while the first claim is in time: no claim, and no card either
    assert await repo.create(mid, 5002, "李", now, now - timedelta(hours=48), cards) is None
    assert await db.fetchval("SELECT count(*) FROM outbox") == 1


async def test_expire_lapses_only_what_still_waits_and_tells_once(db: Database) -> None:
    repo, now = ClaimsRepo(db), utcnow()
    mid, _ = await member(db, "10002")
    old = now - timedelta(hours=50)
    claim = await repo.create(mid, 5001, "王", old, old - timedelta(hours=48))
    assert claim is not None
    told = {claim.id: [OutMessage(5001, "失效", "claim", f"claim:{claim.id}:told:expired")]}
    before = now - timedelta(hours=48)
    assert await repo.expire(told, now, before) == [claim.id]
    assert await repo.expire(told, now, before) == []  # already lapsed: nothing, no message
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE kind != 'edit'") == 1
    # one decided meanwhile is not lapsed
    mid2, _ = await member(db, "10003")
    other = await repo.create(mid2, 5003, "赵", old, old - timedelta(hours=48))
    assert other is not None
    assert await repo.decide(other.id, "refused", 9, now)
    assert await repo.expire({other.id: []}, now, before) == []
