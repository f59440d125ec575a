"""Suggestions end to end through the emulator: submit (private, group, photo, anonymous),
limits, review by role, the whole workflow with the submitter told, duplicates, topic
corrections, /mine, the summary, and a restart in the middle of /suggest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.emulator import UploadedFile
from tests.botfixtures import ADMIN_ID, Harness, build_test_app, start_polling

GROUP = -1001000000077
WORKER, OTHER_WORKER, LEADER, UNIT_LEADER = 100003, 100004, 100001, 100005
FAR_UNIT_LEADER = 100018  # 二分场
TEXT = "皮带机机尾没有防护栏，人走过去离滚筒太近，建议赶紧装个护栏"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


async def setup(h: Harness, *users: tuple[int, str]) -> None:
    await h.import_demo_roster()
    for uid, number in users:
        await h.register(uid, number)


async def settle_all(h: Harness) -> None:
    await h.settle()
    assert await h.svc.outbox.wait_idle(10)
    await h.settle()


def buttons(entry: dict[str, Any]) -> list[tuple[str, str]]:
    markup = entry.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def last_with_buttons(h: Harness, chat_id: int) -> dict[str, Any]:
    entries = [
        e for e in h.emu.transcript(chat_id=chat_id) if e["method"] == "sendMessage" and buttons(e)
    ]
    assert entries, "no message with buttons"
    current = h.emu.message(chat_id, int(entries[-1]["message_id"]))
    assert current is not None
    return current  # as it is now, after edits


async def press_text(h: Harness, chat_id: int, user_id: int, label: str) -> list[dict[str, Any]]:
    msg = last_with_buttons(h, chat_id)
    return await h.press(chat_id, user_id, int(msg["message_id"]), button_text=label)


def alerts(entries: list[dict[str, Any]]) -> list[str]:
    return [
        str(e["params"].get("text", ""))
        for e in entries
        if e["method"] == "answerCallbackQuery" and e["params"].get("text")
    ]


async def submit(h: Harness, user: int, text: str = TEXT, anonymous: bool = False) -> int:
    preview = await h.say(user, user, f"/suggest {text}")
    assert "请确认你的建议" in preview[-1]
    await press_text(h, user, user, "🕶 匿名提交" if anonymous else "✅ 提交")
    sid = await h.svc.db.fetchval("SELECT max(id) FROM suggestions")
    assert sid is not None
    return int(sid)


def send_photo(h: Harness, user: int, caption: str | None = None) -> None:
    """A photo from a user (the emulator's control API has documents only; same state calls)."""
    st = h.emu.state
    stored = st.store_file(UploadedFile("p.png", PNG, "image/png"), "photo")
    size = {"file_id": stored.file_id, "file_unique_id": stored.unique_id, "width": 1, "height": 1}
    body: dict[str, Any] = {"photo": [size]}
    if caption:
        body["caption"] = caption
    chat = st.chats[user]
    msg = st.add_message(chat, st.users[user], body, reply_to=None)
    st.push_update("message", msg.data)


# ---------------------------------------------------------------- submitting


async def test_private_suggest_tags_and_submits(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"))
    ask = await h.say(WORKER, WORKER, "/suggest")
    assert "2000 字以内" in ask[0]
    preview = await h.say(WORKER, WORKER, TEXT)
    assert "话题：安全" in preview[0] and "关键词：" in preview[0]
    done = await press_text(h, WORKER, WORKER, "✅ 提交")
    text = "\n".join(str(e.get("text") or "") for e in done)
    assert "建议 #1 已提交" in text
    s = await h.svc.suggestions.repo.get(1)
    assert s is not None and s.state == "submitted" and s.topics[0] == "安全"
    assert s.author_name == "陈志强" and not s.anonymous and s.tokens
    assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 1


async def test_old_preview_button_is_stale(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"))
    await h.say(WORKER, WORKER, f"/suggest {TEXT}")
    old = last_with_buttons(h, WORKER)
    await h.say(WORKER, WORKER, "/suggest 宿舍热水只有晚上两个小时，下夜班回来没法洗澡")
    stale = await h.press(WORKER, WORKER, int(old["message_id"]), button_text="✅ 提交")
    assert alerts(stale) == ["这个按钮已失效，请重新操作。"]
    assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 0
    await press_text(h, WORKER, WORKER, "✅ 提交")
    s = await h.svc.suggestions.repo.get(1)
    assert s is not None and "宿舍" in s.text


async def test_empty_long_and_photo_without_text(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"))
    await h.say(WORKER, WORKER, "/suggest")
    refused = await h.say(WORKER, WORKER, "安" * 2001)
    assert refused == ["建议太长了（2001 字），请控制在 2000 字以内，精简后再发一次。"]
    mark = h.mark()
    send_photo(h, WORKER)
    await h.settle()
    assert "已收到照片（共 1 张）" in h.sent(WORKER, mark)[0]
    preview = await h.say(WORKER, WORKER, "食堂夜班就剩冷馒头，能不能给夜班留点热菜")
    assert "照片：1 张" in preview[0] and "生活福利" in preview[0]
    await press_text(h, WORKER, WORKER, "✅ 提交")
    s = await h.svc.suggestions.repo.get(1)
    assert s is not None and len(s.photos) == 1
    # A photo outside any suggestion gets a hint, nothing is stored.
    mark = h.mark()
    send_photo(h, WORKER)
    await h.settle()
    assert "/suggest" in h.sent(WORKER, mark)[0]
    assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 1


async def test_group_suggest_acknowledges_and_continues_privately(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (LEADER, "10001"))
    await h.group(GROUP, "蒸发一班群", [WORKER, LEADER])
    empty = await h.say(GROUP, WORKER, "/suggest")
    assert "请在命令后面写上建议内容" in empty[0]
    too_long = await h.say(GROUP, WORKER, "/suggest " + "省" * 2100)
    assert "2000 字以内" in too_long[0]
    mark = h.mark()
    ack = await h.say(
        GROUP, WORKER, "/suggest 空压机晚上没什么用气量还满负荷转，浪费电，建议加变频"
    )
    assert ack == ["收到 志强 的建议，后续请在私聊中确认提交。"]
    private = h.sent(WORKER, mark)
    assert "请确认你的建议" in private[0] and "节能降耗" in private[0]
    await press_text(h, WORKER, WORKER, "✅ 提交")
    assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 1


async def test_submitter_changes_topics_before_submitting(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"))
    await h.say(WORKER, WORKER, f"/suggest {TEXT}")
    await press_text(h, WORKER, WORKER, "🏷 改话题")
    await press_text(h, WORKER, WORKER, "设备")  # adds a second topic
    await press_text(h, WORKER, WORKER, "✓ 安全")  # removes the first
    await press_text(h, WORKER, WORKER, "完成")
    await press_text(h, WORKER, WORKER, "✅ 提交")
    s = await h.svc.suggestions.repo.get(1)
    assert s is not None and s.topics == ("设备",) and s.auto_topics[0] == "安全"
    row = await h.svc.db.fetchone("SELECT by_reviewer, new_topics FROM topic_corrections")
    assert row is not None and row[0] == 0 and "设备" in row[1]


async def test_restart_mid_suggest_resumes_and_saves_once(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"))
    await h.say(WORKER, WORKER, "/suggest")
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()
    app = build_test_app(h.emu, h.tmp)
    async with app:
        await start_polling(app)
        h.app = app
        preview = await h.say(WORKER, WORKER, TEXT)
        assert "请确认你的建议" in preview[0]
        assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 0
        await press_text(h, WORKER, WORKER, "✅ 提交")
        assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 1
        assert await h.svc.conversations.get(WORKER, WORKER) is None
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()


async def test_unregistered_cannot_suggest(harness: Harness) -> None:
    h = harness
    h.user(123456, "路人")
    replies = await h.say(123456, 123456, "/suggest 建议多发点绿豆汤")
    assert "你还没有登记" in replies[0]


# ---------------------------------------------------------------- reviewing


async def test_workflow_every_step_tells_the_submitter(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"))
    sid = await submit(h, WORKER)
    queue = await h.say(UNIT_LEADER, UNIT_LEADER, "/review")
    assert "待处理的建议共 1 条" in queue[0] and "陈志强" in queue[1]
    mark = h.mark()
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "受理")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "采纳")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "已实施")
    await settle_all(h)
    told = "\n".join(h.sent(WORKER, mark))
    assert "已受理" in told and "已被采纳" in told and "已经实施了" in told
    # The unit leader may not reward: no such button, and a forged press is refused.
    card = last_with_buttons(h, UNIT_LEADER)
    assert "已实施" in str(card.get("text")) and "奖励" not in [b[0] for b in buttons(card)]
    # The admin rewards; the ledger has the row, the submitter is told.
    await h.say(ADMIN_ID, ADMIN_ID, "/review")
    await press_text(h, ADMIN_ID, ADMIN_ID, "奖励")
    bad = await h.say(ADMIN_ID, ADMIN_ID, "很多")
    assert "积分和金额" in bad[0]
    await h.say(ADMIN_ID, ADMIN_ID, "20 150")
    await settle_all(h)
    s = await h.svc.suggestions.repo.get(sid)
    assert s is not None and s.state == "rewarded" and s.points == 20 and s.amount_fen == 15000
    assert "20 分，150.00 元" in "\n".join(h.sent(WORKER, mark))
    states = [
        r[0] for r in await h.svc.db.fetchall("SELECT to_state FROM suggestion_events ORDER BY id")
    ]
    assert states == ["submitted", "under_review", "adopted", "implemented", "rewarded"]


async def test_new_suggestion_reaches_its_unit_leader_with_a_card_button(
    harness: Harness,
) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"), (FAR_UNIT_LEADER, "10018"))
    await h.say(ADMIN_ID, ADMIN_ID, "/help")  # the admin can be written to, yet is not told
    mark = h.mark()
    sid = await submit(h, WORKER, anonymous=True)
    await settle_all(h)
    told = h.sent(UNIT_LEADER, mark)
    assert len(told) == 1 and f"新的合理化建议 #{sid}" in told[0] and "话题：安全" in told[0]
    assert "陈志强" not in told[0]  # anonymous: the notice names the team only
    assert h.sent(FAR_UNIT_LEADER, mark) == [] and h.sent(ADMIN_ID, mark) == []
    # Its button opens the card with the moves; a far unit leader pressing it is refused.
    notice = last_with_buttons(h, UNIT_LEADER)
    await h.press(UNIT_LEADER, UNIT_LEADER, int(notice["message_id"]), button_text="查看并处理")
    card = last_with_buttons(h, UNIT_LEADER)
    assert f"#{sid}" in str(card["text"]) and "受理" in [b[0] for b in buttons(card)]
    data = buttons(notice)[0][1]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data=data)]])
    forged = await h.app.bot.send_message(FAR_UNIT_LEADER, "x", reply_markup=keyboard)
    refused = await h.press(FAR_UNIT_LEADER, FAR_UNIT_LEADER, forged.message_id, data=data)
    assert alerts(refused) == ["你没有权限进行这个操作。"]


async def test_new_suggestion_goes_to_admins_when_the_unit_has_no_reviewer(
    harness: Harness,
) -> None:
    h = harness
    await setup(h, (WORKER, "10003"))
    await h.say(ADMIN_ID, ADMIN_ID, "/help")
    mark = h.mark()
    sid = await submit(h, WORKER)
    await settle_all(h)
    told = h.sent(ADMIN_ID, mark)
    assert len(told) == 1 and f"#{sid}" in told[0] and "陈志强" not in told[0]


async def test_reject_needs_reason_and_stale_button(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"))
    sid = await submit(h, WORKER)
    await h.say(UNIT_LEADER, UNIT_LEADER, "/review")
    first_card = last_with_buttons(h, UNIT_LEADER)
    await h.say(UNIT_LEADER, UNIT_LEADER, "/review")  # a second card for the same item
    second_card = last_with_buttons(h, UNIT_LEADER)
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "不采纳")
    empty = await h.say(UNIT_LEADER, UNIT_LEADER, "   ")
    assert "不采纳的理由" in empty[0]
    mark = h.mark()
    await h.say(UNIT_LEADER, UNIT_LEADER, "护栏上个月已经装好了")
    await settle_all(h)
    assert "没有被采纳。理由：护栏上个月已经装好了" in "\n".join(h.sent(WORKER, mark))
    s = await h.svc.suggestions.repo.get(sid)
    assert s is not None and s.state == "rejected" and s.reason == "护栏上个月已经装好了"
    # The card the reason answered shows the real state, and no move that is gone.
    card = h.emu.message(UNIT_LEADER, int(second_card["message_id"]))
    assert card is not None and "未采纳" in card["text"] and "已提交" not in card["text"]
    labels = [b["text"] for row in (card.get("reply_markup") or {}).get("inline_keyboard", [])
              for b in row]  # fmt: skip
    assert "采纳" not in labels and "不采纳" not in labels
    # The first card still shows 采纳: pressing it now is answered, nothing changes.
    stale = await h.press(
        UNIT_LEADER, UNIT_LEADER, int(first_card["message_id"]), button_text="采纳"
    )
    assert alerts(stale) == ["这条建议已经是“未采纳”状态了。"]
    s = await h.svc.suggestions.repo.get(sid)
    assert s is not None and s.state == "rejected"


async def test_wrong_roles_cannot_review(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (LEADER, "10001"), (FAR_UNIT_LEADER, "10018"))
    await submit(h, WORKER)
    assert await h.say(WORKER, WORKER, "/review") == ["你没有权限进行这个操作。"]
    assert await h.say(LEADER, LEADER, "/review") == ["你没有权限进行这个操作。"]
    assert await h.say(FAR_UNIT_LEADER, FAR_UNIT_LEADER, "/review") == [
        "目前没有需要你处理的建议。"
    ]


async def test_anonymous_hidden_from_reviewers_but_submitter_told(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"))
    await submit(h, WORKER, anonymous=True)
    queue = await h.say(UNIT_LEADER, UNIT_LEADER, "/review")
    assert "匿名" in queue[1] and "陈志强" not in "\n".join(queue)
    mark = h.mark()
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "采纳")
    await settle_all(h)
    assert "已被采纳" in "\n".join(h.sent(WORKER, mark))


async def test_duplicate_merged_and_later_author_credited(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (OTHER_WORKER, "10004"), (UNIT_LEADER, "10005"))
    first = await submit(h, WORKER, "二号皮带机托辊好几个不转了，磨得皮带冒烟，建议赶紧换托辊")
    second = await submit(h, OTHER_WORKER, "二号皮带机好多托辊不转，皮带都磨冒烟了，托辊得换")
    queue = await h.say(UNIT_LEADER, UNIT_LEADER, "/review")
    assert f"相似：#{first}" in queue[-1]
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "重复")
    mark = h.mark()
    choice = next(
        t for t, _ in buttons(last_with_buttons(h, UNIT_LEADER)) if t.startswith(f"#{first} ")
    )
    await press_text(h, UNIT_LEADER, UNIT_LEADER, choice)
    await settle_all(h)
    s = await h.svc.suggestions.repo.get(second)
    assert s is not None and s.state == "merged" and s.duplicate_of == first
    assert "已合并" in "\n".join(h.sent(OTHER_WORKER, mark))
    mine = await h.say(OTHER_WORKER, OTHER_WORKER, "/mine")
    assert f"#{first}" in mine[-1] and f"#{second}" in mine[-1]
    # Rewarded later: the ledger names both people the reward is for.
    repo = h.svc.suggestions.repo
    assert await repo.transition(first, ("submitted",), "adopted", ADMIN_ID)
    assert await repo.transition(first, ("adopted",), "implemented", ADMIN_ID)
    assert await repo.reward(first, 10, 5000, None, ADMIN_ID, ("implemented",))
    ledger = await repo.ledger_between(
        datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    assert [(r.suggestion_id, r.team_name, r.people) for r in ledger] == [
        (first, "蒸发一班", ("陈志强", "赵振磊"))
    ]


async def test_reviewer_topic_correction_is_learnt(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"))
    text = "硝渣堆在墙根底下，下雨一泡流得到处都是白印子"
    sid = await submit(h, WORKER, text)
    await h.say(UNIT_LEADER, UNIT_LEADER, "/review")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "🏷 改话题")
    for label in [
        b[0] for b in buttons(last_with_buttons(h, UNIT_LEADER)) if b[0].startswith("✓ ")
    ]:
        await press_text(h, UNIT_LEADER, UNIT_LEADER, label)  # clear the tagger's choice
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "环境卫生")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "完成")
    s = await h.svc.suggestions.repo.get(sid)
    assert s is not None and s.topics == ("环境卫生",)
    later = await h.svc.suggestions.tag("硝渣又堆到墙根了，一下雨满地白印子")
    assert later.topics[0] == "环境卫生"


async def test_summary_on_demand_sends_text_png_xlsx(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"))
    await submit(h, WORKER)
    await submit(h, WORKER, "食堂夜班就剩冷馒头，能不能给夜班留点热菜")
    assert await h.say(WORKER, WORKER, "/suggestion_report") == ["你没有权限进行这个操作。"]
    mark = h.mark()
    await h.say(UNIT_LEADER, UNIT_LEADER, "/suggestion_report")
    entries = h.emu.transcript(chat_id=UNIT_LEADER, after_seq=mark)
    methods = [e["method"] for e in entries]
    assert methods == ["sendMessage", "sendPhoto", "sendDocument"]
    assert "建议 2 条" in str(entries[0]["text"]) and "一分场" in str(entries[0]["text"])


async def test_a_move_another_reviewer_made_first_is_refused_with_the_new_state(
    harness: Harness,
) -> None:
    """Two reviewers hold the same card; the second press of 采纳 changes nothing and says the
    suggestion is already adopted (SuggestionService.press decides, not the handler)."""
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"))
    sid = await submit(h, WORKER)
    await h.say(UNIT_LEADER, UNIT_LEADER, "/review")
    leader_card = last_with_buttons(h, UNIT_LEADER)
    await h.say(ADMIN_ID, ADMIN_ID, "/review")
    await press_text(h, ADMIN_ID, ADMIN_ID, "采纳")
    late = await h.press(
        UNIT_LEADER, UNIT_LEADER, int(leader_card["message_id"]), button_text="采纳"
    )
    assert alerts(late) == ["这条建议已经是“已采纳”状态了。"]
    adopted = await h.svc.db.fetchval(
        "SELECT count(*) FROM suggestion_events WHERE suggestion_id = ? AND to_state = 'adopted'",
        (sid,),
    )
    state = await h.svc.db.fetchval("SELECT state FROM suggestions WHERE id = ?", (sid,))
    assert (state, adopted) == ("adopted", 1)
