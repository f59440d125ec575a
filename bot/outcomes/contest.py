"""What the labour competition use cases return: a contest drafted and created, its board and
the buttons it shows someone, each step of typing a week's figures, a figures file saved or
rejected, a challenge proposed or decided, the weekly standings post, and why a request was
refused. They live apart from the service so that the contest view, which renders boards,
leaderboards and workbooks from them, reads them without importing the use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.domain import contest as rules
from bot.domain.contest import Doubt, FigureProblem, Kind, Level
from bot.domain.tabular import TableError
from bot.repos.contest import Contest, Metric, Pair, Standing


class Refusal(StrEnum):
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CLOSED = "closed"
    NO_PARTICIPANTS = "no_participants"
    BAD_NAME = "bad_name"
    BAD_PERIOD = "bad_period"
    NO_METRICS = "no_metrics"
    NOT_PARTICIPANT = "not_participant"
    SELF_CHALLENGE = "self_challenge"
    ALREADY_OPEN = "already_open"
    WRONG_KIND = "wrong_kind"
    ALREADY_DECIDED = "already_decided"
    NEED_REASON = "need_reason"


@dataclass(frozen=True)
class Refused:
    why: Refusal


@dataclass(frozen=True)
class Draft:
    """What the creation flow (or a CLI spec) collected."""

    name: str
    kind: Kind
    level: Level
    unit_id: int | None  # scope: a unit, or None for the whole site
    starts_on: date
    ends_on: date
    metric_keys: tuple[str, ...]
    weights: dict[str, float] = field(default_factory=dict)
    individual_public: bool = False

    @classmethod
    def of(cls, d: rules.NewContest) -> Draft | None:
        """The chat flow's draft once every answer is in, else None."""
        if d.kind is None or d.level is None or not d.name or not d.start or not d.end:
            return None
        try:
            start, end = date.fromisoformat(d.start), date.fromisoformat(d.end)
        except ValueError:
            return None
        return cls(d.name, d.kind, d.level, d.unit_id, start, end, d.metrics)


@dataclass(frozen=True)
class Created:
    contest_id: int
    participants: int
    pairs: list[tuple[str, str]]


@dataclass(frozen=True)
class Board:
    """A contest's standings as someone sees them: `mine` are the participants they belong to."""

    contest: Contest
    metrics: list[Metric]
    standings: list[Standing]
    mine: frozenset[int]
    pairs: list[Pair]
    proposals: list[Pair]  # challenges waiting for one of `mine` to answer
    until: date
    individual_hidden: bool  # a person-level contest shown without others' names


@dataclass(frozen=True)
class FigureTarget:
    """One participant whose entered figures this person may type for one contest."""

    contest: Contest
    participant_id: int
    participant_name: str
    metrics: list[Metric]
    week: date


@dataclass(frozen=True)
class FigureAsk:
    """The next figure to ask for, with last week's value shown beside the question."""

    metric: Metric
    previous: float | None
    current: float | None


@dataclass(frozen=True)
class FigureDoubt:
    value: float
    previous: float
    doubt: Doubt


@dataclass(frozen=True)
class FigureBad:
    problem: FigureProblem
    metric: Metric


@dataclass(frozen=True)
class FigureOk:
    value: float


@dataclass(frozen=True)
class Saved:
    changed: int


@dataclass(frozen=True)
class Doubting:
    """An unlikely figure: `entry` waits at DOUBT for ✅ or retyping."""

    entry: rules.FigureEntry
    metric: Metric
    doubt: FigureDoubt


@dataclass(frozen=True)
class FigureNext:
    """The entry moves on: `ask` the next figure, or None once all are in (the preview)."""

    target: FigureTarget
    entry: rules.FigureEntry  # at VALUE, or PREVIEW
    ask: FigureAsk | None


@dataclass(frozen=True)
class FigureRestart:
    """重填: the entry begins again for `target`."""

    target: FigureTarget


@dataclass(frozen=True)
class FigureCancelled:
    pass


FigurePressed = Refused | FigureNext | FigureRestart | FigureCancelled | Saved | None


@dataclass(frozen=True)
class FileSaved:
    changed: int
    participants: int


@dataclass(frozen=True)
class FileRejected:
    problems: list[rules.FileProblem]
    table_error: TableError | None


@dataclass(frozen=True)
class Proposed:
    pair_id: int
    contest: Contest
    a_name: str
    b_name: str
    b_leaders: list[int]  # Telegram ids to ask


@dataclass(frozen=True)
class Decided:
    accepted: bool
    contest: Contest
    a_name: str
    b_name: str
    proposer: int | None


@dataclass(frozen=True)
class WeeklyPost:
    """Standings of one finished week, for the groups of the participants and the managers."""

    contest: Contest
    metrics: list[Metric]
    standings: list[Standing]
    week: date
    final: bool
    group_chats: list[int]
    managers: list[int]
    holder_name: str | None
    holder_id: int | None  # the arena's holder after this week, recorded with the post
    missing: list[str]  # participants with no entered figure for the week

    @property
    def key(self) -> str:
        return "final" if self.final else f"week:{self.week.isoformat()}"


@dataclass(frozen=True)
class BoardRights:
    """The buttons a board shows this person: enter their own side's figures, manage it."""

    may_enter: bool
    may_manage: bool
