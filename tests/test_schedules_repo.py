"""Schedules on a fresh database: the repository, the planning and checking service, and the
`banzu schedule` command line."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.clock import utcnow
from bot.db import Database
from bot.paths import DEMO
from bot.repos.org import OrgRepo
from bot.repos.schedules import CLI_ACTOR, Purpose, SchedulesRepo, Scope
from bot.services.prompts import load_prompts, next_prompt
from bot.services.schedules import (
    LateDecision,
    Planned,
    ScheduleError,
    build_spec,
    create_schedule,
    format_leads,
    late_decision,
    load_calendar,
    next_planned,
    parse_leads,
    plan,
    plan_schedule,
)
from scheduler.holidays import HolidayCalendar
from scheduler.rule_text import RuleSyntaxError, parse_rule
from scheduler.rules import HolidayPolicy

SH = ZoneInfo("Asia/Shanghai")
CAL = HolidayCalendar()
NOW = datetime(2026, 11, 1, 0, 0, tzinfo=SH)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH).astimezone(UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "t.db")
    await database.open()
    await OrgRepo(database).import_file((DEMO / "roster.csv").read_bytes(), "roster.csv")
    yield database
    await database.close()


@pytest.fixture
def repo(db: Database) -> SchedulesRepo:
    return SchedulesRepo(db, utcnow)


async def team_id(db: Database, name: str) -> int:
    return int(await db.fetchval("SELECT id FROM teams WHERE name = ?", (name,)))


async def add_study(repo: SchedulesRepo, team: int | None = None) -> int:
    spec = build_spec(
        scope=Scope.TEAM if team else Scope.ALL,
        team_id=team,
        purpose=Purpose.STUDY_REMINDER,
        rule_text="每周二 14:00",
        title="职工学习日",
        now=NOW,
        tz=SH,
        calendar=CAL,
    )
    return await create_schedule(repo, spec, created_by=4242)


# ----------------------------------------------------------------------------- repository


async def test_create_list_pause_delete(db: Database, repo: SchedulesRepo) -> None:
    team = await team_id(db, "蒸发一班")
    sid = await add_study(repo, team)
    s = await repo.get(sid)
    assert s is not None
    assert (s.scope, s.team_name, s.unit_name, s.purpose) == (
        Scope.TEAM,
        "蒸发一班",
        "一分场",
        Purpose.STUDY_REMINDER,
    )
    assert (s.rule, s.holiday_policy, s.leads, s.title) == (
        "weekly tue 14:00",
        "skip",
        (1440, 60),
        "职工学习日",
    )
    assert not s.paused and not s.deleted and s.created_by == 4242
    assert [x.id for x in await repo.live()] == [sid]

    assert await repo.set_paused(sid, True, 4242)
    assert not await repo.set_paused(sid, True, 4242)  # no change
    assert await repo.live() == []
    assert await repo.set_paused(sid, False, 4242)
    assert await repo.delete(sid, 4242)
    assert not await repo.delete(sid, 4242)
    assert not await repo.set_paused(sid, True, 4242)
    assert await repo.schedules() == [] and await repo.live() == []
    kept = await repo.schedules(include_deleted=True)
    assert [(x.id, x.deleted) for x in kept] == [(sid, True)]
    actions = [
        r[0]
        for r in await db.fetchall(
            "SELECT action FROM audit_log WHERE subject = ? ORDER BY id", (f"schedule:{sid}",)
        )
    ]
    assert actions == ["schedule.create", "schedule.pause", "schedule.resume", "schedule.delete"]


async def test_database_refuses_inconsistent_rows(repo: SchedulesRepo) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await repo.create(
            scope=Scope.TEAM,
            purpose=Purpose.MEETING,
            rule="weekly tue 14:00",
            holiday_policy="skip",
            leads=[60],
            created_by=1,
        )
    with pytest.raises(sqlite3.IntegrityError):
        await repo.create(
            scope=Scope.ALL,
            purpose=Purpose.CUSTOM,
            rule="weekly tue 14:00",
            holiday_policy="skip",
            leads=[0],
            created_by=1,
        )
    assert await repo.schedules(include_deleted=True) == []


async def test_recording_occurrences_is_idempotent(repo: SchedulesRepo) -> None:
    sid = await add_study(repo)
    s = await repo.get(sid)
    assert s is not None
    window = plan_schedule(s, at("2026-11-01 00:00"), at("2026-11-15 00:00"), SH, CAL)
    # The reminders, and for a study day the session's opening when check-in opens.
    assert [(p.occurs_at, p.lead_minutes) for p in window] == [
        (at("2026-11-02 14:00"), 1440),
        (at("2026-11-03 13:00"), 60),
        (at("2026-11-03 13:45"), 15),
        (at("2026-11-09 14:00"), 1440),
        (at("2026-11-10 13:00"), 60),
        (at("2026-11-10 13:45"), 15),
    ]
    first = await repo.record_occurrences(sid, [p.as_row() for p in window])
    assert [o.state for o in first] == ["due"] * 6
    assert await repo.mark_sent(first[0].id)
    assert not await repo.mark_sent(first[0].id)  # handed over once only
    # A restart re-plans from the last handover: the same moments again change nothing.
    again = await repo.record_occurrences(sid, [p.as_row() for p in window])
    assert [o.id for o in again] == [o.id for o in first]
    assert [o.state for o in again] == ["sent"] + ["due"] * 5
    assert await repo.last_occurs_at(sid) == at("2026-11-10 13:45")
    count = await repo.db.fetchval("SELECT count(*) FROM schedule_occurrences")
    assert count == 6


async def test_handover_commits_with_the_callers_transaction(repo: SchedulesRepo) -> None:
    sid = await add_study(repo)
    [occ] = await repo.record_occurrences(
        sid, [(at("2026-11-02 14:00"), at("2026-11-03 14:00"), 1440)]
    )

    class Crash(Exception):
        pass

    with pytest.raises(Crash):
        async with repo.db.transaction() as tx:
            assert await repo.mark_sent(occ.id, tx=tx)
            raise Crash  # e.g. the outbox insert failed: nothing may stick
    fresh = await repo.occurrence(occ.id)
    assert fresh is not None and fresh.state == "due" and fresh.handed_at is None
    async with repo.db.transaction() as tx:
        assert await repo.mark_sent(occ.id, tx=tx)
    fresh = await repo.occurrence(occ.id)
    assert fresh is not None and fresh.state == "sent" and fresh.handed_at is not None


async def test_due_missed_and_reported(repo: SchedulesRepo) -> None:
    live, paused = await add_study(repo), await add_study(repo)
    await repo.set_paused(paused, True, 1)
    rows = [
        (at("2026-11-02 14:00"), at("2026-11-03 14:00"), 1440),
        (at("2026-11-03 13:00"), at("2026-11-03 14:00"), 60),
    ]
    a = await repo.record_occurrences(live, rows)
    await repo.record_occurrences(paused, rows)
    due = await repo.due(at("2026-11-02 20:00"))
    assert [o.id for o in due] == [a[0].id]
    assert await repo.mark_missed(a[0].id)
    assert not await repo.mark_sent(a[0].id)  # a missed moment is never sent after all
    assert [o.id for o in await repo.missed_unreported()] == [a[0].id]
    await repo.mark_missed_reported([a[0].id])
    assert await repo.missed_unreported() == []
    assert [o.id for o in await repo.due(at("2026-11-04 00:00"))] == [a[1].id]


async def test_preshift_posts_acks_and_nudges(db: Database, repo: SchedulesRepo) -> None:
    team = await team_id(db, "蒸发一班")
    spec = build_spec(
        scope=Scope.TEAM,
        team_id=team,
        purpose=Purpose.PRESHIFT,
        rule_text="rotation 早早中中夜夜休休 anchor 2026-11-01 lead 30m",
        now=NOW,
        tz=SH,
        calendar=CAL,
    )
    assert spec.policy is HolidayPolicy.IGNORE and spec.leads == (0,)
    sid = await create_schedule(repo, spec, 1)
    s = await repo.get(sid)
    assert s is not None
    moments = plan_schedule(s, at("2026-11-01 00:00"), at("2026-11-20 00:00"), SH, CAL)
    occs = await repo.record_occurrences(sid, [p.as_row() for p in moments])
    prompts = load_prompts()
    for occ in occs:
        history = await repo.prompt_history(team, limit=len(prompts))
        chosen = next_prompt(team, history, prompts).id
        assert await repo.record_post(occ.id, team, chosen) == chosen
    history = await repo.prompt_history(team, limit=100)
    assert len(history) == len(occs) == len(set(history))  # no repeat, in posting order
    assert await repo.prompt_history(team, limit=3) == history[-3:]
    # A retry after a crash gets the item first chosen, not a new one.
    assert await repo.record_post(occs[0].id, team, "other") == history[0]

    await repo.set_post_message(occs[0].id, team, -100, 55)
    assert await repo.post_for_message(-100, 55) == (occs[0].id, team)
    assert await repo.post_for_message(-100, 56) is None

    members = await repo.not_acked(occs[0].id, team)
    assert len(members) == 7 and members[0].name == "刘建国"
    assert await repo.ack(occs[0].id, members[1].member_id, team)
    assert not await repo.ack(occs[0].id, members[1].member_id, team)
    assert await repo.acked(occs[0].id, team) == {members[1].member_id}
    left = await repo.not_acked(occs[0].id, team)
    assert [m.member_id for m in left] == [m.member_id for m in members if m != members[1]]
    assert await repo.record_nudge(occs[0].id, members[2].member_id, by=1)
    assert not await repo.record_nudge(occs[0].id, members[2].member_id, by=1)


async def test_holiday_overrides_feed_the_calendar(repo: SchedulesRepo) -> None:
    await repo.set_holiday_override(date(2026, 11, 3), "holiday", "停产检修", actor=1)
    await repo.set_holiday_override(date(2026, 10, 2), "workday", "", actor=1)
    await repo.set_holiday_override(date(2026, 11, 3), "holiday", "全厂检修", actor=1)  # replaces
    assert [(o.day, o.kind, o.note) for o in await repo.holiday_overrides()] == [
        (date(2026, 10, 2), "workday", ""),
        (date(2026, 11, 3), "holiday", "全厂检修"),
    ]
    cal = await load_calendar(repo)
    assert cal.is_holiday(date(2026, 11, 3)) and cal.is_workday(date(2026, 10, 2))
    rule = parse_rule("weekly tue 14:00")
    got = plan(
        rule, HolidayPolicy.SKIP, (0,), at("2026-11-01 00:00"), at("2026-11-11 00:00"), SH, cal
    )
    assert [p.occurs_at for p in got] == [at("2026-11-10 14:00")]
    assert await repo.remove_holiday_override(date(2026, 11, 3), actor=1)
    assert not await repo.remove_holiday_override(date(2026, 11, 3), actor=1)
    with pytest.raises(ValueError):
        await repo.set_holiday_override(date(2026, 11, 3), "vacation", "", actor=1)


# ----------------------------------------------------------------------------- service


def test_leads_text() -> None:
    assert parse_leads("1d,1h") == (1440, 60)
    assert parse_leads("1h 1d 1h") == (1440, 60)
    assert parse_leads("0") == (0,)
    assert parse_leads("1h30m，1天") == (1440, 90)
    assert format_leads((1440, 90, 0)) == "1d,1h30m,0"
    for bad in ("", "soon", "8d", "1h,2h,3h,4h,5h", "1x"):
        with pytest.raises(ScheduleError) as info:
            parse_leads(bad)
        assert info.value.code == "bad_leads"


def test_same_minute_moments_become_one() -> None:
    # Daily at 14:00 with reminders 1 day and 0 before: the "day before" of tomorrow is
    # today's own moment; one message, the one for today's event.
    rule = parse_rule("every 1 days 14:00 from 2026-11-01")
    got = plan(
        rule,
        HolidayPolicy.IGNORE,
        (1440, 0),
        at("2026-11-01 00:00"),
        at("2026-11-03 23:00"),
        SH,
        CAL,
    )
    assert got == [
        Planned(at("2026-11-01 14:00"), at("2026-11-01 14:00"), 0),
        Planned(at("2026-11-02 14:00"), at("2026-11-02 14:00"), 0),
        Planned(at("2026-11-03 14:00"), at("2026-11-03 14:00"), 0),
    ]


def test_next_planned_finds_rare_events() -> None:
    rule = parse_rule("yearly 02-29 09:00")
    found = next_planned(rule, HolidayPolicy.IGNORE, (60,), at("2026-01-01 00:00"), SH, CAL)
    assert found == Planned(at("2028-02-29 08:00"), at("2028-02-29 09:00"), 60)
    once = parse_rule("once 2026-01-01 09:00")
    assert next_planned(once, HolidayPolicy.IGNORE, (0,), at("2026-06-01 00:00"), SH, CAL) is None


@pytest.mark.parametrize(
    ("purpose", "occurs", "event", "now", "decision"),
    [
        (Purpose.PRESHIFT, "07:30", "07:30", "07:45", LateDecision.SEND),
        (Purpose.PRESHIFT, "07:30", "07:30", "08:00", LateDecision.SEND),
        (Purpose.PRESHIFT, "07:30", "07:30", "08:01", LateDecision.MISSED),
        (Purpose.STUDY_REMINDER, "13:00", "14:00", "13:50", LateDecision.SEND),
        (Purpose.STUDY_REMINDER, "13:00", "14:00", "14:00", LateDecision.MISSED),  # too late
        (Purpose.MEETING, "09:00", "23:00", "11:59", LateDecision.SEND),
        (Purpose.MEETING, "09:00", "23:00", "12:01", LateDecision.MISSED),
        (Purpose.CUSTOM, "09:00", "09:00", "10:00", LateDecision.SEND),
        (Purpose.CUSTOM, "09:00", "09:00", "10:01", LateDecision.MISSED),
    ],
)
def test_late_decision(
    purpose: Purpose, occurs: str, event: str, now: str, decision: LateDecision
) -> None:
    day = "2026-11-03 "
    assert late_decision(purpose, at(day + occurs), at(day + event), at(day + now)) is decision


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"purpose": Purpose.CUSTOM}, "body_required"),
        ({"purpose": Purpose.CUSTOM, "body": "   "}, "body_required"),
        ({"leads": "yesterday"}, "bad_leads"),
        ({"policy": "sometimes"}, "bad_policy"),
        ({"rule_text": "once 2026-01-01 09:00"}, "no_future"),
        ({"title": "长" * 61}, "title_too_long"),
        ({"scope": Scope.TEAM}, "bad_scope"),
        ({"scope": Scope.ALL, "unit_id": 3}, "bad_scope"),
    ],
)
def test_build_spec_refuses(kwargs: dict[str, object], error: str) -> None:
    args: dict[str, object] = {
        "scope": Scope.ALL,
        "purpose": Purpose.MEETING,
        "rule_text": "monthly last-week fri 15:00",
        "now": NOW,
        "tz": SH,
        "calendar": CAL,
    }
    args.update(kwargs)
    with pytest.raises(ScheduleError) as info:
        build_spec(**args)  # type: ignore[arg-type]
    assert info.value.code == error


def test_build_spec_defaults_and_rule_errors() -> None:
    spec = build_spec(
        scope=Scope.UNIT,
        unit_id=1,
        purpose=Purpose.MEETING,
        rule_text="每月最后一周周五 15:00",
        now=NOW,
        tz=SH,
        calendar=CAL,
    )
    assert spec.rule_text == "monthly last-week fri 15:00"
    assert spec.policy is HolidayPolicy.NEXT_WORKDAY and spec.leads == (1440, 60)
    custom = build_spec(
        scope=Scope.ALL,
        purpose=Purpose.CUSTOM,
        rule_text="workdays 07:50",
        policy="ignore",
        leads="0",
        body=" 请按时参加班前会 ",
        now=NOW,
        tz=SH,
        calendar=CAL,
    )
    assert (custom.policy, custom.leads, custom.body) == (
        HolidayPolicy.IGNORE,
        (0,),
        "请按时参加班前会",
    )
    with pytest.raises(RuleSyntaxError):
        build_spec(
            scope=Scope.ALL,
            purpose=Purpose.MEETING,
            rule_text="weekly tue 25:00",
            now=NOW,
            tz=SH,
            calendar=CAL,
        )


# ----------------------------------------------------------------------------- command line


@pytest.fixture
def banzu_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    for var in ("BANZU_CONFIG", "BANZU_TZ", "BANZU_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BANZU_DB", str(path))
    return path


def test_cli_preview_without_database(banzu_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        [
            "schedule",
            "preview",
            "rotation",
            "早早中中夜夜休休",
            "anchor",
            "2026-11-01",
            "lead",
            "30m",
            "--from",
            "2026-11-04",
            "--count",
            "3",
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and not banzu_env.exists()
    assert out[2:] == [
        "2026-11-04 周三 15:30 · 中班 16:00",
        "2026-11-04 周三 23:30 · 夜班 次日 00:00",
        "2026-11-05 周四 23:30 · 夜班 次日 00:00",
    ]
    assert (
        cli.main(
            [
                "schedule",
                "preview",
                "weekly",
                "thu",
                "14:00",
                "--from",
                "2026-09-25",
                "--count",
                "1",
                "--holidays",
                "next",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines()[-1] == "2026-10-08 周四 14:00 · 由 10-01 顺延"


def test_cli_preview_shows_events_and_reminders_apart(
    banzu_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["schedule", "preview", "每周五", "下午3点", "--from", "2026-11-02", "--count", "2"]
    assert cli.main([*args, "--remind", "1d,1h"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("规则：每周五 15:00")
    assert out[2:] == [
        "2026-11-06 周五 15:00",
        "    提醒：11-05 15:00、11-06 14:00",
        "2026-11-13 周五 15:00",
        "    提醒：11-12 15:00、11-13 14:00",
    ]
    assert cli.main([*args, "--remind", "9d"]) == 1
    assert "提醒时间「9d」看不懂" in capsys.readouterr().err


def test_cli_preview_errors(banzu_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schedule", "preview", "weekly", "tue", "25:00"]) == 1
    assert "「25:00」不是有效的时间" in capsys.readouterr().err
    assert cli.main(["schedule", "preview", "weekly", "tue", "14:00", "--from", "11/01"]) == 1
    assert "「11/01」不是有效的日期" in capsys.readouterr().err
    assert cli.main(["schedule", "preview", "weekly", "tue", "14:00", "--holidays", "x"]) == 1
    assert "skip（跳过）" in capsys.readouterr().err


async def test_cli_add_list_pause_rm(banzu_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = Database(banzu_env)
    await database.open()
    await OrgRepo(database).import_file((DEMO / "roster.csv").read_bytes(), "roster.csv")
    await database.close()

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["schedule", *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    # cli.main runs its own event loop: call it from a worker thread.
    async def call(*argv: str) -> tuple[int, str, str]:
        return await asyncio.to_thread(run, *argv)

    code, out, _ = await call(
        "add",
        "每周二",
        "14:00",
        "--team",
        "一分场蒸发一班",
        "--purpose",
        "study",
        "--title",
        "职工学习日",
    )
    assert code == 0 and out.startswith("已添加日程 #1：学习日提醒，班组：一分场蒸发一班")
    code, out, _ = await call(
        "add", "monthly", "last-week", "fri", "15:00", "--unit", "二分场", "--purpose", "meeting"
    )
    assert code == 0 and "#2" in out and "每月最后一周周五 15:00" in out
    # The next event (a Friday) and its first reminder (the Thursday before) are told apart.
    event = re.search(r"下一次活动：(\S+) 15:00；第一条提醒 (\S+) 15:00 发出", out)
    assert event is not None
    friday, thursday = date.fromisoformat(event[1]), date.fromisoformat(event[2])
    assert friday.weekday() == 4 and thursday == friday - timedelta(days=1)
    code, _, err = await call("add", "workdays", "07:50", "--all", "--purpose", "custom")
    assert code == 1 and "自定义通知需要通知内容" in err
    code, _, err = await call(
        "add", "workdays", "07:50", "--team", "不存在班", "--purpose", "meeting"
    )
    assert code == 1 and "找不到班组「不存在班」" in err

    code, out, _ = await call("list")
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].split("\t")[:5] == [
        "#1",
        "进行中",
        "学习日提醒",
        "班组：一分场蒸发一班",
        "每周二 14:00",
    ]
    assert "提醒 1d,1h" in lines[0] and lines[0].endswith("职工学习日")

    assert (await call("pause", "1"))[1].strip() == "日程 #1 已暂停。"
    assert "本来就是" in (await call("pause", "1"))[1]
    assert (await call("resume", "1"))[1].strip() == "日程 #1 已恢复。"
    assert (await call("rm", "2"))[1].strip() == "日程 #2 已删除（历史记录保留）。"
    code, _, err = await call("rm", "2")
    assert code == 1 and "没有编号为 #2 的日程" in err
    assert len((await call("list"))[1].splitlines()) == 1
    assert "已删除" in (await call("list", "--deleted"))[1]

    assert (await call("holiday", "add", "2026-11-03", "--note", "检修"))[0] == 0
    assert "2026-11-03\t放假\t检修" in (await call("holiday", "list"))[1]
    _, out, _ = await call(
        "preview", "weekly", "tue", "14:00", "--from", "2026-11-01", "--count", "1"
    )
    assert out.splitlines()[-1] == "2026-11-10 周二 14:00"  # the own holiday is skipped
    assert (await call("holiday", "rm", "2026-11-03"))[0] == 0
    assert (await call("holiday", "rm", "2026-11-03"))[0] == 1

    database = Database(banzu_env)
    await database.open()
    try:
        s = await SchedulesRepo(database, utcnow).get(1)
        assert s is not None and s.created_by == CLI_ACTOR
    finally:
        await database.close()


def test_cli_syntax(banzu_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schedule", "syntax"]) == 0
    out = capsys.readouterr().out
    assert "monthly last-week fri 15:00" in out and "<b>" not in out


def test_plan_covers_daylight_saving_zones() -> None:
    ny = ZoneInfo("America/New_York")
    rule = parse_rule("weekly sun 02:30")  # 2026-03-08 02:30 does not exist in New York
    got = plan(
        rule,
        HolidayPolicy.IGNORE,
        (0,),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 3, 16, tzinfo=UTC),
        ny,
        CAL,
    )
    assert [p.occurs_at.astimezone(ny).strftime("%d %H:%M") for p in got] == [
        "01 02:30",
        "08 03:30",  # the missing 02:30 lands just after the gap
        "15 02:30",
    ]
    assert got[2].occurs_at - got[0].occurs_at == timedelta(days=14) - timedelta(hours=1)
