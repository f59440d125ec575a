"""The buttons of a suggestion, typed (bot/callbacks.py), with the strings they always had, so
buttons already in chats keep working:

- the submitter's preview: "sgs:v1:<nonce>:<act>:<topic index or 0>" (`DraftPress`);
- a reviewer's card: "sg:v1:<id>:<move>:<earlier id or 0>" (`ReviewPress`), and the notice
  of a new suggestion asking for its card, "sg:v1:<id>:open:0" (`OpenCard`);
- a reviewer's topic correction: "sgt:v1:<id>:<mask>:<index | SAVE | OPEN>" (`TopicPress`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import INT64_MAX, Callback, Id, Range
from bot.services.suggestions import MERGED, REJECTED, REWARDED, Move, Similar, Suggestion
from bot.texts import Html, Texts

NS_DRAFT = "sgs"
NS_REVIEW = "sg"
SAVE = 99
OPEN = 98  # shows the topic buttons without changing anything
NONCE_MAX = 999_999  # a preview's nonce: 1 … NONCE_MAX


class DraftAct(StrEnum):
    SUBMIT = "submit"
    ANONYMOUS = "anon"
    TOPICS = "topics"  # show the topic buttons
    CANCEL = "cancel"
    TOPIC = "t"  # toggle the topic at `arg`
    BACK = "back"  # topics done: the preview again


@dataclass(frozen=True)
class DraftPress(Callback, ns=NS_DRAFT, version=1):
    nonce: Annotated[int, Range(1, NONCE_MAX)]
    act: DraftAct
    arg: Annotated[int, Range(0, SAVE)] = 0


@dataclass(frozen=True)
class TopicPress(Callback, ns="sgt", version=1):
    """A reviewer's topic choice. The mask's width is the tagger's topic count, checked by the
    handler (`_chosen`)."""

    suggestion: Id
    mask: Annotated[int, Range(0, INT64_MAX)]
    index: Annotated[int, Range(0, SAVE)]


@dataclass(frozen=True)
class ReviewPress(Callback, ns=NS_REVIEW, version=1):
    """A move on a reviewer's card; `target` is the earlier suggestion a duplicate repeats."""

    id: Id
    move: Move
    target: Annotated[int, Range(0, INT64_MAX)] = 0


@dataclass(frozen=True)
class OpenCard(Callback, ns=NS_REVIEW, version=1):
    """A reviewer's notice of a new suggestion asks for its card."""

    id: Id
    op: Literal["open"] = "open"
    zero: Annotated[int, Range(0, 0)] = 0


# ---- texts


def topics_text(texts: Texts, topics: Sequence[str], lang: str | None) -> str:
    return texts.join((texts.get(f"suggestions.topic.{t}", lang) for t in topics), lang)


def state_text(texts: Texts, state: str, lang: str | None) -> str:
    return texts.get(f"suggestions.state.{state}", lang)


def short(text: str, size: int = 30) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def card_text(
    texts: Texts, lang: str | None, tz: ZoneInfo, s: Suggestion, similar: Sequence[Similar]
) -> str:
    """A reviewer's card: the suggestion (an anonymous one unnamed), the similar earlier ones
    and, once rejected, the reason."""
    author = texts.get("suggestions.anonymous", lang) if s.anonymous else s.author_name
    lines = [
        texts.get(
            "suggestions.card",
            lang,
            id=s.id,
            state=state_text(texts, s.state, lang),
            unit=s.unit_name,
            team=s.team_name,
            author=author,
            date=s.created_at.astimezone(tz).strftime("%Y-%m-%d"),
            text=s.text,
            topics=topics_text(texts, s.topics, lang),
            keywords=texts.join(s.keywords, lang) or "—",
            photos=len(s.photos),
        )
    ]
    for m in similar:
        lines.append(
            texts.get(
                "suggestions.similar_line",
                lang,
                id=m.suggestion.id,
                score=round(m.score * 100),
                state=state_text(texts, m.suggestion.state, lang),
                text=short(m.suggestion.text),
            )
        )
    if s.reason:
        lines.append(texts.get("suggestions.reason_line", lang, reason=s.reason))
    return "\n".join(lines)


def mine_lines(texts: Texts, lang: str | None, items: Sequence[Suggestion]) -> list[str]:
    """/mine: the worker's own suggestions, with the reason of each one rejected."""
    if not items:
        return [texts.get("suggestions.mine_none", lang)]
    lines = [texts.get("suggestions.mine_header", lang, count=len(items))]
    for s in items:
        lines.append(
            texts.get(
                "suggestions.mine_line",
                lang,
                id=s.id,
                state=state_text(texts, s.state, lang),
                topics=topics_text(texts, s.topics, lang),
                text=short(s.text),
            )
        )
        if s.state == REJECTED and s.reason:
            lines.append(texts.get("suggestions.reason_line", lang, reason=s.reason))
    return lines


def reviewer_notice(
    texts: Texts, lang: str | None, s: Suggestion
) -> tuple[str, InlineKeyboardMarkup]:
    """A new suggestion as its reviewers first see it, with the button that opens its card."""
    text = texts.get(
        "suggestions.notify.new_for_reviewer",
        lang,
        id=s.id,
        unit=s.unit_name,
        team=s.team_name,
        topics=topics_text(texts, s.topics, lang),
        text=short(s.text, 120),
    )
    button = InlineKeyboardButton(
        texts.get("suggestions.btn.open", lang), callback_data=OpenCard(s.id).encode()
    )
    return text, InlineKeyboardMarkup([[button]])


def submitter_notice(texts: Texts, lang: str | None, s: Suggestion, code: str | None) -> str:
    """What the submitter is told when their suggestion changes state (`code`: a reward's claim)."""
    values: dict[str, object] = {
        "id": s.id,
        "text": short(s.text),
        "state": state_text(texts, s.state, lang),
    }
    if s.state == REJECTED:
        values["reason"] = s.reason or ""
    if s.state == REWARDED:
        values["points"], values["amount"] = s.points, f"{s.amount_fen / 100:.2f}"
        values["claim"] = (
            Html(texts.get("suggestions.notify.claim", lang, code=code)) if code else ""
        )
    if s.state == MERGED:
        values["target"] = s.duplicate_of or 0
    return texts.get(f"suggestions.notify.{s.state}", lang, **values)
