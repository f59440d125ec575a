"""The authorisation table: role × action × own / other team / other unit."""

from __future__ import annotations

import pytest

from bot.domain.auth import Action, Actor, Place, Reach, Role, can, reach

OWN = Place(unit_id=1, team_id=10)
SAME_UNIT = Place(unit_id=1, team_id=11)
OTHER_UNIT = Place(unit_id=2, team_id=20)


def actor(*roles: Role) -> Actor:
    return Actor(tg_user_id=5, roles=frozenset(roles), member_id=50, team_id=10, unit_id=1)


# (role, action, own team, same unit other team, other unit)
TABLE = [
    (Role.WORKER, Action.USE_BOT, True, True, True),
    (Role.WORKER, Action.BIND_GROUP, False, False, False),
    (Role.WORKER, Action.IMPORT_ORG, False, False, False),
    (Role.WORKER, Action.SEND_NOTICE, False, False, False),
    (Role.WORKER, Action.VIEW_REPORT, False, False, False),
    (Role.WORKER, Action.VIEW_INVITES, False, False, False),
    (Role.TEAM_LEADER, Action.BIND_GROUP, True, False, False),
    (Role.TEAM_LEADER, Action.VIEW_INVITES, True, False, False),
    (Role.TEAM_LEADER, Action.SEND_NOTICE, True, False, False),
    (Role.TEAM_LEADER, Action.VIEW_REPORT, True, False, False),
    (Role.TEAM_LEADER, Action.TAKE_ATTENDANCE, True, False, False),
    (Role.TEAM_LEADER, Action.REVIEW_SUGGESTION, False, False, False),
    (Role.TEAM_LEADER, Action.IMPORT_ORG, False, False, False),
    (Role.TEAM_LEADER, Action.MANAGE_SCHEDULE, False, False, False),
    (Role.UNIT_LEADER, Action.BIND_GROUP, True, True, False),
    (Role.UNIT_LEADER, Action.VIEW_REPORT, True, True, False),
    (Role.UNIT_LEADER, Action.TAKE_ATTENDANCE, True, True, False),
    (Role.WORKER, Action.TAKE_ATTENDANCE, False, False, False),
    (Role.ADMIN, Action.TAKE_ATTENDANCE, True, True, True),
    (Role.ADMIN, Action.VIEW_REPORT, True, True, True),
    (Role.UNIT_LEADER, Action.REVIEW_SUGGESTION, True, True, False),
    (Role.UNIT_LEADER, Action.SEND_NOTICE, True, True, False),
    (Role.UNIT_LEADER, Action.IMPORT_ORG, False, False, False),
    (Role.ADMIN, Action.BIND_GROUP, True, True, True),
    (Role.ADMIN, Action.IMPORT_ORG, True, True, True),
    (Role.ADMIN, Action.MANAGE_SCHEDULE, True, True, True),
    (Role.ADMIN, Action.REVIEW_SUGGESTION, True, True, True),
    (Role.ADMIN, Action.RECEIVE_ALERTS, True, True, True),
    (Role.WORKER, Action.VIEW_PLEDGES, False, False, False),
    (Role.TEAM_LEADER, Action.VIEW_PLEDGES, True, False, False),
    (Role.UNIT_LEADER, Action.VIEW_PLEDGES, True, True, False),
    (Role.ADMIN, Action.VIEW_PLEDGES, True, True, True),
    (Role.WORKER, Action.REWARD_SUGGESTION, False, False, False),
    (Role.UNIT_LEADER, Action.REWARD_SUGGESTION, False, False, False),
    (Role.ADMIN, Action.REWARD_SUGGESTION, True, True, True),
    (Role.WORKER, Action.MANAGE_CONTEST, False, False, False),
    (Role.TEAM_LEADER, Action.MANAGE_CONTEST, False, False, False),
    (Role.UNIT_LEADER, Action.MANAGE_CONTEST, True, True, False),
    (Role.ADMIN, Action.MANAGE_CONTEST, True, True, True),
    (Role.WORKER, Action.ENTER_FIGURES, False, False, False),
    (Role.TEAM_LEADER, Action.ENTER_FIGURES, True, False, False),
    (Role.UNIT_LEADER, Action.ENTER_FIGURES, True, True, False),
    (Role.ADMIN, Action.ENTER_FIGURES, True, True, True),
    (Role.UNIT_LEADER, Action.CORRECT_CLOSED_FIGURES, False, False, False),
    (Role.ADMIN, Action.CORRECT_CLOSED_FIGURES, True, True, True),
    (Role.WORKER, Action.RAISE_RECTIFICATION, False, False, False),
    (Role.TEAM_LEADER, Action.RAISE_RECTIFICATION, False, False, False),
    (Role.UNIT_LEADER, Action.RAISE_RECTIFICATION, True, True, False),
    (Role.ADMIN, Action.RAISE_RECTIFICATION, True, True, True),
    (Role.WORKER, Action.VERIFY_RECTIFICATION, False, False, False),
    (Role.TEAM_LEADER, Action.VERIFY_RECTIFICATION, False, False, False),
    (Role.UNIT_LEADER, Action.VERIFY_RECTIFICATION, True, True, False),
    (Role.ADMIN, Action.VERIFY_RECTIFICATION, True, True, True),
    (Role.WORKER, Action.VIEW_RECTIFICATION, False, False, False),
    (Role.TEAM_LEADER, Action.VIEW_RECTIFICATION, True, False, False),
    (Role.UNIT_LEADER, Action.VIEW_RECTIFICATION, True, True, False),
    (Role.ADMIN, Action.VIEW_RECTIFICATION, True, True, True),
    (Role.WORKER, Action.VIEW_RECTIFICATION_LEDGER, False, False, False),
    (Role.TEAM_LEADER, Action.VIEW_RECTIFICATION_LEDGER, False, False, False),
    (Role.UNIT_LEADER, Action.VIEW_RECTIFICATION_LEDGER, True, True, False),
    (Role.ADMIN, Action.VIEW_RECTIFICATION_LEDGER, True, True, True),
]


@pytest.mark.parametrize(("role", "action", "own", "unit", "other"), TABLE)
def test_role_action_place(role: Role, action: Action, own: bool, unit: bool, other: bool) -> None:
    a = actor(role)
    if action is Action.USE_BOT:  # SELF reach: only the person's own records
        assert can(a, action, Place(1, 10, member_id=50))
        assert not can(a, action, Place(1, 10, member_id=51))
        return
    assert (can(a, action, OWN), can(a, action, SAME_UNIT), can(a, action, OTHER_UNIT)) == (
        own,
        unit,
        other,
    )


def test_every_action_has_a_policy_row() -> None:
    for action in Action:
        reach(actor(Role.ADMIN), action)


def test_widest_role_wins() -> None:
    a = actor(Role.WORKER, Role.TEAM_LEADER, Role.UNIT_LEADER)
    assert reach(a, Action.BIND_GROUP) is Reach.UNIT
    assert can(a, Action.BIND_GROUP, SAME_UNIT)


def test_no_roles_no_power() -> None:
    a = Actor(tg_user_id=9, roles=frozenset())
    assert not a.registered
    assert all(not can(a, action) for action in Action)


def test_leader_without_place_reaches_nothing_specific() -> None:
    a = Actor(tg_user_id=9, roles=frozenset({Role.TEAM_LEADER}))
    assert can(a, Action.BIND_GROUP)  # may use the command at all...
    assert not can(a, Action.BIND_GROUP, OWN)  # ...but owns no team
