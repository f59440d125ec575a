"""What the recognition and 民主评议 use cases return: the refusals and their problems, an
admin's campaign buttons with the stage each moves a campaign on from, each step of a
nomination, the ballot and its receipt, a round opened or rated, today's reminders, and the
counts `banzu report awards` exports. They live apart from `bot.services.recognition` so that
the views, which render them, never import the use cases that made them; the service imports
them from here and re-exports what handlers and tests name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.domain import recognition as rules
from bot.domain.recognition import Stage
from bot.repos.recognition import (
    Campaign,
    Candidate,
    Cast,
    Evidence,
    Nominee,
    Ratee,
    RateeResult,
    Result,
    Round,
)


class Problem(StrEnum):
    FORBIDDEN = "forbidden"
    BAD_PERIOD = "bad_period"
    BAD_QUOTA = "bad_quota"
    BAD_DAYS = "bad_days"
    UNKNOWN_UNIT = "unknown_unit"
    NO_CAMPAIGN = "no_campaign"
    WRONG_STAGE = "wrong_stage"
    EMPTY_SHORTLIST = "empty_shortlist"
    NOT_FOUND = "nominee_not_found"
    AMBIGUOUS = "nominee_ambiguous"
    WRONG_ROLE = "nominee_wrong_role"
    SELF = "nominee_self"
    BLANK = "blank"
    TOO_LONG = "too_long"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class Refused:
    problem: Problem
    detail: str = ""


class AdminAct(StrEnum):
    """An admin's button under a campaign (its value is the button's)."""

    LIST = "list"  # the nominees (review)
    TURNOUT = "turnout"
    RESULTS = "results"
    REVIEW = "review"  # nomination -> review
    VOTE = "vote"  # review -> vote
    CLOSE = "close"  # vote -> closed
    ARCHIVE = "archive"  # closed -> archived


SHOW_ACTS = frozenset({AdminAct.LIST, AdminAct.TURNOUT, AdminAct.RESULTS})
ADVANCE_FROM: dict[AdminAct, Stage] = {
    AdminAct.REVIEW: Stage.NOMINATION,
    AdminAct.VOTE: Stage.REVIEW,
    AdminAct.CLOSE: Stage.VOTE,
    AdminAct.ARCHIVE: Stage.CLOSED,
}


@dataclass(frozen=True)
class Created:
    campaign: Campaign


@dataclass(frozen=True)
class Advanced:
    """A campaign one stage on, with its candidates (the shortlist, once the vote is open)."""

    campaign: Campaign
    candidates: int

    @property
    def vote_opened(self) -> bool:
        """Those who may vote are to be reminded now, whatever the hour."""
        return self.campaign.stage is Stage.VOTE

    @property
    def vote_closed(self) -> bool:
        """The results are to be published."""
        return self.campaign.stage is Stage.CLOSED


@dataclass(frozen=True)
class NomineeFound:
    nominee_id: int
    name: str


@dataclass(frozen=True)
class Nominated:
    campaign: Campaign
    name: str
    new: bool
    evidence: Evidence | None = None  # the nominee's record in the period, once saved


@dataclass(frozen=True)
class Usage:
    """The command's words do not fit it: the answer is its usage."""


@dataclass(frozen=True)
class AskNominee:
    """A member campaign's nomination waits for the member's name or employee number."""

    campaign: Campaign


@dataclass(frozen=True)
class AskPlace:
    """A team or unit campaign's nomination: the places one may name, as buttons."""

    campaign: Campaign
    places: list[tuple[int, str]]


@dataclass(frozen=True)
class AskReason:
    """The nominee is known; the nomination waits for the reason."""

    name: str


@dataclass(frozen=True)
class ReviewEntry:
    nominee: Nominee
    evidence: Evidence


@dataclass(frozen=True)
class ReviewList:
    """The nominees of a campaign with their evidence, for the admins' review."""

    campaign: Campaign
    entries: list[ReviewEntry]


@dataclass(frozen=True)
class Ballot:
    """What the voter's ballot message shows: candidates, the current choice, the token."""

    campaign: Campaign
    candidates: list[Candidate]
    choices: frozenset[int]
    token: str
    cast: bool  # a ballot under this token is recorded


@dataclass(frozen=True)
class CastDone:
    outcome: Cast
    ballot: Ballot | None


class BallotMove(StrEnum):
    """What a press on the ballot asks for."""

    PICK = "pick"  # tick or untick one candidate of the draft
    SUBMIT = "submit"  # cast the draft
    EDIT = "edit"  # the receipt's "see / change": the ballot as cast


class BallotProblem(StrEnum):
    CLOSED = "closed"
    FULL = "full"  # the quota is reached: untick one first
    STALE = "stale"  # a position the ballot does not have
    ALREADY = "already"
    INVALID = "invalid"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class BallotRefused:
    problem: BallotProblem
    quota: int = 0


@dataclass(frozen=True)
class Receipt:
    """A ballot just cast (or changed), for the voter's receipt."""

    ballot: Ballot
    changed: bool


@dataclass(frozen=True)
class RoundOpened:
    """A 民主评议 round just opened, with how many leaders are to be rated."""

    round: Round
    unit: str | None
    leaders: int


@dataclass(frozen=True)
class NoLeaders:
    """A round nobody could be rated in: closed again at once."""


@dataclass(frozen=True)
class NextRatees:
    """Whom the rater may rate in an open round (those done marked), to choose the next."""

    round: Round
    people: list[Ratee]


@dataclass(frozen=True)
class CommentTaken:
    """The comment step is over: saved, skipped, or too late (the round closed meanwhile)."""

    closed: bool
    next: NextRatees | None


@dataclass(frozen=True)
class CampaignList:
    """/awards: every campaign for admins (with their buttons), the live ones for others."""

    campaigns: list[Campaign]
    admin: bool


@dataclass(frozen=True)
class Shortlisted:
    """A nominee put on or taken off the shortlist, and the review as it now is."""

    review: ReviewList
    nominee: int
    on: bool


@dataclass(frozen=True)
class NoRounds:
    """/ratings before any round was opened."""


@dataclass(frozen=True)
class Publication:
    """A closed vote's results and every chat they go to, once each: the bound team groups
    in scope, then the admins who can be reached privately."""

    closed: Closed
    chats: list[int]


@dataclass(frozen=True)
class Closed:
    campaign: Campaign
    results: list[Result]
    ballots: int
    voters: int
    eligible: int


@dataclass(frozen=True)
class VoteReminders:
    """Today's reminders of one open vote: who may vote, has not, can be written to privately
    and was not reminded today — as (member, Telegram id); nobody else ever sees the list."""

    campaign: Campaign
    people: list[tuple[int, int]]
    day: str  # the local day, YYYY-MM-DD
    purpose: ClassVar[str] = "award_remind"

    @property
    def subject(self) -> str:
        return f"award:{self.campaign.id}"

    def key(self, member: int) -> str:
        return f"award:remind:{self.campaign.id}:{member}:{self.day}"


@dataclass(frozen=True)
class RatingReminders:
    """Today's reminders of one open 民主评议 round, as VoteReminders."""

    round: Round
    people: list[tuple[int, int]]
    day: str
    purpose: ClassVar[str] = "rating_remind"

    @property
    def subject(self) -> str:
        return f"rating:{self.round.id}"

    def key(self, member: int) -> str:
        return f"rating:remind:{self.round.id}:{member}:{self.day}"


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    voted: int
    eligible: int
    ballots: int
    results: list[Result]  # empty until the vote has closed: counts are never shown earlier


@dataclass(frozen=True)
class YearReport:
    category: str
    year: int
    totals: list[rules.YearTotal]
    names: dict[int, str]


@dataclass(frozen=True)
class RoundReport:
    round_id: int
    period: str
    state: str
    people: list[RateeResult]


@dataclass(frozen=True)
class AwardsReport:
    campaigns: list[CampaignReport]
    years: list[YearReport]
    rounds: list[RoundReport]
    at: datetime  # when it was drawn up (the workbook's "as of")
