"""Schedule delivery end to end on the emulator, with the runner's clock moved by hand:
reminders arrive in the right group at the right time, a restart between due time and delivery
delivers once, a downtime past the grace is reported to admins instead of sent, and /schedule
lets an admin create, list, pause and delete schedules (and nobody else)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.context import Services
from bot.emulator import Emulator
from bot.paths import DEMO
from bot.repos.schedules import Purpose, Scope
from bot.services.schedules import build_spec, create_schedule, load_calendar
from tests.botfixtures import ADMIN_ID, SPEED, Harness, build_test_app, make_settings

G1, G2 = -100201, -100202  # 蒸发一班, 蒸发二班
LEADER1, WORKER2, WORKER3, OTHER = 200001, 200002, 200003, 200009


def local_day(svc: Services, days: int) -> date:
    return (datetime.now(UTC).astimezone(svc.settings.tz) + timedelta(days=days)).date()


def at(svc: Services, day: date, hh: int, mm: int, seconds: int = 0) -> datetime:
    local = datetime.combine(day, time(hh, mm), tzinfo=svc.settings.tz)
    return (local + timedelta(seconds=seconds)).astimezone(UTC)


async def team_id(svc: Services, name: str) -> int:
    return next(t.id for t in await svc.org.teams() if t.name == name)


async def add_schedule(
    svc: Services, purpose: Purpose, rule: str, team: str, title: str = "", body: str = ""
) -> int:
    spec = build_spec(
        scope=Scope.TEAM,
        purpose=purpose,
        rule_text=rule,
        now=datetime.now(UTC),
        tz=svc.settings.tz,
        calendar=await load_calendar(svc.schedules),
        team_id=await team_id(svc, team),
        title=title,
        body=body or None,
    )
    return await create_schedule(svc.schedules, spec, ADMIN_ID)


async def bound_groups(h: Harness, members1: list[int] | None = None, roster: bool = True) -> None:
    """The demo roster, 蒸发一班 and 蒸发二班 with their bound groups, the admin reachable."""
    if roster:
        await h.import_demo_roster()
    await h.say(ADMIN_ID, ADMIN_ID, "/help")  # the admin has a private chat with the bot
    await h.group(G1, "蒸发一班群", members1 or [])
    await h.group(G2, "蒸发二班群", [])
    await h.svc.groups.bind(G1, await team_id(h.svc, "蒸发一班"), ADMIN_ID)
    await h.svc.groups.bind(G2, await team_id(h.svc, "蒸发二班"), ADMIN_ID)


async def run_at(h: Harness, moment: datetime) -> int:
    """Move the clock, tick, let the outbox drain; returns the transcript mark before."""
    mark = h.mark()
    h.svc.clock.set(moment)
    await h.svc.runner.tick()
    assert await h.svc.outbox.wait_idle(10)
    await h.settle()
    return mark


def sent_texts(emu: Emulator, chat: int, after: int = 0) -> list[str]:
    return [
        str(e["text"])
        for e in emu.transcript(chat_id=chat, after_seq=after)
        if e["method"] == "sendMessage"
    ]


def buttons(entry: dict[str, Any]) -> list[str]:
    markup = entry.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def toasts(entries: list[dict[str, Any]]) -> list[str]:
    return [
        str(e["params"].get("text") or "") for e in entries if e["method"] == "answerCallbackQuery"
    ]


async def press(h: Harness, chat: int, user: int, label: str) -> list[dict[str, Any]]:
    """Press `label` on the latest message in `chat` that has it."""
    for entry in reversed(h.emu.transcript(chat_id=chat)):
        if entry["method"] == "sendMessage":
            current = h.emu.message(chat, int(entry["message_id"]))
            if current is not None and label in buttons(current):
                result = await h.press(chat, user, int(entry["message_id"]), button_text=label)
                assert await h.svc.outbox.wait_idle(10)
                await h.settle()
                return result
    raise AssertionError(f"no button {label!r} in chat {chat}")


# ------------------------------------------------------------------ delivery


async def test_study_reminder_day_before_and_hour_before_in_the_right_group(
    harness: Harness,
) -> None:
    h, svc = harness, harness.svc
    await bound_groups(h)
    start = h.mark()
    day = local_day(svc, 3)
    await add_schedule(
        svc, Purpose.STUDY_REMINDER, f"once {day} 14:00", "蒸发一班", title="职工学习日"
    )
    early = await run_at(h, at(svc, day - timedelta(days=1), 13, 59))
    assert sent_texts(h.emu, G1, early) == []
    mark = await run_at(h, at(svc, day - timedelta(days=1), 14, 0, 5))
    first = sent_texts(h.emu, G1, mark)
    assert len(first) == 1 and "职工学习日" in first[0] and "明天" in first[0]
    assert f"{day:%m-%d}" in first[0] and "14:00" in first[0]
    mark = await run_at(h, at(svc, day, 13, 0, 5))
    second = sent_texts(h.emu, G1, mark)
    assert len(second) == 1 and "1 小时后" in second[0]
    again = await run_at(h, at(svc, day, 13, 1))
    assert sent_texts(h.emu, G1, again) == []
    assert sent_texts(h.emu, G2, start) == []  # the other team's group got nothing


async def test_restart_between_due_and_delivery_delivers_once(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.set_limits(enforce=True, scale=SPEED)
    emulator.add_chat(G1, "supergroup", title="蒸发一班群")
    emulator.set_member(G1, emulator.bot_id, "member")
    tz = make_settings(emulator, tmp_path).tz
    day = (datetime.now(UTC).astimezone(tz) + timedelta(days=2)).date()
    first = build_test_app(emulator, tmp_path)
    async with first:  # initialised, never started: the sender does not run, as in a crash
        svc = first.bot_data.services
        roster = await asyncio.to_thread((DEMO / "roster.csv").read_bytes)
        await svc.org.import_file(roster, "roster.csv")
        await svc.groups.record_bot_status(G1, "supergroup", "蒸发一班群", "member")
        await svc.groups.bind(G1, await team_id(svc, "蒸发一班"), ADMIN_ID)
        await add_schedule(svc, Purpose.CUSTOM, f"once {day} 09:00", "蒸发一班", body="甲通知")
        await add_schedule(svc, Purpose.CUSTOM, f"once {day} 09:01", "蒸发一班", body="乙通知")
        # At 09:00:20 甲 is due and handed to the outbox, 乙 (09:01) only recorded: the
        # process then stops with one moment at each of the two points a crash can hit.
        report = await svc.runner.tick(at(svc, day, 9, 0, 20))
        assert (report.handed, report.recorded) == (1, 2)
        assert await svc.outbox.repo.unfinished() == 1
    assert sent_texts(emulator, G1) == []
    second = build_test_app(emulator, tmp_path)
    async with second:
        await second.start()
        svc = second.bot_data.services
        moment = at(svc, day, 9, 1, 10)
        svc.clock.set(moment)
        for _ in range(2):
            await svc.runner.tick()
        assert await svc.outbox.wait_idle(10)
        await second.stop()
    texts = sent_texts(emulator, G1)
    assert sorted(texts) == ["🔔 乙通知", "🔔 甲通知"]


async def test_downtime_past_grace_is_reported_not_sent(harness: Harness) -> None:
    h, svc = harness, harness.svc
    await bound_groups(h)
    day = local_day(svc, 2)
    await add_schedule(svc, Purpose.PRESHIFT, f"once {day} 07:30", "蒸发一班")
    await add_schedule(svc, Purpose.CUSTOM, f"once {day} 07:20", "蒸发二班", body="班后会")
    # The bot comes back at 08:05: the prompt is 35 minutes late (grace 30), the custom
    # notice 45 minutes (grace 60): the first is missed and reported, the second goes late.
    mark = await run_at(h, at(svc, day, 8, 5))
    assert sent_texts(h.emu, G1, mark) == []
    assert sent_texts(h.emu, G2, mark) == ["🔔 班后会"]
    report = sent_texts(h.emu, ADMIN_ID, mark)
    assert len(report) == 1 and "错过" in report[0] and "班前学习" in report[0]
    assert "07:30" in report[0] and "蒸发一班" in report[0]
    states = await svc.db.fetchall("SELECT state FROM schedule_occurrences ORDER BY occurs_at")
    assert [r[0] for r in states] == ["sent", "missed"]
    later = await run_at(h, at(svc, day, 8, 6))
    assert sent_texts(h.emu, ADMIN_ID, later) == []  # reported once


async def test_meeting_reminder_goes_to_unit_leaders_privately(harness: Harness) -> None:
    h, svc = harness, harness.svc
    await bound_groups(h)
    await h.register(200005, "10005")  # 一分场 unit leader, has a private chat
    day = local_day(svc, 2)
    await add_schedule(svc, Purpose.MEETING, f"once {day} 15:00", "蒸发二班", title="政工例会")
    mark = await run_at(h, at(svc, day - timedelta(days=1), 15, 0, 1))
    got = sent_texts(h.emu, 200005, mark)
    assert len(got) == 1 and "政工例会" in got[0] and "明天" in got[0]
    assert sent_texts(h.emu, G2, mark) == [] and sent_texts(h.emu, G1, mark) == []


# ------------------------------------------------------------------ /schedule


async def test_admin_creates_lists_pauses_and_deletes_in_chat(harness: Harness) -> None:
    h, svc = harness, harness.svc
    await h.import_demo_roster()
    empty = await h.say(ADMIN_ID, ADMIN_ID, "/schedule")
    assert "还没有日程" in empty[0]
    await press(h, ADMIN_ID, ADMIN_ID, "➕ 新建")
    await press(h, ADMIN_ID, ADMIN_ID, "学习日提醒")
    assert "发给谁" in sent_texts(h.emu, ADMIN_ID)[-1]
    unknown = await h.say(ADMIN_ID, ADMIN_ID, "三分场")
    assert "找不到「三分场」" in unknown[0]
    ask_rule = await h.say(ADMIN_ID, ADMIN_ID, "蒸发一班")
    assert "weekly tue 14:00" in ask_rule[0]
    bad = await h.say(ADMIN_ID, ADMIN_ID, "weekly xyz 14:00")
    assert "「xyz」不是星期几" in bad[0]
    impossible = await h.say(ADMIN_ID, ADMIN_ID, "每周二 上午14点")
    assert "「上午14点」不是有效的时间" in impossible[0]
    ask_title = await h.say(ADMIN_ID, ADMIN_ID, "每周二下午2点")
    assert "标题" in ask_title[0]
    preview = await h.say(ADMIN_ID, ADMIN_ID, "职工学习日")
    # The rule is echoed in Chinese, as it was typed; no English keyword leaks out.
    assert "规则：每周二 14:00（遇节假日跳过）" in preview[0] and "weekly" not in preview[0]
    assert "接下来几次" in preview[0]
    assert preview[0].count("周二 14:00") == 6 and "一分场蒸发一班" in preview[0]
    # Each event with its reminders apart: the day before at 14:00 and an hour before.
    events = re.findall(r"· (\d{4})-(\d\d)-(\d\d) 周二 14:00\n    提醒：(\S+) 14:00、(\S+) 13:00",
                        preview[0])  # fmt: skip
    assert len(events) == 5
    for _, month, day, before, same in events:
        assert same == f"{month}-{day}" and before != same
    mark = h.mark()
    await press(h, ADMIN_ID, ADMIN_ID, "✅ 保存")
    saved_text = sent_texts(h.emu, ADMIN_ID, mark)[0]
    assert "已添加日程 #1" in saved_text and "下一次活动：" in saved_text
    assert re.search(r"下一次活动：\S+ 14:00；第一条提醒 \S+ 14:00 发出", saved_text)
    (saved,) = await svc.schedules.schedules()
    assert (saved.purpose, saved.rule, saved.leads) == (Purpose.STUDY_REMINDER, "weekly tue 14:00",
                                                       (1440, 60))  # fmt: skip
    listing = await h.say(ADMIN_ID, ADMIN_ID, "/schedule")
    assert "#1" in listing[0] and "职工学习日" in listing[0] and "提前1天" in listing[0]
    answered = await press(h, ADMIN_ID, ADMIN_ID, "⏸ 暂停 #1")
    assert any("已暂停" in t for t in toasts(answered))
    assert (await svc.schedules.live()) == []
    await press(h, ADMIN_ID, ADMIN_ID, "▶️ 恢复 #1")
    assert len(await svc.schedules.live()) == 1
    await press(h, ADMIN_ID, ADMIN_ID, "🗑 删除 #1")
    await press(h, ADMIN_ID, ADMIN_ID, "确定删除")
    assert await svc.schedules.schedules() == []


async def test_schedule_refused_to_non_admins(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(LEADER1, "10001")
    refused = await h.say(LEADER1, LEADER1, "/schedule")
    assert "没有权限" in refused[0]
    assert "/schedule" not in " ".join(await h.say(LEADER1, LEADER1, "/help"))


async def test_study_day_schedule_opens_each_teams_session_once(harness: Harness) -> None:
    h, svc = harness, harness.svc
    await h.import_demo_roster()
    await h.register(LEADER1, "10001")
    await h.register(WORKER2, "10002")
    await bound_groups(h, [LEADER1, WORKER2], roster=False)
    day = local_day(svc, 2)
    await add_schedule(svc, Purpose.STUDY_REMINDER, f"once {day} 14:00", "蒸发一班", "职工学习日")
    # Before check-in opens: only the reminders, no session.
    await run_at(h, at(svc, day, 13, 0, 1))
    assert await svc.db.fetchval("SELECT count(*) FROM study_sessions") == 0
    # When check-in opens (15 minutes before), the schedule opens the team's session itself,
    # and its message goes out through the outbox.
    opening = at(svc, day, 13, 45, 2)
    svc.attendance.clock = lambda: opening
    mark = await run_at(h, opening)
    (post,) = [t for t in sent_texts(h.emu, G1, mark) if "职工学习日" in t]
    assert "已签到 0/7" in post
    assert sent_texts(h.emu, G2, mark) == []  # 蒸发二班 is not in this schedule's scope
    row = await svc.db.fetchall(
        "SELECT state, message_id, purpose FROM outbox WHERE batch LIKE 'att:session:%'"
    )
    assert [(r[0], r[2]) for r in row] == [("sent", "session")] and row[0][1]
    # Ticks again (a restart, a second runner): no second session, no second message.
    mark = await run_at(h, opening + timedelta(seconds=30))
    from scheduler.runner import ScheduleRunner

    second = ScheduleRunner(lambda: opening + timedelta(seconds=40))
    second.attach(svc.runner.deps)
    await second.tick()
    assert await svc.outbox.wait_idle(10)
    assert await svc.db.fetchval("SELECT count(*) FROM study_sessions") == 1
    assert not [t for t in sent_texts(h.emu, G1, mark) if "签到" in t]
    # The tally is edited on the message the outbox sent.
    entry = next(e for e in h.emu.transcript(chat_id=G1) if "已签到 0/7" in str(e.get("text")))
    checkin = at(svc, day, 13, 58)
    svc.attendance.clock = lambda: checkin
    answers = await h.press(G1, WORKER2, int(entry["message_id"]), button_text="✅ 签到")
    assert any("签到成功" in str(e["params"].get("text")) for e in answers
               if e["method"] == "answerCallbackQuery")  # fmt: skip
    assert await svc.attendance.tally.drain()
    await h.settle()
    shown = h.emu.message(G1, int(entry["message_id"]))
    assert shown is not None and "已签到 1/7" in shown["text"]


async def test_study_schedule_leaves_a_session_the_leader_opened_alone(harness: Harness) -> None:
    h, svc = harness, harness.svc
    await h.import_demo_roster()
    await h.register(LEADER1, "10001")
    await bound_groups(h, [LEADER1], roster=False)
    day = local_day(svc, 2)
    await add_schedule(svc, Purpose.STUDY_REMINDER, f"once {day} 14:00", "蒸发一班", "职工学习日")
    early = at(svc, day, 13, 40)
    svc.attendance.clock = lambda: early
    await h.say(G1, LEADER1, "/study 职工学习日")
    opening = at(svc, day, 13, 45, 2)
    svc.attendance.clock = lambda: opening
    mark = await run_at(h, opening)
    assert await svc.db.fetchval("SELECT count(*) FROM study_sessions") == 1
    assert not [t for t in sent_texts(h.emu, G1, mark) if "已签到 0/7" in t]
