"""Pledges (写决心, 订规划): each worker writes one for the year, with an optional plan; the
team leader sees who has and has not, and may send one polite reminder per interval."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.text import visible
from bot.repos.people import PeopleRepo, Person
from bot.repos.pledges import Pledge, PledgesRepo

MAX_CHARS = 1000
REMIND_INTERVAL = timedelta(days=7)


@dataclass(frozen=True)
class TeamStatus:
    written: list[Person]
    missing: list[Person]


@dataclass
class RemindPlan:
    """Who gets a reminder now, and why the others do not."""

    send: list[Person] = field(default_factory=list)
    recent: list[Person] = field(default_factory=list)  # reminded within the interval
    unreachable: list[Person] = field(default_factory=list)  # never wrote to the bot


def check_text(text: str | None) -> str | None:
    """None if fine, else 'empty' or 'too_long'."""
    body = visible(text)
    if not body:
        return "empty"
    if len(body) > MAX_CHARS:
        return "too_long"
    return None


class PledgeService:
    def __init__(self, repo: PledgesRepo, interval: timedelta = REMIND_INTERVAL) -> None:
        self.repo = repo
        self.interval = interval

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

    async def team_status(self, people: PeopleRepo, team_id: int, year: int) -> TeamStatus:
        members = await people.team_members(team_id)
        done = await self.repo.members_with_pledge([m.member_id for m in members], year)
        return TeamStatus(
            written=[m for m in members if m.member_id in done],
            missing=[m for m in members if m.member_id not in done],
        )

    async def remind(
        self, people: PeopleRepo, team_id: int, year: int, by_user: int, now: datetime
    ) -> RemindPlan:
        """Claim a reminder for each member still without a pledge (at most one per interval);
        the caller sends to `plan.send`."""
        plan = RemindPlan()
        for person in (await self.team_status(people, team_id, year)).missing:
            if person.tg_user_id == by_user:
                continue  # the leader who pressed knows already
            if person.tg_user_id is None or not await people.private_ok(person.tg_user_id):
                plan.unreachable.append(person)
            elif await self.repo.claim_reminder(
                person.member_id, year, by_user, now, self.interval
            ):
                plan.send.append(person)
            else:
                plan.recent.append(person)
        return plan
