"""Study sessions end to end through the emulator: /study or a schedule, check-in (on time,
late, twice, outsider, after the window), leave, roll call, closing, changes after closing,
make-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.attendance import Refusal, Status
from bot.services import sessions as ss
from tests.botfixtures import Harness, build_test_app, start_polling

GROUP = -1001000000001
OTHER_GROUP = -1001000000002
LEADER, W2, W3, W4 = 100001, 100002, 100003, 100004
OTHER_WORKER = 100009  # 蒸发二班, but a member of GROUP in Telegram
STRANGER = 100099  # never registered
T0 = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> None:
        self.now = T0 + timedelta(minutes=minutes)


@pytest.fixture
async def team(harness: Harness) -> Clock:
    h = harness
    clock = Clock(T0)
    h.svc.attendance.clock = clock
    await h.import_demo_roster()
    for uid, number in ((LEADER, "10001"), (W2, "10002"), (W3, "10003"), (W4, "10004")):
        await h.register(uid, number)
    await h.register(OTHER_WORKER, "10009")
    h.user(STRANGER, "路人")
    await h.group(GROUP, "蒸发一班群", [LEADER, W2, W3, W4, OTHER_WORKER, STRANGER])
    await h.say(GROUP, LEADER, "/bind")
    return clock


async def start(h: Harness, text: str = "/study 安全规程学习\n第三章 皮带机安全") -> dict[str, Any]:
    await h.say(GROUP, LEADER, text)
    return h.last_message(GROUP)


async def press(h: Harness, user: int, message_id: int, action: str = "in") -> dict[str, Any]:
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    entries = await h.press(GROUP, user, message_id, data=f"att:v1:{session_id}:{action}")
    answers = [e for e in entries if e["method"] == "answerCallbackQuery"]
    assert len(answers) == 1, entries
    return answers[0]


async def shown(h: Harness, message_id: int) -> str:
    assert await h.svc.attendance.tally.drain()
    await h.settle()
    msg = h.emu.message(GROUP, message_id)
    assert msg is not None
    return str(msg["text"])


async def statuses(h: Harness) -> dict[str, str]:
    rows = await h.svc.db.fetchall(
        "SELECT m.employee_no, a.status FROM attendance a JOIN members m ON m.id = a.member_id"
        " WHERE a.session_id = (SELECT max(id) FROM study_sessions)"
    )
    return {r[0]: r[1] for r in rows}


def private_buttons(h: Harness, user: int) -> dict[str, Any]:
    return h.last_message(user)


async def press_button(h: Harness, chat: int, user: int, message_id: int, text: str) -> str:
    entries = await h.press(chat, user, message_id, button_text=text)
    return next(str(e["text"]) for e in entries if e["method"] == "answerCallbackQuery")


def button_text(message: dict[str, Any], contains: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for b in row:
            if contains in b["text"]:
                return str(b["text"])
    raise AssertionError(f"no button with {contains!r} in {message['reply_markup']}")


async def test_whole_session_from_study_to_summary(harness: Harness, team: Clock) -> None:
    h = harness
    mark = h.mark()
    msg = await start(h)
    assert "安全规程学习" in msg["text"] and "第三章" in msg["text"]
    assert "已签到 0/7" in msg["text"] and "14:05 后算迟到" in msg["text"]
    mid = msg["message_id"]

    team.at(1)
    ok = await press(h, W2, mid)
    assert "签到成功" in ok["text"] and "14:01:00" in ok["text"]
    again = await press(h, W2, mid)
    assert "无需重复" in again["text"]
    team.at(10)
    late = await press(h, W3, mid)
    assert "迟到" in late["text"] and "14:10:00" in late["text"]
    outsider = await press(h, OTHER_WORKER, mid)
    assert "不在本班组" in outsider["text"]
    stranger = await press(h, STRANGER, mid)
    assert "还没有登记" in stranger["text"]
    assert "已签到 2/7" in await shown(h, mid)
    # One group message for the whole session; presses are answered privately.
    group_sends = [
        e for e in h.emu.transcript(chat_id=GROUP, after_seq=mark) if e["method"] == "sendMessage"
    ]
    assert len(group_sends) == 1

    await h.say(GROUP, LEADER, "/roll")
    roll = h.last_message(LEADER)
    assert "点名" in roll["text"]
    await press_button(h, LEADER, LEADER, roll["message_id"], button_text(roll, "赵振磊"))
    assert (await statuses(h))["10004"] == "present"
    toast = await press_button(h, LEADER, LEADER, roll["message_id"], "🔒 结束并公布")
    assert "已结束" in toast
    summary = h.last_message(GROUP)["text"]
    assert "缺勤 4" in summary and "迟到：陈志强" in summary
    for name in ("刘建国", "孙海波", "周婷", "吴德明"):
        assert name in summary
    final = h.emu.message(GROUP, mid)
    assert final is not None and "已结束" in final["text"] and not final.get("reply_markup")
    assert await statuses(h) == {
        "10001": "absent",
        "10002": "present",
        "10003": "late",
        "10004": "present",
        "10005": "absent",
        "10006": "absent",
        "10007": "absent",
    }


async def test_window_rules_and_button_after_window(harness: Harness, team: Clock) -> None:
    h = harness
    team.at(-30)  # 13:30, session starts at 14:00
    start_at = T0
    session = await h.svc.sessions.open_session(
        1, "形势任务教育", start_at, start_at + timedelta(hours=1), None
    )
    assert await h.svc.sessions.post_session(session) == 1
    await h.settle()  # the outbox sends it
    posts = await h.svc.attendance.repo.posts(session.id)
    assert posts and posts[0][0] == GROUP
    mid = posts[0][1]
    early = await press(h, W2, mid)
    assert "还没有开始" in early["text"] and "13:45" in early["text"]
    team.at(31)
    over = await press(h, W2, mid)
    assert "截止" in over["text"]
    await h.svc.sessions.tick()
    text = await shown(h, mid)
    assert "签到已截止" in text
    assert button_text(h.emu.message(GROUP, mid) or {}, "截止")
    team.at(61)
    await h.svc.sessions.tick()  # past the end: closes by itself, once
    await h.svc.sessions.tick()
    await h.settle()
    summaries = [t for t in h.sent(GROUP) if "学习考勤" in t]
    assert len(summaries) == 1 and "缺勤 7" in summaries[0]


async def test_leave_approved_and_refused(harness: Harness, team: Clock) -> None:
    h = harness
    msg = await start(h)
    replies = await h.say(GROUP, W4, "/leave 家中老人住院")
    assert "等待班组长审批" in replies[0]
    request = h.last_message(LEADER)
    assert "赵振磊" in request["text"] and "家中老人住院" in request["text"]
    assert "已批准" in await press_button(h, LEADER, LEADER, request["message_id"], "✅ 批准")
    assert (await statuses(h))["10004"] == "leave"
    assert "已批准" in h.last_message(W4)["text"]
    # The 请假 button asks for the reason privately.
    await press(h, W3, msg["message_id"], "leave")
    assert "请假原因" in h.last_message(W3)["text"]
    await h.say(W3, W3, "倒班")
    request = h.last_message(LEADER)
    assert "陈志强" in request["text"]
    assert "未批准" in await press_button(h, LEADER, LEADER, request["message_id"], "❌ 不批准")
    assert (await statuses(h))["10003"] == "pending"
    assert "没有获批" in h.last_message(W3)["text"]
    assert "请假 1" in await shown(h, msg["message_id"])


async def test_roll_changes_after_close_need_a_reason(harness: Harness, team: Clock) -> None:
    h = harness
    msg = await start(h)
    team.at(1)
    await press(h, W2, msg["message_id"])
    await h.say(GROUP, LEADER, "/roll")
    roll = h.last_message(LEADER)
    await press_button(h, LEADER, LEADER, roll["message_id"], "🔒 结束并公布")
    closed_roll = h.emu.message(LEADER, roll["message_id"])
    assert closed_roll is not None and "已结束" in closed_roll["text"]
    roll = closed_roll

    # A press on a name offers the statuses it may be corrected to (not the recorded one).
    mid = roll["message_id"]
    toast = await press_button(h, LEADER, LEADER, mid, button_text(roll, "陈志强"))
    assert "陈志强 现为“缺勤”" in toast
    picker = h.emu.message(LEADER, mid)
    assert picker is not None
    labels = [b["text"] for row in picker["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["✅ 出勤", "⏰ 迟到", "📝 请假", "📚 补学", "↩ 返回点名表"]
    await press_button(h, LEADER, LEADER, mid, "↩ 返回点名表")
    back = h.emu.message(LEADER, mid)
    assert back is not None and button_text(back, "陈志强")

    # Without a reason nothing changes: the pick only proposes, /cancel drops it.
    await press_button(h, LEADER, LEADER, mid, button_text(back, "陈志强"))
    await press_button(h, LEADER, LEADER, mid, "📝 请假")
    assert "“缺勤”改为“请假”" in h.last_message(LEADER)["text"]
    await h.say(LEADER, LEADER, "/cancel")
    assert (await statuses(h))["10003"] == "absent"
    # The service refuses a silent change outright.
    session = await h.svc.attendance.repo.latest_session(1)
    assert session is not None
    member = await h.svc.people.by_employee_no("10003")
    assert member is not None
    change = await h.svc.sessions.change_status(
        session, member.member_id, Status.PRESENT, LEADER, ""
    )
    assert change.outcome is Refusal.REASON_REQUIRED
    assert (await statuses(h))["10003"] == "absent"
    # A stale pick (the record changed meanwhile to the status picked) is answered, not applied.
    await press_button(
        h, LEADER, LEADER, mid, button_text(h.emu.message(LEADER, mid) or {}, "陈志强")
    )
    await h.svc.sessions.change_status(session, member.member_id, Status.LATE, LEADER, "核对签到表")
    stale = await press_button(h, LEADER, LEADER, mid, "⏰ 迟到")
    assert "失效" in stale
    await h.svc.sessions.change_status(
        session, member.member_id, Status.ABSENT, LEADER, "改回原记录"
    )
    await press_button(h, LEADER, LEADER, mid, "↩ 返回点名表")
    assert (await statuses(h))["10003"] == "absent"

    # With a reason: the status picked (changed once from 迟到 to 请假) is applied with the one
    # reason given for it, and audited (who, when, old → new, why).
    again = h.emu.message(LEADER, mid)
    assert again is not None
    await press_button(h, LEADER, LEADER, mid, button_text(again, "陈志强"))
    await press_button(h, LEADER, LEADER, mid, "⏰ 迟到")
    assert "“缺勤”改为“迟到”" in h.last_message(LEADER)["text"]
    again = h.emu.message(LEADER, mid)
    assert again is not None
    await press_button(h, LEADER, LEADER, mid, button_text(again, "陈志强"))
    await press_button(h, LEADER, LEADER, mid, "📝 请假")
    assert "“缺勤”改为“请假”" in h.last_message(LEADER)["text"]
    replies = await h.say(LEADER, LEADER, "x")
    assert "至少两个字" in replies[0]
    replies = await h.say(LEADER, LEADER, "事先口头请过假，补录")
    assert "已修改" in replies[0] and "缺勤 → 请假" in replies[0]
    assert (await statuses(h))["10003"] == "leave"
    trail = await h.svc.attendance.repo.audit_trail(session.id)
    assert [(a.actor, a.old, a.new, a.reason) for a in trail][-1] == (
        LEADER,
        Status.ABSENT,
        Status.LEAVE,
        "事先口头请过假，补录",
    )


async def test_makeup_within_days(harness: Harness, team: Clock) -> None:
    h = harness
    await start(h)
    team.at(90)
    await h.svc.sessions.tick()  # closes: W4 absent
    replies = await h.say(W4, W4, "/makeup 已观看学习视频并做了笔记")
    assert "等待班组长确认" in replies[0]
    again = await h.say(W4, W4, "/makeup")
    assert "正在等待" in again[0]
    request = h.last_message(LEADER)
    assert "补学确认" in request["text"]
    await press_button(h, LEADER, LEADER, request["message_id"], "✅ 确认补学")
    assert (await statuses(h))["10004"] == "makeup"
    assert "补学" in h.last_message(W4)["text"]
    # Past the allowed days, an absence can no longer be made up.
    team.at(60 * 24 * 8)
    replies = await h.say(W3, W3, "/makeup")
    assert "7 天内没有" in replies[0]


async def test_study_refused_for_workers_and_unbound_groups(harness: Harness, team: Clock) -> None:
    h = harness
    replies = await h.say(GROUP, W2, "/study 偷偷开始")
    assert "只有本班组的班组长" in replies[0]
    await h.group(OTHER_GROUP, "闲聊群", [LEADER])
    replies = await h.say(OTHER_GROUP, LEADER, "/study")
    assert "还没有绑定" in replies[0]
    await start(h)
    replies = await h.say(GROUP, LEADER, "/study 又一次")
    assert "正在进行学习" in replies[0]
    assert await h.svc.db.fetchval("SELECT count(*) FROM study_sessions") == 1


async def test_summary_says_all_present_only_when_nobody_was_on_leave(
    harness: Harness, team: Clock
) -> None:
    h = harness
    await start(h)
    session = await h.svc.attendance.session(
        await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    )
    assert session is not None
    async with h.svc.db.transaction() as tx:
        await tx.execute("UPDATE attendance SET status = 'present' WHERE session_id = ?",
                         (session.id,))  # fmt: skip
    everyone = await h.svc.sessions.summary_text(session)
    assert "全员到齐" in everyone
    async with h.svc.db.transaction() as tx:
        await tx.execute(
            "UPDATE attendance SET status = 'leave' WHERE session_id = ? AND member_id ="
            " (SELECT id FROM members WHERE employee_no = '10004')",
            (session.id,),
        )
    with_leave = await h.svc.sessions.summary_text(session)
    assert "全员到齐" not in with_leave
    assert "无人缺勤（1 人请假）" in with_leave and "请假：赵振磊" in with_leave


async def test_study_message_overtakes_a_broadcast_in_progress(
    harness: Harness, team: Clock
) -> None:
    """/study's session message is a reply to the leader: it goes ahead of a queued broadcast
    (interactive outbox rows), not after the hundreds of rows queued before it."""
    from bot.repos.outbox import OutMessage

    h = harness
    crowd = [700000 + i for i in range(200)]
    for uid in crowd:
        h.user(uid, f"职{uid % 100}")
        h.emu.state.users[uid].started = True
    outbox, handed = h.svc.outbox, []
    real_enqueue = outbox.enqueue

    async def enqueue(messages: Any, tx: Any = None) -> int:
        if any(m.purpose == "session" for m in messages):
            handed.append(h.mark())  # where the broadcast was when /study handed its message
        return await real_enqueue(messages, tx)

    outbox.enqueue = enqueue  # type: ignore[method-assign]
    await outbox.enqueue(
        [OutMessage(u, f"通知 {u} {p}", "test", f"crowd:{u}:{p}") for p in (1, 2, 3) for u in crowd]
    )
    session = await start(h)
    assert "签到" in session["text"] and handed
    between = [
        e
        for e in h.emu.transcript(after_seq=handed[0])
        if e["chat_id"] in crowd and e["seq"] < session["seq"]
    ]
    left = [e for e in h.emu.transcript(after_seq=session["seq"]) if e["chat_id"] in crowd]
    # At most the rows already claimed ahead went first; hundreds were still queued.
    assert len(between) <= outbox.max_inflight + outbox.max_on_wire < len(left), len(between)


async def test_study_again_hands_over_a_session_left_without_its_message(
    harness: Harness, team: Clock
) -> None:
    """A crash between opening the session and handing its message to the outbox: the next
    /study says one is running and hands the message over (once; never a second copy)."""
    h = harness
    now = h.svc.attendance.now()
    session = await h.svc.sessions.open_session(
        1, "安全规程", now, now + timedelta(hours=1), LEADER
    )
    mark = h.mark()
    await h.say(GROUP, LEADER, "/study")
    await h.say(GROUP, LEADER, "/study")
    posted = [
        e
        for e in h.emu.transcript(after_seq=mark)
        if e["method"] == "sendMessage" and "安全规程" in str(e["text"]) and e.get("reply_markup")
    ]
    assert len(posted) == 1 and posted[0]["chat_id"] == GROUP
    assert await h.svc.attendance.repo.posts(session.id) == [(GROUP, posted[0]["message_id"])]
    assert sum("正在进行学习" in t for t in h.sent(GROUP, mark)) == 2


async def test_restart_shows_a_press_whose_tally_edit_was_lost(
    harness: Harness, team: Clock
) -> None:
    """A check-in recorded just before a crash, its tally edit never made: the restarted bot
    brings the session's message up to date by itself."""
    h = harness
    msg = await start(h)
    before = await shown(h, msg["message_id"])
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()
    h.app = build_test_app(h.emu, h.tmp)
    await h.app.initialize()
    h.svc.attendance.clock = team
    # What the killed process left: the row, not the edit.
    await h.svc.db.execute(
        "UPDATE attendance SET status = 'present', checked_in_at = ?"
        " WHERE session_id = (SELECT max(id) FROM study_sessions)"
        " AND member_id = (SELECT id FROM members WHERE employee_no = '10002')",
        ("2026-11-03T06:01:00.000Z",),
    )
    await start_polling(h.app)
    after = await shown(h, msg["message_id"])
    assert "已签到 0/7" in before and "已签到 1/7" in after
    await h.settle()
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()


def edits_of(h: Harness, message_id: int, after: int) -> list[str]:
    return [
        str(e["text"])
        for e in h.emu.transcript(chat_id=GROUP, after_seq=after)
        if e["method"] == "editMessageText" and e.get("message_id") == message_id
    ]


async def test_restart_between_a_press_and_its_edit_edits_once_with_the_right_count(
    harness: Harness, team: Clock
) -> None:
    """The press's edit is an outbox row written with the check-in: the bot dies before it is
    sent, and the restarted bot makes it exactly once (the start-up refresh of open sessions
    coalesces into the same row), showing the count from the database."""
    h = harness
    msg = await start(h)
    mid = msg["message_id"]
    assert "已签到 0/7" in await shown(h, mid)
    await h.svc.outbox.stop()  # from here nothing leaves: as if the process died after the press
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    team.at(1)
    for number in ("10002", "10003"):
        person = await h.svc.people.by_employee_no(number)
        result = await h.svc.sessions.check_in(session_id, person)
        assert result.outcome is ss.Press.RECORDED
    waiting = await h.svc.db.fetchval(
        "SELECT count(*) FROM outbox WHERE kind = 'edit' AND state = 'pending'"
    )
    assert waiting == 1  # two presses, one edit queued for the one message
    mark = h.mark()
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()
    h.app = build_test_app(h.emu, h.tmp)
    await h.app.initialize()
    h.svc.attendance.clock = team
    await start_polling(h.app)
    assert "已签到 2/7" in await shown(h, mid)
    assert edits_of(h, mid, mark) == [str((h.emu.message(GROUP, mid) or {})["text"])]
    assert len(edits_of(h, mid, mark)) == 1
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()


async def test_many_presses_make_few_edits(harness: Harness, team: Clock) -> None:
    h = harness
    msg = await start(h)
    mid = msg["message_id"]
    await shown(h, mid)
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    mark = h.mark()
    team.at(1)
    people = [await h.svc.people.by_employee_no(f"1000{i}") for i in range(1, 8)]
    for person in people:
        result = await h.svc.sessions.check_in(session_id, person)
        assert result.outcome is ss.Press.RECORDED
    assert "已签到 7/7" in await shown(h, mid)
    edits = edits_of(h, mid, mark)
    assert 1 <= len(edits) <= 3 and "已签到 7/7" in edits[-1], edits


async def test_a_press_on_the_roll_card_edits_the_card_once(harness: Harness, team: Clock) -> None:
    """The leader marks themselves present on their own roll card: the card is edited once
    (by the press; the tally does not edit it again to the same text) and the group's session
    message once."""
    h = harness
    msg = await start(h)
    await h.say(GROUP, LEADER, "/roll")
    card = h.last_message(LEADER)
    await h.settle()
    calls = h.emu.state.stats.calls["editMessageText"]
    mark = h.mark()
    await press_button(h, LEADER, LEADER, card["message_id"], button_text(card, "刘建国"))
    assert await h.svc.attendance.tally.drain()
    await h.settle()
    assert (await statuses(h))["10001"] == "present"
    edits = [e for e in h.emu.transcript(after_seq=mark) if e["method"] == "editMessageText"]
    assert sorted((e["chat_id"], e["message_id"]) for e in edits) == sorted(
        [(LEADER, card["message_id"]), (GROUP, msg["message_id"])]
    )
    assert h.emu.state.stats.calls["editMessageText"] - calls == 2  # no "not modified" try
    assert "✅ 刘建国" in button_text(h.emu.message(LEADER, card["message_id"]) or {}, "刘建国")
