"""The durable inbox end to end: a press stored by a process that died before handling it is
handled once after the restart (even though Telegram delivers it again), answered if still
inside Telegram's window, else told in a chat; a handled update is never handled again."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.emulator import EmulatorRequest
from tests.botfixtures import Harness
from tests.test_attendance_e2e import (
    GROUP,
    W2,
    W3,
    Clock,
    start,
    team,  # noqa: F401  (the fixture, used below)
)

pytestmark = pytest.mark.usefixtures("team")

URL = "http://emulator/bot{token}/getUpdates"


async def _crash_with_press_stored(
    h: Harness, users: list[int], age_s: float = 0.0, telegram_later_s: float = 0.0
) -> None:
    """The bot stops polling; people press; a "previous process" fetches and stores the
    presses (the acknowledgment never leaves), then dies. The next start replays them."""
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.svc.inbox.flush()  # what was handled so far is marked done
    msg = h.last_message(GROUP)
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    for user in users:
        h.emu.press(GROUP, user, msg["message_id"], data=f"att:v1:{session_id}:in")
    if telegram_later_s:
        h.emu.advance_clock(telegram_later_s)  # on Telegram's clock the presses are this old
    status, body = await EmulatorRequest(h.emu).do_request(URL.format(token=h.emu.token), "POST")
    assert status == 200
    inbox = h.svc.inbox
    await inbox.repo.store(
        [(u["update_id"], _dump(u)) for u in _result(body)],
        received_at=__import__("time").time() - age_s,
    )
    inbox._replay_pending = True  # what a new process starts with
    await h.app.updater.start_polling(
        poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
    )
    await h.settle()


def _result(body: bytes) -> list[dict[str, Any]]:
    import json

    return list(json.loads(body)["result"])


def _dump(u: dict[str, Any]) -> str:
    import json

    return json.dumps(u, ensure_ascii=False)


async def _checked_in(h: Harness) -> int:
    return int(
        await h.svc.db.fetchval(
            "SELECT count(*) FROM attendance WHERE status IN ('present', 'late')"
        )
    )


async def test_stored_presses_are_handled_once_and_answered(harness: Harness) -> None:
    h = harness
    await start(h)
    clock = h.svc.attendance.clock
    assert isinstance(clock, Clock)
    clock.at(1)
    mark = h.mark()
    await _crash_with_press_stored(h, [W2, W3])
    assert await _checked_in(h) == 2
    answers = [e for e in h.emu.transcript(after_seq=mark) if e["method"] == "answerCallbackQuery"]
    assert len(answers) == 2 and all("签到成功" in str(a["text"]) for a in answers)
    assert h.svc.inbox.replayed == 2
    await h.svc.inbox.flush()
    pending = await h.svc.inbox.repo.pending()
    assert pending == []  # done: a further restart replays nothing
    h.svc.inbox._replay_pending = True
    mark = h.mark()
    await h.say(GROUP, W2, "/help")
    assert not [e for e in h.emu.transcript(after_seq=mark) if e["method"] == "answerCallbackQuery"]


async def test_a_press_past_the_window_is_told_in_private(harness: Harness) -> None:
    h = harness
    await start(h)
    clock = h.svc.attendance.clock
    assert isinstance(clock, Clock)
    clock.at(1)
    mark = h.mark()
    await _crash_with_press_stored(h, [W2], age_s=30)
    assert await _checked_in(h) == 1
    entries = h.emu.transcript(after_seq=mark)
    assert not [e for e in entries if e["method"] == "answerCallbackQuery"]
    told = [e for e in entries if e["method"] == "sendMessage" and e["chat_id"] == W2]
    assert len(told) == 1 and "签到成功" in str(told[0]["text"])
    assert "来不及" in str(told[0]["text"])
    assert h.svc.inbox.late_answers == 1


async def test_an_answer_telegram_refuses_as_too_old_is_told(harness: Harness) -> None:
    """The bot was down longer than Telegram's window: the press reaches us fresh, Telegram
    refuses the answer, the person is told in private what was recorded."""
    h = harness
    await start(h)
    clock = h.svc.attendance.clock
    assert isinstance(clock, Clock)
    clock.at(1)
    assert h.app.updater is not None
    await h.app.updater.stop()
    mark = h.mark()
    msg = h.last_message(GROUP)
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    h.emu.press(GROUP, W3, msg["message_id"], data=f"att:v1:{session_id}:in")
    h.emu.advance_clock(20)
    await h.app.updater.start_polling(
        poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
    )
    await h.settle()
    entries = h.emu.transcript(after_seq=mark)
    told = [e for e in entries if e["method"] == "sendMessage" and e["chat_id"] == W3]
    assert len(told) == 1 and "签到成功" in str(told[0]["text"])
    assert h.svc.inbox.late_answers == 1
    h.emu.expect_violations(1)  # the one answer Telegram refused as too old


async def test_a_replayed_press_answered_before_the_crash_is_not_told_again(
    harness: Harness,
) -> None:
    """Refused by Telegram, young by our clock, replayed: the predecessor answered it."""
    h = harness
    await start(h)
    clock = h.svc.attendance.clock
    assert isinstance(clock, Clock)
    clock.at(1)
    mark = h.mark()
    await _crash_with_press_stored(h, [W3], telegram_later_s=20)
    entries = h.emu.transcript(after_seq=mark)
    assert not [e for e in entries if e["method"] == "sendMessage" and e["chat_id"] == W3]
    assert await _checked_in(h) == 1
    h.emu.expect_violations(1)
