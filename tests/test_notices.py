"""Notices end to end through the emulator: compose, audiences, roles, delivery, 收到, status,
reminders, fallback, blocked recipients, long notices, faults."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.domain.auth import Actor, Role
from bot.services import notices as rules
from bot.services.notices import Audience, Content, TooLong
from tests.botfixtures import ADMIN_ID, Harness

G1, G2, G3 = -1003000000001, -1003000000002, -1003000000003  # 蒸发一班, 蒸发二班, 包装班
REGISTERED = ["10001", "10002", "10003", "10005", "10008", "10009", "10015"]
HEADER = "📢"


def uid(employee_no: str) -> int:
    return 90000 + int(employee_no)  # 10001 -> 100001


async def org(h: Harness, registered: list[str] = REGISTERED) -> None:
    await h.import_demo_roster()
    for no in registered:
        await h.register(uid(no), no)
    teams = {t.name: t.id for t in await h.svc.org.teams()}
    for i, (chat, team) in enumerate(((G1, "蒸发一班"), (G2, "蒸发二班"), (G3, "包装班"))):
        members = [uid(n) for n in registered if (int(n) - 10001) // 7 == i]
        await h.group(chat, f"{team}群", members)
        await h.svc.groups.bind(chat, teams[team], ADMIN_ID)


def current(h: Harness, user: int) -> dict[str, Any]:
    msg = h.emu.message(user, int(h.last_message(user)["message_id"]))
    assert msg is not None
    return msg


async def tap(h: Harness, user: int, button: str) -> str:
    """Press a button of the bot's latest message to `user`; the message's text after."""
    await h.press(user, user, int(h.last_message(user)["message_id"]), button_text=button)
    return str(current(h, user).get("text", ""))


def buttons(h: Harness, user: int) -> list[str]:
    markup = current(h, user).get("reply_markup") or {"inline_keyboard": []}
    return [b["text"] for row in markup["inline_keyboard"] for b in row]


async def compose(h: Harness, user: int, text: str, *choices: str) -> str:
    assert "请发送通知内容" in (await h.say(user, user, "/notice"))[-1]
    replies = await h.say(user, user, text)
    assert "发给谁" in replies[-1], replies
    shown = ""
    for choice in choices:
        shown = await tap(h, user, choice)
    return shown


async def drain(h: Harness) -> None:
    assert await h.svc.outbox.wait_idle(20), "outbox did not drain"
    await h.settle()


def notices_by_chat(h: Harness, after: int = 0) -> Counter[int]:
    return Counter(
        int(e["chat_id"])
        for e in h.emu.transcript(after_seq=after)
        if e["method"] in ("sendMessage", "sendDocument") and HEADER in str(e.get("text"))
    )


async def recipients(h: Harness, notice_id: int) -> dict[str, str]:
    rows = await h.svc.notices.repo.status(notice_id)
    return {r.name: r.via for r in rows}


async def test_admin_notice_to_everyone_groups_and_private(harness: Harness) -> None:
    h = harness
    await org(h)
    mark = h.mark()
    preview = await compose(
        h, ADMIN_ID, "明天上午9点安全例会，请准时参加。", "全体人员", "班组群和私聊"
    )
    assert "共 28 人" in preview and "班组群 3 个" in preview and "私聊 7 人" in preview
    # 机修班 has no group and nobody there registered: 7 cannot be reached at all.
    assert "无法送达（既无私聊也无班组群）：7 人" in preview
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    got = notices_by_chat(h, mark)
    assert set(got) == {G1, G2, G3, *(uid(n) for n in REGISTERED)}
    assert set(got.values()) == {1}
    progress = str(current(h, ADMIN_ID)["text"])
    assert "发送完毕" in progress and "已发送 10/10" in progress
    assert h.emu.stats()["flood_429"] == 0


async def test_private_notice_falls_back_to_team_group(harness: Harness) -> None:
    h = harness
    await org(h)
    mark = h.mark()
    preview = await compose(h, ADMIN_ID, "请查收工资条。", "全体人员", "私聊")
    # 28 people: 7 private; 14 more in teams with a group; 机修班's 7 unreachable.
    assert "私聊 7 人" in preview and "改发到班组群：14 人" in preview
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    got = notices_by_chat(h, mark)
    assert set(got) == {G1, G2, G3, *(uid(n) for n in REGISTERED)} and set(got.values()) == {1}
    progress = str(current(h, ADMIN_ID)["text"])
    assert "改发到班组群：14 人" in progress and "无法送达：7 人" in progress


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["按单位…", "一分场"], 14),
        (["按班组…", "二分场·包装班"], 7),
        (["按角色或标签…", "班组长"], 4),
        (["按角色或标签…", "党员"], 10),
    ],
)
async def test_each_audience_kind(harness: Harness, path: list[str], expected: int) -> None:
    h = harness
    await org(h, ["10001"])
    preview = await compose(h, ADMIN_ID, "通知正文", *path, "私聊")
    assert f"共 {expected} 人" in preview
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    notice = (await h.svc.notices.repo.recent(None))[0]
    assert len(await recipients(h, notice.id)) == expected


async def test_roles_allowed_and_refused(harness: Harness) -> None:
    h = harness
    await org(h)
    worker, leader, unit_leader = uid("10003"), uid("10001"), uid("10005")
    assert "没有权限" in (await h.say(worker, worker, "/notice"))[-1]
    assert "请私聊" in (await h.say(G1, leader, "/notice"))[-1]
    # A team leader addresses their own team only: no unit or team lists.
    await compose(h, leader, "班前会改到7点半。")
    assert buttons(h, leader) == ["本班组全体", "按角色或标签…", "取消"]
    preview = await tap(h, leader, "本班组全体")
    preview = await tap(h, leader, "班组群")
    assert "共 7 人" in preview
    # After /cancel, the old preview's buttons are stale: nothing can be sent from it.
    mid = int(h.last_message(leader)["message_id"])
    await h.say(leader, leader, "/cancel")
    answers = await h.press(leader, leader, mid, button_text="✅ 确认发送")
    assert any("已失效" in str(e.get("text")) for e in answers)
    assert not await h.svc.notices.repo.recent(None)
    # A unit leader may pick a team of their unit, not another unit's.
    await compose(h, unit_leader, "分场通知", "按班组…")
    assert buttons(h, unit_leader) == ["一分场·蒸发一班", "一分场·蒸发二班", "« 返回"]
    # A modified client turning a button into "units" is refused before any unit is listed.
    await compose(h, leader, "再发一条。")
    menu = current(h, leader)
    first = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    forged = ":".join([*first.split(":")[:4], "units", "0"])
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data=forged)]])
    msg = await h.app.bot.send_message(leader, "x", reply_markup=keyboard)
    answered = await h.press(leader, leader, msg.message_id, data=forged)
    assert [e["params"].get("text") for e in answered if e["method"] == "answerCallbackQuery"] == [
        "你没有权限进行这个操作。"
    ]
    assert "二分场" not in str(current(h, leader))


async def test_preview_then_cancel_sends_nothing(harness: Harness) -> None:
    h = harness
    await org(h)
    mark = h.mark()
    await compose(h, ADMIN_ID, "草稿", "全体人员", "私聊")
    assert await tap(h, ADMIN_ID, "取消") == "已取消。"
    await drain(h)
    assert not notices_by_chat(h, mark)
    assert await h.svc.conversations.get(ADMIN_ID, ADMIN_ID) is None
    assert "当前没有进行中的操作" in (await h.say(ADMIN_ID, ADMIN_ID, "/cancel"))[-1]


async def test_confirmations_status_and_reminder(harness: Harness) -> None:
    h = harness
    await org(h)
    await compose(h, ADMIN_ID, "本周五停电检修。", "按班组…", "一分场·蒸发一班", "班组群和私聊")
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    notice = (await h.svc.notices.repo.recent(None))[0]
    ack = callbacks.encode("ntc", 1, "ack", notice.id)
    private_msg = h.last_message(uid("10002"))
    group_msg = h.last_message(G1)
    toast = await h.press(uid("10002"), uid("10002"), int(private_msg["message_id"]), data=ack)
    assert any("已确认收到" in str(e.get("text")) for e in toast)
    toast = await h.press(uid("10002"), uid("10002"), int(private_msg["message_id"]), data=ack)
    assert any("已经确认过" in str(e.get("text")) for e in toast)
    toast = await h.press(G1, uid("10001"), int(group_msg["message_id"]), data=ack)
    assert any("已确认收到" in str(e.get("text")) for e in toast)
    outsider = uid("10008")  # 蒸发二班: not in this notice's audience
    await h.group(G1, "蒸发一班群", [outsider])
    toast = await h.press(G1, outsider, int(group_msg["message_id"]), data=ack)
    assert any("不是发给您的" in str(e.get("text")) for e in toast)

    await tap(h, ADMIN_ID, "确认情况")
    status = h.sent(ADMIN_ID)[-1]
    assert "已确认 2/7 人" in status and "刘建国、王秀兰" in status and "陈志强" in status
    mark = h.mark()
    answers = await h.press(
        ADMIN_ID,
        ADMIN_ID,
        int(h.last_message(ADMIN_ID)["message_id"]),
        button_text="提醒未确认的人",
    )
    # Unconfirmed in 蒸发一班: 10003 and 10005 registered (private), 3 never wrote to the bot.
    assert any("已向 2 人发送私聊提醒；3 人" in str(e.get("text")) for e in answers)
    await drain(h)
    reminded = {
        int(e["chat_id"])
        for e in h.emu.transcript(after_seq=mark)
        if "提醒" in str(e.get("text")) and e["method"] == "sendMessage"
    }
    assert reminded == {uid("10003"), uid("10005")}
    answers = await h.press(
        ADMIN_ID,
        ADMIN_ID,
        int(h.last_message(ADMIN_ID)["message_id"]),
        button_text="提醒未确认的人",
    )
    assert any("每小时最多提醒一次" in str(e.get("text")) for e in answers)
    assert "哪条通知" in (await h.say(ADMIN_ID, ADMIN_ID, "/notice status"))[-1]
    assert buttons(h, ADMIN_ID) == [f"#{notice.id} 本周五停电检修。"]


async def test_blocked_recipient_is_reported_not_retried(harness: Harness) -> None:
    h = harness
    await org(h)
    blocked = uid("10003")
    h.emu.block(blocked)
    await h.settle()
    # The bot missed the block: it still believes it may write to this person.
    await h.svc.people.touch_user(blocked, "志强", "陈", None, None, True)
    await compose(h, ADMIN_ID, "紧急通知", "按班组…", "一分场·蒸发一班", "私聊")
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    assert "无法送达：1（已屏蔽机器人" in str(current(h, ADMIN_ID)["text"])
    calls = [e for e in h.emu.transcript(chat_id=blocked) if HEADER in str(e.get("text"))]
    assert calls == []
    assert not await h.svc.people.private_ok(blocked)


async def test_long_notice_is_split_cleanly_and_too_long_refused(harness: Harness) -> None:
    h = harness
    await org(h, ["10002"])
    line = "安全生产责任重于泰山，🚧每一位职工都要严格遵守操作规程。\n"  # 30 UTF-16 units
    body = (line * 137)[:-4]  # 4,106 units: as long as Telegram lets a person send, plus a bit
    mark = h.mark()
    await compose(h, ADMIN_ID, body, "按班组…", "一分场·蒸发一班", "私聊")
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    parts = [
        str(e["text"])
        for e in h.emu.transcript(chat_id=uid("10002"), after_seq=mark)
        if HEADER in str(e.get("text"))
    ]
    assert len(parts) == 2 and "（1/2）" in parts[0] and "（2/2）" in parts[1]
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    rebuilt = "".join(p.split("\n\n", 1)[1] for p in parts)
    assert rebuilt.replace("\n", "") == body.replace("\n", "")
    # Longer than MAX_PARTS messages (possible only when a notice does not come from one chat
    # message): refused with the reason, in chat as well.
    await h.say(ADMIN_ID, ADMIN_ID, "/notice")
    assert "太长了（20000 字）" in (await h.say(ADMIN_ID, ADMIN_ID, "字" * 20000))[-1]
    with pytest.raises(TooLong):
        rules.render(h.svc.texts, Content("text", "字" * 20000), "x")


async def test_document_notice_with_caption(harness: Harness) -> None:
    h = harness
    await org(h, ["10002"])
    await h.say(ADMIN_ID, ADMIN_ID, "/notice")
    h.emu.send_document(ADMIN_ID, ADMIN_ID, "排班表.pdf", b"%PDF-1.4 test", caption="十一月排班表")
    await h.settle()
    await tap(h, ADMIN_ID, "按班组…")
    await tap(h, ADMIN_ID, "一分场·蒸发一班")
    await tap(h, ADMIN_ID, "私聊")
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    docs = [e for e in h.emu.transcript(chat_id=uid("10002")) if e["method"] == "sendDocument"]
    assert len(docs) == 1 and "十一月排班表" in str(docs[0]["text"])
    assert await h.svc.org.teams()  # the roster import path was not triggered by the file


async def test_faults_during_a_notice_deliver_once(harness: Harness) -> None:
    h = harness
    await org(h)
    h.svc.outbox.send_timeout = 0.3
    await compose(h, ADMIN_ID, "故障注入测试", "全体人员", "班组群和私聊")
    h.emu.fail_next("sendMessage", "429", count=2, retry_after=1)
    h.emu.fail_next("sendMessage", "500", count=2)
    h.emu.fail_next("sendMessage", "timeout", count=1)
    mark = h.mark()
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    got = notices_by_chat(h, mark)
    assert len(got) == 10 and set(got.values()) == {1}
    assert h.emu.stats()["flood_429"] == 0


async def test_pin_in_groups_when_asked(harness: Harness) -> None:
    h = harness
    await org(h, [])
    h.emu.set_member(G1, h.emu.bot_id, "administrator")
    await compose(h, ADMIN_ID, "置顶通知", "按班组…", "一分场·蒸发一班", "班组群")
    await tap(h, ADMIN_ID, "📌 在班组群置顶：否")
    assert "📌 在班组群置顶：是" in buttons(h, ADMIN_ID)
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    pins = [e for e in h.emu.transcript(chat_id=G1) if e["method"] == "pinChatMessage"]
    assert len(pins) == 1


def test_audience_rules_refuse_what_a_role_does_not_reach() -> None:
    """What a forged button would ask for: checked again on every press and at confirm."""
    leader = Actor(1, frozenset({Role.TEAM_LEADER}), member_id=1, team_id=10, unit_id=1)
    unit = Actor(2, frozenset({Role.UNIT_LEADER}), member_id=2, team_id=10, unit_id=1)
    admin = Actor(3, frozenset({Role.ADMIN}))
    worker = Actor(4, frozenset({Role.WORKER}), member_id=4, team_id=10, unit_id=1)
    assert rules.widest(worker) is None
    assert rules.widest(leader) == Audience(1, 10)
    assert rules.allowed(leader, Audience(1, 10, tag="党员"))
    assert not rules.allowed(leader, Audience(1, 11))
    assert not rules.allowed(leader, Audience(unit_id=1))
    assert not rules.allowed(leader, Audience())
    assert rules.allowed(unit, Audience(1, 11)) and rules.allowed(unit, Audience(unit_id=1))
    assert not rules.allowed(unit, Audience(2, 20)) and not rules.allowed(unit, Audience())
    assert rules.allowed(admin, Audience()) and rules.allowed(admin, Audience(2, 20))


def say_formatted(h: Harness, user: int, text: str, entities: list[dict[str, Any]]) -> None:
    """A message with formatting (the control API sends plain text only; same state calls)."""
    st = h.emu.state
    chat = st.chats[user]
    msg = st.add_message(chat, st.users[user], {"text": text, "entities": entities}, reply_to=None)
    st.push_update("message", msg.data)


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_notice_keeps_bold_and_links_even_when_split(harness: Harness) -> None:
    h = harness
    await org(h, ["10002"])
    assert "请发送通知内容" in (await h.say(ADMIN_ID, ADMIN_ID, "/notice"))[-1]
    head = "明天停电检修"
    link = "检修方案"
    filler = "各班组提前做好准备，确保安全。\n" * 300  # long: the notice is cut in two
    text = head + filler + link
    entities = [
        {"type": "bold", "offset": 2, "length": 4},  # 停电检修
        {"type": "bold", "offset": 0, "length": _u16(head + filler[:40])},  # spans lines
        {"type": "text_link", "offset": _u16(head + filler), "length": _u16(link),
         "url": "https://example.com/plan?a=1&b=2"},
    ]  # fmt: skip
    mark = h.mark()
    say_formatted(h, ADMIN_ID, text, entities)
    await h.settle()
    assert "发给谁" in h.sent(ADMIN_ID, mark)[-1]
    for choice in ("按班组…", "一分场·蒸发一班", "私聊"):
        await tap(h, ADMIN_ID, choice)
    mark = h.mark()
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    sent = [
        h.emu.message(uid("10002"), int(e["message_id"]))
        for e in h.emu.transcript(chat_id=uid("10002"), after_seq=mark)
        if e["method"] == "sendMessage" and HEADER in str(e.get("text"))
    ]
    assert len(sent) == 2 and all(m is not None for m in sent)
    first, second = sent[0] or {}, sent[1] or {}
    kinds = [e["type"] for e in first.get("entities", [])]
    assert kinds.count("bold") >= 2  # the header's and the author's
    assert "停电检修" in first["text"]
    links = [e for e in second.get("entities", []) if e["type"] == "text_link"]
    assert links and links[0]["url"] == "https://example.com/plan?a=1&b=2"
    assert second["text"].endswith(link)
    assert all(_u16(m["text"]) <= 4096 for m in (first, second))


async def test_confirmations_export_per_team_and_person(harness: Harness) -> None:
    import io
    from datetime import datetime

    import openpyxl

    h = harness
    await org(h)
    await compose(h, ADMIN_ID, "=本周五停电检修", "按班组…", "一分场·蒸发一班", "班组群和私聊")
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    notice = (await h.svc.notices.repo.recent(None))[0]
    ack = callbacks.encode("ntc", 1, "ack", notice.id)
    private_msg = h.last_message(uid("10002"))
    await h.press(uid("10002"), uid("10002"), int(private_msg["message_id"]), data=ack)
    await tap(h, ADMIN_ID, "确认情况")
    mark = h.mark()
    await tap(h, ADMIN_ID, "📥 导出确认情况")
    doc = next(
        e
        for e in h.emu.transcript(chat_id=ADMIN_ID, after_seq=mark)
        if e["method"] == "sendDocument"
    )
    message = h.emu.message(ADMIN_ID, int(doc["message_id"]))
    assert message is not None
    book = openpyxl.load_workbook(io.BytesIO(h.emu.file_bytes(message["document"]["file_id"])))
    teams = book["按班组"]
    assert teams["A1"].value.startswith("通知确认情况：") and teams.freeze_panes == "A4"
    first = [c.value for c in teams[4]]
    assert first[:5] == ["一分场", "蒸发一班", 7, 1, 6]
    assert first[5] == pytest.approx(1 / 7) and teams["F4"].number_format == "0.0%"
    assert "王秀兰" not in first[6] and "陈志强" in first[6]
    people = {r[3]: r for r in book["明细"].iter_rows(min_row=4, values_only=True) if r[3]}
    assert isinstance(people["王秀兰"][4], datetime) and people["陈志强"][4] == "未确认"
    # The notice text "=…" in the title stays text, never a formula.
    assert teams["A1"].data_type == "s"


async def test_composition_state_is_typed_and_an_untyped_row_is_ended_politely(
    harness: Harness,
) -> None:
    h = harness
    await org(h)
    await compose(h, ADMIN_ID, "停水通知", "全体人员")
    conv = await h.svc.conversations.get(ADMIN_ID, ADMIN_ID)
    assert conv is not None and (conv.flow, conv.step) == ("notice", "where")
    assert conv.data["v"] == 1 and conv.data["content"]["body"] == "停水通知"
    assert conv.data["audience"] == {"unit_id": None, "team_id": None, "role": None, "tag": None}
    # A composition stored by the code before the state was typed (a dict without "v"):
    # its buttons are stale and the next text ends it instead of guessing.
    nonce = conv.data["nonce"]
    old = {"nonce": nonce, "content": ["text", "旧通知", None, None], "pin": False}
    await h.svc.conversations.repo.set(ADMIN_ID, ADMIN_ID, "notice", "audience", old)
    await h.press(
        ADMIN_ID, ADMIN_ID, int(h.last_message(ADMIN_ID)["message_id"]), button_text="« 返回"
    )
    assert await h.svc.conversations.get(ADMIN_ID, ADMIN_ID) is None
    mark = h.mark()
    await h.svc.conversations.repo.set(ADMIN_ID, ADMIN_ID, "notice", "content", {"nonce": nonce})
    assert "已过期" in (await h.say(ADMIN_ID, ADMIN_ID, "又一条"))[-1]
    assert await h.svc.conversations.get(ADMIN_ID, ADMIN_ID) is None
    await drain(h)
    assert not notices_by_chat(h, mark)
