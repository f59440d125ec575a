"""What the pledge use cases (写决心, 订规划) return: each step of the draft being written, the
pledge part of /mine and one's history, a leader's overview, team detail, compilation and
reminders, and why a request was refused, with the limit of a pledge's length. They live apart
from the service so that the pledges view reads them without importing the use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.org import Team
from bot.domain.paging import Page
from bot.domain.pledges import PledgeDraft
from bot.repos.people import Person
from bot.repos.pledges import Pledge

MAX_CHARS = 1000


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


class DraftAction(StrEnum):
    """A press under the pledge being written (its value is the button's)."""

    SKIP = "skip"
    OK = "ok"
    REDO = "redo"
    CANCEL = "cancel"


@dataclass(frozen=True)
class AskPledge:
    """A new draft waits for the pledge."""

    year: int


@dataclass(frozen=True)
class AskPlan:
    """The pledge is taken; the plan is asked for (or skipped with the draft's button)."""

    nonce: int


@dataclass(frozen=True)
class Preview:
    """The whole draft, to confirm, rewrite or cancel."""

    draft: PledgeDraft


@dataclass(frozen=True)
class TextRefused:
    problem: str  # "empty" or "too_long"
    length: int


@dataclass(frozen=True)
class UseButtons:
    """Text while the preview waits for its buttons."""


@dataclass(frozen=True)
class Cancelled:
    pass


@dataclass(frozen=True)
class NotRegistered:
    pass


@dataclass(frozen=True)
class Unchanged:
    """A draft's button of a step the draft has left: nothing to do."""


@dataclass(frozen=True)
class Saved:
    pledge: Pledge


class MineAction(StrEnum):
    """/mine's buttons under one's own pledge (its value is the button's)."""

    EDIT = "edit"
    HISTORY = "hist"


@dataclass(frozen=True)
class History:
    """Every version of one's pledge for the year, newest first."""

    pledges: list[Pledge]


@dataclass(frozen=True)
class Mine:
    """The pledge part of /mine: this year's pledge in force, if any."""

    member_id: int
    year: int
    current: Pledge | None


DraftOutcome = (
    AskPledge | AskPlan | Preview | TextRefused | UseButtons | Cancelled | NotRegistered
    | Unchanged | Saved
)  # fmt: skip


class TeamsOp(StrEnum):
    """What a press of the /pledges overview's ◀ ▶ 🔍 asks for (its value is the button's)."""

    ALL = "all"  # page n of every team in reach
    FOUND = "found"  # page n of what the search kept
    SEARCH = "find"  # ask for part of a name


class Refusal(StrEnum):
    NO_PERMISSION = "no_permission"
    NO_TEAMS = "no_teams"  # none in the leader's reach
    NOTHING = "nothing"  # nothing to export
    STALE = "stale"  # a button of a search or team that is gone
    EMPTY_QUERY = "empty_query"


@dataclass(frozen=True)
class Refused:
    problem: Refusal


@dataclass(frozen=True)
class TeamCount:
    team: Team
    written: int
    total: int


@dataclass(frozen=True)
class Overview:
    """One page of the teams in reach (or of those a search kept), each with its count."""

    year: int
    page: Page[TeamCount]
    query: str = ""


@dataclass(frozen=True)
class TeamDetail:
    team: Team
    year: int
    status: TeamStatus


@dataclass(frozen=True)
class Export:
    """决心书汇编 of the teams in reach."""

    teams: list[Team]
    year: int
    rows: list[tuple[str, str, str, str, int | None, datetime | None, str, str]]
    at: datetime


@dataclass(frozen=True)
class Searching:
    """The search flow waits for part of a team's name."""


@dataclass(frozen=True)
class Reminded:
    plan: RemindPlan
    year: int
    at: datetime
    interval: timedelta
