"""A conversation stored by older code (before a flow's state was typed, or another version)
is ended with a "start again" reply — never half-read — and the flow starts over cleanly."""

from __future__ import annotations

from typing import Any

import pytest

from tests.botfixtures import Harness

WORKER, ADMIN = 100003, 100001

STALE = "这个对话已过期（程序已更新），请重新开始。"

# (flow, step, data as older code stored it) for each typed flow
OLD_ROWS: list[tuple[str, str, dict[str, Any]]] = [
    ("pledge", "plan", {"nonce": 5, "pledge": "安全第一", "plan": ""}),
    ("suggest", "text", {"nonce": 5, "photos": [], "text": ""}),
    ("sg_reason", "text", {"id": 1, "card": 9}),
    ("sg_reward", "text", {"id": 1, "card": 9}),
    ("schedule", "rule", {"nonce": 5, "purpose": "meeting", "scope": "all"}),
    ("register", "employee_no", {"team_id": 1, "team": "蒸发一班"}),
    ("att_leave", "reason", {"session": None}),
    ("att_reason", "reason", {"record": [1, 1], "old": "absent", "new": "present", "roll": [1, 2]}),
    ("leave_ahead", "note", {"first": "2026-12-05", "last": None, "kind": "sick"}),
    ("leave_ahead", "confirm", {"v": 1, "first": "2026-12-05", "last": "2026-12-05"}),  # no type
    ("leave_refuse", "reason", {"leave": 1, "msg": [100001, 9]}),
]


@pytest.mark.parametrize(("flow", "step", "data"), OLD_ROWS, ids=[r[0] for r in OLD_ROWS])
async def test_an_old_shape_is_ended_with_start_again(
    harness: Harness, flow: str, step: str, data: dict[str, Any]
) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    await h.svc.conversations.repo.set(WORKER, WORKER, flow, step, data)
    answer = await h.say(WORKER, WORKER, "今年全年零违章")
    assert answer == [STALE]
    assert await h.svc.conversations.get(WORKER, WORKER) is None
    # nothing was saved from the half-understood state
    assert await h.svc.db.fetchval("SELECT count(*) FROM pledges") == 0
    assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 0
    assert await h.svc.db.fetchval("SELECT count(*) FROM leave_requests") == 0


async def test_a_new_shape_of_the_same_flow_works_after_the_old_one_ended(
    harness: Harness,
) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    await h.svc.conversations.repo.set(WORKER, WORKER, "pledge", "pledge", {"nonce": 1})
    assert await h.say(WORKER, WORKER, "文本") == [STALE]
    ask = await h.say(WORKER, WORKER, "/pledge")
    assert "年的决心" in ask[0]
    plan_q = await h.say(WORKER, WORKER, "今年全年零违章")
    assert "规划" in plan_q[0]
    conv = await h.svc.conversations.get(WORKER, WORKER)
    assert conv is not None and conv.step == "plan" and conv.data["v"] == 1
