"""A refused rule is quoted back bounded: the error for a 4,096-character rule is short (#23)."""

from __future__ import annotations

import pytest

from bot.services.schedules import ECHO_MAX, error_text
from bot.texts import Texts
from scheduler.rule_text import RuleSyntaxError, parse_rule
from tests.botfixtures import ADMIN_ID, Harness


def test_error_text_quotes_at_most_echo_max() -> None:
    with pytest.raises(RuleSyntaxError) as err:
        parse_rule("x" * 4096)
    text = error_text(Texts(), err.value)
    assert "看不懂" in text and "x" * ECHO_MAX + "…" in text and "x" * (ECHO_MAX + 1) not in text
    assert len(text) < 300


async def test_a_huge_rule_in_chat_gets_a_short_refusal(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.say(ADMIN_ID, ADMIN_ID, "/schedule")
    for label in ("➕ 新建", "学习日提醒"):
        await h.press(ADMIN_ID, ADMIN_ID, h.last_message(ADMIN_ID)["message_id"], button_text=label)
    await h.say(ADMIN_ID, ADMIN_ID, "全体")
    replies = await h.say(ADMIN_ID, ADMIN_ID, "每" + "x" * 4000)
    assert replies and all(len(r) < 600 for r in replies), [len(r) for r in replies]
    assert "看不懂" in replies[-1]
