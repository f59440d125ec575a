"""Command menus by role: the default menus are a worker's; a leader or an admin gets a menu of
their own (chat scope) when they register or /start."""

from __future__ import annotations

from typing import Any

from tests.botfixtures import ADMIN_ID, Harness

WORKER, LEADER = 100003, 100001


def menus(h: Harness) -> list[dict[str, Any]]:
    return [e["params"] for e in h.emu.transcript() if e["method"] == "setMyCommands"]


def names(params: dict[str, Any]) -> set[str]:
    return {c["command"] for c in params["commands"]}


async def test_default_menu_is_a_workers(harness: Harness) -> None:
    default = [p for p in menus(harness) if p.get("scope", {}).get("type") == "all_private_chats"]
    assert default
    for params in default:
        shown = names(params)
        assert {"start", "help", "pledge", "mine"} <= shown
        assert not shown & {"notice", "roll", "review", "schedule", "invites", "import_undo"}
    await harness.say(ADMIN_ID, ADMIN_ID, "/start")
    admin = [p for p in menus(harness) if p.get("scope", {}).get("chat_id") == ADMIN_ID]
    assert admin and {"notice", "import_undo", "invites"} <= names(admin[-1])


async def test_leader_gets_a_leaders_menu_on_registering(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(LEADER, "10001")
    await h.register(WORKER, "10003")
    mine = [p for p in menus(h) if p.get("scope", {}).get("chat_id") == LEADER]
    assert mine and {"invites", "roll", "report"} <= names(mine[-1])
    assert "import_undo" not in names(mine[-1])
    assert not [p for p in menus(h) if p.get("scope", {}).get("chat_id") == WORKER]
