"""A Telegram server error on a handler's own reply or edit is tried once more (found by the
chaos run's vote: a 500 on the edit that shows a ballot's tick lost the tick for good, because
the draft lives in the buttons; a 500 on the reply to /vote left the voter with nothing)."""

from __future__ import annotations

import pytest

from tests.botfixtures import Harness
from tests.test_attendance_e2e import (
    GROUP,
    W2,
    Clock,
    start,
    team,  # noqa: F401  (the fixture)
)
from tests.test_recognition_e2e import WANG, to_vote
from tests.test_recognition_e2e import setup as awards_setup
from tests.test_suggestions_e2e import last_with_buttons, press_text


async def test_a_server_error_on_a_ballot_edit_is_retried(harness: Harness) -> None:
    h = harness
    await awards_setup(h)
    await to_vote(h)
    await h.say(WANG, WANG, "/vote")
    await press_text(h, WANG, WANG, "投票：模范职工 2026年第四季度")
    h.emu.fail_next("editMessageText", "500")
    await press_text(h, WANG, WANG, "⬜ 王秀兰（蒸发一班）")
    assert "☑️ 王秀兰（蒸发一班）" in str(last_with_buttons(h, WANG)["reply_markup"])
    assert h.emu.stats()["faults_injected"] == 1


async def test_a_server_error_on_a_reply_is_retried(harness: Harness) -> None:
    h = harness
    await awards_setup(h)
    await to_vote(h)
    h.emu.fail_next("sendMessage", "500")
    replies = await h.say(WANG, WANG, "/vote")
    assert len(replies) == 1 and "模范职工" in str(last_with_buttons(h, WANG)["reply_markup"])


async def test_a_reply_telegram_fails_twice_comes_through_the_outbox(harness: Harness) -> None:
    """Once more at once only (a Telegram that keeps failing is not hammered); then the reply
    goes to the outbox, whose backoff delivers it: the voter gets the menu late, not never."""
    h = harness
    await awards_setup(h)
    await to_vote(h)
    calls = h.emu.stats()["calls"].get("sendMessage", 0)
    h.emu.fail_next("sendMessage", "500", count=2)
    await h.say(WANG, WANG, "/vote")
    await h.settle()
    assert "模范职工" in str(last_with_buttons(h, WANG)["reply_markup"])
    assert h.emu.stats()["calls"]["sendMessage"] - calls == 3
    rows = await h.svc.db.fetchall(
        "SELECT purpose, state FROM outbox WHERE chat_id = ? AND purpose = 'reply'", (WANG,)
    )
    assert [tuple(r) for r in rows] == [("reply", "sent")]


async def test_a_reply_telegram_refuses_is_not_queued(harness: Harness) -> None:
    """A 400 (PTB's BadRequest is a NetworkError too) would only be refused again: it is
    raised to the error handler, and nothing waits in the outbox."""
    from telegram.error import BadRequest

    from bot.context import BanzuContext
    from handlers.common import send

    h = harness
    await awards_setup(h)
    context = BanzuContext(h.app, chat_id=WANG, user_id=WANG)
    h.emu.expect_violations(1)  # the refused HTML, on purpose
    with pytest.raises(BadRequest):
        await send(context, WANG, "<b>unclosed")
    h.emu.fail_next("sendMessage", "500", count=2)
    assert await send(context, WANG, "<b>稍后送达</b>") is None  # this one is queued
    rows = await h.svc.db.fetchall("SELECT text FROM outbox WHERE purpose = 'reply'")
    assert [r[0] for r in rows] == ["<b>稍后送达</b>"]


async def test_an_answer_telegram_fails_twice_is_told_and_the_flow_goes_on(
    harness: Harness,
) -> None:
    """The press to open a ballot: its (empty) answer fails twice, the ballot still comes."""
    h = harness
    await awards_setup(h)
    await to_vote(h)
    await h.say(WANG, WANG, "/vote")
    h.emu.fail_next("answerCallbackQuery", "500", count=2)
    await press_text(h, WANG, WANG, "投票：模范职工 2026年第四季度")
    assert "提交选票" in str(last_with_buttons(h, WANG)["reply_markup"])


@pytest.mark.usefixtures("team")
async def test_a_check_in_whose_toast_fails_twice_is_told_in_private(harness: Harness) -> None:
    h = harness
    msg = await start(h)
    clock = h.svc.attendance.clock
    assert isinstance(clock, Clock)
    clock.at(1)
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    h.emu.fail_next("answerCallbackQuery", "500", count=2)
    mark = h.mark()
    await h.press(GROUP, W2, int(msg["message_id"]), data=f"att:v1:{session_id}:in")
    told = [t for t in h.sent(W2, mark) if "签到成功" in t]
    assert len(told) == 1 and "来不及" in told[0], h.sent(W2, mark)
