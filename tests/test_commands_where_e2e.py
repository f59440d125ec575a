"""Commands where they belong: a private-only command in a group says where to use it, one
addressed to another bot is ignored, to this bot handled as without the suffix; a deactivated
person is told so, not "never registered"."""

from __future__ import annotations

from bot.paths import DEMO
from tests.botfixtures import ADMIN_ID, Harness

WORKER, LEADER = 100003, 100001
GROUP = -100777


async def test_private_only_command_in_a_group_says_where(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    await h.group(GROUP, "蒸发二班群", [WORKER])
    for command in ("/mine", "/pledge", "/invites", "/start", "/mine@banzu_demo_bot"):
        replies = await h.say(GROUP, WORKER, command)
        bare = command.split("@")[0]
        assert len(replies) == 1 and f"{bare} 需要在私聊中使用" in replies[0], (command, replies)
        assert "@banzu_demo_bot" in replies[0]


async def test_commands_for_another_bot_are_ignored(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    await h.group(GROUP, "蒸发二班群", [WORKER])
    assert await h.say(GROUP, WORKER, "/mine@other_bot") == []
    assert await h.say(GROUP, WORKER, "/nosuch") == []  # maybe another bot's
    assert "没有 /nosuch" in "\n".join(await h.say(GROUP, WORKER, "/nosuch@banzu_demo_bot"))
    assert await h.say(WORKER, WORKER, "/help@other_bot") == []
    assert await h.say(WORKER, WORKER, "/help@banzu_demo_bot") != []


async def test_deactivated_person_is_told_so(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    roster = (DEMO / "roster.csv").read_text(encoding="utf-8")
    without = "\n".join(ln for ln in roster.splitlines() if ",10003," not in ln) + "\n"
    result = await h.svc.org.import_file(without.encode(), "r.csv", prune=True)
    assert result.ok and any(c.kind == "deactivated" for c in result.changes)
    h.svc.people.forget()
    for command in ("/start", "/mine", "/pledge"):
        text = "\n".join(await h.say(WORKER, WORKER, command))
        assert "已停用" in text and "还没有登记" not in text, (command, text)
    # someone who never registered still hears how to register
    h.user(100999, "路人")
    assert "还没有登记" in "\n".join(await h.say(100999, 100999, "/mine"))
    assert ADMIN_ID
