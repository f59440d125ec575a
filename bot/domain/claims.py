"""Who may confirm a registration claim, and for how long it waits (registration_check =
"leader")."""

from __future__ import annotations

from bot.domain.auth import Actor, Role
from bot.domain.people import Person

CLAIM_HOURS = 48  # a claim nobody decided lapses: the applicant is told and may ask again


def may_decide(actor: Actor, person: Person) -> bool:
    """The claimed person's own team leaders, their unit's leaders, or an admin."""
    if actor.member_id is not None and actor.member_id == person.member_id:
        return False
    if Role.ADMIN in actor.roles:
        return True
    if Role.UNIT_LEADER in actor.roles and actor.unit_id == person.unit_id:
        return True
    return Role.TEAM_LEADER in actor.roles and actor.team_id == person.team_id
