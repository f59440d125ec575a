"""Roster imports as HR sends them: header anywhere, 职务 instead of 角色, preview naming
people, confirm once, tell the people moved, undo the last import."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bot.db import Database
from bot.delivery.outbox import Outbox
from bot.domain.auth import Actor, Role
from bot.repos.org import ImportStale, OrgRepo
from bot.services.roster import (
    MAX_MB,
    ImportApplied,
    ImportCancelled,
    ImportRefused,
    RosterImports,
    UploadRefused,
    UploadStaged,
)
from bot.texts import Texts
from bot.views.roster_import import render_summary

# Layout of a real 花名册 (序号/车间/班组/姓名/工号/职务/手机/备注, title merged above the header).
HR_HEADER = ["序号", "车间", "班组", "姓名", "工号", "职务", "手机", "备注"]
HR_ROWS = [
    [1, "一分场", "蒸发一班", "刘建国", 101, "班长", "138 0013 8001", ""],
    [2, "一分场", "蒸发一班", "王秀兰", 102, "操作工", "13900139002", "女工"],
    [3, "一分场", "蒸发二班", "陈志强", 103, "副班长", "", ""],
    [4, "一分场", "", "赵大勇", 104, "车间主任", "+86 137-0013-7004", ""],
    [5, "机关", "政工科", "孙丽", 105, "政工员", "", ""],
]


def hr_xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["XX盐场职工花名册（2026年12月）"])
    ws.merge_cells("A1:H1")
    ws.append(HR_HEADER)
    for row in rows:
        ws.append(row)
    for cell in ws["E"][2:]:
        cell.number_format = "000000"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "t.db")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def repo(db: Database) -> OrgRepo:
    return OrgRepo(db)


@pytest.fixture
def imports(db: Database, repo: OrgRepo) -> RosterImports:
    return RosterImports(repo, Outbox(db), Texts())


def good_rows() -> list[list[Any]]:
    rows = [list(r) for r in HR_ROWS]
    rows[3][2] = "管理组"  # the unit leader still belongs to some team
    return rows


async def test_hr_roster_reads_header_row_title_and_number_format(repo: OrgRepo) -> None:
    result = await repo.import_file(hr_xlsx(good_rows()), "花名册.xlsx", dry_run=True)
    assert result.ok, result
    assert result.header_row == 2 and result.ignored == ("序号", "备注")
    added = {c.employee_no: c for c in result.changes if c.kind == "added"}
    assert sorted(added) == ["000101", "000102", "000103", "000104", "000105"]
    text = render_summary(result, Texts())
    assert "表头在第 2 行" in text and "未使用的列：序号、备注" in text
    assert "刘建国（000101）：一分场 蒸发一班" in text


async def test_roles_tags_and_phone_from_hr_columns(db: Database, repo: OrgRepo) -> None:
    assert (await repo.import_file(hr_xlsx(good_rows()), "r.xlsx")).ok
    rows = await db.fetchall(
        "SELECT m.employee_no, m.title, m.phone_tail,"
        " (SELECT group_concat(role) FROM member_roles WHERE member_id = m.id) AS roles,"
        " (SELECT group_concat(tag) FROM member_tags WHERE member_id = m.id) AS tags"
        " FROM members m ORDER BY m.employee_no"
    )
    got = [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    assert got == [
        ("000101", "班长", "8001", "team_leader", None),
        ("000102", "操作工", "9002", "worker", None),
        ("000103", "副班长", "", "team_leader", None),
        ("000104", "车间主任", "7004", "unit_leader", None),
        ("000105", "政工员", "", "worker", "政工"),
    ]


async def test_missing_team_is_reported_with_its_excel_row(repo: OrgRepo) -> None:
    result = await repo.import_file(hr_xlsx(HR_ROWS), "r.xlsx")
    assert [(e.row, e.code) for e in result.errors] == [(6, "empty_team")]


async def test_formula_like_name_stored_as_given(db: Database, repo: OrgRepo) -> None:
    # In a CSV the text is text (in an XLSX it would be a formula cell, read as its value).
    csv = '单位,班组,工号,姓名\n一分场,一班,101,"=HYPERLINK(""http://x.example"",""点我"")"\n'
    assert (await repo.import_file(csv.encode(), "r.csv")).ok
    name = await db.fetchval("SELECT name FROM members WHERE employee_no = '101'")
    assert name == '=HYPERLINK("http://x.example","点我")'


async def test_stage_confirm_once_and_tell_who_moved(
    db: Database, repo: OrgRepo, imports: RosterImports
) -> None:
    assert (await repo.import_file(hr_xlsx(good_rows()), "r.xlsx")).ok
    await db.execute("UPDATE members SET tg_user_id = 5001 WHERE employee_no = '000102'")
    moved = good_rows()
    moved[1][2] = "蒸发二班"
    before = await db.fetchval("SELECT count(*) FROM outbox")
    preview, staged = await imports.stage(hr_xlsx(moved), "r2.xlsx", actor=1)
    assert staged is not None
    assert [(c.kind, c.name, c.old_team, c.new_team) for c in preview.changes] == [
        ("moved", "王秀兰", "一分场 蒸发一班", "一分场 蒸发二班")
    ]
    assert "王秀兰（000102）：一分场 蒸发一班 → 一分场 蒸发二班" in render_summary(preview, Texts())
    # the preview wrote nothing
    team = "SELECT t.name FROM members m JOIN teams t ON t.id = m.team_id WHERE employee_no = ?"
    assert await db.fetchval(team, ("000102",)) == "蒸发一班"
    applied = await imports.confirm(staged, actor=1)
    assert applied.result.ok and applied.result.summary is not None
    assert applied.result.summary.members_moved == 1
    assert await db.fetchval(team, ("000102",)) == "蒸发二班"
    notes = await db.fetchall("SELECT chat_id, text FROM outbox ORDER BY id")
    assert len(notes) == before + 1
    assert notes[-1][0] == 5001 and "一分场 蒸发一班 → 一分场 蒸发二班" in notes[-1][1]
    with pytest.raises(ImportStale):
        await imports.confirm(staged, actor=1)  # a second press changes nothing
    assert await db.fetchval("SELECT count(*) FROM outbox") == before + 1


async def test_cancelled_import_cannot_be_confirmed(repo: OrgRepo, imports: RosterImports) -> None:
    _, staged = await imports.stage(hr_xlsx(good_rows()), "r.xlsx")
    assert staged is not None and await imports.cancel(staged)
    with pytest.raises(ImportStale):
        await imports.confirm(staged, actor=1)
    assert await repo.teams() == []


async def test_undo_last_import_restores_people(
    db: Database, repo: OrgRepo, imports: RosterImports
) -> None:
    _, first = await imports.stage(hr_xlsx(good_rows()), "r1.xlsx")
    assert first is not None
    await imports.confirm(first, actor=1)
    changed = good_rows()
    changed[0][3] = "刘建国改"
    changed[1][2] = "蒸发二班"
    changed.append([6, "一分场", "蒸发一班", "新人", 106, "操作工", "", ""])
    _, second = await imports.stage(hr_xlsx(changed[:1] + changed[2:]), "r2.xlsx", prune=True)
    assert second is not None
    applied = await imports.confirm(second, actor=1)
    kinds = sorted(c.kind for c in applied.result.changes)
    assert kinds == ["added", "deactivated"]
    undone = await imports.undo_last(actor=1)
    assert undone is not None and (undone.restored, undone.deactivated) == (2, 1)
    rows = await db.fetchall("SELECT employee_no, name, active FROM members ORDER BY employee_no")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("000101", "刘建国", 1),
        ("000102", "王秀兰", 1),
        ("000103", "陈志强", 1),
        ("000104", "赵大勇", 1),
        ("000105", "孙丽", 1),
        ("000106", "新人", 0),
    ]
    open_history = await db.fetchval(
        "SELECT count(*) FROM team_history h JOIN members m ON m.id = h.member_id"
        " WHERE h.to_at IS NULL AND m.active = 1"
    )
    assert open_history == 5
    assert await imports.undo_last(actor=1) is None  # only once
    actions = await db.fetchall("SELECT action FROM audit_log ORDER BY id")
    assert [a[0] for a in actions][-1] == "org.import_undo"


ADMIN = Actor(tg_user_id=7, roles=frozenset({Role.ADMIN}))
WORKER = Actor(tg_user_id=8, roles=frozenset({Role.WORKER}), member_id=1, team_id=1, unit_id=1)


async def test_offered_file_refusals_come_before_the_download(imports: RosterImports) -> None:
    async def never() -> bytes:
        raise AssertionError("downloaded a refused file")

    async def offer(actor: Actor, *, busy: bool = False, size: int = 10) -> object:
        return await imports.offer_file(
            actor, busy=busy, filename="r.xlsx", size=size, download=never
        )

    assert await offer(ADMIN, busy=True) == UploadRefused("org.chat.busy")
    assert await offer(WORKER) == UploadRefused("org.chat.no_file_here")
    big = await offer(ADMIN, size=MAX_MB * 1024 * 1024 + 1)
    assert big == UploadRefused("org.chat.too_big") and big.values() == {"limit": MAX_MB}
    assert UploadRefused("org.chat.busy").values() == {}


async def test_offered_file_staged_then_decided(imports: RosterImports) -> None:
    async def data() -> bytes:
        return hr_xlsx(good_rows())

    staged = await imports.offer_file(ADMIN, busy=False, filename="r.xlsx", size=9, download=data)
    assert isinstance(staged, UploadStaged) and staged.result.ok and staged.staged is not None
    refused = await imports.decide(WORKER, staged.staged, confirm=True)
    assert refused == ImportRefused("org.confirm.admins_only")
    applied = await imports.decide(ADMIN, staged.staged, confirm=True)
    assert isinstance(applied, ImportApplied) and applied.result.ok
    assert await imports.decide(ADMIN, staged.staged, confirm=True) == ImportRefused(
        "org.confirm.stale"
    )
    cancelled = await imports.decide(ADMIN, staged.staged, confirm=False)
    assert cancelled == ImportCancelled(False) and cancelled.key == "org.confirm.stale"
    assert ImportCancelled(True).key == "org.confirm.cancelled"
