"""The use cases behind the pledge handlers, by their typed outcomes: writing a draft (its
state kept, its stale buttons), /pledges for leaders (detail, overview, export, search,
reminders) and the button data they keep."""

from __future__ import annotations

from bot.callbacks import Stale, parse
from bot.domain.pledges import FindStep, PledgeDraft, PledgesFind, PledgeStep
from bot.services.pledges import (
    AskPlan,
    AskPledge,
    Cancelled,
    DraftAction,
    Export,
    History,
    Mine,
    MineAction,
    NotRegistered,
    Overview,
    Preview,
    Refusal,
    Refused,
    Reminded,
    Saved,
    Searching,
    TeamDetail,
    TeamsOp,
    TextRefused,
    Unchanged,
    UseButtons,
)
from bot.views.pledges import TeamsPage
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_contest_e2e import actor
from tests.test_pledges_e2e import LEADER, OTHER, UNIT_LEADER, WORKER, setup


def test_teams_page_keeps_its_wire_strings() -> None:
    assert TeamsPage(TeamsOp.ALL, 3).encode() == "plp:v1:all:3"
    assert TeamsPage(TeamsOp.FOUND, 0).encode() == "plp:v1:found:0"
    assert TeamsPage(TeamsOp.SEARCH, 0).encode() == "plp:v1:find:0"
    assert parse("plp:v1:all:3", TeamsPage) == TeamsPage(TeamsOp.ALL, 3)
    for bad in ("plp:v1:all:99999", "plp:v1:sort:1", "plp:v1:all", "plp:v1:all:1:2", "x" * 65):
        assert isinstance(parse(bad, TeamsPage), Stale)


async def test_writing_a_draft(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"))
    svc, now = h.svc.pledges, h.svc.clock.now()
    person = await h.svc.people.by_tg(WORKER)
    assert await svc.begin(None, WORKER, "", now) == NotRegistered()
    asked = await svc.begin(person, WORKER, "", now)
    assert asked == AskPledge(svc.year(now))
    draft = await h.svc.conversations.state(WORKER, WORKER, PledgeDraft)
    assert draft is not None and draft.step is PledgeStep.PLEDGE
    assert await svc.take(WORKER, draft, " ") == TextRefused("empty", 1)
    assert await svc.take(WORKER, draft, "安" * 1001) == TextRefused("too_long", 1001)
    assert await svc.take(WORKER, draft, "零违章") == AskPlan(draft.nonce)
    plan = await h.svc.conversations.state(WORKER, WORKER, PledgeDraft)
    assert plan is not None and (plan.step, plan.pledge) == (PledgeStep.PLAN, "零违章")
    stale = await svc.press_draft(person, WORKER, draft.nonce + 1, DraftAction.SKIP, now)
    assert stale == Refused(Refusal.STALE)
    early = await svc.press_draft(person, WORKER, draft.nonce, DraftAction.OK, now)
    assert early == Unchanged()  # OK before the preview does nothing
    shown = await svc.press_draft(person, WORKER, draft.nonce, DraftAction.SKIP, now)
    assert isinstance(shown, Preview) and shown.draft.step is PledgeStep.PREVIEW
    assert await svc.take(WORKER, shown.draft, "更多") == UseButtons()
    saved = await svc.press_draft(person, WORKER, draft.nonce, DraftAction.OK, now)
    assert isinstance(saved, Saved) and saved.pledge.version == 1 and saved.pledge.plan is None
    assert await h.svc.conversations.get(WORKER, WORKER) is None
    again = await svc.begin(person, WORKER, "带好一个徒弟", now)
    assert isinstance(again, AskPlan) and again.nonce != draft.nonce
    gone = await svc.press_draft(person, WORKER, again.nonce, DraftAction.CANCEL, now)
    assert gone == Cancelled() and await h.svc.conversations.get(WORKER, WORKER) is None


async def test_leaders_views_and_reminders(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (OTHER, "10004"), (LEADER, "10001"), (UNIT_LEADER, "10005"))
    svc, now = h.svc.pledges, h.svc.clock.now()
    worker, leader = await actor(h, WORKER), await actor(h, LEADER)
    unit = await actor(h, UNIT_LEADER)
    assert await svc.view_teams(worker, now) == Refused(Refusal.NO_PERMISSION)
    one = await svc.view_teams(leader, now)
    assert isinstance(one, TeamDetail) and one.team.name == "蒸发一班"
    assert len(one.status.written) == 0 and len(one.status.missing) == 7
    own = await svc.view_teams(leader, now, export=True)  # every member, written or not
    assert isinstance(own, Export) and [t.name for t in own.teams] == ["蒸发一班"]
    assert len(own.rows) == 7
    many = await svc.view_teams(unit, now)
    assert isinstance(many, Overview) and many.page.total >= 2 and not many.query
    assert {c.team.name for c in many.page.items} >= {"蒸发一班", "蒸发二班"}
    export = await svc.view_teams(unit, now, export=True)
    assert isinstance(export, Export) and len(export.rows) >= 7
    assert await svc.team(worker, one.team.id, now) == Refused(Refusal.NO_PERMISSION)
    assert await svc.team(leader, 999_999, now) == Refused(Refusal.STALE)
    reminded = await svc.remind_team(leader, one.team.id, now)
    assert isinstance(reminded, Reminded)
    sent = {p.name for p in reminded.plan.send}
    assert "赵振磊" in sent and "刘建国" not in sent  # not the leader who pressed
    twice = await svc.remind_team(leader, one.team.id, now)
    assert isinstance(twice, Reminded) and not twice.plan.send
    assert {p.name for p in twice.plan.recent} == sent


async def test_search_keeps_its_query(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    svc, now, admin = h.svc.pledges, h.svc.clock.now(), await actor(h, ADMIN_ID)
    page = await svc.teams_page(admin, ADMIN_ID, ADMIN_ID, TeamsOp.FOUND, 0, now)
    assert page == Refused(Refusal.STALE)  # no search under way
    assert await svc.teams_page(admin, ADMIN_ID, ADMIN_ID, TeamsOp.SEARCH, 0, now) == Searching()
    kept = await h.svc.conversations.state(ADMIN_ID, ADMIN_ID, PledgesFind)
    assert kept == PledgesFind(FindStep.QUERY)
    empty = await svc.find_teams(admin, ADMIN_ID, ADMIN_ID, "  ", now)
    assert empty == Refused(Refusal.EMPTY_QUERY)
    found = await svc.find_teams(admin, ADMIN_ID, ADMIN_ID, "蒸发", now)
    assert isinstance(found, Overview) and found.query == "蒸发"
    assert all("蒸发" in c.team.name for c in found.page.items) and found.page.total >= 2
    kept = await h.svc.conversations.state(ADMIN_ID, ADMIN_ID, PledgesFind)
    assert kept == PledgesFind(FindStep.FOUND, "蒸发")
    again = await svc.teams_page(admin, ADMIN_ID, ADMIN_ID, TeamsOp.FOUND, 0, now)
    assert again == found
    worker = await actor(h, WORKER)
    refused = await svc.find_teams(worker, WORKER, WORKER, "蒸发", now)
    assert refused == Refused(Refusal.NO_PERMISSION)


async def test_mine_presses_only_for_ones_own_pledge(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (OTHER, "10004"))
    svc, now = h.svc.pledges, h.svc.clock.now()
    person = await h.svc.people.by_tg(WORKER)
    other = await h.svc.people.by_tg(OTHER)
    assert person is not None and other is not None
    empty = await svc.mine(person, now)
    assert empty == Mine(person.member_id, svc.year(now), None)
    hist = MineAction.HISTORY
    assert await svc.mine_press(None, WORKER, person.member_id, hist, now) == Refused(Refusal.STALE)
    theirs = await svc.mine_press(other, OTHER, person.member_id, hist, now)
    assert theirs == Refused(Refusal.STALE)  # another's /mine button
    await svc.save(person, svc.year(now), "零违章", None)
    await svc.save(person, svc.year(now), "带好徒弟", "考证")
    shown = await svc.mine_press(person, WORKER, person.member_id, hist, now)
    assert isinstance(shown, History) and [p.version for p in shown.pledges] == [2, 1]
    mine = await svc.mine(person, now)
    assert mine.current is not None and mine.current.version == 2
    edit = await svc.mine_press(person, WORKER, person.member_id, MineAction.EDIT, now)
    assert edit == AskPledge(svc.year(now))
