"""Pledges (写决心, 订规划): each worker writes one for the year, with an optional plan; the
team leader sees who has and has not, and may send one polite reminder per interval."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.auth import Action, Actor, Place, can, teams_for
from bot.domain.org import Team
from bot.domain.pledges import FindStep, PledgeDraft, PledgesFind, PledgeStep
from bot.domain.text import visible
from bot.outcomes.pledges import (
    MAX_CHARS,
    AskPlan,
    AskPledge,
    Cancelled,
    DraftAction,
    DraftOutcome,
    Export,
    History,
    Mine,
    MineAction,
    NotRegistered,
    Overview,
    Preview,
    Refusal,
    Refused,
    Reminded,
    RemindPlan,
    Saved,
    Searching,
    TeamCount,
    TeamDetail,
    TeamsOp,
    TeamStatus,
    TextRefused,
    Unchanged,
    UseButtons,
)
from bot.repos.conversations import ConversationsRepo
from bot.repos.org import OrgRepo
from bot.repos.people import PeopleRepo, Person
from bot.repos.pledges import Pledge, PledgesRepo
from bot.views.paging import Page, clean_query, matching, paginate

REMIND_INTERVAL = timedelta(days=7)


def check_text(text: str | None) -> str | None:
    """None if fine, else 'empty' or 'too_long'."""
    body = visible(text)
    if not body:
        return "empty"
    if len(body) > MAX_CHARS:
        return "too_long"
    return None


class PledgeService:
    def __init__(
        self,
        repo: PledgesRepo,
        people: PeopleRepo,
        org: OrgRepo,
        conversations: ConversationsRepo,
        tz: ZoneInfo,
        interval: timedelta = REMIND_INTERVAL,
    ) -> None:
        self.repo = repo
        self.people = people
        self.org = org
        self.conversations = conversations  # the /pledges search's state
        self.tz = tz
        self.interval = interval

    def year(self, now: datetime) -> int:
        """The pledge year: the local calendar year."""
        return now.astimezone(self.tz).year

    # ------------------------------------------------------------ writing

    async def begin(
        self, person: Person | None, user: int, text: str, now: datetime
    ) -> DraftOutcome:
        """/pledge (or 修改, 重写): a new draft under a new nonce, so the buttons of an older
        one go stale; the pledge may come with the command."""
        if person is None:
            return NotRegistered()
        draft = PledgeDraft(PledgeStep.PLEDGE, random.randint(1, 999_999))
        await self.conversations.put(user, user, draft)
        if text:
            return await self.take(user, draft, text)
        return AskPledge(self.year(now))

    async def take(self, user: int, draft: PledgeDraft, text: str) -> DraftOutcome:
        """A message while writing: the pledge, then the plan, then the preview."""
        if draft.step is PledgeStep.PREVIEW:
            return UseButtons()
        problem = check_text(text)
        if problem is not None:
            return TextRefused(problem, len(text))
        if draft.step is PledgeStep.PLEDGE:
            draft = replace(draft, step=PledgeStep.PLAN, pledge=visible(text))
            await self.conversations.put(user, user, draft)
            return AskPlan(draft.nonce)
        return await self._preview(user, replace(draft, plan=visible(text)))

    async def _preview(self, user: int, draft: PledgeDraft) -> Preview:
        draft = replace(draft, step=PledgeStep.PREVIEW)
        await self.conversations.put(user, user, draft)
        return Preview(draft)

    async def press_draft(
        self, person: Person | None, user: int, nonce: int, action: DraftAction, now: datetime
    ) -> DraftOutcome | Refused:
        """A press under the draft `nonce` (only the draft being written: else stale)."""
        draft = await self.conversations.state(user, user, PledgeDraft)
        if draft is None or nonce != draft.nonce:
            return Refused(Refusal.STALE)
        if action is DraftAction.REDO:
            return await self.begin(person, user, "", now)
        if action is DraftAction.CANCEL:
            await self.conversations.clear(user, user)
            return Cancelled()
        if action is DraftAction.SKIP:
            plan = draft.step is PledgeStep.PLAN
            return await self._preview(user, replace(draft, plan="")) if plan else Unchanged()
        if draft.step is not PledgeStep.PREVIEW:
            return Unchanged()
        if person is None:
            return NotRegistered()
        await self.conversations.clear(user, user)
        return Saved(await self.save(person, self.year(now), draft.pledge, draft.plan))

    async def current(self, member_id: int, year: int) -> Pledge | None:
        return await self.repo.current(member_id, year)

    async def history(self, member_id: int, year: int) -> list[Pledge]:
        return await self.repo.history(member_id, year)

    async def compilation(
        self, team_ids: list[int], year: int
    ) -> list[tuple[str, str, str, str, int | None, datetime | None, str, str]]:
        """决心书汇编 rows: every active member of the teams with their pledge for the year."""
        return await self.repo.compilation(team_ids, year)

    async def save(self, person: Person, year: int, pledge: str, plan: str | None) -> Pledge:
        plan_text = visible(plan) or None
        return await self.repo.save(person.member_id, year, visible(pledge), plan_text)

    async def team_status(self, team_id: int, year: int) -> TeamStatus:
        members = await self.people.team_members(team_id)
        done = await self.repo.members_with_pledge([m.member_id for m in members], year)
        return TeamStatus(
            written=[m for m in members if m.member_id in done],
            missing=[m for m in members if m.member_id not in done],
        )

    async def remind(self, team_id: int, year: int, by_user: int, now: datetime) -> RemindPlan:
        """Claim a reminder for each member still without a pledge (at most one per interval);
        the caller sends to `plan.send`."""
        plan = RemindPlan()
        for person in (await self.team_status(team_id, year)).missing:
            if person.tg_user_id == by_user:
                continue  # the leader who pressed knows already
            if person.tg_user_id is None or not await self.people.private_ok(person.tg_user_id):
                plan.unreachable.append(person)
            elif await self.repo.claim_reminder(
                person.member_id, year, by_user, now, self.interval
            ):
                plan.send.append(person)
            else:
                plan.recent.append(person)
        return plan

    async def mine(self, person: Person, now: datetime) -> Mine:
        year = self.year(now)
        return Mine(person.member_id, year, await self.current(person.member_id, year))

    async def mine_press(
        self, person: Person | None, user: int, member_id: int, action: MineAction, now: datetime
    ) -> DraftOutcome | History | Refused:
        """/mine's 写 / 修改 (a new draft) and 历史, for one's own pledge only."""
        if person is None or member_id != person.member_id:
            return Refused(Refusal.STALE)
        if action is MineAction.EDIT:
            return await self.begin(person, user, "", now)
        return History(await self.history(person.member_id, self.year(now)))

    # ------------------------------------------------------------ leaders

    async def reach(self, actor: Actor) -> list[Team]:
        """The teams whose pledges the leader may see (none without the right)."""
        if not can(actor, Action.VIEW_PLEDGES):
            return []
        return teams_for(actor, Action.VIEW_PLEDGES, await self.org.teams())

    async def view_teams(
        self, actor: Actor, now: datetime, export: bool = False
    ) -> Overview | TeamDetail | Export | Refused:
        """/pledges: one team's detail, or the overview of several; or, asked to export, the
        compilation of them all."""
        if not can(actor, Action.VIEW_PLEDGES):
            return Refused(Refusal.NO_PERMISSION)
        teams, year = await self.reach(actor), self.year(now)
        if not teams:
            return Refused(Refusal.NO_TEAMS)
        if export:
            rows = await self.compilation([t.id for t in teams], year)
            return Export(teams, year, rows, now) if rows else Refused(Refusal.NOTHING)
        if len(teams) == 1:
            return TeamDetail(teams[0], year, await self.team_status(teams[0].id, year))
        return await self.overview(teams, year)

    async def overview(
        self, teams: list[Team], year: int, number: int = 0, query: str = ""
    ) -> Overview:
        """Page `number` of `teams` (of those matching `query`), each with its count."""
        if query:
            teams = paging_match(teams, query)
        page = paginate(teams, number)
        counts = []
        for t in page.items:
            status = await self.team_status(t.id, year)
            counts.append(
                TeamCount(t, len(status.written), len(status.written) + len(status.missing))
            )
        return Overview(year, Page(tuple(counts), page.number, page.pages, page.total), query)

    async def teams_page(
        self, actor: Actor, chat: int, user: int, op: TeamsOp, number: int, now: datetime
    ) -> Overview | Searching | Refused:
        """A press of the overview's ◀ ▶ 🔍: another page (of all, or of the search's result),
        or the search begins."""
        teams = await self.reach(actor)
        if not teams:
            return Refused(Refusal.NO_PERMISSION)
        if op is TeamsOp.SEARCH:
            await self.conversations.put(chat, user, PledgesFind(FindStep.QUERY))
            return Searching()
        found = ""
        if op is TeamsOp.FOUND:
            st = await self.conversations.state(chat, user, PledgesFind)
            if st is None or not st.q:
                return Refused(Refusal.STALE)
            found = st.q
        return await self.overview(teams, self.year(now), number, found)

    async def find_teams(
        self, actor: Actor, chat: int, user: int, text: str, now: datetime
    ) -> Overview | Refused:
        """The part of a team's name typed after 🔍 (again at any time while the result
        shows): the first page of what it finds."""
        found = clean_query(text)
        if not found:
            return Refused(Refusal.EMPTY_QUERY)
        teams = await self.reach(actor)
        if not teams:
            await self.conversations.clear(chat, user)
            return Refused(Refusal.NO_PERMISSION)
        await self.conversations.put(chat, user, PledgesFind(FindStep.FOUND, found))
        return await self.overview(teams, self.year(now), 0, found)

    async def _team(self, actor: Actor, team_id: int) -> Team | Refused:
        team = await self.org.team(team_id)
        if team is None:
            return Refused(Refusal.STALE)
        if not can(actor, Action.VIEW_PLEDGES, Place(team.unit_id, team.id)):
            return Refused(Refusal.NO_PERMISSION)
        return team

    async def team(self, actor: Actor, team_id: int, now: datetime) -> TeamDetail | Refused:
        """A team of the overview: who has written, who not."""
        team = await self._team(actor, team_id)
        if isinstance(team, Refused):
            return team
        year = self.year(now)
        return TeamDetail(team, year, await self.team_status(team.id, year))

    async def remind_team(self, actor: Actor, team_id: int, now: datetime) -> Reminded | Refused:
        """A team's 提醒: one polite reminder to each member without a pledge (at most one per
        interval); the caller sends them."""
        team = await self._team(actor, team_id)
        if isinstance(team, Refused):
            return team
        year = self.year(now)
        plan = await self.remind(team.id, year, actor.tg_user_id, now)
        return Reminded(plan, year, now, self.interval)


def paging_match(teams: list[Team], query: str) -> list[Team]:
    return matching(teams, query, lambda t: f"{t.unit_name}·{t.name}")


# the service, and the outcomes handlers and tests read from it
__all__ = [
    "AskPlan",
    "AskPledge",
    "Cancelled",
    "DraftAction",
    "DraftOutcome",
    "Export",
    "History",
    "Mine",
    "MineAction",
    "NotRegistered",
    "Overview",
    "PledgeService",
    "Preview",
    "Refusal",
    "Refused",
    "Reminded",
    "Saved",
    "Searching",
    "TeamDetail",
    "TeamsOp",
    "TextRefused",
    "Unchanged",
    "UseButtons",
]
