"""Closing a study session through the emulator when the bot dies on the way: the summary is
an outbox row written with the close, so a restart posts it exactly once, and the quiz that
follows it still starts exactly once; a long summary is split and goes to every chat of the
session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.cli.demo import settle
from tests.botfixtures import Harness, build_test_app, start_polling

GROUP = -1001000000001
LEADER, W2, W3 = 100001, 100002, 100003
T0 = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
HEAD = "学习考勤："  # the summary's first line


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def team(harness: Harness) -> Clock:
    h = harness
    clock = Clock(T0)
    h.svc.attendance.clock = clock
    await h.import_demo_roster()
    for uid, number in ((LEADER, "10001"), (W2, "10002"), (W3, "10003")):
        await h.register(uid, number)
    await h.group(GROUP, "蒸发一班群", [LEADER, W2, W3])
    await h.say(GROUP, LEADER, "/bind")
    return clock


async def stop(h: Harness) -> None:
    assert h.app.updater is not None
    if h.app.updater.running:
        await h.app.updater.stop()
    if h.app.running:
        await h.app.stop()
    await h.app.shutdown()


async def restart(h: Harness, clock: Clock) -> None:
    """A new process on the same database: whatever the old one left in the outbox."""
    await stop(h)
    h.app = build_test_app(h.emu, h.tmp)
    await h.app.initialize()
    h.svc.attendance.clock = clock
    await start_polling(h.app)
    await h.settle()


def group_sends(h: Harness, chat: int, after: int = 0) -> list[dict[str, Any]]:
    return [
        e
        for e in h.emu.transcript(chat_id=chat, after_seq=after)
        if e["method"] in ("sendMessage", "sendPoll")
    ]


def summaries(h: Harness, chat: int, after: int = 0) -> list[str]:
    return [
        str(e["text"])
        for e in group_sends(h, chat, after)
        if e["method"] == "sendMessage" and HEAD in str(e["text"])
    ]


async def open_with_roll(h: Harness) -> tuple[int, int]:
    """/study in the group, /roll privately: (session message, roll card)."""
    await h.say(GROUP, LEADER, "/study 安全规程学习")
    session_msg = h.last_message(GROUP)["message_id"]
    await h.say(GROUP, LEADER, "/roll")
    return int(session_msg), int(h.last_message(LEADER)["message_id"])


async def test_killed_after_the_close_before_the_summary_went_out(
    harness: Harness, team: Clock
) -> None:
    """The leader closes from the roll card; nothing leaves before the process dies. After
    the restart the group sees the summary once, then the quiz once, and the session message
    shows the final counts."""
    h = harness
    mid, card = await open_with_roll(h)
    await h.svc.outbox.stop()  # from here nothing is delivered: as if killed after the commit
    mark = h.mark()
    h.emu.press(LEADER, LEADER, card, button_text="🔒 结束并公布")
    assert await settle(h.emu, h.app)
    answers = [e for e in h.emu.transcript(after_seq=mark) if e["method"] == "answerCallbackQuery"]
    assert len(answers) == 1 and "已结束" in str(answers[0]["text"])
    assert summaries(h, GROUP, mark) == []
    await restart(h, team)
    sends = group_sends(h, GROUP, mark)
    texts = summaries(h, GROUP, mark)
    assert len(texts) == 1 and "缺勤 7" in texts[0], texts
    polls = [e for e in sends if e["method"] == "sendPoll"]
    assert len(polls) == 3  # the quiz, once
    assert sends[0]["method"] == "sendMessage" and HEAD in str(sends[0]["text"])  # summary first
    final = h.emu.message(GROUP, mid)
    assert final is not None and "已结束" in final["text"] and not final.get("reply_markup")
    # A second restart owes nothing: no summary, no quiz again.
    mark = h.mark()
    await restart(h, team)
    assert group_sends(h, GROUP, mark) == []
    await stop(h)


async def test_killed_between_the_close_and_the_quiz(
    harness: Harness, team: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies right after the close's commit, before the quiz was started: the
    summary was written with the close, the quiz is owed and started on start-up, each once."""
    h = harness
    await open_with_roll(h)
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")
    await h.svc.outbox.stop()

    async def killed(*_: object) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(h.svc.sessions, "start_owed_quiz", killed)
    mark = h.mark()
    with pytest.raises(RuntimeError):
        await h.svc.sessions.close_session(session_id, LEADER)
    monkeypatch.undo()
    assert await h.svc.sessions.close_session(session_id, LEADER) is None  # closed: nothing again
    await restart(h, team)
    sends = group_sends(h, GROUP, mark)
    assert len(summaries(h, GROUP, mark)) == 1
    assert [e["method"] for e in sends] == ["sendMessage"] + ["sendPoll"] * 3
    owed = await h.svc.db.fetchval(
        "SELECT quiz_owed FROM study_sessions WHERE id = ?", (session_id,)
    )
    assert owed == 0
    await stop(h)


async def test_a_long_summary_is_split_and_goes_to_every_chat(harness: Harness) -> None:
    """A joint session of a unit with two bound groups and 451 absent: each group gets the
    whole summary, in parts that fit, in order, once."""
    h = harness
    h.svc.attendance.clock = Clock(T0)
    rows = ["单位,班组,工号,姓名,角色,标签"]
    rows += [f"二车间,大班,{30000 + k},长名字的职工第{k:03d}号,职工," for k in range(450)]
    rows += ["二车间,小班,39001,小班长,班组长,"]
    result = await h.svc.org.import_file("\n".join(rows).encode(), "roster.csv")
    assert result.ok, result
    teams = {t.name: t for t in await h.svc.org.teams()}
    chats = {-1002000000001: teams["大班"], -1002000000002: teams["小班"]}
    for chat, t in chats.items():
        await h.group(chat, f"{t.name}群", [])
        await h.svc.groups.record_bot_status(chat, "supergroup", f"{t.name}群", "member")
        await h.svc.groups.bind(chat, t.id, 0)
    unit_id = teams["大班"].unit_id
    session = await h.svc.sessions.open_session(
        None, "联合学习", T0, T0 + timedelta(hours=1), None, unit_id=unit_id
    )
    assert await h.svc.sessions.post_session(session) == 2
    await h.settle()
    mark = h.mark()
    assert await h.svc.sessions.close_session(session.id, None) is not None
    await h.svc.sessions.tick()  # closed already: nothing twice
    await h.settle()
    parts = {chat: texts_sent(h, chat, mark) for chat in chats}
    first = parts[-1002000000001]
    assert len(first) >= 2 and all(len(p) <= 4096 for p in first)
    assert parts[-1002000000002] == first
    whole = "".join(first)  # a line longer than a message is cut between characters
    assert whole.startswith("📋") and "缺勤 451" in whole
    assert all(f"长名字的职工第{k:03d}号" in whole for k in range(450))


def texts_sent(h: Harness, chat: int, after: int) -> list[str]:
    return [str(e["text"]) for e in group_sends(h, chat, after) if e["method"] == "sendMessage"]
