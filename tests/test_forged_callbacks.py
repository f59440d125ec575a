"""Forged button data in every namespace: answered, nothing raised, nothing changed (#23)."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from tests.botfixtures import ADMIN_ID, Harness

HUGE = "99999999999999999999999"  # beyond SQLite's int64: used to raise OverflowError
FORGED = [
    f"att:v1:{HUGE}:in",
    f"att:v1:{HUGE}:leave",
    f"roll:v1:{HUGE}:close",
    f"roll:v1:1:{HUGE}",
    f"lv:v1:{HUGE}:y",
    f"mk:v1:{HUGE}:n",
    f"sg:v1:{HUGE}:adopt:0",
    f"sg:v1:1:dup:{HUGE}",
    "sg:v1:-1:adopt:0",
    f"sgt:v1:{HUGE}:-1:0",
    "sgt:v1:1:-1:0",
    f"sgs:v1:{HUGE}:submit:0",
    f"ntc:v1:ack:{HUGE}",
    f"ntc:v1:c:{HUGE}:go:0",
    f"pre:v1:ack:{HUGE}:1",
    f"pre:v1:who:1:{HUGE}",
    f"pl:v1:{HUGE}:save",
    f"plm:v1:{HUGE}:edit",
    f"plt:v1:{HUGE}:show",
    f"bind:v1:{HUGE}:1",
    f"sch:v1:del:{HUGE}",
    f"schf:v1:{HUGE}:save:0",
    f"cwa:v1:{HUGE}:open",
    "cwa:v1:-1:audit",
    f"cwh:v1:1:{HUGE}",
    "cwf:v1:1:-1",
    f"cwo:v1:{HUGE}",
    "cws:v1:-1:anon",
    "cwn:v1:feedback",
    f"cwp:v1:{HUGE}",
]


@pytest.mark.parametrize("user", ["admin", "worker"])
async def test_forged_presses_are_answered_and_change_nothing(harness: Harness, user: str) -> None:
    await harness.import_demo_roster()
    await harness.say(ADMIN_ID, ADMIN_ID, "/start")
    uid = ADMIN_ID
    if user == "worker":
        uid = 100003
        await harness.register(uid, "10003")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in FORGED])
    old = await harness.app.bot.send_message(uid, "旧消息", reply_markup=keyboard)
    await harness.settle()
    for data in FORGED:
        events = await harness.press(uid, uid, old.message_id, data=data)
        answers = [e for e in events if e["method"] == "answerCallbackQuery"]
        assert len(answers) == 1, (data, events)
        assert answers[0]["params"].get("text"), data  # a clear word, not a silent spinner
    assert harness.svc.last_alert == {}, "a forged press reached the error handler"
