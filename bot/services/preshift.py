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

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.auth import Action, Actor, Place, can
from bot.repos.org import OrgRepo, Team
from bot.repos.outbox import OutMessage
from bot.repos.people import Person
from bot.repos.schedules import MemberRef, SchedulesRepo
from bot.services.prompts import Prompt
from bot.texts import Texts
from bot.views.preshift import markup, render

SEE = Action.TAKE_ATTENDANCE


class Ack(StrEnum):
    RECORDED = "acked"
    ALREADY = "already"
    NOT_MEMBER = "not_member"
    NOT_REGISTERED = "not_registered"
    GONE = "gone"


async def ack(repo: SchedulesRepo, person: Person | None, occurrence_id: int, team_id: int) -> Ack:
    if await repo.post_prompt(occurrence_id, team_id) is None:
        return Ack.GONE
    if person is None:
        return Ack.NOT_REGISTERED
    if not person.active or person.team_id != team_id:
        return Ack.NOT_MEMBER
    recorded = await repo.ack(occurrence_id, person.member_id, team_id)
    return Ack.RECORDED if recorded else Ack.ALREADY


@dataclass(frozen=True)
class Status:
    team: Team
    occurrence_id: int
    prompt_id: str
    done: int
    missing: list[MemberRef]

    @property
    def total(self) -> int:
        return self.done + len(self.missing)


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
