"""Rationalization suggestions: limits, tagging, the review workflow and who may move what.

submitted → under_review → adopted / rejected (reason required) → implemented → rewarded;
a duplicate is merged into an earlier suggestion (its author is credited there too).
Unit leaders review their unit's suggestions; admins review all and give rewards.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.auth import Action, Actor, Place, Reach, can, reach
from bot.domain.casework import NONCE_BYTES, seal, suggestion_tag, unseal
from bot.domain.periods import PeriodError, parse_period
from bot.domain.text import visible
from bot.outcomes.suggestions import (
    ADOPTED,
    IMPLEMENTED,
    MAX_CHARS,
    MAX_PHOTOS,
    MERGED,
    NONCE_MAX,
    OPEN,
    REJECTED,
    REWARDED,
    SAVE,
    STATES,
    SUBMITTED,
    UNDER_REVIEW,
    Card,
    Decision,
    DraftAct,
    DraftCancelled,
    DraftOutcome,
    DraftPressed,
    DraftPreview,
    DraftReply,
    DraftStale,
    DraftStep,
    DraftUnregistered,
    Move,
    NeedOneTopic,
    Pressed,
    ReportRefused,
    ReviewQueue,
    Similar,
    Submitted,
    SuggestDraft,
    TopicChoice,
    TopicPressed,
    TopicsSaved,
    TopicsShown,
)
from bot.repos.outbox import SEALED
from bot.repos.people import Person
from bot.repos.suggestions import NewSuggestion, SuggestionsRepo
from bot.repos.suggestions import Suggestion as Suggestion  # the row type handlers render
from bot.tagging import OTHER, Correction, Tagger, TagResult

if TYPE_CHECKING:
    from bot.repos.conversations import ConversationsRepo
    from bot.repos.outbox import OutMessage
    from bot.repos.people import PeopleRepo
    from bot.services.suggestion_report import Report, Scope
    from bot.texts import Texts

# The outcomes are re-exported: handlers and tests read them from here.
__all__ = [
    "ADOPTED",
    "IMPLEMENTED",
    "MAX_CHARS",
    "MAX_PHOTOS",
    "MERGED",
    "NONCE_MAX",
    "OPEN",
    "REJECTED",
    "REWARDED",
    "SAVE",
    "SEALED",
    "STATES",
    "SUBMITTED",
    "UNDER_REVIEW",
    "Card",
    "Decision",
    "DraftAct",
    "DraftCancelled",
    "DraftOutcome",
    "DraftPressed",
    "DraftPreview",
    "DraftReply",
    "DraftStale",
    "DraftStep",
    "DraftUnregistered",
    "Move",
    "NeedOneTopic",
    "Pressed",
    "ReportRefused",
    "ReviewQueue",
    "Similar",
    "Submitted",
    "SuggestDraft",
    "SuggestionService",
    "TopicChoice",
    "TopicPressed",
    "TopicsSaved",
    "TopicsShown",
    "sealed_key",
]


def sealed_key() -> str:
    """A dedupe key for a SEALED notice: random, so it names neither chat nor suggestion."""
    return secrets.token_hex(16)


MAX_CARDS = 10  # /review shows this many cards; the rest are counted
SIMILAR_TOP = 3
SIMILAR_THRESHOLD = 0.3

DECIDED = (ADOPTED, IMPLEMENTED, REWARDED)  # counted as adopted in the adoption rate
QUEUE_STATES = (SUBMITTED, UNDER_REVIEW, ADOPTED, IMPLEMENTED)


@dataclass(frozen=True)
class Rule:
    from_states: tuple[str, ...]
    to_state: str
    action: Action


RULES: dict[Move, Rule] = {
    Move.TAKE: Rule((SUBMITTED,), UNDER_REVIEW, Action.REVIEW_SUGGESTION),
    Move.ADOPT: Rule((SUBMITTED, UNDER_REVIEW), ADOPTED, Action.REVIEW_SUGGESTION),
    Move.REJECT: Rule((SUBMITTED, UNDER_REVIEW), REJECTED, Action.REVIEW_SUGGESTION),
    Move.DUPLICATE: Rule((SUBMITTED, UNDER_REVIEW), MERGED, Action.REVIEW_SUGGESTION),
    Move.IMPLEMENT: Rule((ADOPTED,), IMPLEMENTED, Action.REVIEW_SUGGESTION),
    Move.REWARD: Rule((IMPLEMENTED,), REWARDED, Action.REWARD_SUGGESTION),
}


class TextProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def check_text(text: str | None) -> TextProblem | None:
    body = visible(text)
    if not body:
        return TextProblem.EMPTY
    if len(body) > MAX_CHARS:
        return TextProblem.TOO_LONG
    return None


def moves_for(actor: Actor, s: Suggestion) -> list[Move]:
    """The buttons a reviewer gets on a suggestion, in workflow order."""
    place = Place(s.unit_id, s.team_id)
    return [
        m
        for m, rule in RULES.items()
        if s.state in rule.from_states and can(actor, rule.action, place)
    ]


def may_review(actor: Actor, s: Suggestion) -> bool:
    return can(actor, Action.REVIEW_SUGGESTION, Place(s.unit_id, s.team_id))


_AMOUNT = re.compile(
    r"^\s*(\d{1,6})\s*(?:分|积分|points?)?\s*(?:[,，\s]\s*(\d{1,7}(?:\.\d{1,2})?)\s*(?:元|yuan)?)?\s*$",
    re.I,
)


MAX_REASON = 500


def parse_reason(text: str | None) -> str | None:
    """不采纳's reason as kept (visible text, 1…MAX_REASON characters), or None: ask again."""
    reason = visible(text)
    return reason if reason and len(reason) <= MAX_REASON else None


def parse_reward(text: str) -> tuple[int, int] | None:
    """'20' → 20 points; '20 150' or '20分，150元' → 20 points and 150.00 yuan (in fen)."""
    m = _AMOUNT.match(text or "")
    if m is None:
        return None
    points = int(m.group(1))
    fen = round(float(m.group(2)) * 100) if m.group(2) else 0
    if points == 0 and fen == 0:
        return None
    return points, fen


# ------------------------------------------------------------------ writing one


def new_draft(step: DraftStep, text: str = "") -> SuggestDraft:
    return SuggestDraft(step, random.randint(1, NONCE_MAX), text)


def toggle_topic(chosen: Sequence[str], topic: str) -> list[str]:
    """One or two topics: a third replaces the older; 其他 (OTHER) stands alone."""
    if topic in chosen:
        return [t for t in chosen if t != topic]
    if topic == OTHER or OTHER in chosen:
        return [topic]
    return [*chosen, topic][-2:]


class SuggestionService:
    def __init__(
        self,
        repo: SuggestionsRepo,
        tagger: Tagger,
        key: bytes,
        people: PeopleRepo,
        conversations: ConversationsRepo,
        admins: frozenset[int],
    ) -> None:
        self.repo = repo
        self.tagger = tagger
        self.people = people  # who may be written to: reviewers, admins, the author
        self.conversations = conversations  # the draft being written
        self.admins = admins
        # Keys the stand-ins of an anonymous author (bot.domain.casework): from the bot token,
        # never stored, so the database alone does not tell who wrote one.
        self.key = key
        self._learned = False

    async def tag(self, text: str) -> TagResult:
        await self.tagger.wait_ready()
        if not self._learned:
            rows = await self.repo.reviewer_corrections()
            self.tagger.learn_all(Correction(r.tokens, r.old, r.new) for r in rows)
            self._learned = True
        return self.tagger.tag(text)

    # -------------------------------------------------------------- writing one

    async def start_draft(
        self, person: Person | None, user_id: int, private: bool, text: str
    ) -> DraftOutcome:
        """/suggest [text]: privately, a new draft (or the one begun in a group); in a group,
        the text taken there and its preview sent privately."""
        if person is None:
            return DraftOutcome(DraftReply.NOT_REGISTERED)
        if not private:
            return await self._group_draft(user_id, text)
        draft = await self.conversations.state(user_id, user_id, SuggestDraft)
        if not text and draft and draft.text:
            return DraftOutcome(None, draft)  # a draft from the group
        draft = new_draft(DraftStep.TEXT)
        await self.conversations.put(user_id, user_id, draft)
        if text:
            return await self.take_text(user_id, draft, text)
        return DraftOutcome(DraftReply.ASK)

    async def _group_draft(self, user_id: int, text: str) -> DraftOutcome:
        problem = check_text(text)
        if problem is not None:
            said = DraftReply.GROUP_EMPTY if problem is TextProblem.EMPTY else DraftReply.TOO_LONG
            return DraftOutcome(said, length=len(text))
        draft = await self._tagged(new_draft(DraftStep.PREVIEW, text))
        await self.conversations.put(user_id, user_id, draft)
        if not await self.people.private_ok(user_id):
            return DraftOutcome(DraftReply.GROUP_OPEN_PRIVATE)
        return DraftOutcome(DraftReply.GROUP_ACK, draft)

    async def _tagged(self, draft: SuggestDraft) -> SuggestDraft:
        result = await self.tag(draft.text)
        return replace(
            draft, topics=tuple(result.topics), auto=tuple(result.topics),
            keywords=tuple(result.keywords),
        )  # fmt: skip

    async def draft_text(self, user_id: int, draft: SuggestDraft, text: str) -> DraftOutcome:
        """A message while writing: the text (the preview waits for its buttons instead)."""
        if draft.step is DraftStep.PREVIEW:
            return DraftOutcome(DraftReply.USE_BUTTONS)
        return await self.take_text(user_id, draft, text)

    async def take_text(self, user_id: int, draft: SuggestDraft, text: str) -> DraftOutcome:
        problem = check_text(text)
        if problem is TextProblem.TOO_LONG:
            return DraftOutcome(DraftReply.TOO_LONG, length=len(text))
        if problem is TextProblem.EMPTY:
            return DraftOutcome(DraftReply.ASK)
        draft = await self._tagged(replace(draft, step=DraftStep.PREVIEW, text=visible(text)))
        await self.conversations.put(user_id, user_id, draft)
        return DraftOutcome(None, draft)

    async def add_photo(self, user_id: int, file_id: str, caption: str | None) -> DraftOutcome:
        """A photo for the draft (its caption the text), up to MAX_PHOTOS."""
        draft = await self.conversations.state(user_id, user_id, SuggestDraft)
        if draft is None:
            return DraftOutcome(DraftReply.PHOTO_NO_FLOW)
        if len(draft.photos) >= MAX_PHOTOS:
            return DraftOutcome(DraftReply.PHOTO_LIMIT)
        draft = replace(draft, photos=(*draft.photos, file_id))
        await self.conversations.put(user_id, user_id, draft)
        if caption:
            return await self.take_text(user_id, draft, caption)
        if draft.step is DraftStep.PREVIEW:
            return DraftOutcome(None, draft)
        return DraftOutcome(DraftReply.PHOTO_NEED_TEXT, photos=len(draft.photos))

    async def press_draft(
        self, person: Person | None, user_id: int, nonce: int, act: DraftAct, arg: int
    ) -> DraftPressed:
        """A button of the preview: submit (named or anonymous), cancel, or choose topics."""
        draft = await self.conversations.state(user_id, user_id, SuggestDraft)
        if draft is None or draft.step is not DraftStep.PREVIEW or nonce != draft.nonce:
            return DraftStale()
        if act in (DraftAct.SUBMIT, DraftAct.ANONYMOUS):
            return await self._submit_draft(person, user_id, draft, act is DraftAct.ANONYMOUS)
        if act is DraftAct.CANCEL:
            await self.conversations.clear(user_id, user_id)
            return DraftCancelled()
        if act is DraftAct.BACK:
            return DraftPreview(draft)
        topics, chosen = self.tagger.topics, list(draft.topics)
        if act is DraftAct.TOPIC and arg < len(topics):
            chosen = toggle_topic(chosen, topics[arg])
            if not chosen:
                return NeedOneTopic()
            await self.conversations.put(user_id, user_id, replace(draft, topics=tuple(chosen)))
        return TopicChoice(draft.nonce, tuple(topics), tuple(chosen))

    async def _submit_draft(
        self, person: Person | None, user_id: int, draft: SuggestDraft, anonymous: bool
    ) -> DraftStale | DraftUnregistered | Submitted:
        if person is None:
            return DraftUnregistered()
        saved = await self.submit(
            person, draft.text, draft.photos, draft.topics, anonymous, user_id, (user_id, user_id)
        )
        if saved is None:  # a second press: the conversation was gone
            return DraftStale()
        return Submitted(saved, anonymous, tuple(await self.reviewers_of(saved)))

    async def reviewers_of(self, s: Suggestion) -> list[int]:
        """Who hears of a new suggestion at once: its unit's leaders the bot can write to; when
        there is none, the admins, so no suggestion waits unseen."""
        reviewers = await self.people.reachable_unit_leaders(s.unit_id)
        return reviewers or await self.people.reachable_admins(self.admins)

    async def submit(
        self,
        person: Person,
        text: str,
        photos: tuple[str, ...],
        topics: tuple[str, ...],
        anonymous: bool,
        actor: int,
        conversation: tuple[int, int],
    ) -> Suggestion | None:
        tagged = await self.tag(text)
        key, chat = self.key, conversation[0]
        new = NewSuggestion(
            author_member_id=None if anonymous else person.member_id,
            team_id=person.team_id,
            unit_id=person.unit_id,
            text=text,
            photos=photos,
            anonymous=anonymous,
            topics=topics or tagged.topics,
            auto_topics=tagged.topics,
            keywords=tagged.keywords,
            tokens=tagged.tokens,
            tag_of=(lambda sid: suggestion_tag(key, sid, actor)) if anonymous else None,
            reply_to=seal(key, chat, secrets.token_bytes(NONCE_BYTES)) if anonymous else None,
        )
        return await self.repo.create(new, actor, conversation)

    async def apply(
        self,
        actor: Actor,
        suggestion_id: int,
        move: Move,
        *,
        reason: str | None = None,
        reward: tuple[int, int] | None = None,
    ) -> bool:
        """A reviewer's move (with its reason, or its reward in points and fen), made only if
        they may make it there and the suggestion still stands where the move starts: another
        reviewer may have been first. A merge needs its target: `repo.merge`."""
        if move is Move.DUPLICATE:
            raise ValueError("a merge needs its target")
        s = await self.repo.get(suggestion_id)
        rule = RULES[move]
        if s is None or not can(actor, rule.action, Place(s.unit_id, s.team_id)):
            return False
        if move is Move.REWARD:
            assert reward is not None
            points, fen = reward
            return await self.repo.reward(
                s.id, points, fen, None, actor.tg_user_id, rule.from_states
            )
        return await self.repo.transition(
            s.id, rule.from_states, rule.to_state, actor.tg_user_id, reason=reason
        )

    async def press(self, actor: Actor, suggestion_id: int, move: Move, target: int = 0) -> Pressed:
        """A reviewer pressed `move` on a card: make it, or say what it needs first (a reason,
        a reward, a target — with the similar earlier ones to pick from) or why it cannot be
        made. 重复 with its `target` picked merges. One set of rules for buttons and typed
        answers: the move itself is `apply`."""
        s = await self.repo.get(suggestion_id)
        if s is None:
            return Pressed(Decision.STALE)
        rule = RULES[move]
        if not can(actor, rule.action, Place(s.unit_id, s.team_id)):
            return Pressed(Decision.NO_PERMISSION, s)
        if s.state not in rule.from_states:
            return Pressed(Decision.STATE_CHANGED, s)
        if move is Move.DUPLICATE and target:
            return await self.merge(actor, s.id, target)
        if move is Move.DUPLICATE:
            return Pressed(Decision.PICK_TARGET, s, tuple(await self.similar(s)))
        needs = {Move.REJECT: Decision.ASK_REASON, Move.REWARD: Decision.ASK_REWARD}
        if move in needs:
            return Pressed(needs[move], s)
        if not await self.apply(actor, s.id, move):
            return Pressed(Decision.STALE, s)
        return Pressed(Decision.DONE, s)

    async def merge(self, actor: Actor, suggestion_id: int, target_id: int) -> Pressed:
        """Merge a duplicate into the earlier suggestion it repeats. The target is checked like
        the source: merging into a suggestion one may not review would credit its author there
        and let them read it through /mine."""
        s, other = await self.repo.get(suggestion_id), await self.repo.get(target_id)
        rule = RULES[Move.DUPLICATE]
        if s is None:
            return Pressed(Decision.STALE)
        for one in (s, other):
            if one is None or not can(actor, rule.action, Place(one.unit_id, one.team_id)):
                return Pressed(Decision.NO_PERMISSION, s)
        if not await self.repo.merge(s.id, target_id, rule.from_states, actor.tg_user_id):
            return Pressed(Decision.STALE, s)
        return Pressed(Decision.DONE, s)

    async def get(self, suggestion_id: int) -> Suggestion | None:
        return await self.repo.get(suggestion_id)

    async def card(self, actor: Actor, s: Suggestion) -> Card:
        """The reviewer's card: the similar earlier ones; the moves they may make now, the
        topic correction (not on a merged one), and 转整改 once adopted."""
        similar = await self.similar(s)
        topics = may_review(actor, s) and s.state != MERGED
        place = Place(s.unit_id, s.team_id)
        rectify = s.state in DECIDED and can(actor, Action.RAISE_RECTIFICATION, place)
        mask = self.mask_of(s.topics) if topics else None
        return Card(s, similar, moves_for(actor, s), mask, rectify)

    async def open_card(self, actor: Actor, suggestion_id: int) -> Card | Decision:
        """The card of one suggestion, from a new-suggestion notice: STALE or NO_PERMISSION."""
        s = await self.repo.get(suggestion_id)
        if s is None:
            return Decision.STALE
        if not may_review(actor, s):
            return Decision.NO_PERMISSION
        return await self.card(actor, s)

    def mask_of(self, topics: Sequence[str]) -> int:
        order = self.tagger.topics
        return sum(1 << order.index(t) for t in topics if t in order)

    def topics_of(self, mask: int) -> list[str] | None:
        """The topics a mask names, or None for a mask wider than the topics (a forged press)."""
        topics = self.tagger.topics
        if mask >= 1 << len(topics):
            return None
        return [t for i, t in enumerate(topics) if mask >> i & 1]

    async def press_topic(
        self, actor: Actor, suggestion_id: int, mask: int, index: int
    ) -> TopicPressed:
        """A reviewer's topic button: tick or untick one (`index`), or save the choice (SAVE,
        at least one topic) — then the card again."""
        s, chosen = await self.repo.get(suggestion_id), self.topics_of(mask)
        if s is None or chosen is None:
            return Decision.STALE
        if not may_review(actor, s):
            return Decision.NO_PERMISSION
        if index == SAVE and chosen:
            await self.correct_topics(s, tuple(chosen), actor.tg_user_id)
            saved = await self.repo.get(s.id)
            assert saved is not None
            return TopicsSaved(await self.card(actor, saved))
        topics = self.tagger.topics
        if index < len(topics):
            chosen = toggle_topic(chosen, topics[index])
        return TopicsShown(s.id, self.mask_of(chosen), tuple(topics), tuple(chosen))

    async def review_queue(self, actor: Actor) -> list[Suggestion]:
        """What this reviewer can move now: their unit's (all, for an admin), oldest first."""
        everywhere = reach(actor, Action.REVIEW_SUGGESTION) is Reach.ALL
        unit = None if everywhere else actor.unit_id
        return [s for s in await self.repo.queue(unit, QUEUE_STATES) if moves_for(actor, s)]

    async def review(self, actor: Actor) -> ReviewQueue | None:
        """/review: the queue as cards (oldest first); None for someone who reviews nothing."""
        if not can(actor, Action.REVIEW_SUGGESTION):
            return None
        queue = await self.review_queue(actor)
        return ReviewQueue(len(queue), [await self.card(actor, s) for s in queue[:MAX_CARDS]])

    async def by_member(self, member_id: int, tg_user_id: int | None = None) -> list[Suggestion]:
        """A member's suggestions: named ones by roster row, and (given the account) the
        anonymous ones whose tag this account's id reproduces."""
        own = await self.repo.by_member(member_id)
        if tg_user_id is None:
            return own
        mine = [
            sid
            for sid, tag in await self.repo.anonymous_tags()
            if secrets.compare_digest(tag, suggestion_tag(self.key, sid, tg_user_id))
        ]
        found = own + await self.repo.by_ids(mine)
        return sorted(found, key=lambda x: x.id, reverse=True)

    async def to_tell(self, s: Suggestion) -> tuple[list[int | None], str | None, list[int]]:
        """Who hears of a step — the named author and anyone credited through a merge — and,
        for a rewarded anonymous suggestion, the code that claims the reward; third, the
        anonymous author's chat (from the sealed address), to be told through SEALED rows."""
        code = await self.repo.claim_code_of(s.id) if s.anonymous and s.state == REWARDED else None
        sealed = unseal(self.key, s.reply_to) if s.reply_to else None
        credited = await self.repo.credited_tg(s.id)
        return [s.author_tg, *credited], code, [sealed] if sealed is not None else []

    async def report(
        self,
        texts: Texts,
        lang: str,
        start: datetime,
        end: datetime,
        tz: ZoneInfo,
        scope: Scope | None,
        label: str | None = None,
        *,
        at: datetime,
    ) -> Report:
        """`at`: the moment the summary is drawn up (the workbook's "as of")."""
        # imported here: the report module imports this one (states), and its chart and
        # workbook libraries are only needed when a summary is made
        from bot.services import suggestion_report

        return await suggestion_report.build(
            self.repo, texts, lang, start, end, tz, scope, label, at=at
        )

    async def asked_report(
        self, actor: Actor, text: str, texts: Texts, lang: str, tz: ZoneInfo, now: datetime
    ) -> Report | ReportRefused:
        """/suggestion_report [period]: the summary of what the person may see."""
        if not can(actor, Action.VIEW_REPORT):
            return ReportRefused(None)
        try:
            period = parse_period(text, now, tz)
        except PeriodError as err:
            return ReportRefused(err.code, err.value)
        from bot.services.suggestion_report import scope_for  # imports this module

        scope, label = scope_for(actor), period.label(lang)
        return await self.report(
            texts, lang, period.start(tz), period.end(tz), tz, scope, label, at=now
        )

    async def send_summaries(self, texts: Texts, lang: str, tz: ZoneInfo, now: datetime) -> bool:
        """Monthly and quarterly summaries to admins, each period once: the period is recorded
        and its messages (text, PNG, XLSX) handed to the outbox in one transaction. True when
        something was handed over."""
        from bot.services import suggestion_report as report  # imports this module

        handed = False
        for kind in report.due_kinds(now, tz):
            start, end = report.period_bounds(kind, now, tz, current=False)
            key = report.period_key(kind, start, tz)
            if await self.summary_sent(key):
                continue
            built = await self.report(texts, lang, start, end, tz, None, at=now)
            admins = [] if built.empty else await self.people.reachable_admins(self.admins)
            # An empty period is recorded, not sent.
            if await self.claim_summary(key, now, report.summary_rows(built, key, admins)):
                handed = True
        return handed

    async def summary_sent(self, period_key: str) -> bool:
        return await self.repo.summary_sent(period_key)

    async def claim_summary(
        self, period_key: str, at: datetime, messages: Sequence[OutMessage] = ()
    ) -> bool:
        return await self.repo.claim_summary(period_key, at, messages)

    async def similar(self, s: Suggestion) -> list[Similar]:
        await self.tagger.wait_ready()
        earlier = await self.repo.earlier_tokens(before_id=s.id)
        matches = self.tagger.similar(s.tokens, earlier, SIMILAR_TOP, SIMILAR_THRESHOLD)
        found = await self.repo.brief([m.id for m in matches])
        return [Similar(found[m.id], m.score) for m in matches if m.id in found]

    async def correct_topics(
        self, s: Suggestion, topics: tuple[str, ...], actor: int
    ) -> tuple[str, ...] | None:
        old = await self.repo.set_topics(s.id, topics, actor, by_reviewer=True)
        # Before the first tag() nothing is learnt yet: it loads every correction, this one too.
        if old is not None and old != topics and self._learned:
            self.tagger.learn(Correction(s.tokens, old, topics))
        return old
