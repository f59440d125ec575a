"""Labour competitions end to end: a unit leader creates a paired contest, team leaders enter
figures (bad ones refused, unlikely ones questioned), workers see the standings, the weekly
post goes out once, closing stops entries and only an admin corrects afterwards; wrong roles,
forged presses and ties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.auth import Actor
from bot.domain.contest import week_of
from bot.repos.contest import FigureEntry
from bot.services.contest import Refused
from bot.services.identity import identify
from handlers.contest import run_tick
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_suggestions_e2e import alerts, buttons, last_with_buttons, press_text, settle_all

LEADER1, WORKER1, UNIT_LEADER = 100001, 100003, 100005
LEADER2 = 100008
FAR_LEADER = 100015  # 二分场 包装班
GROUP1 = -100700


async def setup(h: Harness) -> None:
    await h.import_demo_roster()
    for uid, number in (
        (LEADER1, "10001"),
        (WORKER1, "10003"),
        (UNIT_LEADER, "10005"),
        (LEADER2, "10008"),
        (FAR_LEADER, "10015"),
    ):
        await h.register(uid, number)


async def create_pair_contest(h: Harness) -> int:
    assert "竞赛名称" in (await h.say(UNIT_LEADER, UNIT_LEADER, "/contest_new"))[0]
    assert "不能为空" in (await h.say(UNIT_LEADER, UNIT_LEADER, "\u200b"))[0]
    assert "竞赛形式" in (await h.say(UNIT_LEADER, UNIT_LEADER, "安全高产百日竞赛"))[0]
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "对口赛")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "产量")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "安全生产天数")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "下一步")
    assert "没看懂" in (await h.say(UNIT_LEADER, UNIT_LEADER, "下个月吧"))[0]
    # Four weeks from this week's Monday, so every test sees the same calendar whatever today is.
    start = week_of(datetime.now(UTC).astimezone(h.svc.settings.tz).date())
    period = f"{start.isoformat()} 至 {(start + timedelta(days=27)).isoformat()}"
    preview = await h.say(UNIT_LEADER, UNIT_LEADER, period)
    assert "安全高产百日竞赛" in preview[0] and "一分场的班组" in preview[0]
    assert "产量、安全生产天数" in preview[0]
    done = await press_text(h, UNIT_LEADER, UNIT_LEADER, "✅ 创建")
    texts = [str(e["text"]) for e in done if e["method"] == "sendMessage"]
    assert any("2 个班组参赛" in t for t in texts), texts
    assert any("蒸发一班 ⚔ 蒸发二班" in t for t in texts), texts
    cid = await h.svc.db.fetchval("SELECT max(id) FROM contests")
    assert cid is not None
    return int(cid)


async def enter(h: Harness, leader: int, output: str, safe: str) -> list[str]:
    ask = await h.say(leader, leader, "/figures")
    assert "产量" in ask[-1] and "上周：无" in ask[-1], ask
    await h.say(leader, leader, output)
    preview = await h.say(leader, leader, safe)
    await press_text(h, leader, leader, "✅ 保存")
    return preview


async def test_pair_contest_from_creation_to_standings(harness: Harness) -> None:
    h = harness
    await setup(h)
    cid = await create_pair_contest(h)
    rows = await h.svc.db.fetchall(
        "SELECT a_id, b_id, state FROM contest_pairs WHERE contest_id = ?", (cid,)
    )
    assert len(rows) == 1 and rows[0]["state"] == "active"

    ask = await h.say(LEADER1, LEADER1, "/figures")
    assert "Excel" in ask[0] and "蒸发一班" in ask[-1] and "产量" in ask[-1]
    assert "需要一个数字" in (await h.say(LEADER1, LEADER1, "约一千吨"))[0]
    assert "不合理" in (await h.say(LEADER1, LEADER1, "-5"))[0]
    nxt = await h.say(LEADER1, LEADER1, "1,200吨")
    assert "安全生产天数" in nxt[0]
    preview = await h.say(LEADER1, LEADER1, "１２０")
    assert "产量 1200吨" in preview[0] and "安全生产天数 120天" in preview[0]
    await press_text(h, LEADER1, LEADER1, "✅ 保存")
    assert "已保存 2 项数据" in h.sent(LEADER1)[-1]
    await enter(h, LEADER2, "1000", "100")

    board = await h.say(WORKER1, WORKER1, "/contest")
    text = board[0]
    assert "安全高产百日竞赛" in text and "对口赛" in text
    assert "蒸发一班 100 分 ⚔ 蒸发二班 0 分" in text and "蒸发一班 领先" in text
    assert "产量 1200吨" in text  # the worker sees their own team's figures
    audit = await h.svc.db.fetchall("SELECT via, actor, old_value FROM contest_figure_audit")
    assert len(audit) == 4 and {r["via"] for r in audit} == {"chat"}


async def forge(h: Harness, user: int, data: str) -> list[str]:
    """A press with `data` from a modified client, on a message of the user's own chat."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data=data)]])
    msg = await h.app.bot.send_message(user, "x", reply_markup=keyboard)
    return alerts(await h.press(user, user, msg.message_id, data=data))


async def test_unlikely_figure_is_questioned_and_the_confirmation_audited(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    cid = await create_pair_contest(h)
    team1 = int(await h.svc.db.fetchval("SELECT id FROM teams WHERE name = '蒸发一班'"))
    metrics = await h.svc.contest.repo.metrics(cid)
    output = next(m for m in metrics if m.key == "output")
    last_week = week_of(datetime.now(UTC).astimezone(h.svc.settings.tz).date()) - timedelta(days=7)
    await h.svc.contest.repo.save_figures(
        [FigureEntry(output.id, team1, last_week, 300.0)], actor=LEADER1, via="chat"
    )
    ask = await h.say(LEADER1, LEADER1, "/figures")
    assert "上周：300吨" in ask[-1]
    doubt = await h.say(LEADER1, LEADER1, "3000")
    assert "三倍多" in doubt[0] and "确认无误" in [
        b[0] for b in buttons(last_with_buttons(h, LEADER1))
    ]
    await press_text(h, LEADER1, LEADER1, "重新输入")  # retype: asked again, nothing kept
    assert "产量" in h.sent(LEADER1)[-1]
    await h.say(LEADER1, LEADER1, "3000")
    await press_text(h, LEADER1, LEADER1, "确认无误")
    await h.say(LEADER1, LEADER1, "88")
    await press_text(h, LEADER1, LEADER1, "✅ 保存")
    row = await h.svc.db.fetchone(
        "SELECT old_value, new_value, confirmed_doubt FROM contest_figure_audit"
        " WHERE metric_id = ? AND week <> ?",
        (output.id, last_week.isoformat()),
    )
    assert row is not None and tuple(row) == (None, 3000.0, "jump_up")


async def test_wrong_roles_and_forged_presses(harness: Harness) -> None:
    h = harness
    await setup(h)
    cid = await create_pair_contest(h)
    assert "没有权限" in (await h.say(WORKER1, WORKER1, "/figures"))[0]
    assert "没有权限" in (await h.say(WORKER1, WORKER1, "/contest_new"))[0]
    assert "没有权限" in (await h.say(LEADER1, LEADER1, "/contest_new"))[0]
    # 包装班's leader is in another unit: nothing to enter here, no standings to see, and a
    # forged press for 蒸发一班's figures or to close the contest is refused at the target.
    assert "没有需要录入" in (await h.say(FAR_LEADER, FAR_LEADER, "/figures"))[0]
    assert "没有你所在班组" in (await h.say(FAR_LEADER, FAR_LEADER, "/contest"))[0]
    team1 = await h.svc.db.fetchval("SELECT id FROM teams WHERE name = '蒸发一班'")
    assert await forge(h, FAR_LEADER, f"ct:v1:fig:{cid}:{team1}") == ["你没有权限进行这个操作。"]
    assert await forge(h, LEADER1, f"ct:v1:cls:{cid}") == ["你没有权限进行这个操作。"]
    assert await forge(h, FAR_LEADER, f"ct:v1:full:{cid}") == ["你没有权限进行这个操作。"]
    stale = "这个按钮已失效，请重新操作。"
    assert await forge(h, LEADER1, "ct:v1:fig:99999999999999999999999:1") == [stale]
    assert await forge(h, LEADER1, "ct:v1:zap:1") == [stale]
    assert await forge(h, LEADER1, f"ct:v1:fig:{cid}:424242") == ["你所在的班组没有参加这个竞赛。"]
    # a pair contest has no challenges
    assert await forge(h, LEADER1, f"ct:v1:chl:{cid}") == [
        "这个竞赛不能这样挑战（擂台赛只能挑战擂主）。"
    ]
    assert await h.svc.db.fetchval("SELECT count(*) FROM contest_figures") == 0
    assert await h.svc.db.fetchval("SELECT state FROM contests") == "active"


async def test_ties_share_a_rank(harness: Harness) -> None:
    h = harness
    await setup(h)
    cid = await create_pair_contest(h)
    await enter(h, LEADER1, "1000", "100")
    await enter(h, LEADER2, "1000", "100")
    board = await h.svc.contest.board(await actor(h, ADMIN_ID), cid, datetime.now(UTC))
    assert not isinstance(board, Refused)
    assert [s.rank for s in board.standings] == [1, 1]
    text = (await h.say(WORKER1, WORKER1, "/contest"))[0]
    assert "持平" in text


async def test_weekly_post_once_then_close_and_correct_after_close(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.group(GROUP1, "蒸发一班群", [LEADER1, WORKER1])
    await h.say(GROUP1, LEADER1, "/bind")
    cid = await create_pair_contest(h)
    await enter(h, LEADER1, "1200", "120")
    # The Monday after this week, 09:00 local: the week's standings are due, posted once.
    today = datetime.now(UTC).astimezone(h.svc.settings.tz).date()
    monday = week_of(today) + timedelta(days=7)
    when = datetime(monday.year, monday.month, monday.day, 9, tzinfo=h.svc.settings.tz)
    mark = h.mark()
    assert await run_tick(h.svc, when) == 1
    assert await run_tick(h.svc, when) == 0  # a second tick (or a restart) repeats nothing
    await settle_all(h)
    photos = [
        e for e in h.emu.transcript(chat_id=GROUP1, after_seq=mark) if e["method"] == "sendPhoto"
    ]
    assert len(photos) == 1 and "安全高产百日竞赛" in str(photos[0]["text"])
    digest = h.sent(UNIT_LEADER, mark)
    assert digest and "劳动竞赛" in digest[-1] and "蒸发一班" in digest[-1]
    # The unit leader ends it from the standings; entries are refused afterwards.
    await h.say(UNIT_LEADER, UNIT_LEADER, "/contest")
    done = await press_text(h, UNIT_LEADER, UNIT_LEADER, "结束竞赛")
    assert "已结束" in alerts(done)[0]
    assert await h.svc.db.fetchval("SELECT state FROM contests") == "closed"
    mark = h.mark()
    assert await run_tick(h.svc, when) == 1  # the final standings, at once
    await settle_all(h)
    final = [
        e for e in h.emu.transcript(chat_id=GROUP1, after_seq=mark) if e["method"] == "sendPhoto"
    ]
    assert len(final) == 1 and "最终排名" in str(final[0]["text"])
    assert "没有需要录入" in (await h.say(LEADER1, LEADER1, "/figures"))[0]
    team1 = int(await h.svc.db.fetchval("SELECT id FROM teams WHERE name = '蒸发一班'"))
    refused = await h.svc.contest.correct_closed(
        await actor(h, UNIT_LEADER), cid, team1, "output", today, 1300.0, "统计口径更正"
    )
    assert isinstance(refused, Refused)
    no_reason = await h.svc.contest.correct_closed(
        await actor(h, ADMIN_ID), cid, team1, "output", today, 1300.0, "  "
    )
    assert isinstance(no_reason, Refused)
    fixed = await h.svc.contest.correct_closed(
        await actor(h, ADMIN_ID), cid, team1, "output", today, 1300.0, "统计口径更正"
    )
    assert not isinstance(fixed, Refused) and fixed.changed == 1
    row = await h.svc.db.fetchone(
        "SELECT old_value, new_value, reason, after_close FROM contest_figure_audit"
        " ORDER BY id DESC LIMIT 1"
    )
    assert row is not None and tuple(row) == (1200.0, 1300.0, "统计口径更正", 1)


async def test_points_are_booked_once_and_capped(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.say(WORKER1, WORKER1, "/pledge 全年零违章")
    await press_text(h, WORKER1, WORKER1, "跳过")
    await press_text(h, WORKER1, WORKER1, "✅ 确认")
    now = datetime.now(UTC)
    assert await h.svc.contest.sync_points(now) >= 1
    assert await h.svc.contest.sync_points(now) == 0
    mine = await h.say(WORKER1, WORKER1, "/points")
    assert "本月：5 分" in mine[0] and "写决心书 5 分" in mine[0]
    # a second version of the pledge earns nothing more (one per year)
    await h.say(WORKER1, WORKER1, "/pledge 全年零违章，带好徒弟")
    await press_text(h, WORKER1, WORKER1, "跳过")
    await press_text(h, WORKER1, WORKER1, "✅ 确认")
    await h.svc.contest.sync_points(now)
    assert await h.svc.db.fetchval("SELECT sum(points) FROM points_ledger") == 5
    assert "还没有积分" in (await h.say(LEADER2, LEADER2, "/points"))[0]


async def actor(h: Harness, user_id: int) -> Actor:
    return (await identify(h.svc.people, h.svc.settings, user_id)).actor


async def test_figures_by_file_all_or_nothing(harness: Harness) -> None:
    h = harness
    await setup(h)
    await create_pair_contest(h)
    pick = await h.say(UNIT_LEADER, UNIT_LEADER, "/figures")
    assert "选择要录入" in pick[-1]  # the unit leader may enter for both teams
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "安全高产百日竞赛 · 蒸发一班")
    bad = (
        "一分场 本周数据\n班组,产量（吨）,安全生产天数,备注\n"
        "蒸发一班,1200,120,\n蒸发二班,abc,100,\n包装班,5,5,\n"
    )
    mark = h.mark()
    h.emu.send_document(UNIT_LEADER, UNIT_LEADER, "figures.csv", bad.encode("gbk"))
    await h.settle()
    told = h.sent(UNIT_LEADER, mark)[-1]
    assert "2 处问题" in told and "第 4 行：“abc”不是数字" in told
    assert "第 5 行：“包装班”没有参加" in told
    assert await h.svc.db.fetchval("SELECT count(*) FROM contest_figures") == 0
    good = bad.replace("abc", "1,000").replace("包装班,5,5,\n", "")
    mark = h.mark()
    h.emu.send_document(UNIT_LEADER, UNIT_LEADER, "figures.csv", good.encode("gbk"))
    await h.settle()
    assert "已从文件保存 4 项数据（2 个参赛单位" in h.sent(UNIT_LEADER, mark)[-1]
    vias = await h.svc.db.fetchall("SELECT DISTINCT via FROM contest_figure_audit")
    assert [r["via"] for r in vias] == ["file"]
    # the same file outside the flow is not taken for a roster import or anything else
    assert await h.svc.conversations.get(UNIT_LEADER, UNIT_LEADER) is None
