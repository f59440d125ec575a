"""Command menus per person: which scopes each registered person should have, and what differs
from what was set (so an import or a role change is followed at once, not at the next /start).

A person gets a chat-scope menu in their private chat when they may do more than a worker, and
a chat-member scope menu (BotCommandScopeChatMember) in each bound team group where their group
commands differ from a worker's (a team leader's /study, /roll … in their own team's group).
The menus themselves (which commands an actor may use where) come from the caller, who knows
the registered commands; this module only plans, and remembers what was set."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database
from bot.domain.auth import Actor, Place, Role
from bot.repos.groups import GroupsRepo
from bot.repos.menus import MenusRepo
from bot.repos.org import OrgRepo, Team
from bot.repos.people import PeopleRepo, Person

# (actor, the place of the group's team or None for the private chat) -> command names, or None
# when the default menu (a worker's) is right there
MenuFor = Callable[[Actor, Place | None], list[str] | None]


@dataclass(frozen=True)
class Want:
    scope: str
    user_id: int
    chat_id: int  # the private chat (= user_id) or the group
    member: bool  # chat-member scope in a group, else chat scope of the private chat
    commands: tuple[str, ...]

    @property
    def digest(self) -> str:
        return hashlib.sha256(",".join(self.commands).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Drop:
    scope: str
    user_id: int
    chat_id: int
    member: bool


@dataclass(frozen=True)
class MenuPlan:
    push: tuple[Want, ...]
    drop: tuple[Drop, ...]


def actor_of(person: Person, admins: frozenset[int]) -> Actor:
    roles = set(person.roles) if person.active else set()
    if person.tg_user_id in admins:
        roles.add(Role.ADMIN)
    return Actor(
        tg_user_id=person.tg_user_id or 0,
        roles=frozenset(roles or {Role.WORKER}),
        member_id=person.member_id if person.active else None,
        team_id=person.team_id if person.active else None,
        unit_id=person.unit_id if person.active else None,
    )


def wants(
    people: Iterable[Person],
    admins: frozenset[int],
    groups: dict[int, int],
    teams: dict[int, Team],
    menu_for: MenuFor,
) -> dict[str, Want]:
    """Every scope that should hold a menu other than the default, by scope key."""
    out: dict[str, Want] = {}
    for person in people:
        if person.tg_user_id is None:
            continue
        uid, actor = person.tg_user_id, actor_of(person, admins)
        private = menu_for(actor, None)
        if private is not None:
            out[f"chat:{uid}"] = Want(f"chat:{uid}", uid, uid, False, tuple(private))
        if not person.active or actor.roles == {Role.WORKER}:
            continue
        for team_id, chat_id in groups.items():
            team = teams.get(team_id)
            if team is None:
                continue
            if Role.ADMIN not in actor.roles and team.unit_id != actor.unit_id:
                continue  # a leader's reach never leaves their unit: no need to ask
            names = menu_for(actor, Place(team.unit_id, team.id))
            if names is not None:
                key = f"member:{chat_id}:{uid}"
                out[key] = Want(key, uid, chat_id, True, tuple(names))
    return out


class MenuService:
    def __init__(
        self,
        db: Database,
        people: PeopleRepo,
        org: OrgRepo,
        groups: GroupsRepo,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo = MenusRepo(db)
        self.people, self.org, self.groups, self.clock = people, org, groups, clock

    async def plan(
        self,
        admins: frozenset[int],
        menu_for: MenuFor,
        user_id: int | None = None,
    ) -> MenuPlan:
        """What to set and what to delete so that the menus match the roster now (for one
        person, or everyone registered)."""
        people = await self.people.registered(user_id)
        teams = {t.id: t for t in await self.org.teams()}
        groups = await self.groups.team_groups()
        wanted = wants(people, admins, groups, teams, menu_for)
        published = await self.repo.published(user_id)
        push = tuple(
            w for key, w in sorted(wanted.items())
            if key not in published or published[key].digest != w.digest
        )  # fmt: skip
        drop = tuple(
            Drop(p.scope, p.user_id, p.chat_id, p.scope.startswith("member:"))
            for key, p in sorted(published.items()) if key not in wanted
        )  # fmt: skip
        return MenuPlan(push, drop)

    async def pushed(self, want: Want) -> None:
        await self.repo.record(want.scope, want.user_id, want.chat_id, want.digest, self.clock())

    async def dropped(self, drop: Drop) -> None:
        await self.repo.forget(drop.scope)
