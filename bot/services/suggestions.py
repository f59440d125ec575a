"""Rationalization suggestions: limits, tagging, the review workflow and who may move what.

submitted → under_review → adopted / rejected (reason required) → implemented → rewarded;
a duplicate is merged into an earlier suggestion (its author is credited there too).
Unit leaders review their unit's suggestions; admins review all and give rewards.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.auth import Action, Actor, Place, Reach, can, reach
from bot.domain.casework import NONCE_BYTES, seal, suggestion_tag, unseal
from bot.domain.text import visible
from bot.repos.outbox import SEALED
from bot.repos.people import Person
from bot.repos.suggestions import NewSuggestion, SuggestionsRepo
from bot.repos.suggestions import Suggestion as Suggestion  # the row type handlers render
from bot.tagging import Correction, Tagger, TagResult

if TYPE_CHECKING:
    from bot.repos.outbox import OutMessage
    from bot.services.suggestion_report import Report, Scope
    from bot.texts import Texts

MAX_CHARS = 2000
__all__ = ["SEALED", "SuggestionService", "sealed_key"]


def sealed_key() -> str:
    """A dedupe key for a SEALED notice: random, so it names neither chat nor suggestion."""
    return secrets.token_hex(16)


MAX_PHOTOS = 5
SIMILAR_TOP = 3
SIMILAR_THRESHOLD = 0.3

SUBMITTED, UNDER_REVIEW, ADOPTED, REJECTED = "submitted", "under_review", "adopted", "rejected"
IMPLEMENTED, REWARDED, MERGED = "implemented", "rewarded", "merged"
STATES = (SUBMITTED, UNDER_REVIEW, ADOPTED, REJECTED, IMPLEMENTED, REWARDED, MERGED)
DECIDED = (ADOPTED, IMPLEMENTED, REWARDED)  # counted as adopted in the adoption rate
QUEUE_STATES = (SUBMITTED, UNDER_REVIEW, ADOPTED, IMPLEMENTED)


class Move(StrEnum):
    TAKE = "take"
    ADOPT = "adopt"
    REJECT = "reject"
    DUPLICATE = "dup"
    IMPLEMENT = "impl"
    REWARD = "reward"


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


class Decision(StrEnum):
    """What a reviewer's press on a card led to."""

    DONE = "done"  # the move is made
    ASK_REASON = "ask_reason"  # 不采纳 needs a reason: ask for it, nothing changed yet
    ASK_REWARD = "ask_reward"  # 奖励 needs points (and yuan)
    PICK_TARGET = "pick_target"  # 重复 needs the earlier suggestion it repeats
    NO_PERMISSION = "no_permission"
    STATE_CHANGED = "state_changed"  # another reviewer moved it first
    STALE = "stale"  # gone, or the move could not be made any more


@dataclass(frozen=True)
class Pressed:
    decision: Decision
    suggestion: Suggestion | None = None


@dataclass(frozen=True)
class Similar:
    suggestion: Suggestion
    score: float


class SuggestionService:
    def __init__(self, repo: SuggestionsRepo, tagger: Tagger, key: bytes) -> None:
        self.repo = repo
        self.tagger = tagger
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

    async def press(self, actor: Actor, suggestion_id: int, move: Move) -> Pressed:
        """A reviewer pressed `move` on a card: make it, or say what it needs first (a reason,
        a reward, a target) or why it cannot be made. One set of rules for buttons and typed
        answers: the move itself is `apply`."""
        s = await self.repo.get(suggestion_id)
        if s is None:
            return Pressed(Decision.STALE)
        rule = RULES[move]
        if not can(actor, rule.action, Place(s.unit_id, s.team_id)):
            return Pressed(Decision.NO_PERMISSION, s)
        if s.state not in rule.from_states:
            return Pressed(Decision.STATE_CHANGED, s)
        needs = {
            Move.REJECT: Decision.ASK_REASON,
            Move.REWARD: Decision.ASK_REWARD,
            Move.DUPLICATE: Decision.PICK_TARGET,
        }
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

    async def review_queue(self, actor: Actor) -> list[Suggestion]:
        """What this reviewer can move now: their unit's (all, for an admin), oldest first."""
        everywhere = reach(actor, Action.REVIEW_SUGGESTION) is Reach.ALL
        unit = None if everywhere else actor.unit_id
        return [s for s in await self.repo.queue(unit, QUEUE_STATES) if moves_for(actor, s)]

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
