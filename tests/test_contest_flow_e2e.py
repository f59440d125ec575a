"""The contest flows on typed state and typed buttons, end to end: an admin scopes a contest to
one unit; cancel and redo; a press from another run of the flow, a forged argument or a button
of another step is stale and changes nothing; a conversation stored by the positional code
(before the state was typed) ends with the polite "start again" and saves nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.contest import week_of
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_contest_e2e import LEADER1, UNIT_LEADER, create_pair_contest, forge, setup
from tests.test_suggestions_e2e import last_with_buttons, press_text

STALE = "这个按钮已失效，请重新操作。"
FLOW_STALE = "这个对话已过期（程序已更新），请重新开始。"


async def nonce_of(h: Harness, user: int) -> int:
    conv = await h.svc.conversations.get(user, user)
    assert conv is not None
    return int(conv.data["nonce"])


async def step_of(h: Harness, user: int) -> str | None:
    conv = await h.svc.conversations.get(user, user)
    return None if conv is None else conv.step


async def press_on(h: Harness, user: int, message_id: int, label: str) -> list[dict[str, Any]]:
    """A press on the flow's own keyboard (a forged press is a later message of its own)."""
    return await h.press(user, user, message_id, button_text=label)


def keyboard(h: Harness, user: int) -> int:
    return int(last_with_buttons(h, user)["message_id"])


def this_month(h: Harness) -> str:
    start = week_of(datetime.now(UTC).astimezone(h.svc.settings.tz).date())
    return f"{start.isoformat()} 至 {(start + timedelta(days=27)).isoformat()}"


async def test_an_admin_scopes_a_contest_to_one_unit(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    await h.say(ADMIN_ID, ADMIN_ID, "/contest_new")
    await h.say(ADMIN_ID, ADMIN_ID, "一分场联赛")
    nonce = await nonce_of(h, ADMIN_ID)
    await press_text(h, ADMIN_ID, ADMIN_ID, "联赛")
    assert await step_of(h, ADMIN_ID) == "scope"
    scopes = keyboard(h, ADMIN_ID)
    # a unit that does not exist, and a kind pressed again at the scope step: stale, unchanged
    assert await forge(h, ADMIN_ID, f"ctn:v1:{nonce}:unit:424242") == [STALE]
    assert await forge(h, ADMIN_ID, f"ctn:v1:{nonce}:kind:pair") == [STALE]
    assert await step_of(h, ADMIN_ID) == "scope"
    await press_on(h, ADMIN_ID, scopes, "一分场的班组")
    metrics = keyboard(h, ADMIN_ID)
    assert await forge(h, ADMIN_ID, f"ctn:v1:{nonce}:m:99") == [STALE]  # no such template
    await press_on(h, ADMIN_ID, metrics, "产量")
    await press_on(h, ADMIN_ID, metrics, "下一步")
    preview = await h.say(ADMIN_ID, ADMIN_ID, this_month(h))
    assert "一分场联赛" in preview[0] and "一分场的班组" in preview[0], preview
    await press_text(h, ADMIN_ID, ADMIN_ID, "✅ 创建")
    row = await h.svc.db.fetchone("SELECT name, kind, unit_id FROM contests")
    assert row is not None and (row["name"], row["kind"]) == ("一分场联赛", "league")
    assert row["unit_id"] is not None
    assert await h.svc.conversations.get(ADMIN_ID, ADMIN_ID) is None


async def test_units_against_each_other_and_no_metric_no_next(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    await h.say(ADMIN_ID, ADMIN_ID, "/contest_new")
    await h.say(ADMIN_ID, ADMIN_ID, "分场对抗")
    await press_text(h, ADMIN_ID, ADMIN_ID, "联赛")
    await press_text(h, ADMIN_ID, ADMIN_ID, "各单位（车间/分场）之间")
    said = await press_text(h, ADMIN_ID, ADMIN_ID, "下一步")  # nothing chosen yet
    assert any(e["method"] == "answerCallbackQuery" and e["params"].get("text") for e in said)
    assert await step_of(h, ADMIN_ID) == "metrics"
    await press_text(h, ADMIN_ID, ADMIN_ID, "产量")
    await press_text(h, ADMIN_ID, ADMIN_ID, "下一步")
    preview = await h.say(ADMIN_ID, ADMIN_ID, this_month(h))
    assert "各单位（车间/分场）之间" in preview[0], preview


async def test_a_press_from_an_earlier_run_is_stale_and_cancel_ends(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.say(UNIT_LEADER, UNIT_LEADER, "/contest_new")
    await h.say(UNIT_LEADER, UNIT_LEADER, "旧的")
    old = await nonce_of(h, UNIT_LEADER)
    await h.say(UNIT_LEADER, UNIT_LEADER, "/contest_new")
    await h.say(UNIT_LEADER, UNIT_LEADER, "新的")
    new = await nonce_of(h, UNIT_LEADER)
    kinds = keyboard(h, UNIT_LEADER)
    if new != old:  # (a 1 in 999999 chance that both runs drew the same nonce)
        assert await forge(h, UNIT_LEADER, f"ctn:v1:{old}:kind:pair") == [STALE]
        assert await step_of(h, UNIT_LEADER) == "kind"
    assert await forge(h, UNIT_LEADER, f"ctn:v1:{new}:create:0") == [STALE]  # not at preview
    said = await press_on(h, UNIT_LEADER, kinds, "取消")
    assert any("已取消" in str(e["params"].get("text", "")) for e in said), said
    assert await h.svc.conversations.get(UNIT_LEADER, UNIT_LEADER) is None
    assert await h.svc.db.fetchval("SELECT count(*) FROM contests") == 0


async def test_figures_redo_starts_again_and_cancel_saves_nothing(harness: Harness) -> None:
    h = harness
    await setup(h)
    await create_pair_contest(h)
    await h.say(LEADER1, LEADER1, "/figures")
    await h.say(LEADER1, LEADER1, "1200")
    preview = await h.say(LEADER1, LEADER1, "30")
    assert "1200" in preview[-1], preview
    nonce = await nonce_of(h, LEADER1)
    save = keyboard(h, LEADER1)
    assert await forge(h, LEADER1, f"ctf:v1:{nonce}:ok") == []  # not at the doubt step: nothing
    assert await step_of(h, LEADER1) == "preview"
    await press_on(h, LEADER1, save, "重填")
    assert await step_of(h, LEADER1) == "value"
    await h.say(LEADER1, LEADER1, "1300")
    await h.say(LEADER1, LEADER1, "31")
    await press_text(h, LEADER1, LEADER1, "取消")  # on the new preview's keyboard
    assert await h.svc.conversations.get(LEADER1, LEADER1) is None
    assert await h.svc.db.fetchval("SELECT count(*) FROM contest_figures") == 0


async def test_an_old_shape_creation_row_ends_politely(harness: Harness) -> None:
    h = harness
    await setup(h)
    old = {"nonce": 5, "metrics": []}  # what the positional code stored
    await h.svc.conversations.repo.set(UNIT_LEADER, UNIT_LEADER, "contest_new", "name", old)
    assert await h.say(UNIT_LEADER, UNIT_LEADER, "春季竞赛") == [FLOW_STALE]
    assert await h.svc.conversations.get(UNIT_LEADER, UNIT_LEADER) is None
    await h.svc.conversations.repo.set(UNIT_LEADER, UNIT_LEADER, "contest_new", "kind", old)
    assert await forge(h, UNIT_LEADER, "ctn:v1:5:kind:pair") == [STALE]
    assert await h.svc.conversations.get(UNIT_LEADER, UNIT_LEADER) is None
    assert await h.svc.db.fetchval("SELECT count(*) FROM contests") == 0


async def test_an_old_shape_figures_row_ends_politely_and_saves_nothing(harness: Harness) -> None:
    h = harness
    await setup(h)
    cid = await create_pair_contest(h)
    team = await h.svc.db.fetchval(
        "SELECT participant_id FROM contest_participants WHERE contest_id = ? ORDER BY position",
        (cid,),
    )
    old = {"nonce": 5, "contest": cid, "participant": team, "index": 0, "values": {}}
    await h.svc.conversations.repo.set(
        LEADER1, LEADER1, "contest_fig", "value", {**old, "doubts": {}}
    )
    assert await h.say(LEADER1, LEADER1, "1200") == [FLOW_STALE]
    assert await h.svc.conversations.get(LEADER1, LEADER1) is None
    preview = {**old, "values": {"1": 1200.0}, "doubts": {}}
    await h.svc.conversations.repo.set(LEADER1, LEADER1, "contest_fig", "preview", preview)
    assert await forge(h, LEADER1, "ctf:v1:5:save") == [STALE]
    assert await h.svc.conversations.get(LEADER1, LEADER1) is None
    assert await h.svc.db.fetchval("SELECT count(*) FROM contest_figures") == 0
