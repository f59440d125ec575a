"""Use cases of recognition and 民主评议: explicit dependencies in, typed outcomes out.

The service never renders text (views do) and never touches Telegram; the ballot token is
minted here and handed to the view for the voter's buttons, and only its keyed hash goes to
the repository.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import recognition as rules
from bot.domain.auth import Action, Actor, Role, can
from bot.domain.recognition import (
    CommentStep,
    Grade,
    NominateStep,
    Nomination,
    NomineeKind,
    RatingComment,
    Stage,
)
from bot.domain.text import is_blank, visible
from bot.outcomes.recognition import (
    ADVANCE_FROM,
    AskPlace,
    AwardsReport,
    CampaignList,
    CampaignReport,
    CastDone,
    Closed,
    NextRatees,
    NomineeFound,
    Publication,
    RatingReminders,
    ReviewEntry,
    VoteReminders,
    YearReport,
)
from bot.outcomes.recognition import AdminAct as AdminAct  # re-exported for handlers and tests
from bot.outcomes.recognition import Advanced as Advanced
from bot.outcomes.recognition import AskNominee as AskNominee
from bot.outcomes.recognition import AskReason as AskReason
from bot.outcomes.recognition import Ballot as Ballot
from bot.outcomes.recognition import BallotMove as BallotMove
from bot.outcomes.recognition import BallotProblem as BallotProblem
from bot.outcomes.recognition import BallotRefused as BallotRefused
from bot.outcomes.recognition import CommentTaken as CommentTaken
from bot.outcomes.recognition import Created as Created
from bot.outcomes.recognition import NoLeaders as NoLeaders
from bot.outcomes.recognition import Nominated as Nominated
from bot.outcomes.recognition import NoRounds as NoRounds
from bot.outcomes.recognition import Problem as Problem
from bot.outcomes.recognition import Receipt as Receipt
from bot.outcomes.recognition import Refused as Refused
from bot.outcomes.recognition import ReviewList as ReviewList
from bot.outcomes.recognition import RoundOpened as RoundOpened
from bot.outcomes.recognition import RoundReport as RoundReport
from bot.outcomes.recognition import Shortlisted as Shortlisted
from bot.outcomes.recognition import Usage as Usage
from bot.repos.conversations import ConversationsRepo
from bot.repos.people import PeopleRepo
from bot.repos.recognition import (
    Campaign,
    Candidate,
    Evidence,
    Nominee,
    RateeResult,
    RecognitionRepo,
    Round,
)
from bot.repos.recognition import Cast as Cast  # re-exported for handlers
from bot.repos.recognition import Rated as Rated
from bot.repos.recognition import Ratee as Ratee

DEFAULT_VOTE_DAYS = 7
DEFAULT_RATING_DAYS = 14
LEADER_ROLES = frozenset({Role.TEAM_LEADER, Role.UNIT_LEADER, Role.ADMIN})
REMIND_FROM_HOUR, REMIND_UNTIL_HOUR = 9, 20  # local time: reminders never at night


_CAST_PROBLEMS = {
    Cast.ALREADY: BallotProblem.ALREADY,
    Cast.CLOSED: BallotProblem.CLOSED,
    Cast.INVALID: BallotProblem.INVALID,
}


def is_leader(actor: Actor) -> bool:
    return bool(actor.roles & LEADER_ROLES)


def _words(args: list[str]) -> tuple[str | None, str | None]:
    """The optional words after a command's required ones: the first number, the first other
    word (a unit's name)."""
    return next((a for a in args if a.isdigit()), None), next(
        (a for a in args if not a.isdigit()), None
    )


class RecognitionService:
    def __init__(
        self,
        repo: RecognitionRepo,
        key: bytes,
        tz: ZoneInfo,
        conversations: ConversationsRepo,
        people: PeopleRepo,
        admins: frozenset[int],
    ) -> None:
        self.repo = repo
        self.key = key
        self.tz = tz
        self.conversations = conversations  # the /nominate and comment flows' state
        self.people = people
        self.admins = admins

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

    async def new_campaign(self, actor: Actor, args: list[str]) -> Created | Usage | Refused:
        """/award_new <name> <period> [quota] [unit]."""
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        if len(args) < 2:
            return Usage()
        quota, unit = _words(args[2:])
        return await self.create(actor, args[0], args[1], quota, unit)

    async def campaign(self, campaign_id: int | None) -> Campaign | None:
        return None if campaign_id is None else await self.repo.campaign(campaign_id)

    async def campaign_list(self, actor: Actor) -> CampaignList:
        admin = can(actor, Action.MANAGE_AWARDS)
        return CampaignList(await (self.all() if admin else self.live()), admin)

    async def live(self) -> list[Campaign]:
        return await self.repo.campaigns((Stage.NOMINATION, Stage.REVIEW, Stage.VOTE))

    async def all(self) -> list[Campaign]:
        return await self.repo.campaigns()

    async def admin_press(
        self, actor: Actor, campaign_id: int, act: AdminAct, now: datetime
    ) -> ReviewList | tuple[Campaign, int, int] | Closed | Advanced | Refused:
        """An admin's button under a campaign: show its review, turnout or results, or move
        it one stage on (from the stage the button was made for only)."""
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        if act is AdminAct.LIST:
            return await self.review_list(actor, campaign_id)
        if act is AdminAct.TURNOUT:
            return await self.turnout(actor, campaign_id)
        if act is AdminAct.RESULTS:
            return await self.closed(campaign_id)
        return await self.advance(actor, campaign_id, ADVANCE_FROM[act], now)

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

    async def begin_nomination(
        self, actor: Actor, campaign_id: int
    ) -> AskNominee | AskPlace | Refused:
        """The nominate button: a member campaign waits for the member's name (the flow
        begins), a team or unit campaign offers its places."""
        c = await self.campaign(campaign_id)
        if c is None or not await self.may_nominate(actor, c):
            return Refused(Problem.WRONG_STAGE)
        if c.kind is NomineeKind.MEMBER:
            await self._keep(actor, Nomination(NominateStep.NOMINEE, c.id))
            return AskNominee(c)
        return AskPlace(c, await self.places(c))

    async def pick_place(
        self, actor: Actor, campaign_id: int, place_id: int
    ) -> AskReason | Refused:
        """A team or unit chosen from the campaign's places: the flow waits for the reason."""
        c = await self.campaign(campaign_id)
        options = dict(await self.places(c)) if c else {}
        if c is None or place_id not in options or not await self.may_nominate(actor, c):
            return Refused(Problem.NO_CAMPAIGN)
        await self._keep(actor, Nomination(NominateStep.REASON, c.id, place_id, options[place_id]))
        return AskReason(options[place_id])

    async def nomination_text(
        self, actor: Actor, n: Nomination, text: str
    ) -> AskReason | Nominated | Refused:
        """A message in the /nominate flow: the nominee (member campaigns), then the reason;
        the flow ends once the nomination is saved or its campaign is gone."""
        c = await self.campaign(n.cid)
        if c is None:
            await self._end(actor)
            return Refused(Problem.NO_CAMPAIGN)
        if n.step is NominateStep.NOMINEE:
            found = await self.find_nominee(actor, c, text)
            if isinstance(found, Refused):
                return found
            step = replace(n, step=NominateStep.REASON, nid=found.nominee_id, name=found.name)
            await self._keep(actor, step)
            return AskReason(found.name)
        out = await self.nominate(actor, c.id, n.nid, text)
        if isinstance(out, Refused):
            return out
        await self._end(actor)
        nominees = await self.repo.nominees(out.campaign.id)
        nid = next((x.nominee_id for x in nominees if x.name == out.name), None)
        ev = await self.evidence(out.campaign, nid) if nid is not None else None
        return replace(out, evidence=ev)

    async def _keep(self, actor: Actor, state: Nomination | RatingComment) -> None:
        await self.conversations.put(actor.tg_user_id, actor.tg_user_id, state)

    async def _end(self, actor: Actor) -> None:
        await self.conversations.clear(actor.tg_user_id, actor.tg_user_id)

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

    async def shortlist(
        self, actor: Actor, campaign_id: int, nominee_id: int
    ) -> Shortlisted | Refused:
        """The review's ⬜ / ☑️: the nominee on or off the shortlist (until the vote opens)."""
        on = await self.toggle_shortlist(actor, campaign_id, nominee_id)
        if isinstance(on, Refused):
            return on
        review = await self.review_list(actor, campaign_id)
        assert not isinstance(review, Refused)
        return Shortlisted(review, nominee_id, on)

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

    async def press_ballot(
        self,
        actor: Actor,
        campaign_id: int,
        token: str,
        move: BallotMove,
        draft: frozenset[int],
        position: int = 0,
    ) -> Ballot | Receipt | BallotRefused:
        """A press on the ballot under `token`: the draft with one candidate ticked or
        unticked, the ballot as cast (to change it), or the draft cast and its receipt."""
        b = await self.ballot(campaign_id, token, None if move is BallotMove.EDIT else draft)
        if isinstance(b, Refused) or b.campaign.stage is not Stage.VOTE:
            return BallotRefused(BallotProblem.CLOSED)
        if move is BallotMove.SUBMIT:
            return await self._submit(actor, b)
        if move is BallotMove.EDIT:
            return b
        if position > len(b.candidates):
            return BallotRefused(BallotProblem.STALE)
        choices, full = rules.toggle(b.choices, position, b.campaign.quota)
        if full:
            return BallotRefused(BallotProblem.FULL, b.campaign.quota)
        return Ballot(b.campaign, b.candidates, choices, b.token, b.cast)

    async def _submit(self, actor: Actor, b: Ballot) -> Receipt | BallotRefused:
        out = await self.cast(actor, b.campaign.id, b.token, b.choices)
        if isinstance(out, Refused) or out.ballot is None or isinstance(out.ballot, Refused):
            outcome = out.outcome if not isinstance(out, Refused) else Cast.NOT_ELIGIBLE
            return BallotRefused(_CAST_PROBLEMS.get(outcome, BallotProblem.NOT_ELIGIBLE))
        return Receipt(out.ballot, out.outcome is Cast.CHANGED)

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

    async def start_round(
        self, actor: Actor, args: list[str], now: datetime
    ) -> RoundOpened | NoLeaders | Usage | Refused:
        """/rating_new <period> [days] [unit]: a round opened, or closed again at once when
        nobody is to be rated."""
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        if not args:
            return Usage()
        days, unit = _words(args[1:])
        out = await self.open_round(actor, args[0], unit, now, int(days) if days else None)
        if isinstance(out, Refused):
            return out
        rid, _, leaders = out
        if leaders == 0:
            await self.repo.close_round(rid, now)
            return NoLeaders()
        rnd = await self.repo.round(rid)
        assert rnd is not None
        return RoundOpened(rnd, unit, leaders)

    async def ratee(self, round_id: int, ratee_id: int, rater: int | None) -> Ratee | None:
        """The leader `rater` may rate in the round, if they may."""
        if rater is None:
            return None
        people = await self.repo.ratees(round_id, rater)
        return next((p for p in people if p.member_id == ratee_id), None)

    async def choose_ratee(self, actor: Actor, round_id: int, ratee_id: int) -> Ratee | Rated:
        """A leader chosen to rate: their grades next, unless rated already or out of reach."""
        ratee = await self.ratee(round_id, ratee_id, actor.member_id)
        if ratee is None:
            return Rated.NOT_ELIGIBLE
        return Rated.ALREADY if ratee.done else ratee

    async def grade(
        self, actor: Actor, round_id: int, ratee_id: int, grade: Grade
    ) -> Ratee | Rated:
        """A grade given: the flow then waits for an optional comment. The conversation names
        only whom the comment is about, never the grade just given."""
        ratee = await self.ratee(round_id, ratee_id, actor.member_id)
        if ratee is None:
            return Rated.NOT_ELIGIBLE
        outcome = await self.rate(actor, round_id, ratee.member_id, grade)
        if outcome is not Rated.OK:
            return outcome
        await self._keep(actor, RatingComment(CommentStep.COMMENT, round_id, ratee.member_id))
        return ratee

    async def close_round_now(
        self, actor: Actor, round_id: int, now: datetime
    ) -> RoundReport | Refused:
        """An admin's 结束 under the round's results: closed, and its results as they stand."""
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        if not await self.repo.close_round(round_id, now):
            return Refused(Problem.WRONG_STAGE)
        rnd = await self.repo.round(round_id)
        assert rnd is not None
        return RoundReport(rnd.id, rnd.period, rnd.state, await self.repo.round_results(rnd.id))

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

    async def leave_comment(
        self, actor: Actor, rc: RatingComment, text: str
    ) -> CommentTaken | Problem:
        """The optional comment after a grade; a blank or too long one is asked again."""
        problem = await self.comment(rc.round, rc.ratee, text)
        if problem in (Problem.BLANK, Problem.TOO_LONG):
            return problem
        await self._end(actor)
        return CommentTaken(problem is not None, await self.next_ratees(actor, rc.round))

    async def skip_comment(self, actor: Actor, ratee_id: int) -> CommentTaken | None:
        """The comment's 跳过, for the comment the flow waits for (else None: a stale button)."""
        uid = actor.tg_user_id
        rc = await self.conversations.state(uid, uid, RatingComment)
        if rc is None or rc.ratee != ratee_id:
            return None
        await self._end(actor)
        return CommentTaken(False, await self.next_ratees(actor, rc.round))

    async def my_ratees(self, actor: Actor) -> NextRatees | None:
        """/rate: the first open round with leaders the person may rate (None: no round)."""
        if actor.member_id is None:
            return None
        for rnd in await self.repo.rounds("open"):
            people = await self.repo.ratees(rnd.id, actor.member_id)
            if people:
                return NextRatees(rnd, people)
        return None

    async def latest_round(self, actor: Actor) -> RoundReport | NoRounds | Refused:
        """/ratings: the latest round's results (grade counts only, groups of five or more)."""
        if not can(actor, Action.MANAGE_AWARDS):
            return Refused(Problem.FORBIDDEN)
        rounds = await self.repo.rounds()
        if not rounds:
            return NoRounds()
        rnd = rounds[0]
        return RoundReport(rnd.id, rnd.period, rnd.state, await self.repo.round_results(rnd.id))

    async def next_ratees(self, actor: Actor, round_id: int) -> NextRatees | None:
        rnd = await self.repo.round(round_id)
        if rnd is None or actor.member_id is None or rnd.state != "open":
            return None
        return NextRatees(rnd, await self.repo.ratees(round_id, actor.member_id))

    async def publication(self, campaign_id: int) -> Publication | None:
        r = await self.closed(campaign_id)
        if not isinstance(r, Closed):
            return None
        chats = await self.repo.group_chats(r.campaign.unit_id)
        chats += await self.people.reachable_admins(self.admins)
        return Publication(r, list(dict.fromkeys(chats)))

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
