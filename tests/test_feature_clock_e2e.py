"""Contests, recognition, talks, trends and casework read the application's one clock
(`svc.clock`): a test that moves it moves what they count as today, so none of these would
pass with the real time (each moment below is months away from when the tests run)."""

from __future__ import annotations

from datetime import datetime

from bot.clock import iso
from handlers.casework import remind_job as casework_remind_job
from handlers.recognition import tick_job
from handlers.talks import remind_job as talks_remind_job
from handlers.trends import trend_job
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_casework_e2e import request_assist
from tests.test_casework_e2e import setup as casework_setup
from tests.test_contest_e2e import LEADER1, UNIT_LEADER
from tests.test_contest_e2e import setup as contest_setup
from tests.test_recognition_e2e import setup as recognition_setup
from tests.test_suggestions_e2e import UNIT_LEADER as TREND_LEADER
from tests.test_suggestions_e2e import WORKER, press_text, settle_all, submit
from tests.test_suggestions_e2e import setup as suggestions_setup
from tests.test_talks_e2e import LEADER as TALK_LEADER
from tests.test_talks_e2e import setup as talks_setup

DAY = 86400


def local(h: Harness, year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=h.svc.settings.tz)


class Ctx:
    """What a job callback reads of its context."""

    def __init__(self, h: Harness) -> None:
        self.svc, self.bot = h.svc, h.app.bot


async def test_a_contest_period_and_its_weeks_follow_the_clock(harness: Harness) -> None:
    h = harness
    await contest_setup(h)
    h.svc.clock.set(local(h, 2025, 3, 12, 10))
    await h.say(UNIT_LEADER, UNIT_LEADER, "/contest_new")
    await h.say(UNIT_LEADER, UNIT_LEADER, "春季竞赛")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "对口赛")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "产量")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "下一步")
    preview = await h.say(UNIT_LEADER, UNIT_LEADER, "本月")
    assert "2025-03-01" in preview[0] and "2025-03-31" in preview[0], preview
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "✅ 创建")
    assert "本周（2025-03-10 起）" in (await h.say(LEADER1, LEADER1, "/figures"))[-1]
    await h.say(LEADER1, LEADER1, "1200")
    await press_text(h, LEADER1, LEADER1, "✅ 保存")
    h.svc.clock.advance(7 * DAY)  # the next week: that figure is last week's
    ask = (await h.say(LEADER1, LEADER1, "/figures"))[-1]
    assert "本周（2025-03-17 起）" in ask and "上周：1200" in ask, ask


async def test_a_rating_round_closes_when_the_clock_passes_its_end(harness: Harness) -> None:
    h = harness
    await recognition_setup(h)
    h.svc.clock.set(local(h, 2025, 7, 10, 10))
    opened = await h.say(ADMIN_ID, ADMIN_ID, "/rating_new 2025年上半年 一分场 3")
    assert "2025-07-13" in opened[0], opened
    await settle_all(h)
    rid = await h.svc.db.fetchval("SELECT max(id) FROM rating_rounds")
    await tick_job(Ctx(h))  # type: ignore[arg-type]
    assert await h.svc.recognition.rounds_due(h.svc.clock.now()) == []
    still = await h.svc.recognition.round(int(rid))
    assert still is not None and still.state == "open", still
    h.svc.clock.advance(3 * DAY + 60)
    await tick_job(Ctx(h))  # type: ignore[arg-type]
    closed = await h.svc.recognition.round(int(rid))
    assert closed is not None and closed.state != "open", closed


async def test_a_planned_talk_is_reminded_on_the_clocks_day(harness: Harness) -> None:
    h = harness
    await talks_setup(h)
    h.svc.clock.set(local(h, 2025, 5, 6, 10))
    planned = await h.say(TALK_LEADER, TALK_LEADER, "/talk 10002 工作 明天 谈岗位调整的想法")
    assert "2025-05-07" in planned[0], planned
    await talks_remind_job(Ctx(h))  # type: ignore[arg-type]
    await settle_all(h)
    mark = h.mark()
    h.svc.clock.advance(DAY)
    await talks_remind_job(Ctx(h))  # type: ignore[arg-type]
    await settle_all(h)
    reminders = h.sent(TALK_LEADER, mark)
    assert len(reminders) == 1 and "提醒" in reminders[0], reminders


async def test_the_monthly_trends_cover_the_clocks_last_month(harness: Harness) -> None:
    h = harness
    await suggestions_setup(h, (WORKER, "10003"), (TREND_LEADER, "10005"))
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    sid = await submit(h, WORKER)
    march = local(h, 2025, 3, 15, 10)
    await h.svc.db.execute("UPDATE suggestions SET created_at = ? WHERE id = ?", (iso(march), sid))
    h.svc.clock.set(local(h, 2025, 4, 2, 10))
    mark = h.mark()
    await trend_job(Ctx(h))  # type: ignore[arg-type]
    await settle_all(h)
    to_admin = h.sent(ADMIN_ID, mark)
    assert to_admin and "本月合理化建议 1 条" in to_admin[0], to_admin


async def test_a_request_is_dated_and_reminded_by_the_clock(harness: Harness) -> None:
    h = harness
    await casework_setup(h)
    h.svc.clock.set(local(h, 2025, 3, 2, 10))
    case_id = await request_assist(h, 100002, anonymous=False)
    created = await h.svc.db.fetchval(
        "SELECT created_on FROM case_requests WHERE id = ?", (case_id,)
    )
    assert created == "2025-03-02"
    audit = await h.svc.db.fetchval("SELECT max(at) FROM case_audit WHERE case_id = ?", (case_id,))
    assert audit is None or str(audit).startswith("2025-03-0")
    mark = h.mark()
    await casework_remind_job(Ctx(h))  # type: ignore[arg-type]
    h.svc.clock.advance(DAY)
    await casework_remind_job(Ctx(h))  # type: ignore[arg-type]
    await settle_all(h)
    said = h.sent(ADMIN_ID, mark)
    assert any(f"编号 {case_id}）已等了 1 天" in t for t in said), said
