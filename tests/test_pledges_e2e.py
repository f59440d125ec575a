"""Pledges end to end: write with preview and plan, revise with history kept, leaders see who
has and has not written one and remind them once per interval; wrong roles, stale buttons."""

from __future__ import annotations

from typing import Any

from tests.botfixtures import Harness
from tests.test_suggestions_e2e import alerts, last_with_buttons, press_text, settle_all

WORKER, OTHER, LEADER, UNIT_LEADER, FAR_LEADER = 100003, 100004, 100001, 100005, 100015


async def setup(h: Harness, *users: tuple[int, str]) -> None:
    await h.import_demo_roster()
    for uid, number in users:
        await h.register(uid, number)


async def test_write_with_plan_then_revise_keeps_history(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"))
    ask = await h.say(WORKER, WORKER, "/pledge")
    assert "年的决心" in ask[0]
    too_long = await h.say(WORKER, WORKER, "安" * 1001)
    assert "1000 字以内" in too_long[0]
    plan_q = await h.say(WORKER, WORKER, "今年全年零违章，争当安全标兵")
    assert "规划" in plan_q[0]
    preview = await h.say(WORKER, WORKER, "上半年拿下中级工证书")
    assert "今年全年零违章" in preview[0] and "中级工证书" in preview[0]
    await press_text(h, WORKER, WORKER, "✅ 确认")
    mine = await h.say(WORKER, WORKER, "/mine")
    assert "第 1 版" in mine[0] and "零违章" in mine[0]
    # Revise in one go: /pledge 文本, skip the plan.
    await h.say(WORKER, WORKER, "/pledge 今年带好一个徒弟")
    await press_text(h, WORKER, WORKER, "跳过")
    await press_text(h, WORKER, WORKER, "✅ 确认")
    mine = await h.say(WORKER, WORKER, "/mine")
    assert "第 2 版" in mine[0] and "带好一个徒弟" in mine[0] and "（未填写）" in mine[0]
    await press_text(h, WORKER, WORKER, "历史版本")
    history = h.sent(WORKER)[-1]
    assert "第 1 版" in history and "第 2 版" in history
    rows = await h.svc.db.fetchall("SELECT version, current FROM pledges ORDER BY version")
    assert [tuple(r) for r in rows] == [(1, 0), (2, 1)]


async def test_cancel_saves_nothing_and_old_buttons_are_stale(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"))
    await h.say(WORKER, WORKER, "/pledge 第一稿")
    old: dict[str, Any] = last_with_buttons(h, WORKER)
    await h.say(WORKER, WORKER, "/pledge 第二稿")  # starts over: the first draft's buttons go stale
    stale = await h.press(WORKER, WORKER, int(old["message_id"]), button_text="跳过")
    assert alerts(stale) == ["这个按钮已失效，请重新操作。"]
    await press_text(h, WORKER, WORKER, "跳过")
    await press_text(h, WORKER, WORKER, "取消")
    assert await h.svc.db.fetchval("SELECT count(*) FROM pledges") == 0
    assert await h.svc.conversations.get(WORKER, WORKER) is None


async def test_leader_sees_names_and_reminds_once_per_interval(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (OTHER, "10004"), (LEADER, "10001"))
    await h.say(WORKER, WORKER, "/pledge 安全生产无事故")
    await press_text(h, WORKER, WORKER, "跳过")
    await press_text(h, WORKER, WORKER, "✅ 确认")
    view = await h.say(LEADER, LEADER, "/pledges")
    assert "已写（1）：陈志强" in view[0] and "赵振磊" in view[0] and "未写（6）" in view[0]
    mark = h.mark()
    first = await press_text(h, LEADER, LEADER, "提醒未写的人")
    await settle_all(h)
    # The leader and 赵振磊 wrote to the bot; the leader who pressed is not reminded himself.
    assert "已私信提醒 1 人" in alerts(first)[0]
    assert "发送 /pledge" in h.sent(OTHER, mark)[0]
    assert not any("/pledge" in t for t in h.sent(LEADER, mark))
    assert not h.sent(WORKER, mark)  # who has written is never reminded
    again = await press_text(h, LEADER, LEADER, "提醒未写的人")
    await settle_all(h)
    assert "已私信提醒 0 人；1 人 7 天内已提醒过" in alerts(again)[0]
    assert len(h.sent(OTHER, mark)) == 1


async def test_wrong_roles_for_pledge_views(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"), (FAR_LEADER, "10015"))
    assert await h.say(WORKER, WORKER, "/pledges") == ["你没有权限进行这个操作。"]
    unit = await h.say(UNIT_LEADER, UNIT_LEADER, "/pledges")
    assert "蒸发一班" in unit[0] and "蒸发二班" in unit[0] and "包装班" not in unit[0]
    far = await h.say(FAR_LEADER, FAR_LEADER, "/pledges")
    assert "包装班" in far[0] and "陈志强" not in far[0]


async def test_pledges_export_is_a_compilation_admins_can_use(harness: Harness) -> None:
    import io

    import openpyxl

    h = harness
    await setup(h, (WORKER, "10003"), (LEADER, "10001"))
    await h.say(WORKER, WORKER, "/pledge =安全生产无事故，http://x.cn")
    await press_text(h, WORKER, WORKER, "跳过")
    await press_text(h, WORKER, WORKER, "✅ 确认")
    mark = h.mark()
    await h.say(LEADER, LEADER, "/pledges export")
    await settle_all(h)
    doc = next(
        e for e in h.emu.transcript(chat_id=LEADER, after_seq=mark) if e["method"] == "sendDocument"
    )
    message = h.emu.message(LEADER, int(doc["message_id"]))
    assert message is not None and message["document"]["file_name"].startswith("pledges-")
    book = openpyxl.load_workbook(io.BytesIO(h.emu.file_bytes(message["document"]["file_id"])))
    summary = book["汇总"]
    assert summary["A1"].value.startswith("决心书汇编") and summary.freeze_panes == "A4"
    assert [c.value for c in summary[4]][:5] == ["一分场", "蒸发一班", 7, 1, 6]
    assert summary["F4"].number_format == "0.0%"
    rows = {r[3]: r for r in book["决心书"].iter_rows(min_row=4, values_only=True) if r[3]}
    assert set(rows) == {"刘建国", "王秀兰", "陈志强", "赵振磊", "孙海波", "周婷", "吴德明"}
    written = rows["陈志强"]
    assert written[2] == "10003" and written[4] == 1 and written[6] == "已写"
    assert written[7] == "=安全生产无事故，http://x.cn"  # text, not a formula or a link
    cell = next(c for c in book["决心书"]["H"] if c.value == written[7])
    assert cell.data_type == "s" and cell.hyperlink is None
    assert rows["赵振磊"][6] == "未写" and rows["赵振磊"][4] is None
    # A worker has no pledges export.
    assert await h.say(WORKER, WORKER, "/pledges export") == ["你没有权限进行这个操作。"]
