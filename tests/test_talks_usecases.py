"""The use cases behind /talks and the 已谈 / 取消 buttons, by their typed outcomes."""

from __future__ import annotations

from bot.domain.talks import TalkProblem
from bot.services.identity import identify
from bot.services.talks import BadPeriod, Listing, Recorded, Refusal, Refused, Settled
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_talks_e2e import CHEN, LEADER, setup


async def test_listing_and_settling(harness: Harness) -> None:
    h = harness
    await setup(h)
    svc, now = h.svc.talks, h.svc.clock.now()
    leader = await identify(h.svc.people, h.svc.settings, LEADER)
    admin = await identify(h.svc.people, h.svc.settings, ADMIN_ID)
    worker = await identify(h.svc.people, h.svc.settings, CHEN)
    assert await svc.record(leader, [], now) == Refused(TalkProblem.USAGE)
    assert await svc.record(worker, [], now) == Refused(Refusal.NO_PERMISSION)
    assert await svc.listing(worker, "", now) == Refused(Refusal.NO_PERMISSION)
    assert await svc.listing(leader, "下个世纪", now) == BadPeriod("bad", "下个世纪")
    empty = await svc.listing(leader, "", now)
    assert isinstance(empty, Listing) and empty.counts is None and empty.mine == []
    planned = await svc.record(leader, ["10003", "工作", "明天", "谈谈"], now)
    assert isinstance(planned, Recorded) and planned.talk.state == "planned"
    both = await svc.listing(admin, "", now)
    assert isinstance(both, Listing) and both.counts is not None and both.mine == []
    assert await svc.press(worker, planned.talk.id, True, now) == Refused(Refusal.NO_TALK)
    done = await svc.press(leader, planned.talk.id, True, now)
    assert isinstance(done, Settled) and done.held and done.talk.state == "held"
    assert done.mine is not None and [t.id for t in done.mine] == [planned.talk.id]
    again = await svc.press(leader, planned.talk.id, False, now)
    assert again == Refused(Refusal.NO_TALK)  # settled once
