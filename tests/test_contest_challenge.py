"""对手赛 and 擂台赛: a team leader challenges, the rival's leaders are asked privately and
answer; the arena goes to the first week's best and changes hands only when a challenger
scores more (a tie defends: tests/test_contest_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.contest import Kind, Level, week_of
from bot.repos.contest import FigureEntry
from bot.services.contest import Created, Decided, Draft, Proposed
from handlers.contest import run_tick
from tests.botfixtures import Harness
from tests.test_contest_e2e import LEADER1, LEADER2, actor, setup
from tests.test_suggestions_e2e import alerts, press_text, settle_all


async def make(h: Harness, kind: Kind) -> int:
    today = datetime.now(UTC).astimezone(h.svc.settings.tz).date()
    start = week_of(today)
    unit = await h.svc.db.fetchval("SELECT id FROM units WHERE name = '一分场'")
    draft = Draft(
        "季度对手赛", kind, Level.TEAM, int(unit), start, start + timedelta(days=27), ("output",)
    )
    created = await h.svc.contest.create(await actor(h, 100005), draft)
    assert isinstance(created, Created)
    return created.contest_id


async def test_challenge_asked_privately_and_accepted(harness: Harness) -> None:
    h = harness
    await setup(h)
    cid = await make(h, Kind.CHALLENGE)
    board = await h.say(LEADER1, LEADER1, "/contest")
    assert "还没有已接受的挑战" in board[0]
    await press_text(h, LEADER1, LEADER1, "发起挑战")
    mark = h.mark()
    sent = await press_text(h, LEADER1, LEADER1, "蒸发二班")
    assert "已向 蒸发二班 发出挑战" in alerts(sent)[0]
    again = await press_text(h, LEADER1, LEADER1, "蒸发二班")  # the same challenge twice
    assert "已有一个进行中的挑战" in alerts(again)[0]
    await settle_all(h)
    asked = h.sent(LEADER2, mark)
    assert asked and "蒸发一班 向你们发起挑战" in asked[-1]
    # A worker of 蒸发二班 cannot answer for the team; its leader can, once.
    await press_text(h, LEADER2, LEADER2, "应战")
    await settle_all(h)
    assert any("接受了 蒸发一班 的挑战" in t for t in h.sent(LEADER1, mark))
    pairs = await h.svc.db.fetchall("SELECT state FROM contest_pairs WHERE contest_id = ?", (cid,))
    assert [p["state"] for p in pairs] == ["active"]
    board = await h.say(LEADER1, LEADER1, "/contest")
    assert "蒸发一班 0 分 ⚔ 蒸发二班 0 分" in board[0] and "持平" in board[0]


async def test_arena_holder_is_the_first_best_until_a_challenger_scores_more(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    cid = await make(h, Kind.ARENA)
    repo = h.svc.contest.repo
    metric = (await repo.metrics(cid))[0]
    teams = {r["name"]: int(r["id"]) for r in await h.svc.db.fetchall("SELECT id, name FROM teams")}
    one, two = teams["蒸发一班"], teams["蒸发二班"]
    week = week_of(datetime.now(UTC).astimezone(h.svc.settings.tz).date())
    monday = week + timedelta(days=7)
    when = datetime(monday.year, monday.month, monday.day, 9, tzinfo=h.svc.settings.tz)
    await repo.save_figures(
        [FigureEntry(metric.id, one, week, 500.0), FigureEntry(metric.id, two, week, 400.0)],
        actor=1,
        via="cli",
    )
    assert await run_tick(h.svc, when) == 1
    contest = await repo.get(cid)
    assert contest is not None and contest.holder_id == one  # the first week's best
    # 蒸发二班 challenges the holder and 蒸发一班 accepts; next week 二班 scores more.
    proposed = await h.svc.contest.challenge(await actor(h, LEADER2), cid, one)
    assert isinstance(proposed, Proposed)
    decided = await h.svc.contest.decide(await actor(h, LEADER1), proposed.pair_id, True)
    assert isinstance(decided, Decided) and decided.accepted
    week2 = week + timedelta(days=7)
    await repo.save_figures([FigureEntry(metric.id, two, week2, 700.0)], actor=1, via="cli")
    when2 = when + timedelta(days=7)
    assert await run_tick(h.svc, when2) == 1
    contest = await repo.get(cid)
    assert contest is not None and contest.holder_id == two
