"""Who is who, which team is where, and joining: the one place handlers ask about people,
teams and group chats. Identity, registration and group binding are use cases over the
people, org and groups repositories, which stay behind this service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.org import Team, Unit
from bot.repos.groups import GroupsRepo
from bot.repos.org import OrgRepo
from bot.repos.people import PeopleRepo, Person
from bot.services import binding, registration
from bot.services.binding import BindResult
from bot.services.identity import Identity, identify
from bot.services.registration import Result
from bot.settings import Settings


class Directory:
    def __init__(
        self,
        people: PeopleRepo,
        org: OrgRepo,
        groups: GroupsRepo,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        self.people, self.org, self.groups = people, org, groups
        self.settings, self.clock = settings, clock

    # ---- who is who

    async def identify(self, user_id: int) -> Identity:
        return await identify(self.people, self.settings, user_id)

    async def by_tg(self, user_id: int) -> Person | None:
        return await self.people.by_tg(user_id)

    async def leaders_to_ask(self, ident: Identity) -> list[str]:
        """Whom a deactivated person may ask: their last team's active leaders, by name."""
        return await ident.leaders_to_ask(self.people)

    async def seen(
        self, user_id: int, first_name: str, last_name: str | None, username: str | None,
        language: str | None, private: bool,
    ) -> None:  # fmt: skip
        """A Telegram user wrote (privately, or in a group): their names and whether we may
        write to them privately."""
        await self.people.touch_user(user_id, first_name, last_name, username, language, private)

    # ---- where they can be reached

    async def private_ok(self, user_id: int) -> bool:
        """Whether the person has a private chat with the bot (and has not blocked it)."""
        return await self.people.private_ok(user_id)

    async def set_private_ok(self, user_id: int, ok: bool) -> None:
        await self.people.set_private_ok(user_id, ok)

    async def reachable_admins(self) -> list[int]:
        return await self.people.reachable_admins(self.settings.admins)

    async def reachable_unit_leaders(self, unit_id: int) -> list[int]:
        return await self.people.reachable_unit_leaders(unit_id)

    async def team_chat(self, team_id: int) -> int | None:
        """The team's bound group chat, if it has one."""
        return await self.groups.team_chat(team_id)

    async def bot_status(
        self, chat_id: int, chat_type: str, title: str | None, status: str
    ) -> None:
        """The bot was added to, promoted in or removed from a group."""
        await self.groups.record_bot_status(chat_id, chat_type, title, status)

    # ---- teams and units

    async def units(self) -> list[Unit]:
        return await self.org.units()

    async def teams(self) -> list[Team]:
        """Teams in roster order."""
        return await self.org.teams()

    async def team(self, team_id: int) -> Team | None:
        return await self.org.team(team_id)

    async def unit_name(self, unit_id: int) -> str | None:
        return await self.org.unit_name(unit_id)

    async def team_by_invite(self, code: str) -> Team | None:
        return await self.org.team_by_invite(code)

    # ---- joining: registration and group binding

    async def register_employee_no(self, user_id: int, team_id: int, text: str) -> Result:
        return await registration.submit_employee_no(
            self.people, self.settings, user_id, team_id, text, self.clock()
        )

    async def register_phone_tail(self, user_id: int, employee_no: str, text: str) -> Result:
        return await registration.submit_phone_tail(
            self.people, self.settings, user_id, employee_no, text, self.clock()
        )

    async def ask_bind(self, ident: Identity, chat_id: int, wanted: str | None) -> BindResult:
        """/bind [team]: bound at once when exactly one team fits, else the choice."""
        return await binding.ask(self.org, self.groups, ident, chat_id, wanted)

    async def bind(self, ident: Identity, chat_id: int, team_id: int) -> BindResult:
        return await binding.bind(self.org, self.groups, ident, chat_id, team_id)
