"""What the 谈心谈话 use cases return: a talk recorded or settled, /talks' listing, the
period that was no period, and why a request was refused. They live apart from the service
so that the talks view can read them without importing the use case, which itself renders its
reminders through that view."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.periods import Period
from bot.domain.talks import TalkProblem
from bot.repos.talks import TalkRow


class Refusal(StrEnum):
    NO_PERMISSION = "no_permission"
    NOT_FOUND = "not_found"  # no such person in the recorder's reach
    SELF = "self"
    NO_TALK = "no_talk"


@dataclass(frozen=True)
class Refused:
    problem: Refusal | TalkProblem


@dataclass(frozen=True)
class Recorded:
    talk: TalkRow


@dataclass(frozen=True)
class BadPeriod:
    """/talks with words that are no period, or one that has not begun."""

    code: str  # "bad" or "future"
    value: str


@dataclass(frozen=True)
class Listing:
    """/talks: the monthly count per unit (admins) and one's own talks (recorders)."""

    period: Period
    counts: list[tuple[str, int, int]] | None  # None: not an admin
    mine: list[TalkRow] | None  # None: not a recorder


@dataclass(frozen=True)
class Settled:
    """A planned talk marked held or cancelled, with the recorder's talks as they now are."""

    talk: TalkRow
    held: bool
    mine: list[TalkRow] | None
