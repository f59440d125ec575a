"""Who may do what: every permission decision of the bot goes through `can` / `reach`.

A person's power follows from their roles and their place in the organisation: a team leader
acts on their own team, a unit leader on their unit's teams, an admin on everything. Each
action lists, per role, how far that role reaches; the widest reach among a person's roles wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol, TypeVar


class Role(StrEnum):
    WORKER = "worker"
    TEAM_LEADER = "team_leader"
    UNIT_LEADER = "unit_leader"
    ADMIN = "admin"


class Reach(IntEnum):
    NONE = 0
    SELF = 1
    TEAM = 2
    UNIT = 3
    ALL = 4


class Action(StrEnum):
    USE_BOT = "use_bot"  # registered: help, own records
    BIND_GROUP = "bind_group"
    IMPORT_ORG = "import_org"
    VIEW_INVITES = "view_invites"
    SEND_NOTICE = "send_notice"
    VIEW_REPORT = "view_report"
    TAKE_ATTENDANCE = "take_attendance"
    APPROVE_LEAVE = "approve_leave"  # leave asked ahead, for the days it covers
    REVIEW_SUGGESTION = "review_suggestion"
    REWARD_SUGGESTION = "reward_suggestion"
    VIEW_PLEDGES = "view_pledges"  # who has / has not written one, and the reminder
    MANAGE_SCHEDULE = "manage_schedule"
    RECEIVE_ALERTS = "receive_alerts"
    MANAGE_CONTEST = "manage_contest"  # create and close labour competitions
    ENTER_FIGURES = "enter_figures"  # a participant's figures; challenges for it
    CORRECT_CLOSED_FIGURES = "correct_closed_figures"  # after close, with a reason
    MANAGE_AWARDS = "manage_awards"  # campaigns, review, close; 民主评议 rounds and results
    VIEW_TRENDS = "view_trends"  # the monthly 思想动态分析: the site, or one's own unit
    # 整改销号: raise items, postpone, reopen; verify (never one's own: bot.domain.rectification);
    # see the register and its monthly 台账. The owner of an item always sees and answers it.
    RAISE_RECTIFICATION = "raise_rectification"
    VERIFY_RECTIFICATION = "verify_rectification"
    VIEW_RECTIFICATION = "view_rectification"
    # The monthly 台账 is a unit's figures: a team leader sees the team's items, not the ledger.
    VIEW_RECTIFICATION_LEDGER = "view_rectification_ledger"
    RECORD_TALK = "record_talk"  # 谈心谈话 with people in reach; seen by the recorder and admins
    VIEW_TALKS = "view_talks"  # everyone's talks and the monthly counts per unit


_W, _TL, _UL, _AD = Role.WORKER, Role.TEAM_LEADER, Role.UNIT_LEADER, Role.ADMIN

# action -> role -> reach. A role missing from a row has no reach for that action.
POLICY: dict[Action, dict[Role, Reach]] = {
    Action.USE_BOT: {_W: Reach.SELF, _TL: Reach.SELF, _UL: Reach.SELF, _AD: Reach.SELF},
    Action.BIND_GROUP: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.IMPORT_ORG: {_AD: Reach.ALL},
    Action.VIEW_INVITES: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.SEND_NOTICE: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.VIEW_REPORT: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.TAKE_ATTENDANCE: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.APPROVE_LEAVE: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.REVIEW_SUGGESTION: {_UL: Reach.UNIT, _AD: Reach.ALL},
    Action.REWARD_SUGGESTION: {_AD: Reach.ALL},
    Action.VIEW_PLEDGES: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.MANAGE_SCHEDULE: {_AD: Reach.ALL},
    Action.MANAGE_CONTEST: {_UL: Reach.UNIT, _AD: Reach.ALL},
    Action.ENTER_FIGURES: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.CORRECT_CLOSED_FIGURES: {_AD: Reach.ALL},
    Action.RECEIVE_ALERTS: {_AD: Reach.ALL},
    Action.MANAGE_AWARDS: {_AD: Reach.ALL},
    Action.VIEW_TRENDS: {_UL: Reach.UNIT, _AD: Reach.ALL},
    Action.RAISE_RECTIFICATION: {_UL: Reach.UNIT, _AD: Reach.ALL},
    Action.VERIFY_RECTIFICATION: {_UL: Reach.UNIT, _AD: Reach.ALL},
    Action.VIEW_RECTIFICATION: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.VIEW_RECTIFICATION_LEDGER: {_UL: Reach.UNIT, _AD: Reach.ALL},
    Action.RECORD_TALK: {_TL: Reach.TEAM, _UL: Reach.UNIT, _AD: Reach.ALL},
    Action.VIEW_TALKS: {_AD: Reach.ALL},
}


@dataclass(frozen=True)
class Place:
    """Where a target sits in the organisation (a team, or a whole unit when team_id is None)."""

    unit_id: int | None
    team_id: int | None = None
    member_id: int | None = None


@dataclass(frozen=True)
class Actor:
    tg_user_id: int
    roles: frozenset[Role]
    member_id: int | None = None
    team_id: int | None = None
    unit_id: int | None = None

    @property
    def registered(self) -> bool:
        return self.member_id is not None or Role.ADMIN in self.roles


def reach(actor: Actor, action: Action) -> Reach:
    table = POLICY[action]
    return max((table.get(role, Reach.NONE) for role in actor.roles), default=Reach.NONE)


def can(actor: Actor, action: Action, target: Place | None = None) -> bool:
    """May `actor` do `action` on `target` (None = no particular place, e.g. 'use at all')?"""
    r = reach(actor, action)
    if r is Reach.NONE:
        return False
    if target is None or r is Reach.ALL:
        return True
    if r is Reach.UNIT:
        return actor.unit_id is not None and target.unit_id == actor.unit_id
    if r is Reach.TEAM:
        return actor.team_id is not None and target.team_id == actor.team_id
    return target.member_id is not None and target.member_id == actor.member_id


class _TeamLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def unit_id(self) -> int: ...


_T = TypeVar("_T", bound=_TeamLike)


def teams_for(actor: Actor, action: Action, teams: Iterable[_T]) -> list[_T]:
    """The teams among `teams` on which `actor` may do `action`, in their order."""
    return [t for t in teams if can(actor, action, Place(t.unit_id, t.id))]
