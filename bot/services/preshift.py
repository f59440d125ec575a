"""Pre-shift learning (班前学习) after the post went out: 已学, who has not, private reminders.

A post is identified by (occurrence, team): the 已学 button carries both, so it works in the
team group and in a private reminder alike, and needs no lookup of the message it sits on.
Pressing records the member once (a second press is harmless); only members of that team's
roster count. Seeing who has not pressed and reminding them is the team leader's (and, over
their reach, the unit leader's and admins'): `Action.TAKE_ATTENDANCE`, because 已学 is the
pre-shift form of attendance - the same people take the roll and follow up the absent.
A reminder goes privately, through the outbox, at most once per person per post.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.delivery.outbox import Outbox
from bot.domain.auth import Action, Actor, Place, can
from bot.domain.prompts import Prompt
from bot.outcomes.preshift import Ack as Ack
from bot.outcomes.preshift import Card as Card
from bot.outcomes.preshift import Nudged as Nudged
from bot.outcomes.preshift import Refused as Refused
from bot.outcomes.preshift import Status as Status
from bot.repos.org import OrgRepo, Team
from bot.repos.outbox import OutMessage
from bot.repos.people import PeopleRepo, Person
from bot.repos.schedules import SchedulesRepo
from bot.texts import Texts
from bot.views.preshift import markup, render

SEE = Action.TAKE_ATTENDANCE


async def ack(repo: SchedulesRepo, person: Person | None, occurrence_id: int, team_id: int) -> Ack:
    if await repo.post_prompt(occurrence_id, team_id) is None:
        return Ack.GONE
    if person is None:
        return Ack.NOT_REGISTERED
    if not person.active or person.team_id != team_id:
        return Ack.NOT_MEMBER
    recorded = await repo.ack(occurrence_id, person.member_id, team_id)
    return Ack.RECORDED if recorded else Ack.ALREADY


async def status(
    repo: SchedulesRepo, org: OrgRepo, occurrence_id: int, team_id: int
) -> Status | None:
    prompt_id = await repo.post_prompt(occurrence_id, team_id)
    team = await org.team(team_id)
    if prompt_id is None or team is None:
        return None
    missing = await repo.not_acked(occurrence_id, team_id)
    done = len(await repo.acked(occurrence_id, team_id))
    return Status(team, occurrence_id, prompt_id, done, missing)


def may_see(actor: Actor, team: Team) -> bool:
    return can(actor, SEE, Place(team.unit_id, team.id))


@dataclass
class NudgePlan:
    messages: list[OutMessage] = field(default_factory=list)
    earlier: int = 0  # reminded before for this post: not again
    unreachable: int = 0  # never wrote to the bot privately


async def nudge(
    repo: SchedulesRepo,
    texts: Texts,
    st: Status,
    prompt: Prompt | None,
    reachable: Sequence[int],
    by: int,
) -> NudgePlan:
    """Private reminders to those who have not pressed 已学 and can be reached privately
    (`reachable`: Telegram ids with a private chat); each person once per post."""
    plan = NudgePlan()
    post = render(texts, prompt) if prompt else ""
    text = texts.get("schedules.msg.nudge", team=st.team.name) + ("\n\n" + post if post else "")
    for m in st.missing:
        if m.tg_user_id == by:
            continue  # the leader who pressed knows already
        if m.tg_user_id is None or m.tg_user_id not in reachable:
            plan.unreachable += 1
            continue
        if not await repo.record_nudge(st.occurrence_id, m.member_id, by):
            # Reminded before: the message is queued again only to close the window of a
            # crash between the record and the enqueue; its dedupe key makes it a no-op.
            plan.earlier += 1
        plan.messages.append(
            OutMessage(
                m.tg_user_id,
                text,
                purpose="reminder",
                dedupe_key=f"pre:nudge:{st.occurrence_id}:{m.member_id}",
                batch=f"pre:nudge:{st.occurrence_id}",
                reply_markup=markup(texts, st.occurrence_id, st.team.id, group=False),
                priority=1,
            )
        )
    return plan


class PreshiftService:
    """已学, who has not, and one-press private reminders, for handlers and jobs."""

    def __init__(
        self,
        repo: SchedulesRepo,
        org: OrgRepo,
        people: PeopleRepo,
        outbox: Outbox,
        texts: Texts,
        prompt: Callable[[str], Prompt | None],
    ) -> None:
        self.repo, self.org, self.people, self.outbox = repo, org, people, outbox
        self.texts, self.prompt = texts, prompt

    async def ack(self, user_id: int, occurrence_id: int, team_id: int) -> Ack:
        return await ack(self.repo, await self.people.by_tg(user_id), occurrence_id, team_id)

    async def status(self, actor: Actor, occurrence_id: int, team_id: int) -> Status | Refused:
        """The post's status if the actor may follow that team up."""
        st = await status(self.repo, self.org, occurrence_id, team_id)
        if st is None:
            return Refused("gone")
        return st if may_see(actor, st.team) else Refused("leaders_only")

    async def card(self, st: Status, user_id: int, *, asked_privately: bool) -> Card | Refused:
        """The who-has-not card, for a private chat (the names are not for the group): a
        press in the group needs a private chat with the bot to send it to."""
        if not asked_privately and not await self.people.private_ok(user_id):
            return Refused("need_private")
        occ = await self.repo.occurrence(st.occurrence_id)
        prompt = self.prompt(st.prompt_id)
        return Card(st, occ.occurs_at if occ else None, prompt.title if prompt else st.prompt_id)

    async def nudge(self, st: Status, by: int) -> Nudged | Refused:
        if not st.missing:
            return Refused("none_to_nudge")
        ids = [m.tg_user_id for m in st.missing if m.tg_user_id is not None]
        reachable = [uid for uid in ids if await self.people.private_ok(uid)]
        plan = await nudge(self.repo, self.texts, st, self.prompt(st.prompt_id), reachable, by)
        await self.outbox.enqueue(plan.messages)
        return Nudged(len(plan.messages) - plan.earlier, plan.earlier, plan.unreachable)

    async def overview(self, actor: Actor, now: datetime) -> list[Status] | None:
        """The latest post of every team in the actor's reach (None: they follow up nobody)."""
        if not can(actor, SEE):
            return None
        latest = await self.repo.latest_posts(now)
        teams = [t for t in await self.org.teams() if t.id in latest and may_see(actor, t)]
        found = [await status(self.repo, self.org, latest[t.id][0], t.id) for t in teams]
        return [st for st in found if st is not None]
