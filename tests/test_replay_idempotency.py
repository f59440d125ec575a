"""A replayed update acts once (#22): for every kind of handler the durable inbox reaches.

The crash each test stages is the one the inbox cannot tell from a clean run: the process
handled an update (its writes are committed, its answer sent) and died before the group
commit marked it done. The next process replays it from the inbox. Each test lets one
person act, loses the "done" marks, starts a new process on the same database and asserts
that the effect exists once: one registration, one study session, one suggestion, one
pledge version, one notice sent once per chat, one confirmation, one scored quiz answer,
one ballot — and that the person is not told twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot import callbacks
from tests.botfixtures import ADMIN_ID, Harness, build_test_app, start_polling
from tests.test_notices import drain, notices_by_chat, org, tap, uid
from tests.test_quiz_e2e import GROUP as QUIZ_GROUP
from tests.test_quiz_e2e import LEADER as QUIZ_LEADER
from tests.test_quiz_e2e import W2 as QUIZ_W2
from tests.test_quiz_e2e import polls, press_button, right
from tests.test_recognition_e2e import setup as awards_setup
from tests.test_recognition_e2e import to_vote
from tests.test_suggestions_e2e import last_with_buttons, press_text

WORKER = 100003  # 10003 of the demo roster, 蒸发一班
GROUP = -1001000000077


async def _stop(h: Harness) -> None:
    await h.settle()
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()


async def replayed(
    h: Harness,
    act: Callable[[], Awaitable[Any]],
    monkeypatch: pytest.MonkeyPatch,
    after_start: Callable[[Harness], None] | None = None,
) -> int:
    """`act`, in a process that dies before it marks the updates of `act` done; then a new
    process on the same database replays them. Returns the transcript mark before the
    replay (what the replay sent comes after it)."""
    await h.settle()
    await h.svc.inbox.flush()

    async def lost(update_ids: object) -> None:
        return None  # the process died before this group commit

    monkeypatch.setattr(h.svc.inbox.repo, "mark_done", lost)
    await act()
    await _stop(h)
    h.app = build_test_app(h.emu, h.tmp)
    await h.app.initialize()
    pending = await h.svc.inbox.repo.pending()
    assert pending, "nothing left to replay: the test would prove nothing"
    if after_start is not None:
        after_start(h)
    mark = h.mark()
    await start_polling(h.app)
    for _ in range(250):  # the first getUpdates answer carries the replay (long poll ≤ 1 s)
        if h.svc.inbox.replayed >= len(pending):
            break
        await asyncio.sleep(0.02)
    assert h.svc.inbox.replayed == len(pending)
    await h.settle()
    assert await h.svc.outbox.wait_idle(20)
    await h.settle()
    return mark


def texts_to(h: Harness, chat: int, after: int) -> list[str]:
    return [
        str(e.get("text") or e["params"].get("text") or "")
        for e in h.emu.transcript(after_seq=after)
        if e.get("chat_id") == chat or e["method"] == "answerCallbackQuery"
    ]


@pytest.fixture
async def restartable(harness: Harness) -> Any:
    yield harness
    if harness.app.running:
        await _stop(harness)


# ---------------------------------------------------------------- registration


async def test_a_replayed_registration_step_registers_once(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = restartable
    await h.import_demo_roster()
    code = await h.invite_code("蒸发一班")
    h.user(WORKER, "陈志强")
    await h.say(WORKER, WORKER, f"/start {code}")

    async def act() -> None:
        replies = await h.say(WORKER, WORKER, "10003")
        assert any("登记成功" in r for r in replies), replies

    mark = await replayed(h, act, monkeypatch)
    linked = await h.svc.db.fetchval("SELECT count(*) FROM members WHERE tg_user_id = ?", (WORKER,))
    assert linked == 1
    again = h.sent(WORKER, mark)
    assert not any("登记成功" in t for t in again), again
    assert await h.svc.conversations.get(WORKER, WORKER) is None


async def test_a_replayed_invite_link_does_not_restart_a_finished_registration(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = restartable
    await h.import_demo_roster()
    code = await h.invite_code("蒸发一班")
    h.user(WORKER, "陈志强")

    async def act() -> None:
        await h.say(WORKER, WORKER, f"/start {code}")
        await h.say(WORKER, WORKER, "10003")

    mark = await replayed(h, act, monkeypatch)
    assert await h.svc.conversations.get(WORKER, WORKER) is None  # not asked for the number again
    assert not any("登记成功" in t for t in h.sent(WORKER, mark))
    assert (
        await h.svc.db.fetchval("SELECT count(*) FROM members WHERE tg_user_id = ?", (WORKER,)) == 1
    )


# ---------------------------------------------------------------- /study


async def test_a_replayed_study_command_opens_one_session(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = restartable
    await h.import_demo_roster()
    await h.register(100001, "10001")
    await h.register(WORKER, "10003")
    await h.group(GROUP, "蒸发一班群", [100001, WORKER])
    await h.say(GROUP, 100001, "/bind")

    async def act() -> None:
        await h.say(GROUP, 100001, "/study 安全规程学习")

    mark = await replayed(h, act, monkeypatch)
    assert await h.svc.db.fetchval("SELECT count(*) FROM study_sessions") == 1
    posts = [
        e for e in h.emu.transcript(chat_id=GROUP, after_seq=mark) if e["method"] == "sendMessage"
    ]
    assert posts == [], [p.get("text") for p in posts]


async def test_a_study_command_that_died_before_its_post_is_posted_on_replay(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process opened the session and died before the group post left."""
    h = restartable
    await h.import_demo_roster()
    await h.register(100001, "10001")
    await h.group(GROUP, "蒸发一班群", [100001])
    await h.say(GROUP, 100001, "/bind")

    async def died(*args: object) -> int:
        raise RuntimeError("SIGKILL between opening and handing over")

    async def act() -> None:
        with monkeypatch.context() as m:
            m.setattr(h.svc.sessions, "post_session", died)
            h.emu.send_message(GROUP, 100001, "/study 安全规程学习")
            await h.settle()

    mark = await replayed(h, act, monkeypatch)
    assert await h.svc.db.fetchval("SELECT count(*) FROM study_sessions") == 1
    posts = [
        e for e in h.emu.transcript(chat_id=GROUP, after_seq=mark) if e["method"] == "sendMessage"
    ]
    assert len(posts) == 1 and "签到" in str(posts[0]["reply_markup"]), posts


async def test_a_replayed_check_in_is_one_check_in(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = restartable
    await h.import_demo_roster()
    await h.register(100001, "10001")
    await h.register(WORKER, "10003")
    await h.group(GROUP, "蒸发一班群", [100001, WORKER])
    await h.say(GROUP, 100001, "/bind")
    await h.say(GROUP, 100001, "/study 安全规程学习")
    post = h.last_message(GROUP)
    session_id = await h.svc.db.fetchval("SELECT max(id) FROM study_sessions")

    async def act() -> None:
        await h.press(GROUP, WORKER, int(post["message_id"]), data=f"att:v1:{session_id}:in")

    mark = await replayed(h, act, monkeypatch)
    rows = await h.svc.db.fetchval(
        "SELECT count(*) FROM attendance a JOIN members m ON m.id = a.member_id"
        " WHERE m.tg_user_id = ? AND a.status IN ('present', 'late')",
        (WORKER,),
    )
    assert rows == 1
    assert not [t for t in h.sent(WORKER, mark) if "签到" in t]  # not told again in private


# ---------------------------------------------------------------- suggestions


async def test_a_replayed_suggestion_text_step_keeps_one_draft(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation step: the text answering /suggest, replayed, shows no second preview
    and leaves the conversation where it was."""
    h = restartable
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    await h.say(WORKER, WORKER, "/suggest")

    async def act() -> None:
        preview = await h.say(WORKER, WORKER, "皮带机机尾没有防护栏，建议装护栏")
        assert "请确认你的建议" in preview[-1]

    before = await h.svc.conversations.get(WORKER, WORKER)
    assert before is not None
    mark = await replayed(h, act, monkeypatch)
    previews = [t for t in h.sent(WORKER, mark) if "请确认你的建议" in t]
    assert previews == []
    await press_text(h, WORKER, WORKER, "✅ 提交")
    assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 1


async def test_a_replayed_suggestion_submit_saves_one(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = restartable
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    await h.say(WORKER, WORKER, "/suggest 皮带机机尾没有防护栏，建议装护栏")

    async def act() -> None:
        await press_text(h, WORKER, WORKER, "✅ 提交")

    mark = await replayed(h, act, monkeypatch)
    assert await h.svc.db.fetchval("SELECT count(*) FROM suggestions") == 1
    assert not [t for t in h.sent(WORKER, mark) if "已提交" in t]


# ---------------------------------------------------------------- pledges


async def test_a_replayed_pledge_confirm_saves_one_version(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = restartable
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    await h.say(WORKER, WORKER, "/pledge 今年全年零违章")
    await press_text(h, WORKER, WORKER, "跳过")

    async def act() -> None:
        await press_text(h, WORKER, WORKER, "✅ 确认")

    await replayed(h, act, monkeypatch)
    rows = await h.svc.db.fetchall("SELECT version, current FROM pledges")
    assert [tuple(r) for r in rows] == [(1, 1)]


# ---------------------------------------------------------------- notices


async def test_a_replayed_notice_confirm_sends_it_once(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = restartable
    await org(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/notice")
    await h.say(ADMIN_ID, ADMIN_ID, "本周五停电检修。")
    for choice in ("按班组…", "一分场·蒸发一班", "班组群和私聊"):
        await tap(h, ADMIN_ID, choice)
    mark = h.mark()

    async def act() -> None:
        await tap(h, ADMIN_ID, "✅ 确认发送")
        await drain(h)

    await replayed(h, act, monkeypatch)
    await drain(h)
    assert await h.svc.db.fetchval("SELECT count(*) FROM notices") == 1
    sent = notices_by_chat(h, mark)
    assert sent and max(sent.values()) == 1, sent


async def test_a_replayed_notice_acknowledgment_counts_once(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = restartable
    await org(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/notice")
    await h.say(ADMIN_ID, ADMIN_ID, "本周五停电检修。")
    for choice in ("按班组…", "一分场·蒸发一班", "班组群和私聊"):
        await tap(h, ADMIN_ID, choice)
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    notice = (await h.svc.notices.repo.recent(None))[0]
    ack = callbacks.encode("ntc", 1, "ack", notice.id)
    worker = uid("10002")
    msg = h.last_message(worker)

    async def act() -> None:
        await h.press(worker, worker, int(msg["message_id"]), data=ack)

    mark = await replayed(h, act, monkeypatch)
    confirmed = [r for r in await h.svc.notices.repo.status(notice.id) if r.acked]
    assert len(confirmed) == 1
    assert not [t for t in texts_to(h, worker, mark) if "确认" in t]


# ---------------------------------------------------------------- quiz


async def test_a_replayed_quiz_answer_scores_once(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.clock import utcnow

    h = restartable
    moment = utcnow()
    h.svc.clock.set(moment)
    await h.import_demo_roster()
    await h.register(QUIZ_LEADER, "10001")
    await h.register(QUIZ_W2, "10002")
    await h.group(QUIZ_GROUP, "蒸发一班群", [QUIZ_LEADER, QUIZ_W2])
    await h.say(QUIZ_GROUP, QUIZ_LEADER, "/bind")
    await h.say(QUIZ_GROUP, QUIZ_LEADER, "/quiz")
    mark = h.mark()
    await press_button(h, QUIZ_GROUP, QUIZ_LEADER, "学习测验")
    await h.settle()
    first = polls(h, QUIZ_GROUP, mark)[0]

    async def act() -> None:
        h.emu.answer_poll(first["id"], QUIZ_W2, right(first))
        await h.settle()

    def same_clock(h: Harness) -> None:
        h.svc.clock.set(moment)

    await replayed(h, act, monkeypatch, same_clock)
    rows = await h.svc.db.fetchall(
        "SELECT state, correct, points FROM quiz_answers WHERE tg_user_id = ?", (QUIZ_W2,)
    )
    assert len(rows) == 1 and rows[0][0] == "counted" and rows[0][1] == 1


# ---------------------------------------------------------------- vote


async def test_a_replayed_ballot_is_one_ballot(
    restartable: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_recognition_e2e import WANG

    h = restartable
    await awards_setup(h)
    await to_vote(h)
    await h.say(WANG, WANG, "/vote")
    await press_text(h, WANG, WANG, "投票：模范职工 2026年第四季度")
    await press_text(h, WANG, WANG, "⬜ 王秀兰（蒸发一班）")

    async def act() -> None:
        await press_text(h, WANG, WANG, "✅ 提交选票")

    await replayed(h, act, monkeypatch)
    assert await h.svc.db.fetchval("SELECT count(*) FROM award_choices") == 1
    assert "王秀兰" in last_with_buttons(h, WANG)["text"]
