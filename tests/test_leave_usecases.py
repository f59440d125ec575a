"""The leave use cases behind /leave and 不批准, one outcome each: not registered, what waits
for a leader (`/leave 审批`), a new draft (with the days given with the command), and a refusal
refused, waiting for a private chat, or its reason asked."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.leave import Draft, Refusal, RefuseStep, Step
from bot.domain.leave_rules import LeaveType
from bot.services import leave as lv
from bot.services.identity import Identity, identify
from bot.views import leave as views
from tests.botfixtures import Harness
from tests.test_leave_e2e import GROUP, LEADER, OTHER_LEADER, STRANGER, T0, W4, Clock, ask

CARD = (LEADER, 4242)


@pytest.fixture
async def clock(harness: Harness) -> Clock:
    h, c = harness, Clock(T0)
    h.svc.attendance.clock = c
    await h.import_demo_roster()
    for uid, number in ((LEADER, "10001"), (W4, "10004"), (OTHER_LEADER, "10008")):
        await h.register(uid, number)
    h.user(STRANGER, "路人")
    await h.group(GROUP, "蒸发一班群", [LEADER, W4])
    await h.say(GROUP, LEADER, "/bind")
    return c


async def ident(h: Harness, user_id: int) -> Identity:
    return await identify(h.svc.people, h.svc.settings, user_id)


async def test_begin_a_draft_or_list_what_waits(harness: Harness, clock: Clock) -> None:
    h, stranger, w4 = harness, await ident(harness, STRANGER), await ident(harness, W4)
    assert await h.svc.leave.begin(stranger.person, stranger.actor, "") is None
    begun = await h.svc.leave.begin(w4.person, w4.actor, "明天")
    assert begun == lv.Begun([], 0, date(2026, 11, 3), "明天")
    assert await h.svc.conversations.state(W4, W4, Draft) == Draft()
    assert "已提交" in await ask(h, W4, "明天")
    leader = await ident(h, LEADER)
    waiting = await h.svc.leave.begin(leader.person, leader.actor, "审批")
    assert isinstance(waiting, lv.Pending) and [x.name for x in waiting.waiting] == ["赵振磊"]
    begun = await h.svc.leave.begin(leader.person, leader.actor, "")
    assert isinstance(begun, lv.Begun) and begun.waiting == 1 and begun.days == ""


async def test_a_refusal_needs_the_right_and_a_private_chat(harness: Harness, clock: Clock) -> None:
    h = harness
    await ask(h, W4, "明天")
    leave_id = (await h.svc.leave.mine((await ident(h, W4)).person))[0].id  # type: ignore[arg-type]
    other, leader = await ident(h, OTHER_LEADER), await ident(h, LEADER)
    refused = await h.svc.leave.ask_refusal(other.actor, leave_id, CARD, False)
    assert isinstance(refused, lv.DecideResult) and refused.outcome is lv.Decided.NOT_ALLOWED
    await h.svc.people.set_private_ok(LEADER, False)
    assert await h.svc.leave.ask_refusal(leader.actor, leave_id, CARD, True) == lv.OpenPrivate()
    assert await h.svc.conversations.state(LEADER, LEADER, Refusal) is None
    await h.svc.people.set_private_ok(LEADER, True)
    asked = await h.svc.leave.ask_refusal(leader.actor, leave_id, CARD, True)
    assert asked == lv.ReasonAsked("赵振磊")
    state = await h.svc.conversations.state(LEADER, LEADER, Refusal)
    assert state == Refusal(RefuseStep.REASON, leave_id, *CARD, True)


def test_a_draft_button_fits_its_own_step() -> None:
    kind, skip, submit = (
        views.PickType(LeaveType.SICK),
        views.DraftStep("skip"),
        views.DraftStep("submit"),
    )
    abort = views.DraftStep("abort")
    for step in Step:
        d = Draft(step)
        assert views.fits(d, kind) is (step is Step.TYPE)
        assert views.fits(d, skip) is (step is Step.NOTE)
        assert views.fits(d, submit) is (step is Step.CONFIRM)
        assert views.fits(d, abort)


async def test_submit_ends_the_draft_even_for_someone_gone(harness: Harness, clock: Clock) -> None:
    h = harness
    await h.svc.conversations.put(W4, W4, Draft())
    assert await h.svc.leave.submit(None, W4, Draft()) is None
    assert await h.svc.conversations.state(W4, W4, Draft) is None
