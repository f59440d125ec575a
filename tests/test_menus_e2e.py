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


# ------------------------------------------------------------------ member scope, refresh

GROUP = -1003000000001  # 蒸发一班群


def member_menus(h: Harness, chat: int, user: int, after: int = 0) -> list[dict[str, Any]]:
    return [
        e for e in h.emu.transcript(after_seq=after)
        if e["method"] in ("setMyCommands", "deleteMyCommands")
        and e["params"].get("scope", {}).get("type") == "chat_member"
        and e["params"]["scope"].get("chat_id") == chat
        and e["params"]["scope"].get("user_id") == user
    ]  # fmt: skip


async def bound_team(h: Harness) -> None:
    await h.import_demo_roster()
    await h.register(LEADER, "10001")
    await h.register(WORKER, "10003")
    await h.group(GROUP, "蒸发一班群", [LEADER, WORKER])
    assert "绑定" in "\n".join(await h.say(GROUP, LEADER, "/bind"))


async def test_leader_gets_group_commands_in_own_group(harness: Harness) -> None:
    h = harness
    await bound_team(h)
    mine = member_menus(h, GROUP, LEADER)
    assert mine and mine[-1]["method"] == "setMyCommands"
    assert {"roll", "bind"} <= names(mine[-1]["params"])
    assert not member_menus(h, GROUP, WORKER)  # a worker keeps the default group menu
    # Telegram shows the leader their commands in that group
    scope = {"type": "chat_member", "chat_id": GROUP, "user_id": LEADER}
    shown = await h.app.bot.get_my_commands(scope=scope)  # type: ignore[arg-type]
    assert "roll" in {c.command for c in shown}


async def test_import_refreshes_menus_at_once(harness: Harness) -> None:
    from bot.paths import DEMO

    h = harness
    await bound_team(h)
    roster = (DEMO / "roster.csv").read_text(encoding="utf-8").splitlines()
    # 10003 becomes the team leader, 10001 leaves
    changed = [
        ln.replace(",职工,", ",班组长,") if ",10003," in ln else ln
        for ln in roster if ",10001," not in ln
    ]  # fmt: skip
    mark = h.mark()
    h.emu.send_document(ADMIN_ID, ADMIN_ID, "roster.csv", ("\n".join(changed) + "\n").encode())
    await h.settle()
    # the admin confirms: the menus follow without anyone sending /start
    await h.press(ADMIN_ID, ADMIN_ID, int(h.last_message(ADMIN_ID)["message_id"]),
                  button_text="确认导入")  # fmt: skip
    new_leader = member_menus(h, GROUP, WORKER, mark)
    assert new_leader and {"roll"} <= names(new_leader[-1]["params"])
    private = [
        e for e in h.emu.transcript(after_seq=mark)
        if e["method"] == "setMyCommands" and e["params"].get("scope", {}).get("chat_id") == WORKER
        and e["params"]["scope"]["type"] == "chat"
    ]  # fmt: skip
    assert private and "roll" in names(private[-1]["params"])


async def test_pruned_leader_menus_deleted(harness: Harness) -> None:
    from bot.paths import DEMO

    h = harness
    await bound_team(h)
    roster = (DEMO / "roster.csv").read_text(encoding="utf-8").splitlines()
    without = "\n".join(ln for ln in roster if ",10001," not in ln) + "\n"
    mark = h.mark()
    _, staged = await h.svc.roster.stage(without.encode(), "r.csv", prune=True)
    assert staged is not None
    await h.svc.roster.confirm(staged, actor=ADMIN_ID)
    h.svc.people.forget()
    from handlers.commands import refresh_menus

    assert await refresh_menus(h.app.bot, h.svc) >= 2  # what the periodic job does
    gone = member_menus(h, GROUP, LEADER, mark)
    assert gone and gone[-1]["method"] == "deleteMyCommands"
    assert await refresh_menus(h.app.bot, h.svc) == 0  # nothing left to change
