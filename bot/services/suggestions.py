"""Rationalization suggestions: limits, tagging, the review workflow and who may move what.

submitted → under_review → adopted / rejected (reason required) → implemented → rewarded;
a duplicate is merged into an earlier suggestion (its author is credited there too).
Unit leaders review their unit's suggestions; admins review all and give rewards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.auth import Action, Actor, Place, can
from bot.domain.text import visible
from bot.repos.people import Person
from bot.repos.suggestions import NewSuggestion, Suggestion, SuggestionsRepo
from bot.tagging import Correction, Tagger, TagResult

MAX_CHARS = 2000
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


@dataclass(frozen=True)
class Similar:
    suggestion: Suggestion
    score: float


class SuggestionService:
    def __init__(self, repo: SuggestionsRepo, tagger: Tagger) -> None:
        self.repo = repo
        self.tagger = tagger
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
        new = NewSuggestion(
            author_member_id=person.member_id,
            team_id=person.team_id,
            unit_id=person.unit_id,
            text=text,
            photos=photos,
            anonymous=anonymous,
            topics=topics or tagged.topics,
            auto_topics=tagged.topics,
            keywords=tagged.keywords,
            tokens=tagged.tokens,
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
