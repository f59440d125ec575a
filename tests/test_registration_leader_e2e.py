"""registration_check = "leader": the claim goes to the team's leader with 同意 / 拒绝; only then
is the account linked; the applicant is told each step; a second account claiming the same
colleague is refused and reported; a lapsed claim is refused and can be asked again."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import iso, utcnow
from bot.services.claims import Decision
from bot.services.identity import identify
from tests.botfixtures import ADMIN_ID, Harness

LEADER, APPLICANT, SECOND, OTHER_TEAM = 100001, 100003, 100777, 100009


async def leader_mode(h: Harness) -> None:
    await h.import_demo_roster()
    await h.register(LEADER, "10001")  # registered before the site switched the check on
    await h.register(OTHER_TEAM, "10009")
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    # the directory holds the settings it was built with: both see the change
    h.svc.settings = h.svc.directory.settings = h.svc.settings.with_(registration_check="leader")


async def apply(h: Harness, user: int, number: str, name: str = "申请人") -> str:
    h.user(user, name)
    await h.say(user, user, f"/start {await h.invite_code('蒸发一班')}")
    replies = await h.say(user, user, number)
    await h.settle()
    return "\n".join(replies)


async def linked(h: Harness, number: str) -> int | None:
    value = await h.svc.db.fetchval(
        "SELECT tg_user_id FROM members WHERE employee_no = ?", (number,)
    )
    return None if value is None else int(value)


def card(h: Harness) -> dict[str, object]:
    cards = [
        e for e in h.emu.transcript(chat_id=LEADER)
        if e["method"] == "sendMessage" and "登记确认" in str(e.get("text"))
    ]  # fmt: skip
    assert cards, "the leader got no card"
    return cards[-1]


async def press(h: Harness, user: int, message: dict[str, object], label: str) -> str:
    events = await h.press(user, user, int(message["message_id"]), button_text=label)  # type: ignore[call-overload]
    answers = [e for e in events if e["method"] == "answerCallbackQuery"]
    assert len(answers) == 1, events
    return str(answers[0]["params"].get("text", ""))


async def test_leader_approves_then_linked_and_told(harness: Harness) -> None:
    h = harness
    await leader_mode(h)
    text = await apply(h, APPLICANT, "10003", "陈志强")
    assert "班组长确认" in text and "登记成功" not in text
    assert await linked(h, "10003") is None
    ask = card(h)
    assert "陈志强" in str(ask["text"]) and "10003" in str(ask["text"])
    assert "已同意" in await press(h, LEADER, ask, "✅ 同意")
    await h.settle()
    assert await linked(h, "10003") == APPLICANT
    assert any("已确认你的登记" in t for t in h.sent(APPLICANT))
    shown = h.emu.message(LEADER, int(ask["message_id"]))  # type: ignore[call-overload]
    assert shown is not None and not shown.get("reply_markup")  # decided: no buttons left
    assert "还没有登记" not in "\n".join(await h.say(APPLICANT, APPLICANT, "/mine"))


async def test_second_account_and_wrong_presser_refused(harness: Harness) -> None:
    h = harness
    await leader_mode(h)
    await apply(h, APPLICANT, "10003")
    again = await apply(h, APPLICANT, "10003")
    assert "等待班组长确认" in again
    other = await apply(h, SECOND, "10003")
    assert "已有其他账号" in other
    assert any("另一个 Telegram 账号" in t for t in h.sent(ADMIN_ID))
    # a worker of another team presses a copy of the card's 同意
    claim_id = await h.svc.db.fetchval("SELECT max(id) FROM registration_claims")
    kb = InlineKeyboardMarkup(
        [[InlineKeyboardButton("✅ 同意", callback_data=f"rgc:v1:{claim_id}:1")]]
    )
    copy = await h.app.bot.send_message(OTHER_TEAM, "旧卡片", reply_markup=kb)
    await h.settle()
    events = await h.press(OTHER_TEAM, OTHER_TEAM, copy.message_id, data=f"rgc:v1:{claim_id}:1")
    answers = [e for e in events if e["method"] == "answerCallbackQuery"]
    assert "没有权限" in str(answers[0]["params"].get("text"))
    forged = f"rgc:v1:{claim_id}:7"
    kb2 = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data=forged)]])
    copy2 = await h.app.bot.send_message(LEADER, "旧卡片", reply_markup=kb2)
    await h.settle()
    events = await h.press(LEADER, LEADER, copy2.message_id, data=forged)
    answers = [e for e in events if e["method"] == "answerCallbackQuery"]
    assert "已失效" in str(answers[0]["params"].get("text"))
    assert await linked(h, "10003") is None


async def test_refused_claim_tells_applicant_and_admins(harness: Harness) -> None:
    h = harness
    await leader_mode(h)
    await apply(h, APPLICANT, "10003")
    assert "已拒绝" in await press(h, LEADER, card(h), "❌ 拒绝")
    await h.settle()
    assert await linked(h, "10003") is None
    assert any("没有被班组长确认" in t for t in h.sent(APPLICANT))
    assert any("拒绝了" in t for t in h.sent(ADMIN_ID))
    audit = await h.svc.db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'registration.claim_refused'"
    )
    assert audit == 1


async def test_lapsed_claim_refused_and_asked_again(harness: Harness) -> None:
    h = harness
    await leader_mode(h)
    await apply(h, APPLICANT, "10003")
    old = card(h)
    await h.svc.db.execute(
        "UPDATE registration_claims SET created_at = ?", (iso(utcnow() - timedelta(hours=49)),)
    )
    assert "失效" in await press(h, LEADER, old, "✅ 同意")
    await h.settle()
    assert await linked(h, "10003") is None
    assert any("已失效" in t for t in h.sent(APPLICANT))
    assert "班组长确认" in await apply(h, APPLICANT, "10003")  # may ask again
    assert "已同意" in await press(h, LEADER, card(h), "✅ 同意")
    await h.settle()
    assert await linked(h, "10003") == APPLICANT


async def test_a_lapsed_claim_is_told_at_its_time_and_its_cards_say_so(harness: Harness) -> None:
    """Nobody decides within 48 hours: the job lapses the claim then — the applicant hears it
    without having to ask again, the card loses its buttons and says why — exactly once."""
    h = harness
    await leader_mode(h)
    await apply(h, APPLICANT, "10003", "陈志强")
    ask = card(h)
    h.svc.clock.set(utcnow() + timedelta(hours=47))
    assert await h.svc.claims.expire_lapsed() == 0  # still in time
    mark = h.mark()
    h.svc.clock.set(utcnow() + timedelta(hours=49))
    assert await h.svc.claims.expire_lapsed() == 1
    await h.settle()
    told = [t for t in h.sent(APPLICANT, mark) if "已失效" in t]
    assert len(told) == 1 and "重新点邀请链接" in told[0]
    shown = h.emu.message(LEADER, int(ask["message_id"]))  # type: ignore[call-overload]
    assert shown is not None and not shown.get("reply_markup")
    assert "48 小时内没有人确认" in str(shown["text"]) and "陈志强" in str(shown["text"])
    assert await h.svc.claims.expire_lapsed() == 0  # once
    await h.settle()
    assert not [t for t in h.sent(APPLICANT, mark) if "已失效" in t][1:]
    state = await h.svc.db.fetchval("SELECT state FROM registration_claims")
    assert state == "expired"
    h.svc.clock.real()
    assert "班组长确认" in await apply(h, APPLICANT, "10003")  # may ask again


async def test_a_decision_made_elsewhere_takes_the_buttons_off_every_card(
    harness: Harness,
) -> None:
    """An admin confirms (the service, as from another approver's card): the leader's card is
    edited in the decision's own transaction to say who confirmed it, with no buttons."""
    h = harness
    await leader_mode(h)
    await apply(h, APPLICANT, "10003")
    ask = card(h)
    claim_id = await h.svc.db.fetchval("SELECT max(id) FROM registration_claims")
    actor = (await identify(h.svc.people, h.svc.settings, ADMIN_ID)).actor
    done = await h.svc.claims.decide(claim_id, actor, True, "系统管理员")
    assert done.outcome is Decision.APPROVED
    await h.settle()
    assert await linked(h, "10003") == APPLICANT
    shown = h.emu.message(LEADER, int(ask["message_id"]))  # type: ignore[call-overload]
    assert shown is not None and not shown.get("reply_markup")
    assert "已同意，登记完成" in str(shown["text"])
    assert any("已确认你的登记" in t for t in h.sent(APPLICANT))
