"""Summaries: periods and keys, figures, the scheduled job sending each period once, the CLI."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from bot.clock import iso
from bot.services import suggestion_report as report
from handlers.suggestions import summary_job, tell_submitter
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_suggestions_e2e import (
    OTHER_WORKER,
    UNIT_LEADER,
    WORKER,
    press_text,
    settle_all,
    setup,
    submit,
)

TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent


def test_periods_and_keys() -> None:
    now = datetime(2026, 4, 3, 1, 0, tzinfo=UTC)  # 09:00 on 3 April in Shanghai
    start, end = report.period_bounds("month", now, TZ, current=False)
    assert (start.month, end.month, start.tzinfo) == (3, 4, TZ)
    assert report.period_key("month", start, TZ) == "month:2026-03"
    q_start, q_end = report.period_bounds("quarter", now, TZ, current=False)
    assert (q_start.month, q_end.month) == (1, 4)
    assert report.period_key("quarter", q_start, TZ) == "quarter:2026-Q1"
    assert report.due_kinds(now, TZ) == ["month", "quarter"]
    assert report.due_kinds(datetime(2026, 5, 3, tzinfo=UTC), TZ) == ["month"]
    jan = report.period_bounds("month", datetime(2026, 1, 10, tzinfo=UTC), TZ, current=False)
    assert (jan[0].year, jan[0].month) == (2025, 12)
    assert report.parse_kind("季度") == "quarter" and report.parse_kind("") == "month"


async def test_scheduled_summary_sent_once_per_period(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"))
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    sid = await submit(h, WORKER)
    await h.say(UNIT_LEADER, UNIT_LEADER, "/review")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "采纳")
    # Move it into last month, as if submitted then.
    last_month = report.period_bounds("month", datetime.now(UTC), TZ, current=False)[0]
    await h.svc.db.execute(
        "UPDATE suggestions SET created_at = ? WHERE id = ?", (iso(last_month), sid)
    )

    class Ctx:
        svc = h.svc
        bot = h.app.bot

    mark = h.mark()
    await summary_job(Ctx())  # type: ignore[arg-type]
    await h.settle()
    sent = h.emu.transcript(chat_id=ADMIN_ID, after_seq=mark)
    assert [e["method"] for e in sent][:3] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert "建议 1 条，采纳率 100%" in str(sent[0]["text"])
    # Recorded with its rows in one transaction: the files travel in the outbox (a restart
    # still has them); a second run adds nothing.
    assert await h.svc.db.fetchval("SELECT count(*) FROM outbox WHERE purpose = 'summary'") == 3
    mark = h.mark()
    await summary_job(Ctx())  # type: ignore[arg-type]
    await h.settle()
    assert h.emu.transcript(chat_id=ADMIN_ID, after_seq=mark) == []
    assert await h.svc.db.fetchval("SELECT count(*) FROM outbox WHERE purpose = 'summary'") == 3
    doc = next(e for e in sent if e["method"] == "sendDocument")
    message = h.emu.message(ADMIN_ID, int(doc["message_id"]))
    assert message is not None
    data = h.emu.file_bytes(message["document"]["file_id"])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["汇总", "建议明细", "奖励台账"]


def test_report_command_writes_three_files(tmp_path: Path) -> None:
    env = {"BANZU_DB": str(tmp_path / "b.db"), "PATH": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "report", "suggestions", "--from", "2026-01-01",
         "--to", "2026-01-31", "--out", str(tmp_path / "out")],
        capture_output=True, cwd=ROOT, env=env, timeout=120, check=True,
    )  # fmt: skip
    paths = [Path(p) for p in proc.stdout.decode().split()]
    assert sorted(p.suffix for p in paths) == [".png", ".txt", ".xlsx"]
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    assert "没有新建议" in paths[0].read_text(encoding="utf-8")


async def test_ledger_pays_each_person_and_anonymous_authors_claim_by_code(
    harness: Harness,
) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (OTHER_WORKER, "10004"), (UNIT_LEADER, "10005"))
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    first = await submit(h, WORKER, "二号皮带机托辊好几个不转了，磨得皮带冒烟，建议赶紧换托辊",
                         anonymous=True)  # fmt: skip
    second = await submit(h, OTHER_WORKER, "二号皮带机好多托辊不转，皮带都磨冒烟了，托辊得换")
    repo = h.svc.suggestions.repo
    assert await repo.merge(second, first, ("submitted",), ADMIN_ID)
    assert await repo.transition(first, ("submitted",), "adopted", ADMIN_ID)
    assert await repo.transition(first, ("adopted",), "implemented", ADMIN_ID)
    assert await repo.reward(first, 11, 10001, None, ADMIN_ID, ("implemented",))
    s = await repo.get(first)
    assert s is not None
    mark = h.mark()
    await tell_submitter(Ctx(h), s)  # type: ignore[arg-type]
    await settle_all(h)
    told = "\n".join(h.sent(WORKER, mark))
    code = await repo.claim_code_of(first)
    assert code and code in told and "领奖码" in told

    await h.say(ADMIN_ID, ADMIN_ID, "/suggestion_report 本月")
    data = next(
        h.emu.file_bytes(m["document"]["file_id"])
        for m in reversed(h.emu.messages(ADMIN_ID))
        if m.get("document")
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    summary = book["汇总"]
    assert summary["A1"].value.startswith("合理化建议汇总（") and "<b>" not in summary["A1"].value
    assert summary.freeze_panes == "A4"
    rate = next(r for r in summary.iter_rows(min_row=4) if r[0].value == "采纳率")[1]
    assert rate.value == 1 and rate.number_format == "0.0%"
    ledger = [[c.value for c in r] for r in book["奖励台账"].iter_rows(min_row=4)]
    rows = [r for r in ledger if r[0] == first]
    # One row per person, each with their share: 100.01 yuan and 11 points split in two.
    assert [(r[4], r[5], r[7], r[8]) for r in rows] == [
        ("", "匿名", 6, 50.01),
        ("10004", "赵振磊", 5, 50.0),
    ]
    assert code in rows[0][9] and "陈志强" not in str(ledger)


async def test_unknown_report_periods_are_refused_with_the_accepted_forms(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    for bad in ("2026-Q5", "garbage", "2026-13"):
        (answer,) = await h.say(ADMIN_ID, ADMIN_ID, f"/suggestion_report {bad}")
        assert f"看不懂统计期「{bad}」" in answer and "2026-Q4" in answer
    (future,) = await h.say(ADMIN_ID, ADMIN_ID, "/suggestion_report 2099")
    assert "还没有开始" in future
    assert h.emu.messages(ADMIN_ID)[-1].get("document") is None  # nothing was built


class Ctx:
    def __init__(self, h: Harness) -> None:
        self.svc = h.svc
        self.bot = h.app.bot
