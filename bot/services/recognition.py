"""Use cases of recognition and 民主评议: explicit dependencies in, typed outcomes out.

The service never renders text (views do) and never touches Telegram; the ballot token is
minted here and handed to the view for the voter's buttons, and only its keyed hash goes to
the repository.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar
from zoneinfo import ZoneInfo

from bot.domain import recognition as rules
from bot.domain.auth import Action, Actor, Role, can
from bot.domain.recognition import Grade, NomineeKind, Stage
from bot.domain.text import is_blank, visible
from bot.repos.recognition import (
    Campaign,
    Candidate,
    Evidence,
    Nominee,
    RateeResult,
    RecognitionRepo,
    Result,
    Round,
)
from bot.repos.recognition import Cast as Cast  # re-exported for handlers
from bot.repos.recognition import Rated as Rated
from bot.repos.recognition import Ratee as Ratee

DEFAULT_VOTE_DAYS = 7
DEFAULT_RATING_DAYS = 14
LEADER_ROLES = frozenset({Role.TEAM_LEADER, Role.UNIT_LEADER, Role.ADMIN})
REMIND_FROM_HOUR, REMIND_UNTIL_HOUR = 9, 20  # local time: reminders never at night


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


@dataclass(frozen=True)
class Created:
    campaign: Campaign


@dataclass(frozen=True)
class Advanced:
    """A campaign one stage on, with its candidates (the shortlist, once the vote is open)."""

    campaign: Campaign
    candidates: int


@dataclass(frozen=True)
class NomineeFound:
    nominee_id: int
    name: str


@dataclass(frozen=True)
class Nominated:
    campaign: Campaign
    name: str
    new: bool


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


def is_leader(actor: Actor) -> bool:
    return bool(actor.roles & LEADER_ROLES)


class RecognitionService:
    def __init__(self, repo: RecognitionRepo, key: bytes, tz: ZoneInfo) -> None:
        self.repo = repo
        self.key = key
        self.tz = tz

    # ------------------------------------------------------------ campaigns

    async def create(
        self, actor: Actor, name: str, period_text: str, quota_text: str | None, unit: str | None
    ) -> Created | Refused:
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        period = rules.parse_period(period_text)
        if period is None:
            return Refused(Problem.BAD_PERIOD, period_text)
        quota: int | None = None
        if quota_text is not None:
            if not quota_text.isdigit() or not 1 <= int(quota_text) <= rules.MAX_QUOTA:
                return Refused(Problem.BAD_QUOTA, quota_text)
            quota = int(quota_text)
        unit_id = None
        if unit:
            unit_id = await self.repo.unit_id_by_name(unit)
            if unit_id is None:
                return Refused(Problem.UNKNOWN_UNIT, unit)
        cat = rules.category(visible(name), quota)
        cid = await self.repo.create_campaign(cat, period, unit_id, actor.tg_user_id)
        campaign = await self.repo.campaign(cid)
        assert campaign is not None
        return Created(campaign)

    async def campaign(self, campaign_id: int | None) -> Campaign | None:
        return None if campaign_id is None else await self.repo.campaign(campaign_id)

    async def live(self) -> list[Campaign]:
        return await self.repo.campaigns((Stage.NOMINATION, Stage.REVIEW, Stage.VOTE))

    async def all(self) -> list[Campaign]:
        return await self.repo.campaigns()

    async def advance(
        self, actor: Actor, campaign_id: int, frm: Stage, now: datetime, days: int | None = None
    ) -> Advanced | Refused:
        """One stage on, from `frm` only (a stale button refers to a stage that has passed)."""
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        c = await self.repo.campaign(campaign_id)
        if c is None:
            return Refused(Problem.NO_CAMPAIGN)
        if c.stage is not frm or frm not in rules.NEXT_STAGE:
            return Refused(Problem.WRONG_STAGE)
        if frm is Stage.REVIEW:
            ends = now + timedelta(days=days or DEFAULT_VOTE_DAYS)
            if await self.repo.open_vote(c.id, ends) is None:
                return Refused(Problem.EMPTY_SHORTLIST)
        elif frm is Stage.VOTE:
            await self.repo.close(c.id, now)
        elif not await self.repo.advance(c.id, frm, rules.NEXT_STAGE[frm]):
            return Refused(Problem.WRONG_STAGE)
        fresh = await self.repo.campaign(c.id)
        assert fresh is not None
        return Advanced(fresh, len(await self.repo.candidates(c.id)))

    # ------------------------------------------------------------ nominations

    async def may_nominate(self, actor: Actor, c: Campaign) -> bool:
        if c.stage is not Stage.NOMINATION or (actor.member_id is None and not is_leader(actor)):
            return False
        if c.nominators == "leaders" and not is_leader(actor):
            return False
        if Role.ADMIN in actor.roles:
            return True
        return c.unit_id is None or c.unit_id == actor.unit_id

    async def open_for_nomination(self, actor: Actor) -> list[Campaign]:
        return [
            c
            for c in await self.repo.campaigns((Stage.NOMINATION,))
            if await self.may_nominate(actor, c)
        ]

    async def find_nominee(self, actor: Actor, c: Campaign, text: str) -> NomineeFound | Refused:
        """A member named by employee number or name (for member campaigns)."""
        matches = await self.repo.find_member(visible(text), c.unit_id)
        if not matches:
            return Refused(Problem.NOT_FOUND, text)
        if len(matches) > 1:
            return Refused(Problem.AMBIGUOUS, text)
        member_id, name, team = matches[0]
        if member_id == actor.member_id:
            return Refused(Problem.SELF)
        if c.nominee_role and not await self.repo.member_has_role(member_id, c.nominee_role):
            return Refused(Problem.WRONG_ROLE, name)
        return NomineeFound(member_id, f"{name}（{team}）")

    async def places(self, c: Campaign) -> list[tuple[int, str]]:
        return await self.repo.places(c.kind, c.unit_id)

    async def nominate(
        self, actor: Actor, campaign_id: int, nominee_id: int, reason: str
    ) -> Nominated | Refused:
        c = await self.repo.campaign(campaign_id)
        if c is None:
            return Refused(Problem.NO_CAMPAIGN)
        if c.stage is not Stage.NOMINATION:
            return Refused(Problem.WRONG_STAGE)
        if not await self.may_nominate(actor, c):
            return Refused(Problem.FORBIDDEN)
        if is_blank(reason):
            return Refused(Problem.BLANK)
        if len(reason) > rules.MAX_REASON:
            return Refused(Problem.TOO_LONG, str(len(reason)))
        names = await self.repo.nominee_names(c.kind, [nominee_id])
        if nominee_id not in names:
            return Refused(Problem.NOT_FOUND)
        new = await self.repo.nominate(c.id, nominee_id, actor.tg_user_id, visible(reason))
        return Nominated(c, names[nominee_id], new)

    async def review(self, actor: Actor, campaign_id: int) -> list[ReviewEntry] | Refused:
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        c = await self.repo.campaign(campaign_id)
        if c is None:
            return Refused(Problem.NO_CAMPAIGN)
        since = self.period_start(c.period)
        return [
            ReviewEntry(n, await self.repo.evidence(c.kind, n.nominee_id, since))
            for n in await self.repo.nominees(c.id)
        ]

    async def review_list(self, actor: Actor, campaign_id: int) -> ReviewList | Refused:
        c = await self.repo.campaign(campaign_id)
        entries = await self.review(actor, campaign_id)
        if isinstance(entries, Refused):
            return entries
        return ReviewList(c, entries) if c else Refused(Problem.NO_CAMPAIGN)

    async def evidence(self, c: Campaign, nominee_id: int) -> Evidence:
        return await self.repo.evidence(c.kind, nominee_id, self.period_start(c.period))

    async def toggle_shortlist(
        self, actor: Actor, campaign_id: int, nominee_id: int
    ) -> bool | Refused:
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        done = await self.repo.toggle_shortlist(campaign_id, nominee_id)
        return Refused(Problem.WRONG_STAGE) if done is None else done

    def period_start(self, period: str) -> str:
        """UTC ISO start of a period key, for the evidence window."""
        year = rules.period_year(period)
        month = 1
        if len(period) == 6:
            n = int(period[5])
            month = 3 * n - 2 if period[4] == "Q" else 6 * n - 5
        return (
            datetime(year, month, 1, tzinfo=self.tz)
            .astimezone(ZoneInfo("UTC"))
            .strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        )

    # ------------------------------------------------------------ voting

    async def open_for_vote(self, actor: Actor) -> list[tuple[Campaign, bool]]:
        """Campaigns the person may vote in, with whether they have voted."""
        if actor.member_id is None:
            return []
        out = []
        for c in await self.repo.campaigns((Stage.VOTE,)):
            if await self.repo.may_vote(c, actor.member_id):
                out.append((c, await self.repo.has_voted(c.id, actor.member_id)))
        return out

    async def new_ballot(self, actor: Actor, campaign_id: int) -> Ballot | Refused:
        """A blank ballot under a fresh token (nothing is stored until it is cast)."""
        c = await self.repo.campaign(campaign_id)
        if c is None:
            return Refused(Problem.NO_CAMPAIGN)
        if c.stage is not Stage.VOTE:
            return Refused(Problem.WRONG_STAGE)
        if actor.member_id is None or not await self.repo.may_vote(c, actor.member_id):
            return Refused(Problem.NOT_ELIGIBLE)
        if await self.repo.has_voted(c.id, actor.member_id):
            return Refused(Problem.WRONG_STAGE, "voted")
        token = secrets.token_urlsafe(rules.TOKEN_BYTES)
        return Ballot(c, await self.repo.candidates(c.id), frozenset(), token, False)

    async def ballot(
        self, campaign_id: int, token: str, draft: frozenset[int] | None
    ) -> Ballot | Refused:
        """The ballot under `token`: the draft in the buttons if given, else what is cast."""
        c = await self.repo.campaign(campaign_id)
        if c is None:
            return Refused(Problem.NO_CAMPAIGN)
        stored = await self.repo.ballot(c.id, rules.receipt(self.key, c.id, token))
        choices = draft if draft is not None else (stored or frozenset())
        return Ballot(c, await self.repo.candidates(c.id), choices, token, stored is not None)

    async def cast(
        self, actor: Actor, campaign_id: int, token: str, choices: frozenset[int]
    ) -> CastDone | Refused:
        c = await self.repo.campaign(campaign_id)
        if c is None:
            return Refused(Problem.NO_CAMPAIGN)
        if actor.member_id is None:
            return Refused(Problem.NOT_ELIGIBLE)
        outcome = await self.repo.cast(
            c, actor.member_id, rules.receipt(self.key, c.id, token), choices
        )
        if outcome in (Cast.NEW, Cast.CHANGED):
            return CastDone(outcome, await self.ballot(c.id, token, None))  # type: ignore[arg-type]
        return CastDone(outcome, None)

    async def turnout(self, actor: Actor, campaign_id: int) -> tuple[Campaign, int, int] | Refused:
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        c = await self.repo.campaign(campaign_id)
        if c is None:
            return Refused(Problem.NO_CAMPAIGN)
        voted, eligible = await self.repo.turnout(c)
        return c, voted, eligible

    async def closed(self, campaign_id: int) -> Closed | Refused:
        """Results with counts: only once the vote has closed."""
        c = await self.repo.campaign(campaign_id)
        if c is None:
            return Refused(Problem.NO_CAMPAIGN)
        if c.stage not in (Stage.CLOSED, Stage.ARCHIVED):
            return Refused(Problem.WRONG_STAGE)
        voted, eligible = await self.repo.turnout(c)
        return Closed(
            c, await self.repo.results(c.id), await self.repo.ballots_cast(c.id), voted, eligible
        )

    async def close_due(self, now: datetime) -> list[int]:
        """Close every vote whose end has passed; the ids closed by this call."""
        return [cid for cid in await self.repo.due_to_close(now) if await self.repo.close(cid, now)]

    async def year_end(
        self, category: str, year: int
    ) -> tuple[list[rules.YearTotal], dict[int, str]]:
        totals = rules.year_totals(await self.repo.year_rows(category, year))
        kind = next(
            (c.kind for c in await self.repo.campaigns() if c.category == category),
            NomineeKind.MEMBER,
        )
        return totals, await self.repo.nominee_names(kind, [t.nominee_id for t in totals])

    # ------------------------------------------------------------ 民主评议

    async def open_round(
        self, actor: Actor, period_text: str, unit: str | None, now: datetime, days: int | None
    ) -> tuple[int, str, int] | Refused:
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        period = rules.parse_period(period_text)
        if period is None or not rules.is_half_year(period):
            return Refused(Problem.BAD_PERIOD, period_text)
        if days is not None and not 1 <= days <= 60:
            return Refused(Problem.BAD_DAYS, str(days))
        unit_id = None
        if unit:
            unit_id = await self.repo.unit_id_by_name(unit)
            if unit_id is None:
                return Refused(Problem.UNKNOWN_UNIT, unit)
        ends = now + timedelta(days=days or DEFAULT_RATING_DAYS)
        rid, leaders = await self.repo.create_round(period, unit_id, actor.tg_user_id, ends)
        return rid, period, leaders

    async def rate(self, actor: Actor, round_id: int, ratee_id: int, grade: Grade) -> Rated:
        if actor.member_id is None:
            return Rated.NOT_ELIGIBLE
        return await self.repo.rate(round_id, ratee_id, actor.member_id, grade)

    async def comment(self, round_id: int, ratee_id: int, text: str) -> Problem | None:
        if is_blank(text):
            return Problem.BLANK
        if len(text) > rules.MAX_COMMENT:
            return Problem.TOO_LONG
        if not await self.repo.comment(round_id, ratee_id, visible(text)):
            return Problem.WRONG_STAGE
        return None

    async def reminders_due(
        self, now: datetime, force_day: bool = False
    ) -> list[VoteReminders | RatingReminders]:
        """Who is to be reminded today of each open vote and rating round: at most once per
        person per subject per local day, and nobody between REMIND_UNTIL_HOUR and
        REMIND_FROM_HOUR unless `force_day` (a vote or round just opened)."""
        local = now.astimezone(self.tz)
        if not force_day and not REMIND_FROM_HOUR <= local.hour < REMIND_UNTIL_HOUR:
            return []
        day = local.strftime("%Y-%m-%d")
        due: list[VoteReminders | RatingReminders] = [
            VoteReminders(c, await self.repo.not_voted_reachable(c, day), day)
            for c in await self.repo.campaigns((Stage.VOTE,))
        ]
        for rnd in await self.repo.rounds("open"):
            due.append(RatingReminders(rnd, await self.repo.not_rated_reachable(rnd.id, day), day))
        return due

    # -- reads the handlers and the command line need, through the service

    async def campaigns(self, stages: tuple[Stage, ...] = tuple(Stage)) -> list[Campaign]:
        return await self.repo.campaigns(stages)

    async def not_voted_reachable(self, c: Campaign, day: str) -> list[tuple[int, int]]:
        """(member, Telegram id) of those who may vote, have not, can be written to
        privately, and were not reminded on `day`."""
        return await self.repo.not_voted_reachable(c, day)

    async def not_rated_reachable(self, round_id: int, day: str) -> list[tuple[int, int]]:
        return await self.repo.not_rated_reachable(round_id, day)

    async def record_reminders(self, subject: str, member_ids: list[int], day: str) -> None:
        await self.repo.record_reminders(subject, member_ids, day)

    async def candidates(self, campaign_id: int) -> list[Candidate]:
        return await self.repo.candidates(campaign_id)

    async def close_round(self, round_id: int, now: datetime) -> bool:
        return await self.repo.close_round(round_id, now)

    async def group_chats(self, unit_id: int | None) -> list[int]:
        return await self.repo.group_chats(unit_id)

    async def nominees(self, campaign_id: int) -> list[Nominee]:
        return await self.repo.nominees(campaign_id)

    async def ratees(self, round_id: int, rater_id: int) -> list[Ratee]:
        return await self.repo.ratees(round_id, rater_id)

    async def round(self, round_id: int) -> Round | None:
        return await self.repo.round(round_id)

    async def round_results(self, round_id: int) -> list[RateeResult]:
        return await self.repo.round_results(round_id)

    async def rounds(self, state: str | None = None) -> list[Round]:
        return await self.repo.rounds(state)

    async def rounds_due(self, now: datetime) -> list[int]:
        return await self.repo.rounds_due(now)


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


async def awards_report(repo: RecognitionRepo, now: datetime) -> AwardsReport:
    """Everything `banzu report awards` exports: per campaign turnout and, once closed,
    the counts; the year-end sums; 民主评议 grade counts for groups of at least 5 raters.
    Counts only: no voter, no non-voter, no rater is ever named."""
    campaigns = []
    for c in sorted(await repo.campaigns(), key=lambda c: c.id):
        voted, eligible = await repo.turnout(c)
        done = c.stage in (Stage.CLOSED, Stage.ARCHIVED)
        campaigns.append(
            CampaignReport(
                c,
                voted,
                eligible,
                await repo.ballots_cast(c.id),
                await repo.results(c.id) if done else [],
            )
        )
    years = []
    for category, year in sorted(
        {(c.campaign.category, rules.period_year(c.campaign.period)) for c in campaigns}
    ):
        totals = rules.year_totals(await repo.year_rows(category, year))
        if totals:
            kind = next(c.campaign.kind for c in campaigns if c.campaign.category == category)
            names = await repo.nominee_names(kind, [t.nominee_id for t in totals])
            years.append(YearReport(category, year, totals, names))
    rounds = [
        RoundReport(r.id, r.period, r.state, await repo.round_results(r.id))
        for r in sorted(await repo.rounds(), key=lambda r: r.id)
    ]
    return AwardsReport(campaigns, years, rounds, now)
