"""The organisation repository on a fresh database: import, re-import, moves, prune, invites."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.paths import DEMO
from bot.repos.org import ImportSummary, OrgRepo
from bot.views.org import invite_link

HEADER = "单位,班组,工号,姓名,角色,标签\n"
ROSTER = HEADER + (
    "一分场,蒸发一班,10001,刘建国,班组长,党员\n"
    "一分场,蒸发一班,10002,王秀兰,,女工;党员\n"
    "一分场,蒸发二班,10003,陈志强,职工;单位负责人,\n"
    "二分场,机修班,10004,蒋桂芳,管理员,\n"
)
TABLES = ("units", "teams", "members", "member_roles", "member_tags", "team_history", "audit_log")
CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "t.db")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def repo(db: Database) -> OrgRepo:
    return OrgRepo(db)


async def counts(db: Database) -> dict[str, int]:
    return {t: await db.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}


async def member(db: Database, employee_no: str) -> dict[str, object]:
    row = await db.fetchone(
        "SELECT m.id, m.name, m.active, t.name AS team,"
        " (SELECT group_concat(role, ',') FROM"
        "   (SELECT role FROM member_roles WHERE member_id = m.id ORDER BY role)) AS roles,"
        " (SELECT group_concat(tag, ',') FROM"
        "   (SELECT tag FROM member_tags WHERE member_id = m.id ORDER BY tag)) AS tags"
        " FROM members m JOIN teams t ON t.id = m.team_id WHERE m.employee_no = ?",
        (employee_no,),
    )
    assert row is not None
    return dict(row)


async def history(db: Database, employee_no: str) -> list[tuple[str, bool]]:
    rows = await db.fetchall(
        "SELECT t.name, h.to_at IS NULL FROM team_history h JOIN teams t ON t.id = h.team_id"
        " JOIN members m ON m.id = h.member_id WHERE m.employee_no = ? ORDER BY h.id",
        (employee_no,),
    )
    return [(r[0], bool(r[1])) for r in rows]


async def test_import_creates_everything(db: Database, repo: OrgRepo) -> None:
    result = await repo.import_file(ROSTER.encode(), "r.csv", actor=42)
    assert result.ok and result.rows == 4
    assert result.summary == ImportSummary(units_created=2, teams_created=3, members_created=4)
    assert [u.name for u in await repo.units()] == ["一分场", "二分场"]
    first = (await repo.units())[0]
    assert await repo.unit_name(first.id) == "一分场" and await repo.unit_name(10**6) is None
    assert [(t.unit_name, t.name) for t in await repo.teams()] == [
        ("一分场", "蒸发一班"),
        ("一分场", "蒸发二班"),
        ("二分场", "机修班"),
    ]
    assert await member(db, "10002") == {
        "id": 2,
        "name": "王秀兰",
        "active": 1,
        "team": "蒸发一班",
        "roles": "worker",
        "tags": "党员,女工",
    }
    assert (await member(db, "10003"))["roles"] == "unit_leader,worker"
    assert await history(db, "10001") == [("蒸发一班", True)]
    audit = await db.fetchone("SELECT actor, action, subject, detail FROM audit_log")
    assert audit is not None
    assert (audit["actor"], audit["action"], audit["subject"]) == (42, "org.import", "r.csv")
    assert json.loads(audit["detail"])["members_created"] == 4


async def test_reimport_same_file_changes_nothing(db: Database, repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    before = await counts(db)
    result = await repo.import_file(ROSTER.encode(), "r.csv")
    assert result.summary == ImportSummary(unchanged=4)
    after = await counts(db)
    assert after == {**before, "audit_log": before["audit_log"] + 1}


async def test_reimport_updates_in_place_and_records_move(db: Database, repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    old = await member(db, "10001")
    changed = ROSTER.replace(
        "一分场,蒸发一班,10001,刘建国,班组长,党员", "二分场,机修班,10001,刘建华,职工,"
    ).replace("10002,王秀兰,,女工;党员", "10002,王秀兰,班组长,女工")
    result = await repo.import_file(changed.encode(), "r.csv")
    assert result.summary == ImportSummary(members_updated=2, members_moved=1, unchanged=2)
    new = await member(db, "10001")
    assert new == {**old, "name": "刘建华", "team": "机修班", "roles": "worker", "tags": None}
    assert await history(db, "10001") == [("蒸发一班", False), ("机修班", True)]
    assert await history(db, "10002") == [("蒸发一班", True)]
    assert (await member(db, "10002"))["roles"] == "team_leader"


async def test_move_to_new_team_creates_it(db: Database, repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    moved = ROSTER.replace("二分场,机修班,10004", "三分场,化验班,10004")
    result = await repo.import_file(moved.encode(), "r.csv")
    assert result.summary == ImportSummary(
        units_created=1, teams_created=1, members_updated=1, members_moved=1, unchanged=3
    )
    assert await history(db, "10004") == [("机修班", False), ("化验班", True)]


async def test_without_prune_absent_members_stay(db: Database, repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    result = await repo.import_file(
        (HEADER + "一分场,蒸发一班,10001,刘建国,班组长,党员\n").encode(), "r.csv"
    )
    assert result.summary == ImportSummary(unchanged=1)
    assert await db.fetchval("SELECT count(*) FROM members WHERE active = 1") == 4


async def test_prune_deactivates_and_reimport_reactivates(db: Database, repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    smaller = "\n".join(line for line in ROSTER.splitlines() if "10003" not in line) + "\n"
    result = await repo.import_file(smaller.encode(), "r.csv", prune=True)
    assert result.summary == ImportSummary(members_deactivated=1, unchanged=3)
    gone = await member(db, "10003")
    assert gone["active"] == 0 and gone["roles"] == "unit_leader,worker"  # row and roles kept
    assert await history(db, "10003") == [("蒸发二班", False)]

    again = await repo.import_file(ROSTER.encode(), "r.csv", prune=True)
    assert again.summary == ImportSummary(members_updated=1, unchanged=3)
    assert (await member(db, "10003"))["id"] == gone["id"]
    assert await history(db, "10003") == [("蒸发二班", False), ("蒸发二班", True)]


async def test_one_bad_row_writes_nothing(db: Database, repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    before = await counts(db)
    bad = ROSTER.replace("陈志强,职工;单位负责人", "陈志强,老大") + "三分场,新班,10009,甲,职工,\n"
    result = await repo.import_file(bad.encode(), "r.csv", prune=True)
    assert not result.ok and result.summary is None
    assert [(e.row, e.code) for e in result.errors] == [(4, "unknown_role")]
    assert await counts(db) == before


async def test_unreadable_file_writes_nothing(db: Database, repo: OrgRepo) -> None:
    before = await counts(db)
    result = await repo.import_file(b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png")
    assert not result.ok
    assert result.file_error is not None and result.file_error.code == "not_a_roster"
    assert await counts(db) == before


async def test_dry_run_writes_nothing_but_counts(db: Database, repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    before = await counts(db)
    moved = ROSTER.replace("二分场,机修班,10004", "三分场,化验班,10004")
    result = await repo.import_file(moved.encode(), "r.csv", dry_run=True, prune=True)
    assert result.ok and result.dry_run
    assert result.summary == ImportSummary(
        units_created=1, teams_created=1, members_updated=1, members_moved=1, unchanged=3
    )
    assert await counts(db) == before
    assert await db.fetchval("SELECT count(*) FROM units WHERE name = '三分场'") == 0


async def test_demo_roster(db: Database, repo: OrgRepo) -> None:
    result = await repo.import_file((DEMO / "roster.csv").read_bytes(), "roster.csv")
    assert result.ok and result.summary is not None
    assert result.summary.units_created == 2 and result.summary.teams_created == 4


async def test_invites_unique_and_resolve(repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    invites = await repo.list_invites()
    assert [(i.unit_name, i.team_name) for i in invites] == [
        ("一分场", "蒸发一班"),
        ("一分场", "蒸发二班"),
        ("二分场", "机修班"),
    ]
    codes = [i.code for i in invites]
    assert len(set(codes)) == 3 and all(CODE.match(c) and len(c) >= 12 for c in codes)
    for invite in invites:
        team = await repo.team_by_invite(invite.code)
        assert team is not None and team.id == invite.team_id
        assert team == await repo.team(invite.team_id)
    assert await repo.team_by_invite("nope") is None


async def test_reimport_keeps_invite_codes(repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    before = await repo.list_invites()
    await repo.import_file(ROSTER.encode(), "r.csv")
    assert await repo.list_invites() == before


async def test_rotate_invite(repo: OrgRepo) -> None:
    await repo.import_file(ROSTER.encode(), "r.csv")
    first = (await repo.list_invites())[0]
    code = await repo.rotate_invite(first.team_id)
    assert code != first.code and CODE.match(code)
    assert await repo.team_by_invite(first.code) is None
    team = await repo.team_by_invite(code)
    assert team is not None and team.id == first.team_id
    with pytest.raises(LookupError):
        await repo.rotate_invite(9999)


async def test_team_unknown(repo: OrgRepo) -> None:
    assert await repo.team(1) is None
    assert await repo.teams() == [] and await repo.list_invites() == []


def test_invite_link() -> None:
    assert invite_link("banzu_bot", "AbC-_9") == "https://t.me/banzu_bot?start=AbC-_9"
    assert invite_link("@banzu_bot", "x") == "https://t.me/banzu_bot?start=x"
    with pytest.raises(ValueError):  # Telegram's deep links allow A-Z a-z 0-9 _ - only
        invite_link("banzu_bot", "a b")
