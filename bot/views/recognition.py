"""Texts and keyboards of recognition and 民主评议, for handlers and the reminder job alike.

Callback data (typed `Callback`s below, the strings the positional code wrote, ≤ 64 bytes):
    awc:v1:<campaign>:<action>          admin actions on a campaign          AdminPress
    aws:v1:<campaign>:<nominee>         shortlist toggle in the review       ShortlistPress
    awn:v1:<campaign>                   nominate for this campaign           NominatePress
    awp:v1:<campaign>:<nominee>         nominate this team / unit            PlacePress
    awv:v1:<campaign>                   open a blank ballot                  OpenBallot
    awb:v1:<campaign>:<token>:<selection>:<op>   the ballot itself       BallotPick, BallotAct
    rtr:v1:<round>:<ratee>              rate this leader                     RateePress
    rtg:v1:<round>:<ratee>:<grade>      the grade                            GradePress
    rtc:v1:<round>:<ratee>              no comment                           SkipComment
    rtm:v1:<round>:<action>             admin: close                         RoundPress
The ballot token travels only in `awb` buttons, which exist only in the voter's private chat;
the draft selection travels there too (12 hex digits), never in a conversation row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id, Range, Stale, Token, TokenRule, parse
from bot.domain import recognition as rules
from bot.domain.recognition import GRADES, Grade, Stage
from bot.outcomes.recognition import (
    ADVANCE_FROM,
    SHOW_ACTS,
    AdminAct,
    Advanced,
    AskNominee,
    AskPlace,
    AskReason,
    Ballot,
    BallotMove,
    BallotProblem,
    BallotRefused,
    CampaignList,
    Closed,
    Created,
    NextRatees,
    NoLeaders,
    Nominated,
    NoRounds,
    Problem,
    RatingReminders,
    Receipt,
    Refused,
    ReviewEntry,
    ReviewList,
    RoundOpened,
    RoundReport,
    Shortlisted,
    Usage,
    VoteReminders,
)
from bot.repos.recognition import Campaign, Evidence, Ratee, RateeResult, Result
from bot.texts import Html, Texts

NO_SELECTION = rules.encode_selection(())
Selection = Annotated[str, TokenRule(max_len=len(NO_SELECTION))]
Position = Annotated[int, Range(1, rules.MAX_CANDIDATES)]


# ------------------------------------------------------------------ button data


@dataclass(frozen=True)
class AdminPress(Callback, ns="awc", version=1):
    """An admin's button under a campaign: show something, or move it one stage on."""

    campaign: Id
    action: AdminAct


@dataclass(frozen=True)
class ShortlistPress(Callback, ns="aws", version=1):
    campaign: Id
    nominee: Id


@dataclass(frozen=True)
class NominatePress(Callback, ns="awn", version=1):
    campaign: Id


@dataclass(frozen=True)
class PlacePress(Callback, ns="awp", version=1):
    """A team or unit to nominate (campaigns of places, not of people)."""

    campaign: Id
    place: Id


@dataclass(frozen=True)
class OpenBallot(Callback, ns="awv", version=1):
    campaign: Id


@dataclass(frozen=True)
class BallotPick(Callback, ns="awb", version=1):
    """A candidate ticked or unticked on the ballot: the draft so far travels in the button."""

    campaign: Id
    token: Token
    selection: Selection
    position: Position

    @property
    def draft(self) -> frozenset[int]:
        return rules.decode_selection(self.selection) or frozenset()


class BallotOp(StrEnum):
    SUBMIT = "s"
    EDIT = "e"  # the receipt's "see / change": the ballot as cast


@dataclass(frozen=True)
class BallotAct(Callback, ns="awb", version=1):
    campaign: Id
    token: Token
    selection: Selection
    op: BallotOp

    @property
    def draft(self) -> frozenset[int]:
        return rules.decode_selection(self.selection) or frozenset()


BallotPress = BallotPick | BallotAct


def ballot_press(data: str | None) -> BallotPress | Stale:
    """A ballot button's data, its draft selection checked too (12 hex digits, positions
    within the ballot's range): anything else is Stale."""
    press: BallotPress | Stale = parse(data, BallotPick)
    if isinstance(press, Stale):
        press = parse(data, BallotAct)
    if not isinstance(press, Stale) and rules.decode_selection(press.selection) is None:
        return Stale(data, "bad selection")
    return press


def ballot_move(press: BallotPress) -> BallotMove:
    if isinstance(press, BallotPick):
        return BallotMove.PICK
    return BallotMove.SUBMIT if press.op is BallotOp.SUBMIT else BallotMove.EDIT


class GradeCode(StrEnum):
    """A grade as its button carries it: the first three letters."""

    EXCELLENT = "exc"
    COMPETENT = "com"
    BASIC = "bas"
    INCOMPETENT = "inc"

    @property
    def grade(self) -> Grade:
        return Grade[self.name]

    @classmethod
    def of(cls, grade: Grade) -> GradeCode:
        return cls[grade.name]


@dataclass(frozen=True)
class RateePress(Callback, ns="rtr", version=1):
    round: Id
    ratee: Id


@dataclass(frozen=True)
class GradePress(Callback, ns="rtg", version=1):
    round: Id
    ratee: Id
    code: GradeCode

    @property
    def grade(self) -> Grade:
        return self.code.grade


@dataclass(frozen=True)
class SkipComment(Callback, ns="rtc", version=1):
    round: Id
    ratee: Id


@dataclass(frozen=True)
class RoundPress(Callback, ns="rtm", version=1):
    round: Id
    action: Literal["close"] = "close"


def _b(text: str, press: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=press.encode())


def when(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "—"


def refused(r: Refused, texts: Texts, lang: str) -> str:
    return texts.get(f"recognition.problem.{r.problem.value}", lang, detail=r.detail)


def command_refused(r: Refused, texts: Texts, lang: str) -> str:
    """An admin command refused: "no permission" for who may not, else the problem."""
    if r.problem is Problem.FORBIDDEN:
        return texts.get("common.no_permission", lang)
    return refused(r, texts, lang)


def press_refused(r: Refused, texts: Texts, lang: str) -> str:
    """An admin button refused (a dialog's plain text): no permission, or the button is stale."""
    key = "common.no_permission" if r.problem is Problem.FORBIDDEN else "common.stale_button"
    return texts.plain(key, lang)


def scope(c: Campaign, texts: Texts, lang: str) -> str:
    return (
        texts.get("recognition.campaign.scope_unit", lang, unit=c.unit_name) if c.unit_name else ""
    )


def names(c: Campaign, texts: Texts, lang: str) -> dict[str, object]:
    return {
        "category": c.category,
        "period": rules.period_label(c.period, lang),
        "quota": c.quota,
        "scope": Html(scope(c, texts, lang)),
    }


# ------------------------------------------------------------------ campaigns


def campaigns(
    out: CampaignList, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    return campaign_list(out.campaigns, out.admin, texts, lang)


def campaign_list(
    campaigns: list[Campaign], admin: bool, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not campaigns:
        return texts.get("recognition.campaign.none", lang), None
    lines = [texts.get("recognition.campaign.list_head", lang)]
    rows: list[list[InlineKeyboardButton]] = []
    for i, c in enumerate(campaigns, start=1):
        stage = texts.get(f"recognition.stage.{c.stage.value}", lang)
        lines.append(
            texts.get("recognition.campaign.line", lang, n=i, stage=stage, **names(c, texts, lang))
        )
        if admin:
            rows.extend(admin_buttons(c, i, texts, lang))
    if not admin:
        lines.append(texts.get("recognition.campaign.hint_member", lang))
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


def campaign_created(out: Created | Usage | Refused, texts: Texts, lang: str) -> str:
    """The answer to /award_new."""
    if isinstance(out, Usage):
        return texts.get("recognition.campaign.usage_new", lang)
    if isinstance(out, Refused):
        return command_refused(out, texts, lang)
    return texts.get("recognition.campaign.created", lang, **names(out.campaign, texts, lang))


def admin_buttons(c: Campaign, n: int, texts: Texts, lang: str) -> list[list[InlineKeyboardButton]]:
    def b(key: str, action: AdminAct) -> InlineKeyboardButton:
        return _b(f"{n}. " + texts.get(f"recognition.btn.{key}", lang), AdminPress(c.id, action))

    if c.stage is Stage.NOMINATION:
        return [[b("nominees", AdminAct.LIST), b("review", AdminAct.REVIEW)]]
    if c.stage is Stage.REVIEW:
        return [[b("nominees", AdminAct.LIST), b("vote", AdminAct.VOTE)]]
    if c.stage is Stage.VOTE:
        return [[b("turnout", AdminAct.TURNOUT), b("close", AdminAct.CLOSE)]]
    if c.stage is Stage.CLOSED:
        return [[b("results", AdminAct.RESULTS), b("archive", AdminAct.ARCHIVE)]]
    return [[b("results", AdminAct.RESULTS)]]


def evidence_line(e: Evidence, period: str, texts: Texts, lang: str) -> str:
    quiz = (
        ""
        if e.quiz_points is None
        else texts.get("recognition.nominate.quiz", lang, points=e.quiz_points)
    )
    return texts.get(
        "recognition.nominate.evidence",
        lang,
        period=rules.period_label(period, lang),
        attended=e.attended,
        sessions=e.sessions,
        adopted=e.suggestions_adopted,
        quiz=Html(quiz),
    )


def review(
    c: Campaign, entries: list[ReviewEntry], texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not entries:
        return texts.get("recognition.review.empty", lang, **names(c, texts, lang)), None
    short = sum(e.nominee.shortlisted for e in entries)
    parts = [texts.get("recognition.review.head", lang, short=short, **names(c, texts, lang))]
    rows = []
    for e in entries:
        mark = "✅" if e.nominee.shortlisted else "⬜"
        parts.append(
            texts.get(
                "recognition.review.entry",
                lang,
                mark=mark,
                name=e.nominee.name,
                reasons=texts.join(e.nominee.reasons, lang, kind="group"),
                evidence=Html(evidence_line(e.evidence, c.period, texts, lang)),
            )
        )
        if c.stage is Stage.REVIEW:
            rows.append(
                [_b(f"{mark} {e.nominee.name}", ShortlistPress(c.id, e.nominee.nominee_id))]
            )
    if c.stage is Stage.REVIEW:
        rows.append([_b(texts.get("recognition.btn.vote", lang), AdminPress(c.id, AdminAct.VOTE))])
    elif c.stage is Stage.NOMINATION:
        rows.append(
            [_b(texts.get("recognition.btn.review", lang), AdminPress(c.id, AdminAct.REVIEW))]
        )
    return "\n\n".join(parts), InlineKeyboardMarkup(rows) if rows else None


def toggled(r: ReviewList, nominee: int, shortlisted: bool, texts: Texts, lang: str) -> str:
    """The toast of a shortlist toggle (plain text: a callback answer)."""
    name = next((e.nominee.name for e in r.entries if e.nominee.nominee_id == nominee), "?")
    key = f"recognition.review.toggled_{'in' if shortlisted else 'out'}"
    return texts.plain(key, lang, name=name)


def shortlisted(
    s: Shortlisted, texts: Texts, lang: str
) -> tuple[str, str, InlineKeyboardMarkup | None]:
    """The toast of a shortlist toggle, and the review as it now is."""
    text, markup = review(s.review.campaign, s.review.entries, texts, lang)
    return toggled(s.review, s.nominee, s.on, texts, lang), text, markup


def advanced(a: Advanced, tz: ZoneInfo, texts: Texts, lang: str) -> str:
    c = a.campaign
    if c.stage is Stage.VOTE:
        return texts.get(
            "recognition.campaign.vote_opened",
            lang,
            candidates=a.candidates,
            ends=when(c.vote_ends_at, tz),
            **names(c, texts, lang),
        )
    stage = texts.get(f"recognition.stage.{c.stage.value}", lang)
    return texts.get("recognition.campaign.advanced", lang, stage=stage, **names(c, texts, lang))


def admin_answer(
    act: AdminAct,
    out: ReviewList | tuple[Campaign, int, int] | Closed | Advanced | Refused,
    tz: ZoneInfo,
    texts: Texts,
    lang: str,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What an admin's button under a campaign shows: the review, the turnout, the results,
    or the campaign one stage on (or why not)."""
    if isinstance(out, ReviewList):
        return review(out.campaign, out.entries, texts, lang)
    if isinstance(out, Advanced):
        return advanced(out, tz, texts, lang), None
    if isinstance(out, Closed):
        return results(out, texts, lang), None
    if isinstance(out, tuple):
        return turnout(out, texts, lang), None
    if act is AdminAct.LIST:
        return texts.get("recognition.problem.no_campaign", lang), None
    return refused(out, texts, lang), None


def turnout(t: tuple[Campaign, int, int] | Refused, texts: Texts, lang: str) -> str:
    """How many have voted of how many may (never who, never counts of choices)."""
    if isinstance(t, Refused):
        return refused(t, texts, lang)
    c, voted, eligible = t
    return texts.get(
        "recognition.campaign.turnout",
        lang,
        voted=voted,
        eligible=eligible,
        **names(c, texts, lang),
    )


def closed(r: Closed | Refused, texts: Texts, lang: str) -> str:
    """The results with counts, or why there are none yet."""
    return refused(r, texts, lang) if isinstance(r, Refused) else results(r, texts, lang)


def choose_campaign(
    campaigns: list[Campaign],
    press: type[NominatePress | OpenBallot],
    key: str,
    texts: Texts,
    lang: str,
    voted: set[int] | frozenset[int] = frozenset(),
) -> InlineKeyboardMarkup:
    mark = texts.get("recognition.vote.voted_mark", lang)
    return InlineKeyboardMarkup(
        [
            [
                _b(
                    texts.get(key, lang, name=f"{c.category} {rules.period_label(c.period, lang)}")
                    + (mark if c.id in voted else ""),
                    press(c.id),
                )
            ]
            for c in campaigns
        ]
    )


def vote_choice(
    open_: list[tuple[Campaign, bool]], texts: Texts, lang: str
) -> InlineKeyboardMarkup:
    """/vote's campaigns, those already voted in marked."""
    voted = {c.id for c, done in open_ if done}
    campaigns = [c for c, _ in open_]
    return choose_campaign(campaigns, OpenBallot, "recognition.btn.go_vote", texts, lang, voted)


def places(c: Campaign, options: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_b(name, PlacePress(c.id, pid))] for pid, name in options])


def ask_nominee(
    out: AskNominee | AskPlace, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Whom to nominate: a member by name or number, or a place from the buttons."""
    values = names(out.campaign, texts, lang)
    if isinstance(out, AskNominee):
        return texts.get("recognition.nominate.ask_member", lang, **values), None
    text = texts.get("recognition.nominate.ask_place", lang, **values)
    return text, places(out.campaign, out.places)


def ask_reason(out: AskReason, texts: Texts, lang: str) -> str:
    return texts.get("recognition.nominate.ask_reason", lang, name=out.name)


def nominated(out: Nominated, texts: Texts, lang: str) -> str:
    c = out.campaign
    evidence = evidence_line(out.evidence, c.period, texts, lang) if out.evidence else ""
    key = "recognition.nominate.saved" if out.new else "recognition.nominate.updated"
    return texts.get(key, lang, name=out.name, evidence=Html(evidence), **names(c, texts, lang))


def nomination_reply(out: AskReason | Nominated | Refused, texts: Texts, lang: str) -> str:
    """The answer to a message in the /nominate flow."""
    if isinstance(out, Refused):
        return refused(out, texts, lang)
    if isinstance(out, AskReason):
        return ask_reason(out, texts, lang)
    return nominated(out, texts, lang)


# ------------------------------------------------------------------ ballots


def ballot(b: Ballot, tz: ZoneInfo, texts: Texts, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    c = b.campaign
    sel = rules.encode_selection(b.choices)
    rows = [
        [
            _b(
                ("☑️ " if k.position in b.choices else "⬜ ") + k.name,
                BallotPick(c.id, b.token, sel, k.position),
            )
        ]
        for k in b.candidates
    ]
    submit = BallotAct(c.id, b.token, sel, BallotOp.SUBMIT)
    rows.append([_b(texts.get("recognition.btn.submit", lang), submit)])
    text = texts.get(
        "recognition.vote.ballot",
        lang,
        chosen=len(b.choices),
        ends=when(c.vote_ends_at, tz),
        **names(c, texts, lang),
    )
    return text, InlineKeyboardMarkup(rows)


def receipt(
    b: Ballot, changed: bool, tz: ZoneInfo, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    chosen = [k.name for k in b.candidates if k.position in b.choices]
    shown = texts.join(chosen, lang) if chosen else texts.get("recognition.vote.nobody", lang)
    key = "recognition.vote.changed" if changed else "recognition.vote.cast"
    text = texts.get(key, lang, names=shown, ends=when(b.campaign.vote_ends_at, tz))
    button = _b(
        texts.get("recognition.btn.change", lang),
        BallotAct(b.campaign.id, b.token, NO_SELECTION, BallotOp.EDIT),
    )
    return text, InlineKeyboardMarkup([[button]])


def open_refused(r: Refused, texts: Texts, lang: str) -> str:
    """Why a blank ballot was not opened (a dialog's plain text)."""
    voted = r.detail == "voted"
    key = "recognition.vote.already" if voted else f"recognition.problem.{r.problem.value}"
    return texts.plain(key, lang, detail=r.detail)


_BALLOT_PROBLEMS = {
    BallotProblem.CLOSED: "recognition.vote.closed",
    BallotProblem.STALE: "common.stale_button",
    BallotProblem.ALREADY: "recognition.vote.already",
    BallotProblem.INVALID: "recognition.vote.invalid",
    BallotProblem.NOT_ELIGIBLE: "recognition.problem.not_eligible",
}


def ballot_refused(r: BallotRefused, texts: Texts, lang: str) -> str:
    """Why a ballot press changed nothing (a dialog's plain text)."""
    if r.problem is BallotProblem.FULL:
        return texts.plain("recognition.vote.full", lang, quota=r.quota)
    return texts.plain(_BALLOT_PROBLEMS[r.problem], lang)


def pressed_ballot(
    out: Ballot | Receipt, tz: ZoneInfo, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The ballot message after a press: the ballot again, or the receipt of the cast."""
    if isinstance(out, Receipt):
        return receipt(out.ballot, out.changed, tz, texts, lang)
    return ballot(out, tz, texts, lang)


def reminder(
    c: Campaign, tz: ZoneInfo, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    text = texts.get(
        "recognition.vote.remind", lang, ends=when(c.vote_ends_at, tz), **names(c, texts, lang)
    )
    name = f"{c.category} {rules.period_label(c.period, lang)}"
    button = _b(texts.get("recognition.btn.go_vote", lang, name=name), OpenBallot(c.id))
    return text, InlineKeyboardMarkup([[button]])


def due_reminder(
    due: VoteReminders | RatingReminders, tz: ZoneInfo, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The private reminder of a vote (with its button) or of a rating round (without)."""
    if isinstance(due, VoteReminders):
        return reminder(due.campaign, tz, texts, lang)
    r = due.round
    return rating_reminder(r.id, r.period, r.ends_at, tz, texts, lang), None


def results(r: Closed, texts: Texts, lang: str) -> str:
    c = r.campaign
    lines = [
        texts.get(
            "recognition.results.head",
            lang,
            voters=r.voters,
            eligible=r.eligible,
            ballots=r.ballots,
            **names(c, texts, lang),
        )
    ]
    lines += [result_line(x, texts, lang) for x in r.results if x.votes > 0]
    if not any(x.votes for x in r.results):
        lines.append(texts.get("recognition.results.none", lang))
    return "\n".join(lines)


def result_line(x: Result, texts: Texts, lang: str) -> str:
    return texts.get(
        "recognition.results.line",
        lang,
        name=x.name,
        votes=x.votes,
        mark=Html(texts.get("recognition.results.elected", lang) if x.elected else ""),
        tie=Html(texts.get("recognition.results.tie", lang) if x.tie else ""),
    )


def year_end(
    category: str,
    year: int,
    totals: list[rules.YearTotal],
    labels: dict[int, str],
    texts: Texts,
    lang: str,
) -> str:
    if not totals:
        return texts.get("recognition.results.year_none", lang, category=category, year=year)
    lines = [texts.get("recognition.results.year_head", lang, category=category, year=year)]
    for t in totals:
        periods = texts.join([rules.period_label(p, lang) for p in t.periods], lang)
        lines.append(
            texts.get(
                "recognition.results.year_line",
                lang,
                name=labels.get(t.nominee_id, "?"),
                elected=t.times_elected,
                votes=t.votes,
                periods=periods,
            )
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ 民主评议


def round_started(
    out: RoundOpened | NoLeaders | Usage | Refused, tz: ZoneInfo, texts: Texts, lang: str
) -> str:
    """The answer to /rating_new."""
    if isinstance(out, Usage):
        return texts.get("recognition.rating.usage_new", lang)
    if isinstance(out, Refused):
        return command_refused(out, texts, lang)
    if isinstance(out, NoLeaders):
        return texts.get("recognition.rating.no_leaders", lang)
    unit = out.unit
    scope = texts.get("recognition.campaign.scope_unit", lang, unit=unit) if unit else ""
    return texts.get(
        "recognition.rating.opened",
        lang,
        period=rules.period_label(out.round.period, lang),
        scope=Html(scope),
        leaders=out.leaders,
        ends=when(out.round.ends_at, tz),
    )


def next_ratees(n: NextRatees, texts: Texts, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    return ratees(n.round.id, n.round.period, n.people, texts, lang)


def latest_round(
    out: RoundReport | NoRounds | Refused, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The answer to /ratings."""
    if isinstance(out, Refused):
        return command_refused(out, texts, lang), None
    if isinstance(out, NoRounds):
        return texts.get("recognition.rating.no_rounds", lang), None
    return closed_round(out, texts, lang)


def closed_round(
    r: RoundReport, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    return round_results(r.round_id, r.period, r.state, r.people, texts, lang)


def ratees(
    round_id: int, period: str, people: list[Ratee], texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    todo = [p for p in people if not p.done]
    if not todo:
        return texts.get("recognition.rating.all_done", lang), None
    rows = [
        [
            _b(
                texts.get("recognition.btn.rate", lang, name=p.name, place=p.place),
                RateePress(round_id, p.member_id),
            )
        ]
        for p in todo
    ]
    head = texts.get("recognition.rating.choose", lang, period=rules.period_label(period, lang))
    return head, InlineKeyboardMarkup(rows)


def grades(
    round_id: int, ratee: Ratee, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            _b(
                texts.get(f"recognition.grade.{g.value}", lang),
                GradePress(round_id, ratee.member_id, GradeCode.of(g)),
            )
        ]
        for g in GRADES
    ]
    text = texts.get("recognition.rating.ask_grade", lang, name=ratee.name, place=ratee.place)
    return text, InlineKeyboardMarkup(rows)


def ask_comment(
    round_id: int, ratee: Ratee, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    skip = SkipComment(round_id, ratee.member_id)
    button = _b(texts.get("recognition.btn.skip_comment", lang), skip)
    return texts.get("recognition.rating.ask_comment", lang, name=ratee.name), InlineKeyboardMarkup(
        [[button]]
    )


def rating_reminder(
    round_id: int, period: str, ends: datetime | None, tz: ZoneInfo, texts: Texts, lang: str
) -> str:
    return texts.get(
        "recognition.rating.remind",
        lang,
        period=rules.period_label(period, lang),
        ends=when(ends, tz),
    )


def round_results(
    round_id: int, period: str, state: str, people: list[RateeResult], texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    st = texts.get(f"recognition.rating.state_{state}", lang)
    parts = [
        texts.get(
            "recognition.rating.results_head",
            lang,
            period=rules.period_label(period, lang),
            state=Html(st),
        )
    ]
    for p in people:
        if not p.grades:
            parts.append(
                texts.get(
                    "recognition.rating.result_hidden",
                    lang,
                    name=p.name,
                    place=p.place,
                    raters=p.raters,
                    eligible=p.eligible,
                )
            )
            continue
        counts = texts.join(
            [
                texts.get(
                    "recognition.rating.grade_count",
                    lang,
                    grade=texts.get(f"recognition.grade.{g.value}", lang),
                    n=n,
                )
                for g, n in p.grades.items()
            ],
            lang,
        )
        line = texts.get(
            "recognition.rating.result_line",
            lang,
            name=p.name,
            place=p.place,
            raters=p.raters,
            eligible=p.eligible,
            grades=Html(counts),
            approval=f"{rules.approval(p.grades):.0%}",
        )
        if p.comments:
            items = "\n".join(f"· {c}" for c in p.comments)
            line += "\n" + texts.get("recognition.rating.comments", lang, items=items)
        parts.append(line)
    rows = []
    if state == "open":
        rows.append([_b(texts.get("recognition.btn.close_round", lang), RoundPress(round_id))])
    return "\n\n".join(parts), InlineKeyboardMarkup(rows) if rows else None


def problem_text(p: Problem, texts: Texts, lang: str, detail: str = "") -> str:
    return texts.get(f"recognition.problem.{p.value}", lang, detail=detail)


__all__ = ["ADVANCE_FROM", "SHOW_ACTS", "AdminAct"]  # re-exported: the buttons' actions
