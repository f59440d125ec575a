"""Blank-looking text counts as empty in every flow, and only what Telegram marks as a bot
command is one (#23): "/@0" or "/中文" is text, a command to another bot is ignored, a
command to this bot is handled as without the suffix."""

from __future__ import annotations

import pytest

from tests.botfixtures import ADMIN_ID, Harness

WORKER = 100003
BLANK = "\u200b\u200d\u2060\u3164"  # zero-width space, joiner, word joiner, Hangul filler


@pytest.fixture
async def worker(harness: Harness) -> Harness:
    await harness.import_demo_roster()
    await harness.register(WORKER, "10003")
    return harness


async def test_blank_pledge_and_plan_are_refused(worker: Harness) -> None:
    h = worker
    asked = await h.say(WORKER, WORKER, f"/pledge {BLANK}")
    assert "请写下你" in asked[0]  # the blank argument is no pledge: it asks for one
    assert "内容是空的" in (await h.say(WORKER, WORKER, BLANK))[0]
    assert "规划" in (await h.say(WORKER, WORKER, "今年零违章"))[0]
    assert "内容是空的" in (await h.say(WORKER, WORKER, BLANK))[0]
    await h.say(WORKER, WORKER, "/cancel")
    assert await h.svc.db.fetchval("SELECT count(*) FROM pledges") == 0


async def test_blank_suggestion_is_refused(worker: Harness) -> None:
    h = worker
    for text in (f"/suggest {BLANK}", BLANK):
        answer = await h.say(WORKER, WORKER, text)
        assert "请发送你的合理化建议" in answer[0] and "请确认" not in answer[0]
    await h.say(WORKER, WORKER, "/cancel")
    assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 0


async def test_blank_notice_is_refused(worker: Harness) -> None:
    h = worker
    await h.say(ADMIN_ID, ADMIN_ID, "/notice")
    assert "通知内容是空的" in (await h.say(ADMIN_ID, ADMIN_ID, BLANK))[0]
    assert "发给谁" in (await h.say(ADMIN_ID, ADMIN_ID, "明天停电检修"))[0]


async def test_text_that_only_looks_like_a_command(worker: Harness) -> None:
    h = worker
    # Not commands for Telegram: plain text, answered as such (outside and inside a flow).
    for text in ("/@0", "/", "/中文"):
        assert "没有看懂" in (await h.say(WORKER, WORKER, text))[0]
    await h.say(WORKER, WORKER, "/suggest")
    preview = await h.say(WORKER, WORKER, "/@0 皮带机托辊坏了")
    assert "请确认你的建议" in preview[0]


async def test_commands_addressed_to_bots(worker: Harness) -> None:
    h = worker
    assert await h.say(WORKER, WORKER, "/mine@other_bot") == []
    mine = await h.say(WORKER, WORKER, "/mine@banzu_demo_bot")
    assert any("决心书" in t for t in mine)
    assert await h.say(WORKER, WORKER, "/nosuch@other_bot") == []
    assert "没有 /nosuch 这个命令" in (await h.say(WORKER, WORKER, "/nosuch@banzu_demo_bot"))[0]


async def test_group_commands_with_and_without_our_name(worker: Harness) -> None:
    h = worker
    group = -1001000000077
    await h.register(100001, "10001")
    await h.group(group, "蒸发一班群", [100001, WORKER])
    plain_cmd = await h.say(group, 100001, "/review")
    addressed = await h.say(group, 100001, "/review@banzu_demo_bot")
    assert plain_cmd and addressed == plain_cmd  # the same answer, not "没有 /review 这个命令"
    assert "没有" not in addressed[0]
    assert await h.say(group, 100001, "/review@other_bot") == []
