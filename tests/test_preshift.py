"""Pre-shift learning (班前学习) end to end: the post with 已学 arrives in the team group at its
time; 已学 is recorded once, outsiders are told politely; the leader sees who has not pressed
it and reminds them privately with one press (once per person per post)."""

from __future__ import annotations

from datetime import timedelta

from bot.repos.schedules import Purpose
from bot.services.prompts import next_prompt
from tests.botfixtures import Harness
from tests.test_schedule_delivery import (
    G1,
    add_schedule,
    at,
    bound_groups,
    local_day,
    press,
    run_at,
    sent_texts,
    team_id,
    toasts,
)

LEADER, WORKER, LATE, OTHER = 300001, 300002, 300003, 300009


async def test_preshift_ack_who_has_not_and_private_reminder(harness: Harness) -> None:
    h, svc = harness, harness.svc
    await h.import_demo_roster()
    for uid, number in ((LEADER, "10001"), (WORKER, "10002"), (LATE, "10003"), (OTHER, "10009")):
        await h.register(uid, number)
    await bound_groups(h, [LEADER, WORKER, LATE, OTHER], roster=False)
    team = await team_id(svc, "蒸发一班")
    day = local_day(svc, 2)
    await add_schedule(svc, Purpose.PRESHIFT, f"once {day} 07:30", "蒸发一班")
    assert sent_texts(h.emu, G1, await run_at(h, at(svc, day, 7, 29))) == []
    mark = await run_at(h, at(svc, day, 7, 30, 3))
    (post,) = sent_texts(h.emu, G1, mark)
    expected = next_prompt(team, [], svc.runner.prompts)  # a new team starts its rotation
    assert "班前学习" in post and expected.title in post

    assert "已记录" in toasts(await press(h, G1, WORKER, "已学"))[0]
    assert "已经点过" in toasts(await press(h, G1, WORKER, "已学"))[0]
    # 冯晓东 (蒸发二班) sits in the group too, but is not on this team's roster.
    assert "其他班组" in toasts(await press(h, G1, OTHER, "已学"))[0]
    assert "只有本班组的班组长" in toasts(await press(h, G1, WORKER, "未学名单（班组长）"))[0]

    mark = h.mark()
    await press(h, G1, LEADER, "未学名单（班组长）")
    (status,) = sent_texts(h.emu, LEADER, mark)
    assert "已学 1/7" in status and "陈志强" in status and "王秀兰" not in status
    assert sent_texts(h.emu, G1, mark) == []  # the list is not shown to the whole group

    mark = h.mark()
    answered = await press(h, LEADER, LEADER, "私信提醒未学")
    # 刘建国 (the leader who pressed) and 陈志强 wrote to the bot; 10004-10007 never did. The
    # leader is not reminded of his own list.
    assert "已私信提醒 1 人" in toasts(answered)[0] and "4 人没有私聊" in toasts(answered)[0]
    assert not any("提醒" in t for t in sent_texts(h.emu, LEADER, mark))
    (reminder,) = sent_texts(h.emu, LATE, mark)
    assert "提醒" in reminder and expected.title in reminder
    answered = await press(h, LEADER, LEADER, "私信提醒未学")
    assert "已私信提醒 0 人" in toasts(answered)[0]
    assert len(sent_texts(h.emu, LATE, mark)) == 1  # once per person per post

    assert "已记录" in toasts(await press(h, LATE, LATE, "已学"))[0]  # from the reminder
    mark = h.mark()
    assert "陈志强" not in (await h.say(LEADER, LEADER, "/preshift"))[0]
    # The next day's post is a different item: no repeat within the cycle.
    await add_schedule(svc, Purpose.PRESHIFT, f"once {day + timedelta(days=1)} 07:30", "蒸发一班")
    mark = await run_at(h, at(svc, day + timedelta(days=1), 7, 30, 3))
    (second,) = sent_texts(h.emu, G1, mark)
    assert expected.title not in second


async def test_preshift_refused_to_workers(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10002")
    assert "没有权限" in (await h.say(WORKER, WORKER, "/preshift"))[0]
