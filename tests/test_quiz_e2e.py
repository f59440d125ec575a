"""Knowledge quizzes end to end through the emulator: quiz polls in a team group and privately,
poll answers (once per person; late, repeated and outsider answers change nothing), the daily
cap, challenge mode, 错题本, leaderboards, leaders' status and one reminder, bank files sent to
the bot, wrong roles, stale buttons, a restart in the middle of an exam."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import Clock, utcnow
from bot.domain.quiz import LATE_GRACE
from tests.botfixtures import ADMIN_ID, Harness, build_test_app, start_polling

GROUP = -1001000000001
LEADER, W2, W3, W4 = 100001, 100002, 100003, 100004
OTHER_WORKER = 100009  # 蒸发二班, but a member of GROUP in Telegram
STRANGER = 100099  # never registered
HELDOUT = Path(__file__).parent / "data" / "quiz" / "heldout.csv"


@pytest.fixture
async def team(harness: Harness) -> Clock:
    h = harness
    # The quiz clock starts at the real time: poll send times come from the outbox.
    clock = h.svc.clock
    clock.set(utcnow())
    await h.import_demo_roster()
    for uid, number in ((LEADER, "10001"), (W2, "10002"), (W3, "10003"), (W4, "10004")):
        await h.register(uid, number)
    await h.register(OTHER_WORKER, "10009")
    h.user(STRANGER, "路人")
    await h.group(GROUP, "蒸发一班群", [LEADER, W2, W3, W4, OTHER_WORKER, STRANGER])
    await h.say(GROUP, LEADER, "/bind")
    return clock


def polls(h: Harness, chat: int, after: int = 0) -> list[dict[str, Any]]:
    """The polls the bot sent to `chat`, as the emulator stores them (with their ids)."""
    out = []
    for e in h.emu.transcript(chat_id=chat, after_seq=after):
        if e["method"] == "sendPoll":
            message = h.emu.message(chat, int(e["message_id"]))
            assert message is not None
            out.append({**message["poll"], "params": e["params"]})
    return out


def right(poll: dict[str, Any]) -> list[int]:
    return list(poll["correct_option_ids"])


def wrong(poll: dict[str, Any]) -> list[int]:
    n = len(poll["options"])
    return [next(i for i in range(n) if [i] != right(poll))]


async def answer(h: Harness, poll: dict[str, Any], user: int, options: list[int]) -> None:
    h.emu.answer_poll(poll["id"], user, options)
    await h.settle()


async def press_button(h: Harness, chat: int, user: int, text: str) -> list[dict[str, Any]]:
    for e in reversed(h.emu.transcript(chat_id=chat)):
        markup = e.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for b in row:
                if b["text"] == text or b["text"].startswith(text):
                    return await h.press(chat, user, int(e["message_id"]), data=b["callback_data"])
    raise AssertionError(f"no button {text!r} in {chat}")


def toasts(entries: list[dict[str, Any]]) -> list[str]:
    return [
        str(e["params"].get("text", ""))
        for e in entries
        if e["method"] == "answerCallbackQuery" and e["params"].get("text")
    ]


async def test_leader_starts_a_group_quiz_and_answers_count_once(
    harness: Harness, team: Clock
) -> None:
    h = harness
    menu = await h.say(GROUP, LEADER, "/quiz")
    assert "在本群出题" in menu[0]
    mark = h.mark()
    pressed = await press_button(h, GROUP, LEADER, "学习测验")
    assert "已在群里发出学习测验，共 3 题" in toasts(pressed)[0]
    await h.settle()
    sent = polls(h, GROUP, mark)
    assert len(sent) == 3
    for p in sent:
        assert p["type"] == "quiz" and not p["is_anonymous"]
        assert p["params"]["open_period"] == 120 and p["params"]["question"].startswith(
            "【学习测验"
        )
    first = sent[0]
    await answer(h, first, W2, right(first))
    await answer(h, first, W3, wrong(first))
    await answer(h, first, STRANGER, right(first))  # not registered: recorded, never scored
    rows = await h.svc.db.fetchall(
        "SELECT tg_user_id, state, correct, points FROM quiz_answers ORDER BY tg_user_id"
    )
    got = {r[0]: (r[1], r[2]) for r in rows}
    assert got[W2] == ("counted", 1) and got[W3] == ("counted", 0)
    assert got[STRANGER][0] == "outsider"
    # Telegram lets nobody answer a quiz twice; a forged second answer changes nothing.
    result = await h.svc.quiz.answer(first["id"], W3, right(first))
    assert result.state.value == "repeated"
    assert (
        await h.svc.db.fetchval("SELECT correct FROM quiz_answers WHERE tg_user_id = ?", (W3,)) == 0
    )
    # Past the timer: late, no points.
    team.advance(120 + LATE_GRACE.total_seconds() + 1)
    late = await h.svc.quiz.answer(sent[1]["id"], W4, right(sent[1]))
    assert late.state.value == "late" and late.points == 0
    # The tick closes the round and posts the result to the group once (through the outbox).
    mark = h.mark()
    await h.svc.quiz.tick()
    await h.svc.quiz.tick()
    await h.settle()
    result_texts = [t for t in h.sent(GROUP, mark) if "学习测验结束" in t]
    assert len(result_texts) == 1 and "2 人参加" in result_texts[0]


async def test_workers_cannot_start_a_group_quiz(harness: Harness, team: Clock) -> None:
    h = harness
    refused = await h.say(GROUP, W2, "/quiz")
    assert "只有本班组的班组长" in refused[0]
    await h.say(GROUP, LEADER, "/quiz")
    pressed = await press_button(h, GROUP, W2, "每日一题")
    assert "只有本班组的班组长" in toasts(pressed)[0]
    assert await h.svc.db.fetchval("SELECT count(*) FROM quiz_rounds") == 0


async def test_private_exam_goes_question_by_question_and_times_out(
    harness: Harness, team: Clock
) -> None:
    h = harness
    menu = await h.say(W2, W2, "/quiz")
    assert "知识征答" in menu[0] and "题库共 47 题" in menu[0]
    mark = h.mark()
    await press_button(h, W2, W2, "📝 专题考试")
    assert any("开始专题考试，共 10 题" in t for t in h.sent(W2, mark))
    seen: list[str] = []
    for n in range(10):
        out = polls(h, W2, mark)
        assert len(out) == n + 1, f"question {n + 1} not sent"
        p = out[-1]
        assert p["params"]["question"].startswith(f"【专题考试 {n + 1}/10】")
        assert p["params"]["open_period"] == 30
        seen.append(p["question"])
        if n == 3:
            team.advance(30 + LATE_GRACE.total_seconds() + 1)  # no answer: the timer runs out
            await h.svc.quiz.tick()
            await h.settle()
            continue
        await answer(h, p, W2, right(p) if n % 2 == 0 else wrong(p))
    assert len(set(seen)) == 10  # no repeats within an exam
    texts = h.sent(W2, mark)
    assert any("专题考试结束：答对 5/10 题" in t and "未作答 1 题" in t for t in texts), texts
    # The exam's topics follow the bank's proportions: 22 安全生产, 15 规章制度, 10 形势任务.
    topics = await h.svc.db.fetchall(
        "SELECT q.topic, count(*) FROM quiz_items i JOIN quiz_questions q ON q.id = i.question_id"
        " GROUP BY q.topic"
    )
    assert dict((r[0], r[1]) for r in topics) == {"安全生产": 5, "规章制度": 3, "形势任务": 2}
    # 错题本: the four wrong answers, with the right answer and the explanation.
    book = await h.say(W2, W2, "/mistakes")
    assert "错题本（最近 4 题" in book[0] and "正确答案" in book[0] and "解析" in book[0]
    # 重做错题 re-asks exactly those four; answered right, they leave the 错题本.
    missed = {r[0] for r in await h.svc.db.fetchall(
        "SELECT question_id FROM quiz_answers WHERE correct = 0")}  # fmt: skip
    mark = h.mark()
    await press_button(h, W2, W2, "🔁 重做错题")
    for _ in range(4):
        p = polls(h, W2, mark)[-1]
        await answer(h, p, W2, right(p))
    redone = await h.svc.db.fetchall(
        "SELECT i.question_id FROM quiz_items i JOIN quiz_rounds r ON r.id = i.round_id"
        " WHERE r.topic = '__review__'"
    )
    assert {r[0] for r in redone} == missed
    assert "错题本是空的" in (await h.say(W2, W2, "/mistakes"))[0]
    # The old 重做错题 button, pressed again now, has nothing to re-ask.
    stale = await press_button(h, W2, W2, "🔁 重做错题")
    assert any("错题本是空的，没有要重做的题" in str(e["text"]) for e in stale if e["text"])


async def test_private_daily_question(harness: Harness, team: Clock) -> None:
    h = harness
    await h.say(W4, W4, "/quiz")
    mark = h.mark()
    await press_button(h, W4, W4, "☀️ 每日一题")
    p = polls(h, W4, mark)[-1]
    assert p["params"]["question"].startswith("【每日一题】")
    await answer(h, p, W4, right(p))
    assert any("每日一题：答对了，得" in t for t in h.sent(W4, mark))
    assert len(polls(h, W4, mark)) == 1


async def test_challenge_ends_at_the_first_wrong_answer(harness: Harness, team: Clock) -> None:
    h = harness
    await h.say(W3, W3, "/quiz")
    mark = h.mark()
    await press_button(h, W3, W3, "🔥 挑战答题")
    for _ in range(3):
        p = polls(h, W3, mark)[-1]
        await answer(h, p, W3, right(p))
    p = polls(h, W3, mark)[-1]
    await answer(h, p, W3, wrong(p))
    assert len(polls(h, W3, mark)) == 4  # nothing after the wrong answer
    assert any("挑战结束：连续答对 3 题" in t for t in h.sent(W3, mark))
    # A second challenge while one runs is refused with a way out.
    await press_button(h, W3, W3, "🔥 挑战答题")
    busy = await press_button(h, W3, W3, "🔥 挑战答题")
    assert any("还有一场答题没有结束" in str(e["text"]) for e in busy if e["text"]), busy
    gave_up = await press_button(h, W3, W3, "放弃本场答题")
    assert toasts(gave_up) == ["已放弃本场答题。"]
    again = await press_button(h, W3, W3, "放弃本场答题")
    assert toasts(again) == ["当前没有进行中的操作。"]


async def test_daily_cap_stops_farming(harness: Harness, team: Clock) -> None:
    h = harness
    await h.svc.quiz.repo.set_setting("daily_cap", "3")
    await h.say(W4, W4, "/quiz")
    mark = h.mark()
    await press_button(h, W4, W4, "🔥 挑战答题")
    for _ in range(6):
        p = polls(h, W4, mark)[-1]
        await answer(h, p, W4, right(p))
    points = await h.svc.db.fetchval(
        "SELECT sum(points) FROM quiz_answers WHERE tg_user_id = ?", (W4,)
    )
    assert points == 3
    assert "今天已得 3 分，每日上限 3 分" in (await h.say(W4, W4, "/mistakes"))[0]


async def test_restart_in_the_middle_of_an_exam_resumes_it(
    harness: Harness, team: Clock, tmp_path: Path
) -> None:
    h = harness
    await h.say(W2, W2, "/quiz")
    mark = h.mark()
    await press_button(h, W2, W2, "📝 专题考试")
    for _ in range(2):
        p = polls(h, W2, mark)[-1]
        await answer(h, p, W2, right(p))
    third = polls(h, W2, mark)[-1]
    # Stop the bot with the third question out, start a new process on the same database.
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()
    app = build_test_app(h.emu, tmp_path)
    async with app:
        await start_polling(app)
        h2 = Harness(h.emu, app, tmp_path)
        app.bot_data.services.clock.set(team.now())
        h2.emu.answer_poll(third["id"], W2, right(third))
        await h2.settle()
        out = polls(h2, W2, mark)
        assert len(out) == 4 and out[-1]["params"]["question"].startswith("【专题考试 4/10】")
        assert len({p["question"] for p in out}) == 4  # the same exam, no question again
        correct = await app.bot_data.services.db.fetchval(
            "SELECT sum(correct) FROM quiz_answers WHERE tg_user_id = ?", (W2,)
        )
        assert correct == 3
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()


def workbook(rows: Sequence[Sequence[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["某矿 2026 年安全培训题库"])  # a title row above the header, as HR files have
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def send_file(h: Harness, user: int, name: str, data: bytes) -> list[str]:
    mark = h.mark()
    h.emu.send_document(user, user, name, data)
    await h.settle()
    return h.sent(user, mark)


async def test_admin_imports_a_bank_by_file_and_workers_cannot(
    harness: Harness, team: Clock
) -> None:
    h = harness
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    header = ["题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分类", "难度"]
    good = workbook(
        [
            header,
            [
                "皮带机运行中可以清理滚筒上的积料。",
                "",
                "",
                "",
                "",
                "错",
                "必须停机闭锁后清理。",
                "设备",
                "易",
            ],
            [
                "班前会要讲清哪些内容？",
                "当班任务",
                "危险源和措施",
                "人员分工",
                "食堂菜单",
                "ABC",
                "",
                "规章制度",
                "中",
            ],
        ]
    )
    refused = await send_file(h, W2, "题库.xlsx", good)
    assert refused == ["只有管理员可以导入题库。"]
    ok = await send_file(h, ADMIN_ID, "题库.xlsx", good)
    assert "题库导入完成：新增 2 题" in ok[0]
    again = await send_file(h, ADMIN_ID, "题库.xlsx", good)
    assert "新增 0 题，更新 0 题，未变 2 题" in again[0]
    held = await send_file(h, ADMIN_ID, "heldout.csv", HELDOUT.read_bytes())
    assert "新增 12 题" in held[0]
    bad = workbook(
        [
            header,
            ["", "甲", "乙", "", "", "A", "", "安全生产", ""],
            ["题", "甲", "乙", "", "", "C", "", "安全生产", ""],
        ]
    )
    rejected = await send_file(h, ADMIN_ID, "题库2.xlsx", bad)
    assert "题库没有导入：有 2 行需要修改" in rejected[0]
    assert "第 3 行：题干为空" in rejected[0] and "第 4 行：答案不对" in rejected[0]
    assert await h.svc.db.fetchval("SELECT count(*) FROM quiz_questions") == 47 + 2 + 12
    broken = await send_file(h, ADMIN_ID, "题库.xlsx", b"PK\x03\x04 not really")
    assert "不是有效的 Excel" in broken[0] and "题库格式" in broken[0]
    # A roster is still the roster import's: the bank handler lets it pass.
    roster = "单位,班组,工号,姓名,角色\n蒸发车间,蒸发一班,10099,新人,职工\n".encode()
    replies = await send_file(h, ADMIN_ID, "roster.csv", roster)
    assert not any("题库" in r for r in replies) and replies


async def test_daily_question_goes_to_every_bound_group_once(harness: Harness, team: Clock) -> None:
    h = harness
    local = team.now().astimezone(h.svc.settings.tz)
    at = (local + timedelta(minutes=5)).strftime("%H:%M")
    await h.svc.quiz.plan_daily(at)
    assert (await h.svc.quiz.tick()).daily_rounds == 0  # not yet
    team.advance(5 * 60 + 1)
    mark = h.mark()
    assert (await h.svc.quiz.tick()).daily_rounds == 1  # the one bound group
    assert (await h.svc.quiz.tick()).daily_rounds == 0  # a second tick adds nothing
    await h.settle()
    sent = polls(h, GROUP, mark)
    assert len(sent) == 1 and sent[0]["params"]["question"].startswith("【每日一题】")
    await answer(h, sent[0], W2, right(sent[0]))
    # The leader sees who has not answered and reminds them once.
    await h.say(LEADER, LEADER, "/quiz")
    await press_button(h, LEADER, LEADER, "👀 本班组答题情况")
    status = h.sent(LEADER)[-1]
    assert "已答（1）：王秀兰" in status and "未答（6）" in status
    assert "本月一题都还没答的（6）" in status
    mark = h.mark()
    first = await press_button(h, LEADER, LEADER, "📨 提醒未答的人")
    await h.settle()
    assert "已私信提醒 3 人" in toasts(first)[0]  # those who ever wrote to the bot
    assert any("还没有参加" in t for t in h.sent(W3, mark))
    second = await press_button(h, LEADER, LEADER, "📨 提醒未答的人")
    assert "已私信提醒 0 人；3 人之前已提醒过" in toasts(second)[0]
    worker = await h.say(W3, W3, "/quiz")
    assert "本班组答题情况" not in str(h.last_message(W3).get("reply_markup")) and worker


async def test_leaderboard_ranks_teams_and_names_people_only_if_enabled(
    harness: Harness, team: Clock
) -> None:
    h = harness
    await h.svc.quiz.ensure_bank()
    await h.svc.db.execute("UPDATE quiz_questions SET difficulty = 2")  # 1 point each
    await h.say(GROUP, LEADER, "/quiz")
    mark = h.mark()
    await press_button(h, GROUP, LEADER, "每日一题")
    await h.settle()
    p = polls(h, GROUP, mark)[0]
    await answer(h, p, W2, right(p))
    await answer(h, p, W3, right(p))
    await answer(h, p, OTHER_WORKER, right(p))  # counts for 蒸发二班, his own team
    board = (await h.say(W4, W4, "/quizrank"))[0]
    assert "1. 一分场蒸发一班：人均 0.3 分，参与率 29%" in board
    assert "2. 一分场蒸发二班：人均 0.1 分，参与率 14%" in board
    assert "个人积分" not in board and "你本月：0 分" in board
    await h.svc.quiz.repo.set_setting("individual_ranking", "1")
    board = (await h.say(W4, W4, "/quizrank"))[0]
    assert "个人积分" in board and "王秀兰" in board


async def test_monthly_report_puts_most_missed_questions_first(
    harness: Harness, team: Clock, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from bot.cli import _parser
    from bot.cli import report as report_cli

    h = harness
    await h.svc.db.execute(
        "UPDATE members SET name = '=HYPERLINK(\"x\")' WHERE employee_no = '10004'"
    )
    h.svc.people.forget()
    await h.say(GROUP, LEADER, "/quiz")
    mark = h.mark()
    await press_button(h, GROUP, LEADER, "学习测验")
    await h.settle()
    first, second, _ = polls(h, GROUP, mark)
    for user in (W2, W3, W4):
        await answer(h, first, user, wrong(first))
        await answer(h, second, user, right(second) if user != W4 else wrong(second))
    month = h.svc.quiz.day_of(team.now())[:7]
    out, png = tmp_path / "quiz.xlsx", tmp_path / "quiz.png"
    args = _parser().parse_args(
        ["report", "quiz", "--month", month, "--out", str(out), "--chart", str(png)]
    )
    assert await report_cli.main(h.svc.settings, args, team) == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    wb = load_workbook(out)
    assert wb.sheetnames == ["班组", "个人", "题目"]
    questions = list(wb["题目"].iter_rows(min_row=4, values_only=True))
    assert questions[0][2] == first["question"].removeprefix("【学习测验 1/3】").removesuffix(
        "（多选）"
    )
    assert questions[0][3:5] == (3, 3) and questions[1][3:5] == (3, 1)
    people = wb["个人"]
    names = [c for c in people.iter_rows(min_row=2, values_only=True)]
    cell = next(
        c for row in people.iter_rows(min_row=2) for c in row if c.value == '=HYPERLINK("x")'
    )
    assert cell.data_type == "s" and names  # a name that looks like a formula stays text
    teams = list(wb["班组"].iter_rows(min_row=4, values_only=True))
    assert teams[0][1] == "一分场蒸发一班" and teams[0][3] == 3


async def test_an_answer_that_beats_its_poll_record_is_kept_and_counted_later(
    harness: Harness, team: Clock
) -> None:
    h = harness
    await h.say(GROUP, LEADER, "/quiz")
    mark = h.mark()
    await press_button(h, GROUP, LEADER, "每日一题")
    await h.settle()
    p = polls(h, GROUP, mark)[0]
    # As if the sender had not yet committed the poll's id when the answer came in.
    await h.svc.db.execute("UPDATE outbox SET poll_id = NULL WHERE poll_id = ?", (p["id"],))
    early = await h.svc.quiz.answer(p["id"], W2, right(p))
    assert early.state.value == "pending"
    assert await h.svc.quiz.resolve_raw() == 0  # still unknown: kept, not dropped
    await h.svc.db.execute(
        "UPDATE outbox SET poll_id = ? WHERE dedupe_key = (SELECT outbox_key FROM quiz_items)",
        (p["id"],),
    )
    assert await h.svc.quiz.resolve_raw() == 1
    row = await h.svc.db.fetchone(
        "SELECT a.state, a.correct, a.points, q.difficulty FROM quiz_answers a"
        " JOIN quiz_questions q ON q.id = a.question_id"
    )
    assert row is not None and tuple(row[:2]) == ("counted", 1)
    assert row[2] == (2 if row[3] == 3 else 1)


async def test_closing_a_study_session_sends_its_quiz_once(harness: Harness, team: Clock) -> None:

    h = harness
    now = utcnow()
    session = await h.svc.sessions.open_session(1, "安全规程", now, now + timedelta(hours=1), None)
    assert await h.svc.sessions.post_session(session)
    await h.settle()  # the outbox has sent the session message
    mark = h.mark()
    await h.svc.sessions.close_session(session.id, None)
    await h.svc.sessions.close_session(session.id, None)  # closed already: nothing again
    assert await h.svc.quiz.after_session(session.id, GROUP) is False  # and a retry adds nothing
    await h.settle()
    sent = polls(h, GROUP, mark)
    assert len(sent) == 3 and all(p["params"]["question"].startswith("【学习测验") for p in sent)


async def test_old_and_forged_quiz_buttons_are_answered_and_change_nothing(
    harness: Harness, team: Clock
) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    h = harness
    await h.say(GROUP, LEADER, "/quiz")
    mark = h.mark()
    await press_button(h, GROUP, LEADER, "每日一题")
    await h.settle()
    round_id = await h.svc.db.fetchval("SELECT max(id) FROM quiz_rounds")
    forged = [
        "qz:v1:go:exam",  # a button from before the typed codec
        "qz:v2:exam:topic",  # a topic index that is not a number
        "qz:v2:99:topic",  # beyond the menu's topics
        "qz:v2:99999999999999999999999:remind",
        "qz:v2:0:remind",
        "qz:v2:exam:group:x",
        f"qz:v2:{round_id}:remind",  # a real round, but OTHER_WORKER leads no team
    ]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in forged])
    old = await h.app.bot.send_message(OTHER_WORKER, "旧消息", reply_markup=keyboard)
    await h.settle()
    for data in forged:
        events = await h.press(OTHER_WORKER, OTHER_WORKER, old.message_id, data=data)
        said = toasts(events)
        assert len(said) == 1, (data, events)
        assert "已失效" in said[0] or "只有本班组的班组长" in said[0], (data, said)
    assert await h.svc.db.fetchval("SELECT count(*) FROM quiz_rounds") == 1
    assert await h.svc.db.fetchval("SELECT count(*) FROM quiz_reminders") == 0
    assert h.svc.last_alert == {}
    assert polls(h, GROUP, mark)


async def test_a_workdays_plan_skips_the_sites_days_off(harness: Harness, team: Clock) -> None:
    h = harness
    local = team.now().astimezone(h.svc.settings.tz)
    await h.svc.quiz.plan_daily((local + timedelta(minutes=1)).strftime("%H:%M"), workdays=True)
    team.advance(120)
    local = team.now().astimezone(h.svc.settings.tz)
    from scheduler.holidays import HolidayCalendar

    day, official = local.date().isoformat(), HolidayCalendar().is_workday(local.date())
    other = "holiday" if official else "workday"  # turn today into the opposite of what it is
    await h.svc.db.execute("INSERT INTO holiday_overrides(day, kind) VALUES (?, ?)", (day, other))
    made = (await h.svc.quiz.tick()).daily_rounds
    await h.svc.db.execute("DELETE FROM holiday_overrides")
    again = (await h.svc.quiz.tick()).daily_rounds
    # A declared day off skips the question (and the official workday after it sends it); a
    # declared make-up workday (调休) sends it on a day that is otherwise off.
    assert (made, again) == ((0, 1) if official else (1, 0))
