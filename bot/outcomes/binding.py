"""What binding a group chat to a team returns: one outcome (whose value is also the text key
of the reply) with the teams it concerns. It lives apart from the use case so that the /bind
view, which turns it into a reply and a team picker, never imports the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.repos.org import Team


class BindOutcome(StrEnum):
    # values double as text keys under groups.*
    READY = "ready"
    PICK = "bind_pick"
    TOO_MANY = "bind_too_many"
    DONE = "bind_done"
    ALREADY = "bind_already"
    OTHER_TEAM = "bind_other_team"
    NOT_REGISTERED = "bind_not_registered"
    REFUSED = "bind_refused"
    NO_TEAM = "bind_no_team"
    NO_MATCH = "bind_no_match"


@dataclass(frozen=True)
class BindResult:
    outcome: BindOutcome
    teams: list[Team] = field(default_factory=list)
    wanted: str | None = None
    moved_from_team: str | None = None
