"""The monthly thought-trend analysis end to end: the scheduled delivery through the outbox and
the emulator (each month and scope once, to the right people), and `banzu report trends`."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.cli import main
from bot.clock import iso
from bot.db import Database
from bot.services.reports import Month
from bot.services.trend_delivery import last_month
from handlers.trends import trend_job
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_suggestions_e2e import FAR_UNIT_LEADER, UNIT_LEADER, WORKER, setup, submit
from tests.trend_data import seed

TZ = ZoneInfo("Asia/Shanghai")
SHEETS = [
    "话题汇总", "各单位", "请假缺勤原因", "共性问题", "参与情况", "出勤趋势", "答题趋势",
    "保密诉求合计", "意见反映话题",
]  # fmt: skip


async def test_scheduled_analysis_reaches_admins_and_unit_leaders_once(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"), (FAR_UNIT_LEADER, "10018"))
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    sid = await submit(h, WORKER)
    start, _ = last_month(datetime.now(UTC), TZ).bounds(TZ)
    await h.svc.db.execute("UPDATE suggestions SET created_at = ? WHERE id = ?", (iso(start), sid))

    class Ctx:
        svc = h.svc
        bot = h.app.bot

    mark = h.mark()
    await trend_job(Ctx())  # type: ignore[arg-type]
    await h.settle()
    to_admin = h.emu.transcript(chat_id=ADMIN_ID, after_seq=mark)
    assert [e["method"] for e in to_admin] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert "思想动态分析" in str(to_admin[0]["text"]) and "全场" in str(to_admin[0]["text"])
    assert "本月合理化建议 1 条" in str(to_admin[0]["text"])
    to_leader = h.emu.transcript(chat_id=UNIT_LEADER, after_seq=mark)
    assert [e["method"] for e in to_leader] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert "全场" not in str(to_leader[0]["text"])
    # 二分场 had nothing last month: recorded, not sent.
    assert h.emu.transcript(chat_id=FAR_UNIT_LEADER, after_seq=mark) == []
    doc = to_admin[-1]
    message = h.emu.message(ADMIN_ID, int(doc["message_id"]))
    assert message is not None
    book = openpyxl.load_workbook(io.BytesIO(h.emu.file_bytes(message["document"]["file_id"])))
    assert book.sheetnames == SHEETS
    rows = await h.svc.db.fetchval("SELECT count(*) FROM outbox WHERE purpose = 'trends'")
    scopes = await h.svc.db.fetchval("SELECT count(*) FROM trend_reports")
    assert rows == 6 and scopes >= 3
    # A restart of the job (or the next hour) adds nothing.
    mark = h.mark()
    await trend_job(Ctx())  # type: ignore[arg-type]
    await h.settle()
    assert h.emu.transcript(chat_id=ADMIN_ID, after_seq=mark) == []
    assert await h.svc.db.fetchval("SELECT count(*) FROM outbox WHERE purpose = 'trends'") == rows


@pytest.fixture
def site_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "site.db"
    monkeypatch.setenv("BANZU_DB", str(db))
    monkeypatch.setenv("BANZU_TZ", "Asia/Shanghai")
    monkeypatch.delenv("BANZU_TOKEN", raising=False)
    monkeypatch.delenv("BANZU_CONFIG", raising=False)

    async def migrate() -> None:
        d = Database(str(db))
        await d.open()
        await d.close()

    asyncio.run(migrate())
    seed(str(db), Month(2026, 11), TZ)
    return db


def test_cli_writes_workbook_and_chart_with_the_planted_changes(
    site_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, chart = tmp_path / "t.xlsx", tmp_path / "t.png"
    assert (
        main(["report", "trends", "--month", "2026-11", "--out", str(out), "--chart", str(chart)])
        == 0
    )
    text = capsys.readouterr().out
    assert "2026-11 思想动态分析（全场）" in text
    assert "安全：占比" in text and "上升" in text  # the planted tripling of 安全
    assert "「澡堂」「热水」" in text  # raised by teams of several units
    assert "新出现的词：" in text and "新设备试运行" in text
    assert "知识答题正确率（按月）：2026-08 " in text and "暂无数据" not in text
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == SHEETS
    summary = book["话题汇总"]
    header = [c.value for c in summary[3]]
    assert header[:3] == ["话题", "本月条数", "本月占比"]
    safety = next(r for r in summary.iter_rows(min_row=4, values_only=True) if r[0] == "安全")
    assert safety[8] == "上升" and safety[7] < 0.05
    part = book["参与情况"]
    names = {r[1] for r in part.iter_rows(min_row=4, values_only=True)}
    assert all(str(n).endswith("班") for n in names)  # teams, never people


def test_cli_unit_scope_and_bad_input(
    site_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "u.xlsx"
    assert (
        main(["report", "trends", "--month", "2026-11", "--unit", "2分场", "--out", str(out)]) == 0
    )
    assert "（2分场）" in capsys.readouterr().out
    assert main(["report", "trends", "--month", "2026-13", "--out", str(out)]) == 2
    assert "--month" in capsys.readouterr().err
    assert (
        main(["report", "trends", "--month", "2026-11", "--unit", "九分场", "--out", str(out)]) == 2
    )
    assert "九分场" in capsys.readouterr().err
    # A month with nothing: one line, no file.
    empty = tmp_path / "e.xlsx"
    assert main(["report", "trends", "--month", "2025-01", "--out", str(empty)]) == 0
    assert "没有建议" in capsys.readouterr().out and not empty.exists()
