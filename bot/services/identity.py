"""Who is this Telegram user to Banzu: roster member, roles, place — as an `Actor`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.auth import Actor, Role
from bot.repos.people import PeopleRepo, Person
from bot.settings import Settings


@dataclass(frozen=True)
class Identity:
    actor: Actor
    person: Person | None
    # On the roster, linked to this account, but deactivated (left, pruned by an import):
    # told so, not "you never registered".
    deactivated: bool = False
    former: Person | None = None  # the deactivated roster entry: to say whom to ask

    async def leaders_to_ask(self, people: PeopleRepo) -> list[str]:
        """Names of the active team leaders of a deactivated person's last team (not them)."""
        if self.former is None:
            return []
        return [
            p.name for p in await people.team_members(self.former.team_id)
            if p.active and Role.TEAM_LEADER in p.roles and p.member_id != self.former.member_id
        ]  # fmt: skip

    @property
    def registered(self) -> bool:
        return self.actor.registered


async def identify(people: PeopleRepo, settings: Settings, user_id: int) -> Identity:
    person = await people.by_tg(user_id)
    deactivated = person is not None and not person.active
    former = person if deactivated else None
    if deactivated:
        person = None
    roles = set(person.roles) if person else set()
    if user_id in settings.admins:
        roles.add(Role.ADMIN)
    actor = Actor(
        tg_user_id=user_id,
        roles=frozenset(roles),
        member_id=person.member_id if person else None,
        team_id=person.team_id if person else None,
        unit_id=person.unit_id if person else None,
    )
    return Identity(actor, person, deactivated, former)
