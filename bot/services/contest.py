"""Labour competitions (劳动竞赛) and points (积分): the use cases.

Each use case takes the acting person and plain values and returns a typed outcome; who may do
what is decided by `bot.domain.auth` on every object the act touches (the contest's scope and
the participant a figure is for). Messages to groups and managers go through the outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso
from bot.db import Database
from bot.domain import contest as rules
from bot.domain.auth import Action, Actor, Place, Role, can
from bot.domain.contest import (
    FigureAct,
    FigureProblem,
    FigureStep,
    Kind,
    Level,
    MetricTemplate,
    PointsRule,
)
from bot.domain.tabular import Limits, TableError, read_table
from bot.domain.text import is_blank, visible
from bot.outcomes.contest import (
    Board,
    BoardRights,
    Created,
    Decided,
    Doubting,
    Draft,
    FigureAsk,
    FigureBad,
    FigureCancelled,
    FigureDoubt,
    FigureNext,
    FigureOk,
    FigurePressed,
    FigureRestart,
    FigureTarget,
    FileRejected,
    FileSaved,
    Proposed,
    Refusal,
    Refused,
    Saved,
    WeeklyPost,
)
from bot.paths import DATA
from bot.repos.contest import AuditRow, Contest, ContestRepo, FigureEntry, Metric
from bot.repos.org import OrgRepo, Team
from bot.repos.outbox import OutMessage
from bot.repos.people import PeopleRepo
from bot.settings import Settings
from bot.texts import Texts

# A week's figures for a few hundred teams: anything larger is not a figures file.
FIGURE_FILE_LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_rows=3_000, max_columns=40)


@dataclass
class ContestService:
    repo: ContestRepo
    people: PeopleRepo
    org: OrgRepo
    templates: dict[str, MetricTemplate]
    point_rules: dict[str, PointsRule]
    tz: ZoneInfo
    names: dict[str, str] = field(default_factory=dict)  # metric key -> its name (zh-CN)

    @classmethod
    def build(
        cls,
        db: Database,
        people: PeopleRepo,
        org: OrgRepo,
        settings: Settings,
        texts: Texts,
        clock: Callable[[], datetime],
    ) -> ContestService:
        return cls(
            repo=ContestRepo(db, clock),
            people=people,
            org=org,
            templates=rules.load_templates(DATA / "contest" / "metrics.toml"),
            point_rules=rules.load_point_rules(DATA / "points" / "rules.toml"),
            tz=settings.tz,
            names=metric_names(texts),
        )

    # ------------------------------------------------------------ helpers

    def _place(self, contest: Contest) -> Place:
        return Place(contest.unit_id)

    def may_manage(self, actor: Actor, contest: Contest) -> bool:
        if contest.unit_id is None:
            return Role.ADMIN in actor.roles
        return can(actor, Action.MANAGE_CONTEST, Place(contest.unit_id))

    async def _participant_place(self, contest: Contest, participant_id: int) -> Place | None:
        if contest.level is Level.TEAM:
            team = await self.org.team(participant_id)
            return None if team is None else Place(team.unit_id, team.id)
        if contest.level is Level.UNIT:
            return Place(participant_id)
        person = await self.people.by_member(participant_id)
        return None if person is None else Place(person.unit_id, person.team_id, person.member_id)

    def may_create(self, actor: Actor) -> bool:
        """/contest_new: unit leaders and admins."""
        return can(actor, Action.MANAGE_CONTEST)

    def picks_scope(self, actor: Actor) -> bool:
        """An admin picks a new contest's scope; a unit leader's is their own unit's teams."""
        return Role.ADMIN in actor.roles

    async def rights(self, actor: Actor, board: Board) -> BoardRights:
        place = await self.own_place(board.contest, board.mine)
        may_enter = place is not None and can(actor, Action.ENTER_FIGURES, place)
        return BoardRights(may_enter, self.may_manage(actor, board.contest))

    async def own_place(self, contest: Contest, mine: frozenset[int]) -> Place | None:
        """Where the person's own participant sits: leaders act for it (figures, challenges)."""
        for pid in mine:
            return await self._participant_place(contest, pid)
        return None

    async def rivals(self, actor: Actor, contest_id: int) -> list[tuple[int, str]] | Refused:
        """Whom the person's team may challenge: the holder in an arena, anyone else otherwise."""
        contest = await self.repo.get(contest_id)
        if contest is None:
            return Refused(Refusal.NOT_FOUND)
        if not contest.active:
            return Refused(Refusal.CLOSED)
        if contest.kind not in (Kind.CHALLENGE, Kind.ARENA) or contest.level is Level.PERSON:
            return Refused(Refusal.WRONG_KIND)
        mine = self._mine(actor, contest.level)
        ids = await self.repo.participants(contest_id)
        if not mine or mine[0] not in ids:
            return Refused(Refusal.NOT_PARTICIPANT)
        own = await self._participant_place(contest, mine[0])
        if own is None or not can(actor, Action.ENTER_FIGURES, own):
            return Refused(Refusal.FORBIDDEN)
        others = [pid for pid in ids if pid != mine[0]]
        if contest.kind is Kind.ARENA and contest.holder_id is not None:
            others = [pid for pid in others if pid == contest.holder_id]
        names = await self.repo.names(contest.level, others)
        return [(pid, names.get(pid, "?")) for pid in others]

    def _mine(self, actor: Actor, level: Level) -> list[int]:
        own = {Level.TEAM: actor.team_id, Level.UNIT: actor.unit_id, Level.PERSON: actor.member_id}
        value = own[level]
        return [] if value is None else [value]

    async def units(self) -> dict[int, str]:
        """The site's units, id → name, in roster order: a contest's scope to pick from."""
        return {u.id: u.name for u in await self.org.units()}

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def _bounds(self, contest: Contest, now: datetime, until: date) -> tuple[str, str, date]:
        start = datetime.combine(contest.starts_on, time(0), self.tz)
        last_day = min(until, contest.ends_on)
        end = min(now, datetime.combine(last_day + timedelta(days=1), time(0), self.tz))
        return iso(start), iso(end), rules.week_of(last_day)

    async def _teams_in(self, unit_id: int | None) -> list[Team]:
        return [t for t in await self.org.teams() if unit_id is None or t.unit_id == unit_id]

    # ------------------------------------------------------------ create and close

    async def create(self, actor: Actor, draft: Draft) -> Created | Refused:
        scope = Place(draft.unit_id) if draft.unit_id is not None else None
        # a site-wide contest is the admins'; a unit leader creates one for their unit only
        if not can(actor, Action.MANAGE_CONTEST, scope) or (
            scope is None and Role.ADMIN not in actor.roles
        ):
            return Refused(Refusal.FORBIDDEN)
        name = rules.check_name(draft.name)
        if name is None:
            return Refused(Refusal.BAD_NAME)
        if draft.ends_on < draft.starts_on or (draft.ends_on - draft.starts_on).days > 366:
            return Refused(Refusal.BAD_PERIOD)
        metrics = [self.templates[k] for k in draft.metric_keys if k in self.templates]
        if not metrics or len(metrics) > rules.MAX_METRICS:
            return Refused(Refusal.NO_METRICS)
        participants, names = await self._participants(draft.level, draft.unit_id)
        if len(participants) < 2:
            return Refused(Refusal.NO_PARTICIPANTS)
        pairs = rules.pairs_in_order(participants) if draft.kind is Kind.PAIR else []
        contest_id = await self.repo.create(
            name=name,
            kind=draft.kind,
            level=draft.level,
            unit_id=draft.unit_id,
            starts_on=draft.starts_on,
            ends_on=draft.ends_on,
            participants=participants,
            metrics=[(t, draft.weights.get(t.key, t.weight)) for t in metrics],
            pairs=pairs,
            created_by=actor.tg_user_id,
            individual_public=draft.individual_public,
        )
        return Created(contest_id, len(participants), [(names[a], names[b]) for a, b in pairs])

    async def _participants(
        self, level: Level, unit_id: int | None
    ) -> tuple[list[int], dict[int, str]]:
        if level is Level.TEAM:
            teams = await self._teams_in(unit_id)
            return [t.id for t in teams], {t.id: t.name for t in teams}
        if level is Level.UNIT:
            units = [u for u in await self.org.units() if unit_id is None or u.id == unit_id]
            return [u.id for u in units], {u.id: u.name for u in units}
        people = []
        for team in await self._teams_in(unit_id):
            people.extend(await self.people.team_members(team.id))
        return [p.member_id for p in people], {p.member_id: p.name for p in people}

    async def close(self, actor: Actor, contest_id: int) -> Contest | Refused:
        contest = await self.repo.get(contest_id)
        if contest is None:
            return Refused(Refusal.NOT_FOUND)
        if not self.may_manage(actor, contest):
            return Refused(Refusal.FORBIDDEN)
        if not await self.repo.close(contest_id, actor.tg_user_id):
            return Refused(Refusal.CLOSED)
        return contest

    # ------------------------------------------------------------ standings

    async def boards(self, actor: Actor, now: datetime) -> list[Board]:
        """Every active contest the person's team, unit or self takes part in, as they see it."""
        out: list[Board] = []
        for level in Level:
            mine = self._mine(actor, level)
            for contest in await self.repo.for_participants(level, mine):
                out.append(await self._board(actor, contest, now, frozenset(mine)))
        return out

    async def board(self, actor: Actor, contest_id: int, now: datetime) -> Board | Refused:
        """The full standings: for the participants, and for managers within the scope."""
        contest = await self.repo.get(contest_id)
        if contest is None:
            return Refused(Refusal.NOT_FOUND)
        mine = frozenset(self._mine(actor, contest.level))
        taking_part = bool(mine & set(await self.repo.participants(contest.id)))
        if not taking_part and not can(actor, Action.VIEW_REPORT, self._place(contest)):
            return Refused(Refusal.FORBIDDEN)
        return await self._board(actor, contest, now, mine)

    async def _board(
        self, actor: Actor, contest: Contest, now: datetime, mine: frozenset[int]
    ) -> Board:
        today = self.today(now)
        metrics = await self.repo.metrics(contest.id)
        from_utc, to_utc, until_week = self._bounds(contest, now, today)
        standings = await self.repo.standings(
            contest, metrics, from_utc=from_utc, to_utc=to_utc, until_week=until_week
        )
        pairs = await self.repo.pairs(contest.id)
        proposals = [p for p in await self.repo.pairs(contest.id, ("proposed",)) if p.b_id in mine]
        hidden = contest.level is Level.PERSON and not contest.individual_public
        if hidden and not can(actor, Action.VIEW_REPORT, self._place(contest)):
            standings = [s for s in standings if s.participant_id in mine]
        return Board(
            contest, metrics, standings, mine, pairs, proposals, min(today, contest.ends_on), hidden
        )

    # ------------------------------------------------------------ figures

    async def entry_targets(self, actor: Actor, now: datetime) -> list[FigureTarget] | None:
        """/figures: what this person may type figures for now; None: they enter none."""
        if not can(actor, Action.ENTER_FIGURES):
            return None
        return await self.figure_targets(actor, now)

    async def figure_targets(self, actor: Actor, now: datetime) -> list[FigureTarget]:
        """Participants of active contests whose entered figures `actor` may type this week."""
        week = rules.week_of(self.today(now))
        out: list[FigureTarget] = []
        for contest in await self.repo.all(active_only=True):
            metrics = [m for m in await self.repo.metrics(contest.id) if m.entered]
            if not metrics or contest.level is Level.PERSON:
                continue  # persons' figures come by file: a leader does not type 30 of them
            ids = await self.repo.participants(contest.id)
            names = await self.repo.names(contest.level, ids)
            for pid in ids:
                place = await self._participant_place(contest, pid)
                if place is not None and can(actor, Action.ENTER_FIGURES, place):
                    out.append(FigureTarget(contest, pid, names.get(pid, "?"), metrics, week))
        return out

    async def target(
        self, actor: Actor, contest_id: int, participant_id: int, now: datetime
    ) -> FigureTarget | Refused:
        """One participant's figures, checked again at every step (a forged press included)."""
        contest = await self.repo.get(contest_id)
        if contest is None:
            return Refused(Refusal.NOT_FOUND)
        if not contest.active:
            return Refused(Refusal.CLOSED)
        if participant_id not in await self.repo.participants(contest_id):
            return Refused(Refusal.NOT_PARTICIPANT)
        place = await self._participant_place(contest, participant_id)
        if place is None or not can(actor, Action.ENTER_FIGURES, place):
            return Refused(Refusal.FORBIDDEN)
        metrics = [m for m in await self.repo.metrics(contest_id) if m.entered]
        names = await self.repo.names(contest.level, [participant_id])
        week = rules.week_of(self.today(now))
        return FigureTarget(contest, participant_id, names.get(participant_id, "?"), metrics, week)

    async def ask(self, target: FigureTarget, index: int) -> FigureAsk | None:
        if index >= len(target.metrics):
            return None
        metric = target.metrics[index]
        return FigureAsk(
            metric,
            await self.repo.previous_figure(metric.id, target.participant_id, target.week),
            await self.repo.figure(metric.id, target.participant_id, target.week),
        )

    async def check(
        self, target: FigureTarget, metric: Metric, text: str
    ) -> FigureOk | FigureBad | FigureDoubt:
        parsed = rules.parse_figure(text, metric.unit)
        if isinstance(parsed, FigureProblem):
            return FigureBad(parsed, metric)
        problem = rules.check_figure(metric.template, parsed)
        if problem is not None:
            return FigureBad(problem, metric)
        previous = await self.repo.previous_figure(metric.id, target.participant_id, target.week)
        doubt = rules.doubt(parsed, previous)
        if doubt is not None and previous is not None:
            return FigureDoubt(parsed, previous, doubt)
        return FigureOk(parsed)

    async def advance(self, target: FigureTarget, e: rules.FigureEntry) -> FigureNext:
        """The entry's next step: the next figure asked, or the preview once all are in."""
        ask = await self.ask(target, e.index)
        step = FigureStep.PREVIEW if ask is None else FigureStep.VALUE
        return FigureNext(target, replace(e, step=step), ask)

    async def enter_figure(
        self, actor: Actor, e: rules.FigureEntry, text: str, now: datetime
    ) -> Refused | FigureBad | Doubting | FigureNext:
        """A figure typed for the metric the entry asks (rights checked again): refused, bad,
        unlikely (to confirm), or taken and on to the next."""
        target = await self.target(actor, e.contest, e.participant, now)
        if isinstance(target, Refused):
            return target
        metric = target.metrics[e.index]
        checked = await self.check(target, metric, text)
        if isinstance(checked, FigureBad):
            return checked
        if isinstance(checked, FigureDoubt):
            doubting = replace(e, step=FigureStep.DOUBT, pending=checked.value)
            return Doubting(replace(doubting, doubt=checked.doubt.value), metric, checked)
        return await self.advance(target, e.took(metric.id, checked.value, None))

    async def figure_press(
        self, actor: Actor, e: rules.FigureEntry, act: FigureAct, now: datetime
    ) -> FigurePressed:
        """A button of the entry, at the step it belongs to (from another step: None); every
        one but 取消 checks the rights again."""
        if act is FigureAct.CANCEL:
            return FigureCancelled()
        target = await self.target(actor, e.contest, e.participant, now)
        if isinstance(target, Refused):
            return target
        doubting = e.step is FigureStep.DOUBT and e.pending is not None
        if act is FigureAct.OK and doubting and e.pending is not None:
            metric = target.metrics[e.index]
            return await self.advance(target, e.took(metric.id, e.pending, e.doubt))
        if act is FigureAct.RETYPE and doubting:
            return await self.advance(target, replace(e, pending=None, doubt=None))
        if act is FigureAct.REDO:
            return FigureRestart(target)
        if act is FigureAct.SAVE and e.step is FigureStep.PREVIEW:
            return await self.save(actor, target, dict(e.values), dict(e.doubts), now)
        return None

    async def save(
        self,
        actor: Actor,
        target: FigureTarget,
        values: dict[int, float],
        doubts: dict[int, str],
        now: datetime,
        via: str = "chat",
    ) -> Saved | Refused:
        # checked again at the moment of saving: the contest may have closed meanwhile
        again = await self.target(actor, target.contest.id, target.participant_id, now)
        if isinstance(again, Refused):
            return again
        entries = [
            FigureEntry(mid, target.participant_id, target.week, value)
            for mid, value in values.items()
            if any(m.id == mid for m in again.metrics)
        ]
        changed = await self.repo.save_figures(
            entries, actor=actor.tg_user_id, via=via, doubts=doubts
        )
        return Saved(changed)

    async def correct_closed(
        self,
        actor: Actor,
        contest_id: int,
        participant_id: int,
        metric_key: str,
        week: date,
        value: float,
        reason: str,
    ) -> Saved | Refused:
        """After close only admins correct, with a reason; the audit marks it as such."""
        contest = await self.repo.get(contest_id)
        if contest is None:
            return Refused(Refusal.NOT_FOUND)
        if not can(actor, Action.CORRECT_CLOSED_FIGURES, None):
            return Refused(Refusal.FORBIDDEN)
        if is_blank(reason):
            return Refused(Refusal.NEED_REASON)
        metric = next((m for m in await self.repo.metrics(contest_id) if m.key == metric_key), None)
        if metric is None or not metric.entered:
            return Refused(Refusal.NOT_FOUND)
        if participant_id not in await self.repo.participants(contest_id):
            return Refused(Refusal.NOT_PARTICIPANT)
        if rules.check_figure(metric.template, value) is not None:
            return Refused(Refusal.BAD_PERIOD)
        changed = await self.repo.save_figures(
            [FigureEntry(metric.id, participant_id, rules.week_of(week), value)],
            actor=actor.tg_user_id,
            via="cli" if actor.tg_user_id == 0 else "chat",
            after_close=not contest.active,
            reason=visible(reason),
        )
        return Saved(changed)

    async def import_figures(
        self, actor: Actor, contest_id: int, data: bytes, filename: str, now: datetime
    ) -> FileSaved | FileRejected | Refused:
        """A spreadsheet of figures, all or nothing: every row checked (participant, rights,
        number, range, week within the contest) before anything is saved."""
        contest = await self.repo.get(contest_id)
        if contest is None:
            return Refused(Refusal.NOT_FOUND)
        if not contest.active:
            return Refused(Refusal.CLOSED)
        try:
            table = await asyncio.to_thread(read_table, data, filename, FIGURE_FILE_LIMITS)
        except TableError as exc:
            return FileRejected([], exc)
        metrics = {m.key: m for m in await self.repo.metrics(contest_id) if m.entered}
        ids = await self.repo.participants(contest_id)
        names = await self.repo.names(contest.level, ids)
        figures, problems = rules.read_figure_rows(
            [(r.number, r.cells) for r in table.rows],
            {self.names.get(k, k): k for k in metrics},
            {k: m.template for k, m in metrics.items()},
            {v: k for k, v in names.items()},
        )
        this_week = rules.week_of(self.today(now))
        entries: list[FigureEntry] = []
        allowed: dict[int, bool] = {}
        for f in figures:
            if f.participant_id not in allowed:
                place = await self._participant_place(contest, f.participant_id)
                allowed[f.participant_id] = place is not None and can(
                    actor, Action.ENTER_FIGURES, place
                )
            week = rules.week_of(f.day) if f.day else this_week
            if not allowed[f.participant_id]:
                problems.append(rules.FileProblem(f.row, "forbidden", names[f.participant_id]))
            elif not rules.week_of(contest.starts_on) <= week <= contest.ends_on:
                problems.append(rules.FileProblem(f.row, "outside_period", week.isoformat()))
            else:
                entries.append(
                    FigureEntry(metrics[f.metric_key].id, f.participant_id, week, f.value)
                )
        if problems or not entries:
            return FileRejected(sorted(problems, key=lambda p: p.row), None)
        changed = await self.repo.save_figures(entries, actor=actor.tg_user_id, via="file")
        return FileSaved(changed, len({(e.participant_id) for e in entries}))

    # ------------------------------------------------------------ challenges

    async def challenge(self, actor: Actor, contest_id: int, rival_id: int) -> Proposed | Refused:
        contest = await self.repo.get(contest_id)
        if contest is None:
            return Refused(Refusal.NOT_FOUND)
        if not contest.active:
            return Refused(Refusal.CLOSED)
        if contest.kind not in (Kind.CHALLENGE, Kind.ARENA) or contest.level is Level.PERSON:
            return Refused(Refusal.WRONG_KIND)
        mine = self._mine(actor, contest.level)
        ids = await self.repo.participants(contest_id)
        if not mine or mine[0] not in ids or rival_id not in ids:
            return Refused(Refusal.NOT_PARTICIPANT)
        own = await self._participant_place(contest, mine[0])
        if own is None or not can(actor, Action.ENTER_FIGURES, own):
            return Refused(Refusal.FORBIDDEN)  # a team challenges through its leader
        if rival_id == mine[0]:
            return Refused(Refusal.SELF_CHALLENGE)
        if contest.kind is Kind.ARENA and contest.holder_id not in (None, rival_id):
            return Refused(Refusal.WRONG_KIND)  # in an arena one challenges the holder only
        pair_id = await self.repo.propose(contest_id, mine[0], rival_id, actor.tg_user_id)
        if pair_id is None:
            return Refused(Refusal.ALREADY_OPEN)
        names = await self.repo.names(contest.level, [mine[0], rival_id])
        return Proposed(
            pair_id,
            contest,
            names.get(mine[0], "?"),
            names.get(rival_id, "?"),
            await self._leaders_of(contest, rival_id),
        )

    async def decide(self, actor: Actor, pair_id: int, accept: bool) -> Decided | Refused:
        found = await self.repo.pair(pair_id)
        if found is None:
            return Refused(Refusal.NOT_FOUND)
        contest_id, pair = found
        contest = await self.repo.get(contest_id)
        if contest is None:
            return Refused(Refusal.NOT_FOUND)
        place = await self._participant_place(contest, pair.b_id)
        if place is None or not can(actor, Action.ENTER_FIGURES, place):
            return Refused(Refusal.FORBIDDEN)
        if not contest.active:
            return Refused(Refusal.CLOSED)
        if not await self.repo.decide(pair_id, accept, actor.tg_user_id):
            return Refused(Refusal.ALREADY_DECIDED)
        names = await self.repo.names(contest.level, [pair.a_id, pair.b_id])
        return Decided(
            accept, contest, names.get(pair.a_id, "?"), names.get(pair.b_id, "?"), pair.proposed_by
        )

    async def _leaders_of(self, contest: Contest, participant_id: int) -> list[int]:
        """Who answers for a participant: the team's leaders, or the unit's leaders."""
        if contest.level is Level.TEAM:
            members = await self.people.team_members(participant_id)
            return [
                m.tg_user_id
                for m in members
                if m.tg_user_id is not None and Role.TEAM_LEADER in m.roles
            ]
        if contest.level is Level.UNIT:
            return await self.people.reachable_unit_leaders(participant_id)
        return []

    # ------------------------------------------------------------ weekly standings

    async def due_posts(self, now: datetime, post_at: time) -> list[tuple[Contest, date, bool]]:
        """(contest, week, final) of every post due and not yet made: a week's standings on the
        Monday after it at `post_at` local time, the final standings the day after the last
        day (or at once when a manager ends the contest early). Weeks more than two weeks past
        (a long downtime) are not posted late; a final post always is."""
        today = self.today(now)
        local = now.astimezone(self.tz).time()
        out: list[tuple[Contest, date, bool]] = []
        for contest in await self.repo.all():
            last_week = rules.week_of(contest.ends_on)
            ended = not contest.active or today > contest.ends_on
            if ended:
                if (contest.active and today == contest.ends_on + timedelta(days=1)) and (
                    local < post_at
                ):
                    continue
                if not await self.repo.posted(contest.id, "final"):
                    out.append((contest, min(last_week, rules.week_of(today)), True))
                continue
            for week in rules.weeks_between(contest.starts_on, contest.ends_on):
                post_day = week + timedelta(days=7)
                if week == last_week or post_day > today:
                    break
                if post_day == today and local < post_at:
                    break
                if (today - post_day).days > 14:
                    continue
                if not await self.repo.posted(contest.id, f"week:{week.isoformat()}"):
                    out.append((contest, week, False))
        return out

    async def weekly(self, contest: Contest, week: date, final: bool, now: datetime) -> WeeklyPost:
        metrics = await self.repo.metrics(contest.id)
        until = min(week + timedelta(days=6), contest.ends_on)
        from_utc, to_utc, until_week = self._bounds(contest, now, until)
        standings = await self.repo.standings(
            contest, metrics, from_utc=from_utc, to_utc=to_utc, until_week=until_week
        )
        if contest.level is Level.PERSON and not contest.individual_public:
            standings = []  # never a public personal ranking: managers get the figures file
        holder_name, holder = None, None
        if contest.kind is Kind.ARENA and standings:
            scores = {s.participant_id: s.score for s in standings}
            challengers = [
                p.a_id for p in await self.repo.pairs(contest.id) if p.b_id == contest.holder_id
            ]
            holder = rules.arena_holder(contest.holder_id, scores, challengers)
            holder_name = next((s.name for s in standings if s.participant_id == holder), None)
        groups = await self._groups_of(contest)
        managers = await self._managers_of(contest)
        return WeeklyPost(
            contest,
            metrics,
            standings,
            week,
            final,
            groups,
            managers,
            holder_name,
            holder,
            await self._missing(contest, metrics, week),
        )

    async def publish(self, post: WeeklyPost, rows: Sequence[OutMessage]) -> bool:
        """The post recorded with its outbox rows (and the arena's holder) in one transaction;
        False when that week was handed over already."""
        return await self.repo.claim_post(post.contest.id, post.key, rows, post.holder_id)

    async def _missing(self, contest: Contest, metrics: list[Metric], week: date) -> list[str]:
        entered = [m.id for m in metrics if m.entered]
        if not entered or contest.level is Level.PERSON:
            return []
        ids = await self.repo.participants(contest.id)
        done = await self.repo.with_figures(entered, week)
        names = await self.repo.names(contest.level, [p for p in ids if p not in done])
        return [names[p] for p in ids if p in names]

    async def _groups_of(self, contest: Contest) -> list[int]:
        ids = set(await self.repo.participants(contest.id))
        teams = await self._teams_in(contest.unit_id)
        if contest.level is Level.TEAM:
            wanted = [t.id for t in teams if t.id in ids]
        elif contest.level is Level.UNIT:
            wanted = [t.id for t in teams if t.unit_id in ids]
        else:
            wanted = []
        return await self.repo.group_chats(wanted)

    async def _managers_of(self, contest: Contest) -> list[int]:
        admins = await self.people.reachable_admins(frozenset())
        if contest.unit_id is None:
            return admins
        return sorted(set(admins) | set(await self.people.reachable_unit_leaders(contest.unit_id)))

    # ------------------------------------------------------------ points

    async def sync_points(self, now: datetime, lookback: timedelta = timedelta(days=40)) -> int:
        """Book every act since `lookback` not yet in the ledger, caps applied in the order the
        acts happened. Idempotent: an act is booked once, however often this runs."""
        since = iso(now - lookback)
        booked = 0
        for rule in self.point_rules.values():
            rows = []
            pending: dict[tuple[int, str], rules.Earned] = {}
            for member, ref, at in await self.repo.unbooked_acts(rule.key, since):
                day = _local_day(at, self.tz)
                key = (member, day)
                earned = pending.get(key)
                if earned is None:
                    d, m, y = await self.repo.earned(member, rule.key, day)
                    earned = rules.Earned(d, m, y)
                points = rules.capped(rule, earned)
                pending[key] = rules.Earned(
                    earned.day + points, earned.month + points, earned.year + points
                )
                rows.append((member, rule.key, ref, points, day))
            booked += await self.repo.book(rows)
        return booked

    async def my_points(self, actor: Actor, now: datetime) -> dict[str, dict[str, int]]:
        """The person's own points this month, this quarter and this year, per rule."""
        if actor.member_id is None:
            return {}
        today = self.today(now)
        month = today.replace(day=1)
        quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        year = date(today.year, 1, 1)
        out = {}
        for label, start in (("month", month), ("quarter", quarter), ("year", year)):
            out[label] = await self.repo.member_points(
                actor.member_id, start.isoformat(), today.isoformat()
            )
        return out

    # -- reads the handlers and the command line need, through the service

    async def actor_names(self, user_ids: Sequence[int]) -> dict[int, str]:
        return await self.repo.actor_names(user_ids)

    async def all(self, active_only: bool = False) -> list[Contest]:
        return await self.repo.all(active_only)

    async def audit(self, contest_id: int) -> list[AuditRow]:
        return await self.repo.audit(contest_id)

    async def figures(self, contest_id: int) -> list[tuple[str, int, str, float]]:
        return await self.repo.figures(contest_id)

    async def get(self, contest_id: int) -> Contest | None:
        return await self.repo.get(contest_id)

    async def member_names(self, level: Level, ids: Sequence[int]) -> dict[int, str]:
        return await self.repo.names(level, ids)

    async def participants(self, contest_id: int) -> list[int]:
        return await self.repo.participants(contest_id)


def metric_names(texts: Texts) -> dict[str, str]:
    """Metric names as a spreadsheet header may give them, in every language we ship."""
    out: dict[str, str] = {}
    for lang in ("en", "zh-CN"):
        for key, value in texts.catalog[lang].items():
            if key.startswith("contest.metric."):
                out[key.removeprefix("contest.metric.")] = value
    return out


def _local_day(moment: str, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(tz).date().isoformat()


# the service, and the outcomes handlers, the CLI and tests read from it
__all__ = [
    "Board",
    "BoardRights",
    "ContestService",
    "Created",
    "Decided",
    "Doubting",
    "Draft",
    "FigureBad",
    "FigureCancelled",
    "FigureNext",
    "FigureRestart",
    "FigureTarget",
    "FileSaved",
    "Proposed",
    "Refusal",
    "Refused",
    "Saved",
]
