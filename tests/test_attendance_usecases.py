"""The attendance use cases behind /roll, the 请假 button and leave / make-up requests, one
outcome each: why /roll is refused (or where its card goes), whether 请假 can ask the reason
privately, where a new request's card goes, and whether the member hears a decision."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.auth import Actor
from bot.services import sessions as ss
from bot.services.identity import Identity, identify
from tests.botfixtures import Harness

GROUP = -1001000000001
OTHER_GROUP = -1001000000002
LEADER, W2, W4 = 100001, 100002, 100004
STRANGER = 100099
T0 = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)


@pytest.fixture
async def h(harness: Harness) -> Harness:
    harness.svc.attendance.clock = lambda: T0
    await harness.import_demo_roster()
    for uid, number in ((LEADER, "10001"), (W2, "10002"), (W4, "10004")):
        await harness.register(uid, number)
    harness.user(STRANGER, "路人")
    await harness.group(GROUP, "蒸发一班群", [LEADER, W2, W4, STRANGER])
    await harness.say(GROUP, LEADER, "/bind")
    await harness.group(OTHER_GROUP, "闲聊群", [LEADER])
    return harness


async def ident(h: Harness, user_id: int) -> Identity:
    return await identify(h.svc.people, h.svc.settings, user_id)


async def roll(h: Harness, user_id: int, chat_id: int) -> ss.RollCard | ss.RollCall:
    i = await ident(h, user_id)
    return await h.svc.sessions.roll_call(i.actor, i.person, chat_id, chat_id > 0, "zh-CN")


async def test_roll_call_says_why_it_is_refused(h: Harness) -> None:
    assert await roll(h, STRANGER, STRANGER) is ss.RollCall.PRIVATE_NO_TEAM
    assert await roll(h, LEADER, OTHER_GROUP) is ss.RollCall.UNBOUND
    assert await roll(h, W2, GROUP) is ss.RollCall.REFUSED
    assert await roll(h, LEADER, GROUP) is ss.RollCall.NONE


async def test_roll_card_goes_privately_when_it_can(h: Harness) -> None:
    await h.say(GROUP, LEADER, "/study 安全规程学习")
    card = await roll(h, LEADER, GROUP)
    assert isinstance(card, ss.RollCard) and card.chat_id == LEADER
    assert card.session.topic == "安全规程学习" and card.markup.inline_keyboard
    await h.svc.people.set_private_ok(LEADER, False)
    card = await roll(h, LEADER, GROUP)
    assert isinstance(card, ss.RollCard) and card.chat_id == GROUP


async def test_leave_button_asks_the_reason_privately(h: Harness) -> None:
    sessions, w4 = h.svc.sessions, await ident(h, W4)
    assert await sessions.ask_leave_reason(None, STRANGER, 1) is ss.LeaveAsk.NOT_REGISTERED
    await h.svc.people.set_private_ok(W4, False)
    assert await sessions.ask_leave_reason(w4.person, W4, 7) is ss.LeaveAsk.OPEN_PRIVATE
    assert await h.svc.conversations.state(W4, W4, ss.LeaveReason) is None
    await h.svc.people.set_private_ok(W4, True)
    assert await sessions.ask_leave_reason(w4.person, W4, 7) is ss.LeaveAsk.ASKED
    state = await h.svc.conversations.state(W4, W4, ss.LeaveReason)
    assert state == ss.LeaveReason(ss.OneStep.REASON, 7)


async def test_a_request_goes_to_the_leaders_else_to_the_group(h: Harness) -> None:
    await h.say(GROUP, LEADER, "/study 安全规程学习")
    sessions, w4, w2 = h.svc.sessions, await ident(h, W4), await ident(h, W2)
    assert w4.person is not None and w2.person is not None
    asked = await sessions.request_leave(w4.person, "家中有事")
    assert asked.outcome is ss.Ask.CREATED and asked.leader_chats == (LEADER,)
    again = await sessions.request_leave(w4.person, "家中有事")
    assert again.outcome is ss.Ask.DUPLICATE and again.leader_chats == ()
    await h.svc.people.set_private_ok(LEADER, False)
    asked = await sessions.request_leave(w2.person, "倒班")
    assert asked.outcome is ss.Ask.CREATED and asked.leader_chats == (GROUP,)


async def test_the_member_hears_a_decision_only_when_reachable(h: Harness) -> None:
    await h.say(GROUP, LEADER, "/study 安全规程学习")
    sessions, w4, w2 = h.svc.sessions, await ident(h, W4), await ident(h, W2)
    leader: Actor = (await ident(h, LEADER)).actor
    assert w4.person is not None and w2.person is not None
    first = await sessions.request_leave(w4.person, "家中有事")
    assert first.request_id is not None
    decided = await sessions.decide(first.request_id, True, leader)
    assert decided.outcome is ss.Decided.APPROVED and decided.member_chat == W4
    again = await sessions.decide(first.request_id, True, leader)
    assert again.outcome is ss.Decided.DONE_ALREADY and again.member_chat is None
    await h.svc.people.set_private_ok(W2, False)
    second = await sessions.request_leave(w2.person, "倒班")
    assert second.request_id is not None
    refused = await sessions.decide(second.request_id, False, leader)
    assert refused.outcome is ss.Decided.REFUSED and refused.member_chat is None
