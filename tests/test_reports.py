"""Attendance reports: each role's scope, the XLSX against the database, the PNG, the CLI."""

from __future__ import annotations

import argparse
import io
import struct
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.cli import report as report_cli
from bot.clock import iso
from tests.botfixtures import ADMIN_ID, Harness

LEADER, UNIT_LEADER, OTHER_LEADER, WORKER = 100001, 100005, 100008, 100003
CYCLE = ("present", "present", "late", "absent", "leave", "makeup", "present", "present")
NOV = (datetime(2026, 10, 31, 16, 0, tzinfo=UTC), datetime(2026, 11, 30, 16, 0, tzinfo=UTC))


async def seed(h: Harness) -> None:
    """Four sessions per team in November 2026 (one at 00:30 on the 1st, Shanghai time, which
    is still October in UTC) and one in October, with a spread of statuses."""
    await h.import_demo_roster()
    sessions: list[tuple[int, int | None, str, datetime, datetime]] = []
    records: list[list[tuple[int, int, str, str | None]]] = []
    starts = [datetime(2026, 10, 31, 16, 30, tzinfo=UTC)] + [
        datetime(2026, 11, d, 6, 0, tzinfo=UTC) for d in (10, 17, 24)
    ]
    starts.append(datetime(2026, 10, 13, 6, 0, tzinfo=UTC))
    for team in await h.svc.org.teams():
        people = await h.svc.people.team_members(team.id)
        for k, start in enumerate(starts):
            sessions.append((team.unit_id, team.id, f"学习{k}", start, start + timedelta(hours=1)))
            rows = []
            for i, p in enumerate(people):
                status = CYCLE[(i + k + team.id) % len(CYCLE)]
                at = iso(start) if status in ("present", "late") else None
                rows.append((p.member_id, team.id, status, at))
            records.append(rows)
    await h.svc.attendance.repo.bulk_insert_closed(sessions, records)


def documents(h: Harness, chat_id: int) -> dict[str, bytes]:
    """The files the bot sent: documents by extension, and the chart (a photo) as "png"."""
    out = {}
    for m in h.emu.messages(chat_id):
        doc = m.get("document")
        if doc:
            out[doc["file_name"].rsplit(".", 1)[1]] = h.emu.file_bytes(doc["file_id"])
        if m.get("photo"):
            out["png"] = h.emu.file_bytes(m["photo"][-1]["file_id"])
    return out


def sheet_rows(data: bytes, name: str) -> list[tuple[Any, ...]]:
    """The table of a sheet: its header row and data rows (title, scope and notes left out)."""
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    table = rows[2:]
    end = next((i for i, r in enumerate(table) if all(v is None for v in r)), len(table))
    return table[:end]


def sheet_head(data: bytes, name: str) -> tuple[str, str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[name]
    assert ws.freeze_panes == "A4"
    return str(ws["A1"].value), str(ws["A2"].value)


async def ask(h: Harness, user: int, number: str | None, text: str = "/report 2026-11") -> str:
    if number:
        await h.register(user, number)
    else:
        await h.say(user, user, "/start")
    return "\n".join(await h.say(user, user, text))


@pytest.mark.parametrize(
    ("user", "number", "teams"),
    [
        (LEADER, "10001", {"蒸发一班"}),
        (OTHER_LEADER, "10008", {"蒸发二班"}),
        (UNIT_LEADER, "10005", {"蒸发一班", "蒸发二班"}),
        (ADMIN_ID, None, {"蒸发一班", "蒸发二班", "包装班", "机修班"}),
    ],
)
async def test_report_scope_by_role(
    harness: Harness, user: int, number: str | None, teams: set[str]
) -> None:
    await seed(harness)
    text = await ask(harness, user, number)
    assert "2026-11" in text and "出勤率" in text
    files = documents(harness, user)
    summary = sheet_rows(files["xlsx"], "汇总")
    assert summary[0][:4] == ("单位", "班组", "学习次数", "应到人次")
    assert {r[1] for r in summary[1:-1]} == teams
    detail = sheet_rows(files["xlsx"], "明细")
    assert {r[1] for r in detail[1:]} == teams
    others = {"蒸发一班", "蒸发二班", "包装班", "机修班"} - teams
    assert not any(t in text for t in others)


async def test_worker_gets_no_report(harness: Harness) -> None:
    await seed(harness)
    assert "只有班组长" in await ask(harness, WORKER, "10003")
    assert documents(harness, WORKER) == {}


async def test_xlsx_numbers_match_database_and_png_is_an_image(harness: Harness) -> None:
    h = harness
    await seed(h)
    await ask(h, ADMIN_ID, None)
    files = documents(h, ADMIN_ID)
    db_rows = await h.svc.db.fetchall(
        "SELECT t.name, count(*), sum(a.status = 'present'), sum(a.status = 'late'),"
        " sum(a.status = 'leave'), sum(a.status = 'absent'), sum(a.status = 'makeup')"
        " FROM attendance a JOIN study_sessions s ON s.id = a.session_id"
        " JOIN teams t ON t.id = a.team_id WHERE s.starts_at >= ? AND s.starts_at < ?"
        " GROUP BY t.id",
        (iso(NOV[0]), iso(NOV[1])),
    )
    summary = {r[1]: r for r in sheet_rows(files["xlsx"], "汇总")[1:-1]}
    for name, total, present, late, leave, absent, makeup in db_rows:
        row = summary[name]
        assert row[2:9] == (4, total, present, late, leave, absent, makeup)
        assert row[9] == pytest.approx((present + late) / (total - leave))
    detail = sheet_rows(files["xlsx"], "明细")
    assert len(detail) - 1 == sum(r[1] for r in db_rows)
    first = next(r for r in detail[1:] if r[6] == "学习0")
    # Real dates and times, in Asia/Shanghai
    assert first[4] == datetime(2026, 11, 1) and first[5] == time(0, 30)
    title, scope = sheet_head(files["xlsx"], "汇总")
    assert title == "学习考勤汇总（2026年11月）" and "全部单位" in scope and "2026年11月" in scope
    assert sheet_head(files["xlsx"], "明细")[0] == "学习考勤明细（2026年11月）"
    assert {r[7] for r in detail[1:]} == {"出勤", "迟到", "缺勤", "请假", "补学"}
    people = sheet_rows(files["xlsx"], "缺勤统计")
    absent_db = await h.svc.db.fetchval(
        "SELECT count(*) FROM attendance a JOIN study_sessions s ON s.id = a.session_id"
        " WHERE a.status = 'absent' AND s.starts_at >= ? AND s.starts_at < ?",
        (iso(NOV[0]), iso(NOV[1])),
    )
    assert sum(r[4] for r in people[1:]) == absent_db
    png = files["png"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 600 and height > 300


async def test_report_bad_month_and_empty_month(harness: Harness) -> None:
    await seed(harness)
    for bad in ("十一月", "2026-Q4", "2026-13", "garbage"):
        refused = await ask(harness, ADMIN_ID, None, f"/report {bad}")
        assert f"看不懂「{bad}」" in refused and "/report 2026-11" in refused
    assert "还没有开始" in await ask(harness, ADMIN_ID, None, "/report 2099-01")
    assert "没有已结束的学习记录" in await ask(harness, ADMIN_ID, None, "/report 2025-01")


async def test_cli_writes_the_same_workbook(harness: Harness, tmp_path: Path) -> None:
    await seed(harness)
    out = tmp_path / "考勤.xlsx"
    chart = tmp_path / "c.png"
    args = argparse.Namespace(month="2026-11", unit="一分场", out=out, chart=chart)
    assert await report_cli.attendance_main(harness.svc.settings, args) == 0
    summary = sheet_rows(out.read_bytes(), "汇总")
    assert {r[1] for r in summary[1:-1]} == {"蒸发一班", "蒸发二班"}
    assert chart.read_bytes()[:4] == b"\x89PNG"
    bad = argparse.Namespace(month="2026-13", unit=None, out=out, chart=None)
    assert await report_cli.attendance_main(harness.svc.settings, bad) == 2


async def test_teams_without_study_and_changes_after_close_are_shown(harness: Harness) -> None:
    h = harness
    await seed(h)
    team = await h.svc.db.fetchval("SELECT id FROM teams WHERE name = '机修班'")
    row = (
        await h.svc.db.fetchall(
            "SELECT a.session_id, a.member_id FROM attendance a JOIN study_sessions s"
            " ON s.id = a.session_id WHERE a.status = 'absent' AND s.starts_at >= ?"
            " AND a.team_id != ? ORDER BY a.session_id LIMIT 1",
            (iso(NOV[0]), team),
        )
    )[0]
    session, member = row[0], row[1]
    async with h.svc.db.transaction() as tx:
        await tx.execute(
            "DELETE FROM attendance WHERE team_id = ? AND session_id IN"
            " (SELECT id FROM study_sessions WHERE starts_at >= ? AND starts_at < ?)",
            (team, iso(NOV[0]), iso(NOV[1])),
        )
        await tx.execute(
            "UPDATE attendance SET status = 'leave' WHERE session_id = ? AND member_id = ?",
            (session, member),
        )
        await tx.execute(
            "INSERT INTO attendance_audit (session_id, member_id, actor, at, old_status,"
            " new_status, reason) VALUES (?, ?, ?, ?, 'absent', 'leave', '补交了病假条')",
            (session, member, ADMIN_ID, iso(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))),
        )
    text = await ask(h, ADMIN_ID, None)
    assert "本月没有学习记录的班组（1 个）：二分场·机修班" in text
    files = documents(h, ADMIN_ID)
    summary = {r[1]: r for r in sheet_rows(files["xlsx"], "汇总")[1:-1]}
    assert summary["机修班"][2:10] == (0, 0, 0, 0, 0, 0, 0, "无学习")
    assert set(summary) == {"蒸发一班", "蒸发二班", "包装班", "机修班"}
    changes = sheet_rows(files["xlsx"], "修改记录")
    assert changes[0][:4] == ("单位", "班组", "工号", "姓名")
    (change,) = changes[1:]
    assert change[6] == datetime(2026, 11, 20, 10, 0)  # local time, a real date-time
    assert change[8:] == ("缺勤", "请假", "补交了病假条")


async def test_report_follows_the_moved_clock(harness: Harness) -> None:
    """/report's "last month" and the workbook's generated-at stamp come from `svc.clock`, so
    a test (or the demo) that moves it sees the report move with it."""
    await seed(harness)
    harness.svc.clock.set(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    assert "2026-11" in await ask(harness, ADMIN_ID, None, "/report 上月")
    _, scope = sheet_head(documents(harness, ADMIN_ID)["xlsx"], "汇总")
    assert "2026-12-10 10:00" in scope
    harness.svc.clock.set(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    assert "还没有开始" in await ask(harness, ADMIN_ID, None, "/report 2026-11")
