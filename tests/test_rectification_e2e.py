"""整改销号 end to end through the emulator: raising an item (bad input, wrong roles), evidence
(text, photo, a file too big), verification by another person (self-verification refused),
send back with a reason, postpone with a reason and a later date (people told), reopen with
the history kept, stale and forged buttons, the escalation job (once per level, across a
restart, never at night), the monthly 台账 in chat and `banzu report rectification`."""

from __future__ import annotations

import argparse
import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.rectification import State
from bot.services.identity import identify
from bot.services.rectification import Refused
from bot.views.rectification import ItemPress, Press
from handlers.rectification import JOB
from tests.botfixtures import ADMIN_ID, Harness, build_test_app, start_polling
from tests.test_suggestions_e2e import alerts, buttons, last_with_buttons, press_text, settle_all

LEADER, WANG, CHEN, SUN, TANG = 100001, 100002, 100003, 100005, 100018
PEOPLE = {LEADER: "10001", WANG: "10002", CHEN: "10003", SUN: "10005", TANG: "10018"}
GROUP = -100777
# 10:00 in Shanghai on 2026-12-02: escalations go out by day only
T0 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def at(day: int, hour_utc: int = 2, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour_utc, 0, tzinfo=UTC)


async def setup(h: Harness, now: datetime = T0) -> None:
    h.svc.clock.set(now)
    await h.import_demo_roster()
    for uid, number in PEOPLE.items():
        await h.register(uid, number)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")


def set_now(h: Harness, now: datetime) -> None:
    h.svc.clock.set(now)


async def raise_item(h: Harness, by: int, problem: str, owner: str, deadline: str = "10天") -> int:
    assert "请写出要整改的问题" in (await h.say(by, by, "/rectify_new"))[0]
    assert "责任人的工号或姓名" in (await h.say(by, by, problem))[0]
    assert "整改期限" in (await h.say(by, by, owner))[0]
    out = await h.say(by, by, deadline)
    assert "已立整改项" in out[0], out
    return int(await h.svc.db.fetchval("SELECT max(id) FROM rect_items"))


async def forge(h: Harness, user: int, data: str) -> list[dict[str, Any]]:
    """A press of a button the bot never offered this person (a forged or kept callback)."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data=data)]])
    old = await h.app.bot.send_message(user, "旧消息", reply_markup=keyboard)
    await h.settle()
    return await h.press(user, user, old.message_id, data=data)


async def version(h: Harness, item: int) -> int:
    return int(await h.svc.db.fetchval("SELECT version FROM rect_items WHERE id = ?", (item,)))


async def open_card(h: Harness, user: int, item: int) -> dict[str, Any]:
    await h.say(user, user, "/rectify")
    await press_text(
        h, user, user, next(t for t, _ in buttons(h.last_message(user)) if f"#{item} " in t)
    )
    return last_with_buttons(h, user)


async def submit(h: Harness, owner: int, item: int, note: str) -> None:
    await open_card(h, owner, item)
    await press_text(h, owner, owner, "📎 提交整改结果")
    assert "请发送整改结果" in h.sent(owner)[-1]
    assert "已收到第 1 项证据" in (await h.say(owner, owner, note))[0]
    n = len(await h.svc.rectification.repo.draft(item, owner))
    out = await press_text(h, owner, owner, f"✅ 完成提交（{n} 项证据）")
    assert any("等待验收" in str(e.get("text")) for e in out), out


async def test_item_through_evidence_send_back_verify_reopen_postpone(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.group(GROUP, "蒸发一班群", [LEADER, WANG, CHEN])
    await h.say(GROUP, LEADER, "/bind")
    # Wrong roles: a worker and a team leader cannot raise items.
    assert "只有单位负责人和管理员" in (await h.say(CHEN, CHEN, "/rectify_new"))[0]
    assert "只有单位负责人和管理员" in (await h.say(LEADER, LEADER, "/rectify_new"))[0]
    # Bad input at every step, nothing saved until the end.
    await h.say(SUN, SUN, "/rectify_new")
    assert "不能为空" in (await h.say(SUN, SUN, "\u200b "))[0]
    assert "内容太长了（501 字）" in (await h.say(SUN, SUN, "护" * 501))[0]
    await h.say(SUN, SUN, "蒸发罐二层平台护栏松动，<b>有坠落风险</b>")
    assert "没有找到“99999”" in (await h.say(SUN, SUN, "99999"))[0]
    assert "不在你负责的范围内" in (await h.say(SUN, SUN, "10015"))[0]  # another unit
    await h.say(SUN, SUN, "刘建国")
    assert "看不懂期限“下周吧”" in (await h.say(SUN, SUN, "下周吧"))[0]
    assert "已经过了" in (await h.say(SUN, SUN, "2026-11-30"))[0]
    assert "超过一年" in (await h.say(SUN, SUN, "2028-01-01"))[0]
    assert await h.svc.db.fetchval("SELECT count(*) FROM rect_items") == 0
    out = await h.say(SUN, SUN, "12月12日")
    assert "已立整改项 #1：责任人 刘建国（一分场·蒸发一班），期限 2026-12-12" in out[0]
    card = last_with_buttons(h, SUN)
    assert "<b>有坠落风险</b>" in card["text"]  # shown as typed: escaped, not bold
    await settle_all(h)
    told = h.sent(LEADER)[-1]
    assert "你是整改项 #1 的责任人" in told and "2026-12-12" in told
    # Only the owner may submit; a worker of the same team cannot even see the item.
    v = await version(h, 1)
    ans = alerts(await forge(h, WANG, ItemPress(1, Press.SUBMIT, v).encode()))
    assert ans == ["你没有权限进行这个操作。"], ans
    # Submitting without evidence is refused; a file too big is refused; text and a photo count.
    ans = alerts(await forge(h, LEADER, ItemPress(1, Press.DONE, v).encode()))
    assert "还没有整改证据" in ans[0], ans
    await open_card(h, LEADER, 1)
    await press_text(h, LEADER, LEADER, "📎 提交整改结果")
    assert "已收到第 1 项证据" in (await h.say(LEADER, LEADER, "已紧固螺栓，更换两处护栏立柱"))[0]
    mark = h.mark()
    h.emu.send_photo(LEADER, LEADER, caption="整改后")
    await h.settle()
    assert "已收到第 2 项证据" in h.sent(LEADER, mark)[0]
    mark = h.mark()
    big_document(h, LEADER, 25 * 1024 * 1024)
    await h.settle()
    assert "不能超过 20 MB" in h.sent(LEADER, mark)[0]
    await press_text(h, LEADER, LEADER, "✅ 完成提交（2 项证据）")
    assert await h.svc.db.fetchval("SELECT state FROM rect_items") == "rectified"
    await settle_all(h)
    assert "已提交整改结果，请验收" in h.sent(SUN)[-1]
    # The owner (a team leader, without the right) cannot verify; the unit leader sees evidence.
    ans = alerts(await forge(h, LEADER, ItemPress(1, Press.VERIFY, await version(h, 1)).encode()))
    assert ans == ["你没有权限进行这个操作。"], ans
    card = await open_card(h, SUN, 1)
    labels = [t for t, _ in buttons(card)]
    assert labels == ["查看整改证据", "✅ 验收销号", "↩️ 退回重改", "⏳ 延期"], labels
    mark = h.mark()
    await press_text(h, SUN, SUN, "查看整改证据")
    shown = h.emu.transcript(chat_id=SUN, after_seq=mark)
    assert any(e["method"] == "sendPhoto" for e in shown), shown
    assert any("已紧固螺栓" in str(e.get("text")) for e in shown)
    # Send back: a reason is needed; the owner is told it.
    await open_card(h, SUN, 1)
    await press_text(h, SUN, SUN, "↩️ 退回重改")
    assert "不能为空" in (await h.say(SUN, SUN, "  "))[0]
    assert "已退回整改项 #1" in (await h.say(SUN, SUN, "护栏焊点仍有裂纹"))[0]
    await settle_all(h)
    assert "原因：护栏焊点仍有裂纹" in h.sent(LEADER)[-1]
    # The verify button on the card drawn before the send back is stale now.
    old = await h.press(SUN, SUN, int(card["message_id"]), button_text="✅ 验收销号")
    assert "按钮已失效" in alerts(old)[0]
    assert await h.svc.db.fetchval("SELECT state FROM rect_items") == "open"
    # Fixed again, verified by the unit leader: closed, the team group told.
    await submit(h, LEADER, 1, "焊点重新焊接并探伤合格")
    await open_card(h, SUN, 1)
    pressed = await press_text(h, SUN, SUN, "✅ 验收销号")
    assert any("已验收销号" in str(e.get("text")) for e in pressed)
    await settle_all(h)
    assert (
        "整改项 #1（蒸发罐二层平台护栏松动" in h.sent(GROUP)[-1]
        and "已验收销号" in h.sent(GROUP)[-1]
    )
    # 反弹: reopened with a reason and a new deadline; the history keeps every step.
    assert "#1" not in (await h.say(SUN, SUN, "/rectify"))[0]  # the register lists open items
    await h.say(SUN, SUN, "/rectify #1")  # a closed one by its number
    await press_text(h, SUN, SUN, "🔁 反弹重开")
    await h.say(SUN, SUN, "护栏又出现松动")
    assert "已重开，期限 2026-12-20" in (await h.say(SUN, SUN, "2026-12-20"))[0]
    moves = [r[0] for r in await h.svc.db.fetchall("SELECT move FROM rect_events ORDER BY id")]
    assert moves == ["raise", "submit", "send_back", "submit", "verify", "reopen"]
    # Postpone: reason, then a date later than the deadline and today; the people told.
    card = await open_card(h, SUN, 1)
    assert "反弹重开" in card["text"] and "护栏又出现松动" in card["text"]
    await press_text(h, SUN, SUN, "⏳ 延期")
    await h.say(SUN, SUN, "备件未到货")
    assert "必须晚于原期限" in (await h.say(SUN, SUN, "2026-12-15"))[0]
    assert "已延期到 2026-12-31" in (await h.say(SUN, SUN, "2026-12-31"))[0]
    await settle_all(h)
    for chat in (LEADER, GROUP):
        assert "2026-12-20 → 2026-12-31。原因：备件未到货" in h.sent(chat)[-1]
    # Another unit's leader sees nothing of it.
    ans = alerts(await forge(h, TANG, ItemPress(1, Press.CARD, await version(h, 1)).encode()))
    assert ans == ["你没有权限进行这个操作。"]


def big_document(h: Harness, user: int, size: int) -> None:
    """A document whose stated size is over the limit (the bytes are not needed to refuse)."""
    st = h.emu.state
    doc = {
        "file_id": "BIG" + str(size),
        "file_unique_id": "big",
        "file_name": "a.pdf",
        "file_size": size,
    }
    msg = st.add_message(st.chats[user], st.users[user], {"document": doc}, reply_to=None)
    st.push_update("message", msg.data)


async def test_no_self_verification_and_meeting_source(harness: Harness) -> None:
    h = harness
    await setup(h)
    # Help text by role: the unit leader sees how to raise and the 台账, a worker the register.
    mine, theirs = (await h.say(SUN, SUN, "/help"))[0], (await h.say(CHEN, CHEN, "/help"))[0]
    assert "/rectify_new" in mine and "/rectify_month" in mine
    assert "/rectify —" in theirs and "/rectify_new" not in theirs
    await h.say(SUN, SUN, "/rectify_new 会议")
    await h.say(SUN, SUN, "班组学习记录不全")
    await h.say(SUN, SUN, "10005")  # the unit leader makes himself responsible
    out = await h.say(SUN, SUN, "7天")
    assert "已立整改项 #1" in out[0]
    assert await h.svc.db.fetchval("SELECT source FROM rect_items") == "meeting"
    await submit(h, SUN, 1, "已补齐记录")
    card = await open_card(h, SUN, 1)
    assert "✅ 验收销号" not in [t for t, _ in buttons(card)]
    ans = alerts(await forge(h, SUN, ItemPress(1, Press.VERIFY, await version(h, 1)).encode()))
    assert "整改人不能验收自己的整改" in ans[0], ans
    ans = alerts(await forge(h, SUN, ItemPress(1, Press.SEND_BACK, await version(h, 1)).encode()))
    assert "整改人不能验收自己的整改" in ans[0], ans
    assert await h.svc.db.fetchval("SELECT state FROM rect_items") == "rectified"
    # An admin verifies it (another person with the right).
    await settle_all(h)
    await open_card(h, ADMIN_ID, 1)
    pressed = await press_text(h, ADMIN_ID, ADMIN_ID, "✅ 验收销号")
    assert any("已验收销号" in str(e.get("text")) for e in pressed)
    assert await h.svc.db.fetchval("SELECT state FROM rect_items") == State.CLOSED.value
    # A forged id out of range and unknown op are stale, not errors.
    for data in ("rz:v1:99999999999999999999:card:1", "rz:v1:1:explode:1", "rz:v0:1:card:1"):
        assert "按钮已失效" in alerts(await forge(h, SUN, data))[0]
    assert h.svc.last_alert == {}


async def esc_rows(h: Harness) -> list[tuple[str, int]]:
    rows = await h.svc.db.fetchall(
        "SELECT dedupe_key, chat_id FROM outbox WHERE dedupe_key LIKE 'rect:esc:%' ORDER BY id"
    )
    return [(r[0], r[1]) for r in rows]


async def test_escalation_once_per_level_across_restart(harness: Harness) -> None:
    h = harness
    await setup(h)
    assert h.app.job_queue is not None and h.app.job_queue.get_jobs_by_name(JOB)
    item = await raise_item(h, SUN, "配电室灭火器过期", "陈志强", "3天")  # due 2026-12-05
    done = await raise_item(h, SUN, "更衣柜门损坏", "王秀兰", "3天")
    await submit(h, WANG, done, "已更换柜门")
    await open_card(h, SUN, done)
    await press_text(h, SUN, SUN, "✅ 验收销号")
    rect = h.svc.rectification
    assert await rect.escalate(at(5)) == 0  # the deadline day itself is not late
    assert await rect.escalate(at(6)) == 1  # 1 day late: the owner
    assert await rect.escalate(at(6, 6)) == 0  # again the same day: nothing new
    assert await rect.escalate(at(9, 14)) == 0  # 22:00 local: nobody is chased at night
    assert await rect.escalate(at(9)) == 2  # 4 days: the owner's leaders (team, unit)
    await settle_all(h)
    assert "已逾期 1 天" in h.sent(CHEN)[-1]
    assert "已逾期 4 天" in h.sent(SUN)[-1] and "陈志强" in h.sent(SUN)[-1]
    assert "已逾期 4 天" in h.sent(LEADER)[-1]
    # Restart: a new application on the same database sends nothing twice.
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()
    app = build_test_app(h.emu, h.tmp)
    async with app:
        await start_polling(app)
        h.app = app
        assert app.job_queue is not None and app.job_queue.get_jobs_by_name(JOB)
        assert await h.svc.rectification.escalate(at(9)) == 0
        assert await h.svc.rectification.escalate(at(13)) == 1  # 8 days: the admins
        await settle_all(h)
        assert "已逾期 8 天仍未整改" in h.sent(ADMIN_ID)[-1]
        rows = await esc_rows(h)
        assert [c for _, c in rows] == [CHEN, LEADER, SUN, ADMIN_ID], rows
        assert all(f":{item}:" in k for k, _ in rows)  # the closed item never escalates
        # Postponed: a new deadline starts the escalation afresh once it passes.
        h.svc.clock.set(at(13))
        await open_card(h, SUN, item)
        await press_text(h, SUN, SUN, "⏳ 延期")
        await h.say(SUN, SUN, "灭火器厂家缺货")
        await h.say(SUN, SUN, "2026-12-20")
        assert await h.svc.rectification.escalate(at(14)) == 0
        assert await h.svc.rectification.escalate(at(21)) == 1  # the owner again, once
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()


async def test_monthly_register_in_chat_and_export(harness: Harness) -> None:
    h = harness
    await setup(h, at(2, month=11))
    a = await raise_item(h, SUN, '=HYPERLINK("http://x","点我")', "陈志强", "5天")
    b = await raise_item(h, SUN, "蒸发一班安全标识褪色", "王秀兰", "5天")
    c = await raise_item(h, TANG, "包装机防护罩缺失", "10016", "20天")
    await submit(h, WANG, b, "已重新喷涂")
    await open_card(h, SUN, b)
    await press_text(h, SUN, SUN, "✅ 验收销号")
    await open_card(h, TANG, c)
    await press_text(h, TANG, TANG, "⏳ 延期")
    await h.say(TANG, TANG, "防护罩需定制")
    await h.say(TANG, TANG, "2026-12-10")
    set_now(h, at(2))  # December: November is complete
    # Wrong roles and bad input.
    assert "没有权限" in (await h.say(CHEN, CHEN, "/rectify_month 2026-11"))[0]
    assert "没有权限" in (await h.say(LEADER, LEADER, "/rectify_month 2026-11"))[0]
    assert "/rectify_month" not in (await h.say(LEADER, LEADER, "/help"))[0]  # so not offered
    assert "看不懂整改项编号「abc」" in (await h.say(LEADER, LEADER, "/rectify abc"))[0]
    assert "没有权限" in (await h.say(SUN, SUN, "/rectify_month 2026-11 二分场"))[0]
    assert "看不懂月份" in (await h.say(ADMIN_ID, ADMIN_ID, "/rectify_month 下下月"))[0]
    assert "看不懂月份" in (await h.say(ADMIN_ID, ADMIN_ID, "/rectify_month 2026"))[0]
    assert "还没开始" in (await h.say(ADMIN_ID, ADMIN_ID, "/rectify_month 2027-01"))[0]
    mark = h.mark()
    mine = (await h.say(SUN, SUN, "/rectify_month 2026-11"))[0]
    sent = h.emu.transcript(chat_id=SUN, after_seq=mark)
    assert "sendPhoto" in [e["method"] for e in sent]
    doc = next(e for e in sent if e["method"] == "sendDocument")
    message = h.emu.message(SUN, int(doc["message_id"]))
    assert message is not None
    own = openpyxl.load_workbook(io.BytesIO(h.emu.file_bytes(message["document"]["file_id"])))
    listed = [r[3] for r in own.worksheets[1].iter_rows(min_row=4, values_only=True)]
    assert "蒸发一班安全标识褪色" in listed and "包装机防护罩缺失" not in listed  # own unit only
    assert "一分场：未销号 1，本月销号 1，逾期 1，延期 0，销号率 50%" in mine, mine
    assert "二分场" not in mine
    every = (await h.say(ADMIN_ID, ADMIN_ID, "/rectify_month 2026-11"))[0]
    assert "二分场：未销号 1，本月销号 0，逾期 0，延期 1，销号率 0%" in every, every
    assert "合计：未销号 2，本月销号 1，逾期 1，延期 1，销号率 33%" in every
    # December so far: a's deadline passed in November, c's not yet; nothing closed.
    dec = (await h.say(ADMIN_ID, ADMIN_ID, "/rectify_month"))[0]
    assert "一分场：未销号 1，本月销号 0，逾期 1，延期 0" in dec, dec
    # The export: the same figures, worker text kept as text (never a formula or a link).
    from bot.cli import rectification as cli

    out, png = h.tmp / "rect.xlsx", h.tmp / "rect.png"
    args = argparse.Namespace(month="2026-11", unit=None, out=out, chart=png, lang=None)
    assert await cli.main(h.svc.settings, args, h.svc.clock) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    book = openpyxl.load_workbook(out)
    ledger = [tuple(r) for r in book.worksheets[0].iter_rows(min_row=4, values_only=True)]
    assert ("一分场", 1, 1, 1, 0, 0, 0.5) in ledger, ledger
    problems = [r[3] for r in book.worksheets[1].iter_rows(min_row=4, values_only=True)]
    assert '=HYPERLINK("http://x","点我")' in problems
    with zipfile.ZipFile(out) as z:
        sheets = " ".join(z.read(n).decode() for n in z.namelist() if "worksheets/sheet" in n)
    assert "<f>" not in sheets and "hyperlink" not in sheets.lower()
    assert a and c
    args = argparse.Namespace(month="2026-11", unit="三分场", out=out, chart=None, lang=None)
    assert await cli.main(h.svc.settings, args, h.svc.clock) == 2


async def test_from_an_adopted_suggestion_once(harness: Harness) -> None:
    h = harness
    await setup(h)
    preview = await h.say(
        CHEN, CHEN, "/suggest 蒸发罐巡检通道照明不足，夜班巡检看不清仪表，建议加装防爆灯"
    )
    assert "请确认你的建议" in preview[-1]
    await press_text(h, CHEN, CHEN, "✅ 提交")
    await h.say(SUN, SUN, "/review")
    await press_text(h, SUN, SUN, "受理")
    card = last_with_buttons(h, SUN)
    assert "📋 转整改" not in [t for t, _ in buttons(card)]  # not adopted yet
    await press_text(h, SUN, SUN, "采纳")
    card = last_with_buttons(h, SUN)
    assert "📋 转整改" in [t for t, _ in buttons(card)], buttons(card)
    out = await press_text(h, SUN, SUN, "📋 转整改")
    assert any("建议 #1：蒸发罐巡检通道照明不足" in str(e.get("text")) for e in out), out
    await h.say(SUN, SUN, "刘建国")
    assert "已立整改项 #1" in (await h.say(SUN, SUN, "15天"))[0]
    row = await h.svc.db.fetchone("SELECT source, suggestion_id, problem FROM rect_items")
    assert row is not None and tuple(row) == (
        "suggestion",
        1,
        "蒸发罐巡检通道照明不足，夜班巡检看不清仪表，建议加装防爆灯",
    )
    # Pressed again (the same card): refused, pointing to the item; a worker cannot at all.
    again = await h.press(SUN, SUN, int(card["message_id"]), button_text="📋 转整改")
    assert "已转为整改项 #1" in alerts(again)[0]
    assert alerts(await forge(h, CHEN, "rzs:v1:1")) == ["你没有权限进行这个操作。"]
    assert "没有编号为 9 的建议" in alerts(await forge(h, SUN, "rzs:v1:9"))[0]
    assert await h.svc.db.fetchval("SELECT count(*) FROM rect_items") == 1


async def restart(h: Harness) -> None:
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()
    stopped_at = h.svc.clock.stopped_at
    app = build_test_app(h.emu, h.tmp)
    await app.initialize()
    await start_polling(app)
    h.app = app
    if stopped_at is not None:
        h.svc.clock.set(stopped_at)


async def test_restart_during_raising_and_a_reason_resumes(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.say(SUN, SUN, "/rectify_new")
    await h.say(SUN, SUN, "配电柜门锁损坏")
    await restart(h)
    try:
        assert "整改期限" in (await h.say(SUN, SUN, "陈志强"))[0]
        assert "已立整改项 #1" in (await h.say(SUN, SUN, "10天"))[0]
        await open_card(h, SUN, 1)
        await press_text(h, SUN, SUN, "⏳ 延期")
        await h.say(SUN, SUN, "门锁型号停产，需另行采购")
        await restart(h)
        assert "已延期到 2026-12-30" in (await h.say(SUN, SUN, "2026-12-30"))[0]
        events = await h.svc.db.fetchall("SELECT move, reason FROM rect_events ORDER BY id")
        assert [tuple(e) for e in events] == [
            ("raise", ""),
            ("postpone", "门锁型号停产，需另行采购"),
        ]
        # A conversation stored by older code (no version, other fields) is ended, not half-read.
        await h.svc.conversations.repo.set(
            SUN, SUN, "rect_reason", "date", {"item": 1, "reason": "x"}
        )
        assert "这个对话已过期" in (await h.say(SUN, SUN, "2026-12-31"))[0]
        assert await h.svc.conversations.get(SUN, SUN) is None
        assert await h.svc.db.fetchval("SELECT deadline FROM rect_items") == "2026-12-30"
        # /cancel leaves a flow; the item is untouched.
        await open_card(h, SUN, 1)
        await press_text(h, SUN, SUN, "⏳ 延期")
        await h.say(SUN, SUN, "/cancel")
        assert await h.svc.conversations.get(SUN, SUN) is None
        assert await h.svc.db.fetchval("SELECT deadline FROM rect_items") == "2026-12-30"
    finally:
        assert h.app.updater is not None
        await h.app.updater.stop()
        await h.app.stop()
        await h.app.shutdown()


async def test_register_pages_of_eight(harness: Harness) -> None:
    h = harness
    await setup(h)
    sun = (await identify(h.svc.people, h.svc.settings, SUN)).actor
    owner = await h.svc.people.by_employee_no("10003")
    assert owner is not None
    for n in range(10):
        item = await h.svc.rectification.raise_item(
            sun, f"第{n + 1}号隐患", owner.member_id, date(2026, 12, 10 + n), T0
        )
        assert not isinstance(item, Refused), item
    listing = await h.say(SUN, SUN, "/rectify")
    assert "未销号 10 项" in listing[0] and "第 1/2 页" in listing[0], listing
    first = last_with_buttons(h, SUN)
    labels = [t for t, _ in buttons(first)]
    assert labels[:8] == [f"⬜ #{n} 第{n}号隐患（12-{9 + n}）" for n in range(1, 9)], labels
    assert labels[8:] == ["◀", "1/2", "▶"], labels
    await h.press(SUN, SUN, int(first["message_id"]), button_text="▶")
    page2 = [t for t, _ in buttons(last_with_buttons(h, SUN))]
    assert page2[:2] == ["⬜ #9 第9号隐患（12-18）", "⬜ #10 第10号隐患（12-19）"], page2
    again = await h.press(SUN, SUN, int(first["message_id"]), button_text="2/2")
    assert [e["method"] for e in again].count("answerCallbackQuery") == 1
    assert "按钮已失效" in alerts(await forge(h, SUN, "rzl:v1:99999"))[0]
    # The worker who owns them sees all ten; another unit's leader none.
    assert "未销号 10 项" in (await h.say(CHEN, CHEN, "/rectify"))[0]
    assert "目前没有" in (await h.say(TANG, TANG, "/rectify"))[0]
