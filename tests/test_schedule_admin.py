"""ScheduleAdmin's outcomes on a fresh roster: scope words, rules that
cannot run, pause/resume/delete of a schedule that is or is not there."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.auth import Actor, Role
from bot.domain.schedules import ScheduleDraft, ScheduleStep
from bot.services.schedule_admin import Change, Invalid, Preview, Saved, Unknown
from bot.services.schedules import Purpose, Scope
from tests.botfixtures import ADMIN_ID, Harness

ADMIN = Actor(ADMIN_ID, frozenset({Role.ADMIN}))
WORKER = Actor(4242, frozenset({Role.WORKER}))

WORDS = ("全体", "all")


async def test_scope_words_units_teams_and_unknown(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    admin = h.svc.schedule_admin
    draft = ScheduleDraft(ScheduleStep.SCOPE, 7, purpose=Purpose.STUDY_REMINDER)
    every = await admin.take_scope(draft, "全体", WORDS)
    assert isinstance(every, ScheduleDraft) and every.scope is Scope.ALL
    assert every.step is ScheduleStep.RULE
    team = (await h.svc.org.teams())[0]
    one = await admin.take_scope(draft, team.name, WORDS)
    assert isinstance(one, ScheduleDraft) and one.team_id == team.id
    assert isinstance(await admin.take_scope(draft, "没有这个班", WORDS), Unknown)


async def test_rule_steps_preview_and_save(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    admin = h.svc.schedule_admin
    draft = ScheduleDraft(ScheduleStep.RULE, 7, purpose=Purpose.STUDY_REMINDER, scope=Scope.ALL)
    assert isinstance(await admin.take_rule(draft, "每逢下雨"), Invalid)
    nxt = await admin.take_rule(draft, "每周五15点半")
    assert isinstance(nxt, ScheduleDraft) and nxt.step is ScheduleStep.TITLE
    custom = await admin.take_rule(replace(draft, purpose=Purpose.CUSTOM), "每天8点")
    assert isinstance(custom, ScheduleDraft) and custom.step is ScheduleStep.BODY
    shown = await admin.preview(nxt)
    assert isinstance(shown, Preview) and shown.draft.step is ScheduleStep.CONFIRM
    assert len(shown.upcoming) == 5
    saved = await admin.save(nxt, ADMIN)
    assert isinstance(saved, Saved) and saved.first is not None

    sid = saved.schedule_id
    assert await admin.set_paused(sid, True, ADMIN) is Change.PAUSED
    assert await admin.set_paused(sid, True, ADMIN) is Change.UNCHANGED
    assert await admin.set_paused(sid, False, ADMIN) is Change.RESUMED
    assert await admin.delete(sid, ADMIN) is Change.DELETED
    assert await admin.delete(sid, ADMIN) is Change.NOT_FOUND
    assert await admin.set_paused(sid + 50, True, ADMIN) is Change.NOT_FOUND
    assert await admin.set_paused(sid, True, WORKER) is None  # not theirs to manage
    assert await admin.delete(sid, WORKER) is None
    assert await admin.save(nxt, WORKER) is None
    page = await admin.page(3, 8)
    assert page.total == 0 and page.page == 0 and page.pages == 1
