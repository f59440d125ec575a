"""NoticeService's outcomes on a real roster: a press outside the sender's reach names no
audience, status and reminders are the author's or an admin's, reminders come once an hour."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.auth import Actor, Role
from bot.services.notices import Audience, Content, Order, Refused, Reminded, Sent
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_notices import org

ADMIN = Actor(ADMIN_ID, frozenset({Role.ADMIN}))


async def _leader(h: Harness, team: str) -> Actor:
    t = next(t for t in await h.svc.org.teams() if t.name == team)
    return Actor(555, frozenset({Role.TEAM_LEADER}), member_id=1, team_id=t.id, unit_id=t.unit_id)


async def _send(h: Harness, actor: Actor, audience: Audience) -> Sent | Refused:
    order = Order("测试", Content("text", "今晚停电检修"), audience, "", "both", False)
    where = (actor.tg_user_id, 1)
    return await h.svc.notices.send(actor, order, where, (actor.tg_user_id, 0))


async def test_a_press_outside_reach_names_no_audience(harness: Harness) -> None:
    h = harness
    await org(h)
    leader = await _leader(h, "蒸发一班")
    other = next(t for t in await h.svc.org.teams() if t.name == "包装班")
    notices = h.svc.notices
    assert await notices.resolve(leader, "t", str(other.id), ()) is None
    assert await notices.resolve(leader, "u", str(other.unit_id), ()) is None
    assert await notices.resolve(leader, "g", "0", ()) is None  # no tag offered at that index
    assert await notices.resolve(leader, "t", "x", ()) is None
    own = await notices.resolve(leader, "all", "", ())
    assert own == Audience(leader.unit_id, leader.team_id)
    assert [t.id for t in await notices.teams_in_reach(leader)] == [leader.team_id]
    assert await _send(h, leader, Audience()) == Refused("common.no_permission")


async def test_status_and_reminders_are_the_authors(harness: Harness) -> None:
    h = harness
    await org(h)
    sent = await _send(h, ADMIN, Audience())
    assert isinstance(sent, Sent) and sent.messages > 0
    stranger = await _leader(h, "蒸发一班")
    assert await h.svc.notices.status(stranger, sent.notice_id) is None
    assert await h.svc.notices.stop(stranger, sent.notice_id) is None
    refused = await h.svc.notices.remind(stranger, sent.notice_id, 555, h.svc.clock.now())
    assert refused == Refused("common.no_permission")
    status = await h.svc.notices.status(ADMIN, sent.notice_id)
    assert status is not None and status.rows and not any(r.acked for r in status.rows)

    now = h.svc.clock.now()
    first = await h.svc.notices.remind(ADMIN, sent.notice_id, ADMIN_ID, now)
    assert isinstance(first, Reminded) and first.sent > 0
    again = await h.svc.notices.remind(ADMIN, sent.notice_id, ADMIN_ID, now + timedelta(minutes=5))
    assert isinstance(again, Refused) and again.key == "notices.remind.too_soon"
    later = await h.svc.notices.remind(ADMIN, sent.notice_id, ADMIN_ID, now + timedelta(hours=1))
    assert isinstance(later, Reminded)


async def test_ack_outcomes(harness: Harness) -> None:
    h = harness
    await org(h)
    sent = await _send(h, ADMIN, Audience())
    assert isinstance(sent, Sent)
    rows = await h.svc.notices.repo.status(sent.notice_id)
    assert rows
    now = h.svc.clock.now()
    assert await h.svc.notices.ack(sent.notice_id + 99, 1, now) is None
    assert await h.svc.notices.ack(sent.notice_id, None, now) == "unregistered"
    assert await h.svc.notices.ack(sent.notice_id, 10**6, now) == "not_recipient"
