"""Binding a group chat to a team: who may, which team, and what happens to an earlier group."""

from __future__ import annotations

from bot.domain.auth import Action, Place, Reach, can, reach, teams_for
from bot.outcomes.binding import BindOutcome as BindOutcome  # re-exported: handlers, directory
from bot.outcomes.binding import BindResult as BindResult  # re-exported: handlers, directory
from bot.repos.groups import GroupsRepo
from bot.repos.org import OrgRepo, Team
from bot.services.identity import Identity

MAX_BUTTONS = 24


def _place(team: Team) -> Place:
    return Place(unit_id=team.unit_id, team_id=team.id)


def _matches(team: Team, wanted: str) -> bool:
    return wanted in (team.name, f"{team.unit_name}{team.name}", f"{team.unit_name}·{team.name}")


async def candidates(
    org: OrgRepo, groups: GroupsRepo, ident: Identity, chat_id: int, wanted: str | None
) -> BindResult:
    """Which teams this person could bind this group to, before they choose."""
    if not ident.registered:
        return BindResult(BindOutcome.NOT_REGISTERED)
    if reach(ident.actor, Action.BIND_GROUP) is Reach.NONE:
        return BindResult(BindOutcome.REFUSED)
    allowed = teams_for(ident.actor, Action.BIND_GROUP, await org.teams())
    current = await groups.binding(chat_id)
    if current and current.active and wanted is None:
        bound = await org.team(current.team_id)
        if bound is not None and bound in allowed:
            return BindResult(BindOutcome.ALREADY, [bound])
    if wanted:
        allowed = [t for t in allowed if _matches(t, wanted)]
        if not allowed:
            return BindResult(BindOutcome.NO_MATCH, wanted=wanted)
    if not allowed:
        return BindResult(BindOutcome.NO_TEAM)
    if len(allowed) == 1:
        return BindResult(BindOutcome.READY, allowed)
    if len(allowed) > MAX_BUTTONS:
        return BindResult(BindOutcome.TOO_MANY, allowed[:1])
    return BindResult(BindOutcome.PICK, allowed)


async def bind(
    org: OrgRepo, groups: GroupsRepo, ident: Identity, chat_id: int, team_id: int
) -> BindResult:
    """Bind after re-checking everything: a button may be pressed long after it was shown."""
    team = await org.team(team_id)
    if not ident.registered:
        return BindResult(BindOutcome.NOT_REGISTERED)
    if team is None or not can(ident.actor, Action.BIND_GROUP, _place(team)):
        return BindResult(BindOutcome.REFUSED)
    current = await groups.binding(chat_id)
    if current and current.active:
        if current.team_id == team_id:
            return BindResult(BindOutcome.ALREADY, [team])
        if reach(ident.actor, Action.BIND_GROUP) is not Reach.ALL:
            other = await org.team(current.team_id)
            return BindResult(BindOutcome.OTHER_TEAM, [other] if other else [])
    previous = await groups.bind(chat_id, team_id, ident.actor.tg_user_id)
    return BindResult(
        BindOutcome.DONE, [team], moved_from_team=team.name if previous is not None else None
    )


async def ask(
    org: OrgRepo, groups: GroupsRepo, ident: Identity, chat_id: int, wanted: str | None
) -> BindResult:
    """/bind [team]: bound at once when exactly one team fits, else the choice (or refusal)."""
    result = await candidates(org, groups, ident, chat_id, wanted)
    if result.outcome is BindOutcome.READY:
        return await bind(org, groups, ident, chat_id, result.teams[0].id)
    return result
