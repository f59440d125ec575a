"""The Directory and Conversations services on a fresh roster: identity, reach, teams, and
typed flow state, as handlers see them."""

from __future__ import annotations

from bot.domain.auth import Role
from bot.domain.schedules import ScheduleDraft, ScheduleStep
from tests.botfixtures import ADMIN_ID, Harness


async def test_identity_and_teams(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    d = h.svc.directory
    admin = await d.identify(ADMIN_ID)
    assert Role.ADMIN in admin.actor.roles and admin.person is None
    stranger = await d.identify(123456)
    assert not stranger.registered and await d.leaders_to_ask(stranger) == []
    teams = await d.teams()
    assert teams and await d.team(teams[0].id) == teams[0]
    assert await d.unit_name(teams[0].unit_id) == teams[0].unit_name
    assert await d.unit_name(10**6) is None
    assert await d.team_chat(teams[0].id) is None  # no group bound yet
    assert not await d.private_ok(123456)
    await d.seen(123456, "张", None, None, "zh-hans", True)
    assert await d.private_ok(123456)
    await d.set_private_ok(123456, False)  # blocked the bot
    assert not await d.private_ok(123456)


async def test_conversations_keep_typed_state(harness: Harness) -> None:
    h = harness
    c = h.svc.conversations
    draft = ScheduleDraft(ScheduleStep.SCOPE, 42)
    await c.put(5, 5, draft)
    assert await c.state(5, 5, ScheduleDraft) == draft
    assert (await c.get(5, 5)) is not None
    assert await c.clear(5, 5)
    assert await c.state(5, 5, ScheduleDraft) is None
