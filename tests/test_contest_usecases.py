"""The figures entry's use cases, one outcome each: a figure refused for rights, bad, unlikely
(waiting at DOUBT), or taken and on to the next question or the preview; the entry's buttons
at their own step only; and which creation step a button of /contest_new belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.contest import FigureAct, FigureEntry, FigureStep, Kind, NewStep, week_of
from bot.repos.contest import FigureEntry as FigureRow
from bot.services import contest as cs
from bot.views import contest as view
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_contest_e2e import (
    FAR_LEADER,
    LEADER1,
    UNIT_LEADER,
    WORKER1,
    actor,
    create_pair_contest,
    setup,
)

NOW = datetime.now(UTC)


async def entry(h: Harness) -> tuple[FigureEntry, cs.FigureTarget]:
    cid = await create_pair_contest(h)
    targets = await h.svc.contest.figure_targets(await actor(h, LEADER1), NOW)
    target = next(t for t in targets if t.contest.id == cid)
    return FigureEntry(FigureStep.VALUE, 7, cid, target.participant_id), target


async def test_a_typed_figure(harness: Harness) -> None:
    h = harness
    await setup(h)
    e, _ = await entry(h)
    contest, leader = h.svc.contest, await actor(h, LEADER1)
    refused = await contest.enter_figure(await actor(h, FAR_LEADER), e, "300", NOW)
    assert refused == cs.Refused(cs.Refusal.FORBIDDEN)
    assert isinstance(await contest.enter_figure(leader, e, "很多", NOW), cs.FigureBad)
    first = await contest.enter_figure(leader, e, "300", NOW)
    assert isinstance(first, cs.FigureNext) and first.ask is not None
    assert first.entry.step is FigureStep.VALUE and first.entry.index == 1
    last = await contest.enter_figure(leader, first.entry, "88", NOW)
    assert isinstance(last, cs.FigureNext) and last.ask is None
    assert last.entry.step is FigureStep.PREVIEW and len(last.entry.values) == 2
    text, markup = view.next_figure(h.svc.texts, "zh-CN", last)
    assert markup is not None and "300" in text
    saved = await contest.figure_press(leader, last.entry, FigureAct.SAVE, NOW)
    assert saved == cs.Saved(2)


async def test_an_unlikely_figure_waits_for_its_button(harness: Harness) -> None:
    h = harness
    await setup(h)
    e, target = await entry(h)
    contest, leader = h.svc.contest, await actor(h, LEADER1)
    output = target.metrics[0]
    last_week = week_of(NOW.astimezone(h.svc.settings.tz).date()) - timedelta(days=7)
    row = FigureRow(output.id, target.participant_id, last_week, 300.0)
    await contest.repo.save_figures([row], actor=LEADER1, via="chat")
    doubting = await contest.enter_figure(leader, e, "3000", NOW)
    assert isinstance(doubting, cs.Doubting) and doubting.metric == output
    d = doubting.entry
    assert (d.step, d.pending, d.doubt) == (FigureStep.DOUBT, 3000.0, "jump_up")
    assert await contest.figure_press(leader, e, FigureAct.OK, NOW) is None  # not at DOUBT
    assert await contest.figure_press(leader, d, FigureAct.SAVE, NOW) is None  # no preview
    retyped = await contest.figure_press(leader, d, FigureAct.RETYPE, NOW)
    assert isinstance(retyped, cs.FigureNext) and retyped.entry.index == 0
    assert retyped.entry.pending is None and retyped.entry.step is FigureStep.VALUE
    ok = await contest.figure_press(leader, d, FigureAct.OK, NOW)
    assert isinstance(ok, cs.FigureNext) and ok.entry.index == 1
    assert dict(ok.entry.doubts) == {output.id: "jump_up"}
    redo = await contest.figure_press(leader, d, FigureAct.REDO, NOW)
    assert isinstance(redo, cs.FigureRestart) and redo.target.participant_id == e.participant
    cancelled = await contest.figure_press(await actor(h, FAR_LEADER), d, FigureAct.CANCEL, NOW)
    assert cancelled == cs.FigureCancelled()
    refused = await contest.figure_press(await actor(h, FAR_LEADER), d, FigureAct.OK, NOW)
    assert refused == cs.Refused(cs.Refusal.FORBIDDEN)


def test_each_creation_button_belongs_to_its_step() -> None:
    assert view.new_press_step(view.KindPress(1, "kind", Kind.PAIR)) is NewStep.KIND
    assert view.new_press_step(view.ScopePress(1, "scope", view.Scope.UNITS)) is NewStep.SCOPE
    assert view.new_press_step(view.UnitPress(1, "unit", 3)) is NewStep.SCOPE
    assert view.new_press_step(view.MetricPress(1, "m", 0)) is NewStep.METRICS
    assert view.new_press_step(view.NewPress(1, view.NewAct.NEXT)) is NewStep.METRICS
    assert view.new_press_step(view.NewPress(1, view.NewAct.CREATE)) is NewStep.PREVIEW
    assert view.new_press_step(view.NewPress(1, view.NewAct.CANCEL)) is None


async def test_the_units_to_scope_a_contest_to(harness: Harness) -> None:
    await setup(harness)
    units = await harness.svc.contest.units()
    assert "一分场" in units.values() and list(units) == sorted(units)


async def test_who_may_create_enter_and_manage(harness: Harness) -> None:
    h = harness
    await setup(h)
    contest = h.svc.contest
    worker, leader = await actor(h, WORKER1), await actor(h, LEADER1)
    unit_leader, admin = await actor(h, UNIT_LEADER), await actor(h, ADMIN_ID)
    assert not contest.may_create(worker) and not contest.may_create(leader)
    assert contest.may_create(unit_leader) and contest.may_create(admin)
    assert contest.picks_scope(admin) and not contest.picks_scope(unit_leader)
    assert await contest.entry_targets(worker, NOW) is None
    assert await contest.entry_targets(leader, NOW) == []
    await create_pair_contest(h)
    targets = await contest.entry_targets(leader, NOW)
    assert targets is not None and [t.participant_name for t in targets] == ["蒸发一班"]
    board = (await contest.boards(leader, NOW))[0]
    assert await contest.rights(leader, board) == cs.BoardRights(True, False)
    assert await contest.rights(unit_leader, board) == cs.BoardRights(True, True)
    assert await contest.rights(worker, board) == cs.BoardRights(False, False)
