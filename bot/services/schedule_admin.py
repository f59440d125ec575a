"""/schedule's use cases: the list, pause/resume/delete, and the creation flow's checks (scope,
rule, preview, save). The flow's state is a `ScheduleDraft` the handler keeps in the
conversations table; each step here takes a draft and returns the next one or what is wrong."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, tzinfo

from bot.domain.auth import Action, Actor, can
from bot.domain.schedules import ScheduleDraft, ScheduleStep
from bot.outcomes.schedules import Ambiguous as Ambiguous  # re-exported: handlers, tests
from bot.outcomes.schedules import Change as Change
from bot.outcomes.schedules import Invalid as Invalid
from bot.outcomes.schedules import Page as Page
from bot.outcomes.schedules import Preview as Preview
from bot.outcomes.schedules import Saved as Saved
from bot.outcomes.schedules import Unknown as Unknown
from bot.repos.org import OrgRepo
from bot.repos.schedules import SchedulesRepo
from bot.services.schedules import (
    Purpose,
    Schedule,
    ScheduleError,
    ScheduleSpec,
    Scope,
    build_spec,
    create_schedule,
    load_calendar,
    next_planned,
    upcoming,
)
from scheduler.rule_text import RuleSyntaxError

PREVIEW = 5  # events a preview lists


class ScheduleAdmin:
    def __init__(
        self,
        repo: SchedulesRepo,
        org: OrgRepo,
        tz: tzinfo,
        now: Callable[[], datetime],
        forget: Callable[[int], None],
    ) -> None:
        """`now` is the runner's clock (tests move it); `forget` makes the runner plan a
        resumed schedule again at its next tick."""
        self.repo, self.org, self.tz, self.now, self.forget = repo, org, tz, now, forget

    async def page(self, number: int, per_page: int) -> Page:
        items = await self.repo.schedules()
        pages = max(1, math.ceil(len(items) / per_page))
        number = min(max(number, 0), pages - 1)
        shown = items[number * per_page : (number + 1) * per_page]
        return Page(shown, number, pages, len(items))

    async def live(self, schedule_id: int) -> Schedule | None:
        """The schedule unless it is gone (deleted or never was)."""
        schedule = await self.repo.get(schedule_id)
        return schedule if schedule is not None and not schedule.deleted else None

    @staticmethod
    def may(actor: Actor) -> bool:
        """Whether the actor manages schedules (every write below checks it again)."""
        return can(actor, Action.MANAGE_SCHEDULE)

    async def delete(self, schedule_id: int, actor: Actor) -> Change | None:
        """None: the actor may not manage schedules."""
        if not self.may(actor):
            return None
        if await self.live(schedule_id) is None:
            return Change.NOT_FOUND
        await self.repo.delete(schedule_id, actor.tg_user_id)
        return Change.DELETED

    async def set_paused(self, schedule_id: int, pause: bool, actor: Actor) -> Change | None:
        if not self.may(actor):
            return None
        if await self.live(schedule_id) is None:
            return Change.NOT_FOUND
        if not await self.repo.set_paused(schedule_id, pause, actor.tg_user_id):
            return Change.UNCHANGED
        self.forget(schedule_id)
        return Change.PAUSED if pause else Change.RESUMED

    async def take_scope(
        self, draft: ScheduleDraft, text: str, all_words: Iterable[str]
    ) -> ScheduleDraft | Ambiguous | Unknown:
        """全体, a unit's name, or a team's (alone or after its unit's); the draft at RULE."""
        found: ScheduleDraft | None = None
        if text.lower() in set(all_words):
            found = replace(draft, scope=Scope.ALL)
        units = [u for u in await self.org.units() if u.name == text]
        if found is None and units:
            found = replace(draft, scope=Scope.UNIT, unit_id=units[0].id)
        teams = [t for t in await self.org.teams() if text in (t.name, f"{t.unit_name}{t.name}")]
        if found is None and len(teams) > 1:
            return Ambiguous(len(teams))
        if found is None and teams:
            found = replace(draft, scope=Scope.TEAM, team_id=teams[0].id)
        return Unknown() if found is None else replace(found, step=ScheduleStep.RULE)

    async def take_rule(self, draft: ScheduleDraft, text: str) -> ScheduleDraft | Invalid:
        """The rule checked and stored in its canonical form; the next step is the title
        (a study day, a meeting), the text (a custom message) or, for a pre-shift post whose
        text comes from the library, the preview (CONFIRM)."""
        check = replace(draft, rule=text)
        if draft.purpose is Purpose.CUSTOM:
            check = replace(check, body="-")  # checked for real at the next step
        spec = await self._spec(check)
        if isinstance(spec, Invalid):
            return spec
        nxt = {Purpose.PRESHIFT: ScheduleStep.CONFIRM, Purpose.CUSTOM: ScheduleStep.BODY}
        return replace(draft, rule=spec.rule_text, step=nxt.get(spec.purpose, ScheduleStep.TITLE))

    async def preview(self, draft: ScheduleDraft) -> Preview | Invalid:
        spec = await self._spec(draft)
        if isinstance(spec, Invalid):
            return spec
        team = unit = ""
        if spec.team_id is not None:
            found = await self.org.team(spec.team_id)
            team, unit = (found.name, found.unit_name) if found else ("", "")
        elif spec.unit_id is not None:
            unit = await self.org.unit_name(spec.unit_id) or ""
        calendar = await load_calendar(self.repo)
        events = upcoming(
            spec.rule, spec.policy, spec.leads, self.now(), self.tz, calendar, PREVIEW
        )
        confirm = replace(draft, step=ScheduleStep.CONFIRM)
        return Preview(confirm, spec, unit, team, calendar, events)

    async def save(self, draft: ScheduleDraft, by: Actor) -> Saved | Invalid | None:
        """Checked once more (the only time may have passed meanwhile), then stored; None:
        the actor may not manage schedules."""
        if not self.may(by):
            return None
        spec = await self._spec(draft)
        if isinstance(spec, Invalid):
            return spec
        schedule_id = await create_schedule(self.repo, spec, by.tg_user_id)
        calendar = await load_calendar(self.repo)
        first = next_planned(spec.rule, spec.policy, spec.leads, self.now(), self.tz, calendar)
        return Saved(schedule_id, first)

    async def _spec(self, draft: ScheduleDraft) -> ScheduleSpec | Invalid:
        try:
            if draft.scope is None or draft.purpose is None:
                raise ScheduleError("incomplete")
            return build_spec(
                scope=draft.scope, purpose=draft.purpose, rule_text=draft.rule, now=self.now(),
                tz=self.tz, calendar=await load_calendar(self.repo), team_id=draft.team_id,
                unit_id=draft.unit_id, title=draft.title, body=draft.body or None,
            )  # fmt: skip
        except (RuleSyntaxError, ScheduleError) as exc:
            return Invalid(exc)
