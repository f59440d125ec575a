"""Schedule delivery: the job that wakes, works out from the database what is due, records it
and hands it to the outbox.

PTB's JobQueue only wakes us (`schedules.tick`, every `TICK_SECONDS`, and once at start);
`ScheduleRunner.tick(now)` does the work, and tests call it directly after moving
the application's clock (`Services.clock`). A tick:

1. plans each live schedule's message moments from where it stopped (its last recorded
   moment, or its creation / last resume) up to `now + LOOKAHEAD`, and records them
   (`record_occurrences`: idempotent, keyed (schedule, occurs_at));
2. for every recorded moment still 'due' at `now`: if it is still worth sending
   (`late_decision`, a grace per purpose) it builds the outbox rows - dedupe key
   `sched:<occurrence>:<chat>` - and marks the moment sent, both in ONE transaction;
   otherwise it marks it missed;
3. reports missed moments (once) and teams without a bound group (once a day) to admins.

Restart safety: a moment is a row before anything is sent. A crash before (2) commits leaves
it 'due' and the next tick hands it over (or, past its grace, reports it); a crash after
leaves outbox rows that the sender delivers once (see bot/delivery/outbox.py). Running (2) twice
for one moment cannot duplicate anything: `mark_sent` moves a row out of 'due' once, the
outbox keys are unique, and a team's pre-shift item is fixed by its first `record_post`.

Recipients: a team schedule goes to the team's bound group, a unit one to each bound group
of the unit's teams, an 'all' one to every bound team group. Meeting reminders go to the unit
leaders of the scope privately (their team group if they never wrote to the bot). A
pre-shift prompt is one item per team (`next_prompt` over the team's history) with 已学.

A study-day schedule also opens each team's session when check-in opens (SESSION_OPEN_LEAD
before the event): the session is kept with its occurrence, so a repeated tick finds it, and
its message goes through the outbox like every other one (`_open_sessions`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.db import Tx
from bot.repos.org import Team
from bot.repos.outbox import OutMessage
from bot.repos.schedules import OccurrenceRow, Purpose, Schedule, Scope
from bot.services.prompts import Prompt, load_prompts, next_prompt
from bot.services.schedules import (
    SESSION_OPEN_LEAD,
    LateDecision,
    late_decision,
    load_calendar,
    plan_schedule,
)
from bot.texts import Texts
from bot.views import preshift as preshift_view
from bot.views.schedules import scope_text

if TYPE_CHECKING:
    from datetime import tzinfo

    from bot.db import Database
    from bot.delivery.outbox import Outbox
    from bot.repos.notices import NoticesRepo
    from bot.repos.org import OrgRepo
    from bot.repos.people import PeopleRepo
    from bot.repos.schedules import SchedulesRepo
    from bot.services.sessions import AttendanceService, Sessions

log = logging.getLogger(__name__)

JOB_NAME = "schedules.tick"
TICK_SECONDS = 20.0
# Moments are recorded this far ahead, so a schedule is planned once per LOOKAHEAD, not per
# tick; short, so an own holiday added today still moves what comes after.
LOOKAHEAD = timedelta(minutes=10)
# After a long downtime, moments older than this are not recorded one by one.
MAX_BACKFILL = timedelta(days=31)
MAX_REPORT_LINES = 30
PRIORITY = 1  # before broadcasts: a prompt is no use after the shift has begun


@dataclass
class TickReport:
    recorded: int = 0
    handed: int = 0  # moments handed to the outbox
    messages: int = 0  # outbox rows that were new
    missed: int = 0
    reported: int = 0  # missed moments reported to admins
    unbound: set[int] = field(default_factory=set)  # teams without a bound group


@dataclass
class _Round:
    """What one tick reads once and shares between its moments."""

    teams: dict[int, Team]
    groups: dict[int, int]  # team -> bound group
    schedules: dict[int, Schedule]
    report: TickReport


@dataclass(frozen=True)
class RunnerDeps:
    """What a tick reads and writes: given once the application's services exist (the runner
    itself is made first, because they share its clock)."""

    db: Database
    schedules: SchedulesRepo
    org: OrgRepo
    people: PeopleRepo
    notices: NoticesRepo  # audiences and team groups
    outbox: Outbox
    attendance: AttendanceService
    sessions: Sessions
    texts: Texts
    tz: tzinfo
    admins: frozenset[int]


class ScheduleRunner:
    """`Services.runner`: the tick, on the application's clock (tests move `Services.clock`)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._lock = asyncio.Lock()
        self._planned_until: dict[int, datetime] = {}
        self._prompts: tuple[Prompt, ...] | None = None
        self._deps: RunnerDeps | None = None

    def attach(self, deps: RunnerDeps) -> None:
        self._deps = deps

    @property
    def deps(self) -> RunnerDeps:
        if self._deps is None:
            raise RuntimeError("ScheduleRunner.attach() was not called")
        return self._deps

    @property
    def clock(self) -> Callable[[], datetime]:
        """Read-only: time is moved on the application's one clock (`Services.clock`), which
        attendance, quizzes and the schedules repository read too."""
        return self._clock

    def now(self) -> datetime:
        return self._clock()

    @property
    def prompts(self) -> tuple[Prompt, ...]:
        if self._prompts is None:
            self._prompts = load_prompts()
        return self._prompts

    def prompt(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)

    def forget(self, schedule_id: int) -> None:
        """Plan this schedule again at the next tick (it was resumed)."""
        self._planned_until.pop(schedule_id, None)

    async def tick(self, now: datetime | None = None) -> TickReport:
        svc = self.deps
        now = self._clock() if now is None else now
        async with self._lock:  # the job and a test (or two jobs) never interleave
            report = TickReport()
            report.recorded = await self.record(svc, now)
            await self.deliver(svc, now, report)
            return report

    # ------------------------------------------------------------ 1. record

    async def record(self, svc: RunnerDeps, now: datetime) -> int:
        repo = svc.schedules
        calendar = None
        recorded = 0
        for s in await repo.live():
            if self._planned_until.get(s.id, now - timedelta(seconds=1)) >= now:
                continue
            if calendar is None:
                calendar = await load_calendar(repo)
            last = await repo.last_occurs_at(s.id)
            start = max(last or s.created_at, s.updated_at, now - MAX_BACKFILL)
            until = now + LOOKAHEAD
            try:
                planned = plan_schedule(s, start, until, svc.tz, calendar)
            except ValueError:
                log.exception("schedule #%d has a rule that no longer parses: %s", s.id, s.rule)
                continue
            if planned:
                rows = await repo.record_occurrences(s.id, [p.as_row() for p in planned])
                recorded += len(rows)
            self._planned_until[s.id] = until
        return recorded

    # ------------------------------------------------------------ 2. deliver

    async def deliver(self, svc: RunnerDeps, now: datetime, report: TickReport) -> None:
        due = await svc.schedules.due(now)
        if due:
            rnd = _Round(
                teams={t.id: t for t in await svc.org.teams()},
                groups=await svc.notices.team_groups(),
                schedules={s.id: s for s in await svc.schedules.live()},
                report=report,
            )
            for occ in due:
                schedule = rnd.schedules.get(occ.schedule_id)
                if schedule is None:
                    continue
                if late_decision(schedule.purpose, occ.occurs_at, occ.event_at, now) is (
                    LateDecision.SEND
                ):
                    await self._hand_over(svc, schedule, occ, rnd)
                elif await svc.schedules.mark_missed(occ.id):
                    report.missed += 1
        report.reported = await self._report_missed(svc)
        if report.unbound:
            await self._report_unbound(svc, now, report.unbound)

    async def _hand_over(
        self, svc: RunnerDeps, s: Schedule, occ: OccurrenceRow, rnd: _Round
    ) -> None:
        teams = _teams_in(s, rnd.teams)
        if s.purpose is Purpose.STUDY_REMINDER and occ.lead_minutes == SESSION_OPEN_LEAD:
            await self._open_sessions(svc, s, occ, teams, rnd)
            return
        choices: dict[int, str] = {}
        if s.purpose is Purpose.PRESHIFT:
            for team in teams:
                if team.id in rnd.groups:
                    history = await svc.schedules.prompt_history(team.id, len(self.prompts))
                    choices[team.id] = next_prompt(team.id, history, self.prompts).id
        leaders = []
        if s.purpose is Purpose.MEETING:
            unit_ids = {t.unit_id for t in teams}
            everyone = await svc.notices.audience(role="unit_leader")
            leaders = [m for m in everyone if m.unit_id in unit_ids]
        async with svc.db.transaction() as tx:
            if s.purpose is Purpose.PRESHIFT:
                messages = await self._preshift(svc, s, occ, teams, choices, rnd, tx)
            elif s.purpose is Purpose.MEETING:
                messages = []
                for m in leaders:
                    chat = m.tg_user_id if m.tg_user_id and m.private_ok else None
                    chat = chat or rnd.groups.get(m.team_id)
                    if chat is None:
                        rnd.report.unbound.add(m.team_id)
                    elif chat not in (x.chat_id for x in messages):
                        messages.append(self._message(s, occ, chat, _event_text(svc, s, occ)))
            else:
                text = _event_text(svc, s, occ)
                messages = []
                for team in teams:
                    chat = rnd.groups.get(team.id)
                    if chat is None:
                        rnd.report.unbound.add(team.id)
                    else:
                        messages.append(self._message(s, occ, chat, text))
            added = await svc.outbox.enqueue(messages, tx=tx)
            handed = await svc.schedules.mark_sent(occ.id, tx=tx)
        svc.outbox.wake()
        if handed:
            rnd.report.handed += 1
            rnd.report.messages += added

    async def _open_sessions(
        self, svc: RunnerDeps, s: Schedule, occ: OccurrenceRow, teams: Sequence[Team], rnd: _Round
    ) -> None:
        """The study day's sessions, one per team of the scope with a bound group, each posted
        through the outbox. Exactly once across restarts: a session is kept with its
        occurrence (asking again returns it), its messages have one dedupe key per chat, and
        the occurrence is marked in the transaction that enqueues them."""
        att = svc.attendance
        topic = s.title or svc.texts.get("attendance.default_topic")
        messages: list[OutMessage] = []
        for team in teams:
            if team.id not in rnd.groups:
                rnd.report.unbound.add(team.id)
                continue
            running = [
                x
                for x in await att.repo.open_sessions(team.id, team.unit_id)
                if x.team_id == team.id and x.occurrence_id != occ.id
            ]
            if running:
                continue  # the leader opened one already (/study): no second session
            session = await svc.sessions.open_session(
                team.id, topic, occ.event_at, occ.event_at + att.rules.duration, None,
                occurrence_id=occ.id,
            )  # fmt: skip
            messages += await svc.sessions.session_messages(session)
        async with svc.db.transaction() as tx:
            added = await svc.outbox.enqueue(messages, tx=tx)
            handed = await svc.schedules.mark_sent(occ.id, tx=tx)
        svc.outbox.wake()
        if handed:
            rnd.report.handed += 1
            rnd.report.messages += added

    async def _preshift(
        self,
        svc: RunnerDeps,
        s: Schedule,
        occ: OccurrenceRow,
        teams: Sequence[Team],
        choices: dict[int, str],
        rnd: _Round,
        tx: Tx,
    ) -> list[OutMessage]:
        out = []
        for team in teams:
            chat = rnd.groups.get(team.id)
            if chat is None:
                rnd.report.unbound.add(team.id)
                continue
            # The first recorded choice wins: a retry after a crash posts the same item.
            prompt_id = await svc.schedules.record_post(occ.id, team.id, choices[team.id], tx=tx)
            prompt = self.prompt(prompt_id) or self.prompts[0]
            markup = preshift_view.markup(svc.texts, occ.id, team.id, group=True)
            text = preshift_view.render(svc.texts, prompt)
            out.append(self._message(s, occ, chat, text, markup))
        return out

    @staticmethod
    def _message(
        s: Schedule,
        occ: OccurrenceRow,
        chat: int,
        text: str,
        markup: dict[str, object] | None = None,
    ) -> OutMessage:
        return OutMessage(
            chat,
            text,
            purpose="schedule",
            dedupe_key=f"sched:{occ.id}:{chat}",
            batch=f"sched:{occ.id}",
            reply_markup=markup,
            priority=PRIORITY,
        )

    # ------------------------------------------------------------ 3. report

    async def _admins(self, svc: RunnerDeps) -> list[int]:
        return await svc.people.reachable_admins(svc.admins)

    async def _report_missed(self, svc: RunnerDeps) -> int:
        missed = await svc.schedules.missed_unreported()
        if not missed:
            return 0
        admins = await self._admins(svc)
        if not admins:
            return 0  # kept unreported until an admin can be told
        texts, tz = svc.texts, svc.tz
        by_id = {s.id: s for s in await svc.schedules.schedules(include_deleted=True)}
        lines = []
        for occ in missed[:MAX_REPORT_LINES]:
            s = by_id.get(occ.schedule_id)
            lines.append(
                texts.get(
                    "schedules.msg.missed_line",
                    id=occ.schedule_id,
                    purpose=texts.get(f"schedules.purpose.{s.purpose.value}") if s else "",
                    scope=scope_text(texts, s) if s else "",
                    when=f"{occ.occurs_at.astimezone(tz):%m-%d %H:%M}",
                )
            )
        if len(missed) > MAX_REPORT_LINES:
            lines.append(
                texts.get("schedules.msg.missed_more", count=len(missed) - MAX_REPORT_LINES)
            )
        text = texts.get("schedules.msg.missed_report", count=len(missed)) + "\n" + "\n".join(lines)
        last = max(o.id for o in missed)
        # A later report always holds a newer moment, so `last` keys it for all time; after a
        # crash before mark_missed_reported the same report is enqueued again as a no-op.
        await svc.outbox.enqueue(
            [
                OutMessage(a, text, purpose="report", dedupe_key=f"sched:missed:{last}:{a}")
                for a in admins
            ]
        )
        await svc.schedules.mark_missed_reported([o.id for o in missed])
        return len(missed)

    async def _report_unbound(self, svc: RunnerDeps, now: datetime, unbound: set[int]) -> None:
        admins = await self._admins(svc)
        teams = {t.id: t for t in await svc.org.teams()}
        names = [f"{teams[t].unit_name}{teams[t].name}" for t in sorted(unbound) if t in teams]
        if not admins or not names:
            return
        text = svc.texts.get(
            "schedules.msg.unbound_report", count=len(names), teams=svc.texts.join(names[:50])
        )
        day = now.astimezone(svc.tz).date().isoformat()
        await svc.outbox.enqueue(
            [
                OutMessage(a, text, purpose="report", dedupe_key=f"sched:unbound:{day}:{a}")
                for a in admins
            ]
        )


def _teams_in(s: Schedule, teams: dict[int, Team]) -> list[Team]:
    if s.scope is Scope.TEAM:
        return [teams[s.team_id]] if s.team_id in teams else []
    if s.scope is Scope.UNIT:
        return [t for t in teams.values() if t.unit_id == s.unit_id]
    return list(teams.values())


def ahead_text(texts: Texts, occ: OccurrenceRow, sent: datetime, lang: str | None = None) -> str:
    """'明天', '1 小时后', '30 分钟后', '现在': how far the event is from the message
    (`sent`: the message's moment in local time)."""
    lead = occ.lead_minutes
    event = occ.event_at.astimezone(sent.tzinfo)
    if lead == 0:
        return texts.get("schedules.msg.ahead_now", lang)
    if 360 <= lead <= 2 * 1440 and (event.date() - sent.date()).days == 1:
        return texts.get("schedules.msg.ahead_tomorrow", lang)
    if lead % 1440 == 0:
        return texts.get("schedules.msg.ahead_days", lang, n=lead // 1440)
    if lead % 60 == 0:
        return texts.get("schedules.msg.ahead_hours", lang, n=lead // 60)
    return texts.get("schedules.msg.ahead_minutes", lang, n=lead)


def _event_text(svc: RunnerDeps, s: Schedule, occ: OccurrenceRow) -> str:
    texts, tz = svc.texts, svc.tz
    local = occ.occurs_at.astimezone(tz)
    event = occ.event_at.astimezone(tz)
    weekdays = texts.get("schedules.weekdays").split(",")
    when = f"{event:%m-%d} {weekdays[event.weekday()]} {event:%H:%M}"
    title = s.title or texts.get(f"schedules.purpose.{s.purpose.value}")
    if s.purpose is Purpose.CUSTOM:
        key = "schedules.msg.custom_titled" if s.title else "schedules.msg.custom"
        return texts.get(key, title=s.title, body=s.body or "")
    key = "schedules.msg.meeting" if s.purpose is Purpose.MEETING else "schedules.msg.study"
    text = texts.get(key, title=title, when=when, ahead=ahead_text(texts, occ, local))
    if s.body:
        text += "\n\n" + texts.get("schedules.msg.body", body=s.body)
    return text
