"""Leave asked ahead end to end through the emulator: /leave in a private chat at any time
(days, type buttons, a note or an evidence photo, submit), the leader's 批准 / 不批准 with a
reason, the worker told each step, approved days marked 请假 when a session opens (and in one
already open), withdrawing before the first day; bad input and wrong role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.attendance import Status
from bot.domain.leave_rules import LeaveType
from bot.services.identity import identify
from bot.services.leave import Decided
from bot.views.leave import Decide
from tests.botfixtures import Harness
from tests.test_reports import sheet_rows


def documents(h: Harness, chat: int, after: int) -> bytes:
    """The XLSX the bot sent to `chat` after `after`."""
    for e in reversed(h.emu.transcript(chat_id=chat, after_seq=after)):
        if e["method"] == "sendDocument":
            m = h.emu.message(chat, e["message_id"])
            assert m is not None
            return h.emu.file_bytes(m["document"]["file_id"])
    raise AssertionError("no document sent")


GROUP = -1001000000001
LEADER, W2, W3, W4 = 100001, 100002, 100003, 100004  # 蒸发一班: 刘建国 leads
OTHER_LEADER = 100008  # 郑国华, leader of 蒸发二班
UNIT_LEADER = 100005  # 孙海波, 一分场
STRANGER = 100099
T0 = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # Tuesday 3 Nov, 14:00 in Shanghai


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def clock(harness: Harness) -> Clock:
    h = harness
    c = Clock(T0)
    h.svc.attendance.clock = c
    await h.import_demo_roster()
    for uid, number in ((LEADER, "10001"), (W2, "10002"), (W3, "10003"), (W4, "10004")):
        await h.register(uid, number)
    await h.register(OTHER_LEADER, "10008")
    await h.register(UNIT_LEADER, "10005")
    h.user(STRANGER, "路人")
    await h.group(GROUP, "蒸发一班群", [LEADER, W2, W3, W4])
    await h.say(GROUP, LEADER, "/bind")
    return c


def entries(h: Harness, chat: int, after: int, method: str) -> list[dict[str, Any]]:
    return [e for e in h.emu.transcript(chat_id=chat, after_seq=after) if e["method"] == method]


def buttons(entry: dict[str, Any]) -> list[str]:
    markup = entry.get("reply_markup") or (entry.get("params") or {}).get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def tap(h: Harness, chat: int, user: int, message_id: int, text: str) -> str:
    """Press the button `text`; the toast (answerCallbackQuery text, maybe empty)."""
    events = await h.press(chat, user, message_id, button_text=text)
    answers = [e for e in events if e["method"] == "answerCallbackQuery"]
    assert len(answers) == 1, events
    return str((answers[0].get("params") or {}).get("text") or answers[0].get("text") or "")


async def ask(h: Harness, user: int, days: str, kind: str = "病假", note: str | None = None) -> str:
    """The whole worker side up to 提交; returns the reply to submitting."""
    await h.say(user, user, "/leave")
    await h.say(user, user, days)
    await tap(h, user, user, h.last_message(user)["message_id"], kind)
    if note is None:
        await tap(h, user, user, h.last_message(user)["message_id"], "跳过")
    else:
        await h.say(user, user, note)
    mark = h.mark()
    await tap(h, user, user, h.last_message(user)["message_id"], "✅ 提交")
    return "\n".join(h.sent(user, mark))


def card(h: Harness, leader: int, after: int = 0) -> dict[str, Any]:
    """The last request card the leader got (a text, or a photo with a caption)."""
    found = [
        e
        for e in h.emu.transcript(chat_id=leader, after_seq=after)
        if e["method"] in ("sendMessage", "sendPhoto") and "请假申请" in str(e.get("text") or "")
    ]
    assert found, f"no leave card for {leader}"
    return found[-1]


async def statuses(h: Harness, session_id: int) -> dict[str, str]:
    rows = await h.svc.db.fetchall(
        "SELECT m.employee_no, a.status FROM attendance a JOIN members m ON m.id = a.member_id"
        " WHERE a.session_id = ?",
        (session_id,),
    )
    return {r[0]: r[1] for r in rows}


async def test_ask_ahead_with_a_photo_approve_and_the_session_marks_it(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    first = await h.say(W4, W4, "/leave")
    assert "要请哪几天" in first[-1]
    replies = await h.say(W4, W4, "11月5日到6日")
    assert "11月5日（周四）至11月6日（周五）" in replies[-1] and "2 天" in replies[-1]
    assert buttons(h.last_message(W4)) == ["病假", "事假", "公休", "其他"]
    await tap(h, W4, W4, h.last_message(W4)["message_id"], "病假")
    assert "照片" in h.last_message(W4)["text"]
    mark = h.mark()
    h.emu.send_photo(W4, W4, caption="发烧 38.5℃，附病假条")
    await h.settle()
    confirm = h.sent(W4, mark)[-1]
    assert "已附 1 张" in confirm and "发烧 38.5℃" in confirm and "病假" in confirm
    mark = h.mark()
    await tap(h, W4, W4, h.last_message(W4)["message_id"], "✅ 提交")
    told = "\n".join(h.sent(W4, mark))
    assert "已提交" in told and "班组长" in told

    # The team leader gets the photo with the request as its caption and the two buttons.
    request = card(h, LEADER)
    assert request["method"] == "sendPhoto"
    assert "赵振磊" in request["text"] and "病假" in request["text"] and "附照片" in request["text"]
    assert buttons(request) == ["✅ 批准", "❌ 不批准"]
    assert not [e for e in h.emu.transcript(chat_id=GROUP) if "请假申请" in str(e.get("text"))]
    mark = h.mark()
    toast = await tap(h, LEADER, LEADER, request["message_id"], "✅ 批准")
    assert "已批准" in toast and "&lt;" not in toast
    edited = h.emu.message(LEADER, request["message_id"])
    assert edited is not None and "刘建国 已批准" in str(edited.get("caption"))
    assert not (edited.get("reply_markup") or {}).get("inline_keyboard")
    assert any("已获批准" in t for t in h.sent(W4, mark))
    # Pressing again (a second leader, or twice) changes nothing.
    again = await h.svc.leave.decide(
        (await identify(h.svc.people, h.svc.settings, LEADER)).actor, 1, True, "刘建国"
    )
    assert again.outcome is Decided.DONE_ALREADY

    # 5 Nov: the leader opens the study; 赵振磊 is on leave from the start, audited.
    clock.now = T0 + timedelta(days=2)
    await h.say(GROUP, LEADER, "/study 安全规程学习")
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    assert (await statuses(h, session_id))["10004"] == "leave"
    assert "请假 1" in h.last_message(GROUP)["text"]
    trail = await h.svc.attendance.repo.audit_trail(session_id)
    assert len(trail) == 1 and trail[0].actor is None and "病假" in (trail[0].reason or "")
    session = await h.svc.attendance.repo.session(session_id)
    assert session is not None
    summary = await h.svc.sessions.summary_text(session)
    assert "请假：赵振磊" in summary
    # A press of 签到 by someone on leave is answered as such.
    # 7 Nov is outside the leave: a session then has them on the roster as usual.
    await h.svc.sessions.close_session(session_id, LEADER)
    # The month's report counts it as leave, and its workbook lists the request and the change.
    mark = h.mark()
    text = "\n".join(await h.say(LEADER, LEADER, "/report 2026-11"))
    assert "请假 1" in text or "请假1" in text, text
    files = documents(h, LEADER, mark)
    assert sheet_rows(files, "汇总")[1][6] == 1  # 请假 of 蒸发一班
    asked = sheet_rows(files, "请假申请")
    assert asked[0][4:10] == ("类型", "开始日期", "结束日期", "天数", "状态", "申请时间")
    assert asked[1][3:9] == (
        "赵振磊",
        "病假",
        datetime(2026, 11, 5),
        datetime(2026, 11, 6),
        2,
        "已批准",
    )
    assert asked[1][10] == "刘建国" and "发烧" in asked[1][12]
    changes = sheet_rows(files, "修改记录")
    assert changes[1][3] == "赵振磊" and changes[1][9] == "请假" and "病假" in changes[1][10]
    clock.now = T0 + timedelta(days=4)
    later = await h.svc.sessions.open_session(
        1, "形势任务", clock.now, clock.now + timedelta(hours=1), None
    )
    assert (await statuses(h, later.id))["10004"] == "pending"


async def test_approval_of_today_marks_the_open_session_and_its_tally(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    await h.say(GROUP, LEADER, "/study 班前安全")
    post = h.last_message(GROUP)
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    told = await ask(h, W3, "今天", "事假", note="孩子发烧去医院")
    assert "已提交" in told
    request = card(h, LEADER)
    assert request["method"] == "sendMessage" and "孩子发烧去医院" in request["text"]
    toast = await tap(h, LEADER, LEADER, request["message_id"], "✅ 批准")
    assert "1 次学习" in toast
    assert (await statuses(h, session_id))["10003"] == "leave"
    assert await h.svc.attendance.tally.drain()
    await h.settle()
    shown = h.emu.message(GROUP, post["message_id"])
    assert shown is not None and "请假 1" in str(shown["text"])


async def test_refusal_needs_a_reason_and_the_worker_hears_it(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    await ask(h, W2, "11月10日", "公休")
    request = card(h, LEADER)
    toast = await tap(h, LEADER, LEADER, request["message_id"], "❌ 不批准")
    assert "理由" in toast
    assert "理由" in h.last_message(LEADER)["text"]
    blank = await h.say(LEADER, LEADER, "\u200b ")
    assert "不能为空" in blank[-1]
    long = await h.say(LEADER, LEADER, "忙" * 301)
    assert "最多 300 字" in long[-1]
    mark = h.mark()
    await h.say(LEADER, LEADER, "那天全厂检修，人手不够<b>")
    assert any("未批准" in t or "不批准" in t for t in h.sent(LEADER, mark))
    edited = h.emu.message(LEADER, request["message_id"])
    assert edited is not None and "未批准：那天全厂检修，人手不够&lt;b&gt;" not in str(
        edited["text"]
    )
    assert "未批准：那天全厂检修，人手不够<b>" in str(
        edited["text"]
    )  # escaped once, shown as typed
    told = [t for t in h.sent(W2, mark) if "没有获批" in t]
    assert told and "那天全厂检修" in told[0]
    row = await h.svc.db.fetchval("SELECT status || '|' || decision_reason FROM leave_requests")
    assert row == "refused|那天全厂检修，人手不够<b>"


async def test_bad_input_is_named_and_nothing_is_saved(harness: Harness, clock: Clock) -> None:
    h = harness
    await h.say(W4, W4, "/leave")
    assert "已经过去" in (await h.say(W4, W4, "11月1日"))[-1]
    assert "早于开始" in (await h.say(W4, W4, "11月7日到5日"))[-1]
    assert "最多请 60 天" in (await h.say(W4, W4, "11-05至2027-03-01"))[-1]
    assert "没看懂" in (await h.say(W4, W4, "下礼拜吧"))[-1]
    flood = (await h.say(W4, W4, "x" * 4000))[-1]
    assert "没看懂" in flood and len(flood) < 200  # never echo unbounded input
    mark = h.mark()
    h.emu.send_photo(W4, W4)
    await h.settle()
    assert "先用文字写日期" in h.sent(W4, mark)[-1]
    await h.say(W4, W4, "明天")
    assert "按钮" in (await h.say(W4, W4, "旷工"))[-1]
    await tap(h, W4, W4, h.last_message(W4)["message_id"], "其他")
    prompt = h.last_message(W4)
    assert "跳过" in buttons(prompt)
    assert "最多 300 字" in (await h.say(W4, W4, "长" * 301))[-1]
    mark = h.mark()
    h.emu.send_document(W4, W4, "病假条.pdf", b"%PDF-1.4 fake")
    await h.settle()
    assert "不要以文件形式" in h.sent(W4, mark)[-1]
    await h.say(W4, W4, "/cancel")
    assert await h.svc.db.fetchval("SELECT count(*) FROM leave_requests") == 0
    # An old button of the ended flow is stale, not applied.
    assert "失效" in await tap(h, W4, W4, prompt["message_id"], "跳过")
    assert "登记" in (await h.say(STRANGER, STRANGER, "/leave"))[-1]


async def test_overlap_refused_and_withdraw_before_the_first_day(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    assert "已提交" in await ask(h, W4, "11月5日到7日")
    assert "已经有请假" in await ask(h, W4, "11月7日")
    await tap(h, LEADER, LEADER, card(h, LEADER)["message_id"], "✅ 批准")
    await h.say(W4, W4, "/leave")
    intro = h.last_message(W4)
    assert "已批准" in intro["text"] and "11月5日（周四）至11月7日（周六）" in intro["text"]
    mark = h.mark()
    toast = await tap(h, W4, W4, intro["message_id"], buttons(intro)[0])
    assert "已撤销" in toast
    assert any("撤销了请假" in t for t in h.sent(LEADER, mark))
    row = await h.svc.db.fetchval("SELECT status FROM leave_requests WHERE id = 1")
    assert row == "cancelled"
    # After the first day has come, withdrawing is refused (the roll may count it already).
    assert "已提交" in await ask(h, W4, "11月4日")
    await h.say(W4, W4, "/leave")
    intro = h.last_message(W4)
    clock.now = T0 + timedelta(days=1)
    toast = await tap(h, W4, W4, intro["message_id"], buttons(intro)[0])
    assert "不能再撤销" in toast
    status = await h.svc.db.fetchval("SELECT status FROM leave_requests WHERE id = 2")
    assert status == "pending"


async def test_wrong_role_cannot_decide(harness: Harness, clock: Clock) -> None:
    h = harness
    await ask(h, W4, "11月5日")
    leave_id = await h.svc.db.fetchval("SELECT max(id) FROM leave_requests")
    forged = InlineKeyboardMarkup(
        [[InlineKeyboardButton("批准", callback_data=Decide(leave_id, True).encode())]]
    )
    for user in (OTHER_LEADER, W2):  # another team's leader; a worker of the same team
        old = await h.app.bot.send_message(user, "旧消息", reply_markup=forged)
        await h.settle()
        toast = await tap(h, user, user, old.message_id, "批准")
        assert "只有申请人所在班组的班组长" in toast
    assert await h.svc.db.fetchval("SELECT status FROM leave_requests") == "pending"
    # /leave 审批 lists only what the leader may decide.
    assert "没有等你审批" in (await h.say(OTHER_LEADER, OTHER_LEADER, "/leave 审批"))[-1]
    mark = h.mark()
    await h.say(LEADER, LEADER, "/leave 审批")
    assert any("1 条" in t for t in h.sent(LEADER, mark))
    # A team leader's own leave goes to the unit leader, and they cannot approve it themselves.
    told = await ask(h, LEADER, "11月9日", "公休")
    assert "单位负责人" in told
    own = await h.svc.db.fetchval("SELECT max(id) FROM leave_requests")
    actor = (await identify(h.svc.people, h.svc.settings, LEADER)).actor
    assert (await h.svc.leave.decide(actor, own, True, "刘建国")).outcome is Decided.NOT_ALLOWED
    unit_card = card(h, UNIT_LEADER)
    assert "刘建国" in unit_card["text"]
    assert "已批准" in await tap(h, UNIT_LEADER, UNIT_LEADER, unit_card["message_id"], "✅ 批准")


async def test_a_scheduled_style_session_of_a_unit_marks_leave_too(
    harness: Harness, clock: Clock
) -> None:
    """A joint session of the unit (team None) marks its members on approved leave."""
    h = harness
    await ask(h, W2, "11月5日", "事假")
    await tap(h, LEADER, LEADER, card(h, LEADER)["message_id"], "✅ 批准")
    start = T0 + timedelta(days=2)
    team = await h.svc.org.team(1)
    assert team is not None
    joint = await h.svc.sessions.open_session(
        None, "全分场大会", start, start + timedelta(hours=1), None, unit_id=team.unit_id
    )
    assert (await statuses(h, joint.id))["10002"] == "leave"
    assert LeaveType.PERSONAL.value == "personal"


async def test_a_withdrawal_updates_the_leaders_roll_card_like_a_check_in(
    harness: Harness, clock: Clock
) -> None:
    """A leader's roll card (/roll) follows the open session: a check-in changes it, and so
    does a worker withdrawing leave that had marked them 请假 in a session already open (a
    night-shift session opens before midnight, on the eve of the leave's first day)."""
    h = harness
    assert "已提交" in await ask(h, W4, "明天")  # 11月4日
    await tap(h, LEADER, LEADER, card(h, LEADER)["message_id"], "✅ 批准")
    starts = datetime(2026, 11, 3, 16, 10, tzinfo=UTC)  # 11月4日 00:10 in Shanghai
    clock.now = starts - timedelta(minutes=14)  # 23:56 on the 3rd: check-in is open
    session = await h.svc.sessions.open_session(
        1, "夜班班前", starts, starts + timedelta(hours=1), None
    )
    assert await h.svc.sessions.post_session(session) == 1
    await h.settle()
    assert (await statuses(h, session.id))["10004"] == "leave"
    await h.say(GROUP, LEADER, "/roll")
    roll = h.last_message(LEADER)
    assert "出勤 0，迟到 0，请假 1" in roll["text"]

    (post,) = await h.svc.attendance.repo.posts(session.id)
    await h.press(GROUP, W2, post[1], data=f"att:v1:{session.id}:in")
    assert await h.svc.attendance.tally.drain()
    await h.settle()
    live = h.emu.message(LEADER, roll["message_id"])
    assert live is not None and "出勤 1，迟到 0，请假 1" in str(live["text"])

    await h.say(W4, W4, "/leave")
    intro = h.last_message(W4)
    assert "已撤销" in await tap(h, W4, W4, intro["message_id"], buttons(intro)[0])
    assert (await statuses(h, session.id))["10004"] == "pending"
    assert await h.svc.attendance.tally.drain()
    await h.settle()
    live = h.emu.message(LEADER, roll["message_id"])
    assert live is not None and "出勤 1，迟到 0，请假 0" in str(live["text"])
    group_post = h.emu.message(GROUP, post[1])
    assert group_post is not None and "请假" not in str(group_post["text"]).split("\n")[-1]
    trail = await h.svc.attendance.repo.audit_trail(session.id)
    assert [(a.old, a.new, a.actor) for a in trail][-1] == (
        Status.LEAVE, Status.PENDING, None
    )  # fmt: skip


async def test_every_card_shows_the_decision_and_the_withdrawal(
    harness: Harness, clock: Clock
) -> None:
    """The cards are edited with the decision or withdrawal itself (outbox rows of its
    transaction), not by the press: a decision made elsewhere (here: the service, as from
    another leader's card or /leave 审批) and a withdrawal leave no card offering buttons."""
    h = harness
    await ask(h, W4, "11月5日")
    first = card(h, LEADER)
    assert buttons(first) == ["✅ 批准", "❌ 不批准"]
    actor = (await identify(h.svc.people, h.svc.settings, UNIT_LEADER)).actor
    assert (await h.svc.leave.decide(actor, 1, True, "孙海波")).outcome is Decided.APPROVED
    await h.settle()
    shown = h.emu.message(LEADER, first["message_id"])
    assert shown is not None and "孙海波 已批准" in str(shown["text"])
    assert not (shown.get("reply_markup") or {}).get("inline_keyboard")
    # Withdrawn by the worker: the card says so, still without buttons.
    await h.say(W4, W4, "/leave")
    intro = h.last_message(W4)
    await tap(h, W4, W4, intro["message_id"], buttons(intro)[0])
    await h.settle()
    shown = h.emu.message(LEADER, first["message_id"])
    assert shown is not None and "申请人已撤销" in str(shown["text"])
    assert not (shown.get("reply_markup") or {}).get("inline_keyboard")
    # A request withdrawn while it still waits loses its buttons too.
    await ask(h, W4, "11月9日")
    second = card(h, LEADER, after=0)
    await h.say(W4, W4, "/leave")
    intro = h.last_message(W4)
    await tap(h, W4, W4, intro["message_id"], buttons(intro)[0])
    await h.settle()
    shown = h.emu.message(LEADER, second["message_id"])
    assert shown is not None and "申请人已撤销" in str(shown["text"])
    assert not (shown.get("reply_markup") or {}).get("inline_keyboard")
