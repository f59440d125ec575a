"""The buttons of a suggestion, typed (bot/callbacks.py), with the strings they always had, so
buttons already in chats keep working:

- the submitter's preview: "sgs:v1:<nonce>:<act>:<topic index or 0>" (`DraftPress`);
- a reviewer's card: "sg:v1:<id>:<move>:<earlier id or 0>" (`ReviewPress`), and the notice
  of a new suggestion asking for its card, "sg:v1:<id>:open:0" (`OpenCard`);
- a reviewer's topic correction: "sgt:v1:<id>:<mask>:<index | SAVE | OPEN>" (`TopicPress`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import INT64_MAX, Callback, Id, Range
from bot.outcomes.suggestions import (
    MAX_CHARS,
    MAX_PHOTOS,
    MERGED,
    NONCE_MAX,
    OPEN,
    REJECTED,
    REWARDED,
    SAVE,
    Card,
    DraftAct,
    DraftOutcome,
    DraftReply,
    Move,
    ReportRefused,
    Similar,
    SuggestDraft,
    TopicChoice,
    TopicsShown,
)
from bot.repos.suggestions import Suggestion
from bot.texts import Html, Texts
from bot.views import rectification as rectification_view

NS_DRAFT = "sgs"
NS_REVIEW = "sg"
__all__ = ["NONCE_MAX", "OPEN", "SAVE", "DraftAct"]  # their home is the use case


@dataclass(frozen=True)
class DraftPress(Callback, ns=NS_DRAFT, version=1):
    nonce: Annotated[int, Range(1, NONCE_MAX)]
    act: DraftAct
    arg: Annotated[int, Range(0, SAVE)] = 0


@dataclass(frozen=True)
class TopicPress(Callback, ns="sgt", version=1):
    """A reviewer's topic choice. The mask's width is the tagger's topic count, checked by the
    use case (`SuggestionService.topics_of`)."""

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


# ---- the submitter's draft


_DRAFT_REPLY = {
    DraftReply.NOT_REGISTERED: "common.not_registered",
    DraftReply.ASK: "suggestions.ask",
    DraftReply.TOO_LONG: "suggestions.too_long",
    DraftReply.GROUP_EMPTY: "suggestions.group_empty",
    DraftReply.GROUP_OPEN_PRIVATE: "suggestions.group_open_private",
    DraftReply.GROUP_ACK: "suggestions.group_ack",
    DraftReply.USE_BUTTONS: "suggestions.use_buttons",
    DraftReply.PHOTO_NO_FLOW: "suggestions.photo_no_flow",
    DraftReply.PHOTO_LIMIT: "suggestions.photo_limit",
    DraftReply.PHOTO_NEED_TEXT: "suggestions.photo_need_text",
}


def draft_reply(out: DraftOutcome, name: str) -> tuple[str, dict[str, object]] | None:
    """The reply's text key and values (`name`: the person's first name), or None."""
    if out.reply is None:
        return None
    too_long: dict[str, object] = {"limit": MAX_CHARS, "length": out.length}
    values: dict[DraftReply, dict[str, object]] = {
        DraftReply.ASK: {"limit": MAX_CHARS},
        DraftReply.TOO_LONG: too_long,
        DraftReply.GROUP_EMPTY: too_long,
        DraftReply.GROUP_OPEN_PRIVATE: {"name": name},
        DraftReply.GROUP_ACK: {"name": name},
        DraftReply.PHOTO_LIMIT: {"limit": MAX_PHOTOS},
        DraftReply.PHOTO_NEED_TEXT: {"count": out.photos},
    }
    return _DRAFT_REPLY[out.reply], values.get(out.reply, {})


def _draft_button(
    texts: Texts, lang: str | None, key: str, nonce: int, act: DraftAct
) -> InlineKeyboardButton:
    return InlineKeyboardButton(texts.get(key, lang), callback_data=DraftPress(nonce, act).encode())


def preview(
    texts: Texts, lang: str | None, draft: SuggestDraft
) -> tuple[str, InlineKeyboardMarkup]:
    """The draft as the submitter checks it, with 提交 / 匿名提交 / 改主题 / 取消."""
    text = texts.get(
        "suggestions.preview",
        lang,
        text=draft.text,
        photos=len(draft.photos),
        topics=topics_text(texts, draft.topics, lang),
        keywords=texts.join(draft.keywords, lang) or "—",
    )

    def b(key: str, act: DraftAct) -> InlineKeyboardButton:
        return _draft_button(texts, lang, f"suggestions.btn.{key}", draft.nonce, act)

    return text, InlineKeyboardMarkup(
        [
            [b("submit", DraftAct.SUBMIT), b("anonymous", DraftAct.ANONYMOUS)],
            [b("topics", DraftAct.TOPICS), b("cancel", DraftAct.CANCEL)],
        ]
    )


def _topic_rows(
    texts: Texts,
    lang: str | None,
    topics: Sequence[str],
    chosen: Sequence[str],
    data: Callable[[int], str],
) -> list[list[InlineKeyboardButton]]:
    buttons = [
        InlineKeyboardButton(
            ("✓ " if t in chosen else "") + texts.get(f"suggestions.topic.{t}", lang),
            callback_data=data(i),
        )
        for i, t in enumerate(topics)
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def draft_topics(texts: Texts, lang: str | None, choice: TopicChoice) -> InlineKeyboardMarkup:
    """The preview's topic buttons, then 完成 (back to the preview)."""
    nonce = choice.nonce
    rows = _topic_rows(
        texts, lang, choice.topics, choice.chosen,
        lambda i: DraftPress(nonce, DraftAct.TOPIC, i).encode(),
    )  # fmt: skip
    rows.append([_draft_button(texts, lang, "suggestions.btn.done", nonce, DraftAct.BACK)])
    return InlineKeyboardMarkup(rows)


# ---- a reviewer's card


def card(texts: Texts, lang: str, tz: ZoneInfo, c: Card) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card and its buttons, three a row: the moves, 改主题, 转整改."""
    s = c.suggestion
    buttons = [
        InlineKeyboardButton(
            texts.get(f"suggestions.btn.{m.value}", lang),
            callback_data=ReviewPress(s.id, m).encode(),
        )
        for m in c.moves
    ]
    if c.topics_mask is not None:
        data = TopicPress(s.id, c.topics_mask, OPEN).encode()
        buttons.append(
            InlineKeyboardButton(texts.get("suggestions.btn.topics", lang), callback_data=data)
        )
    if c.rectify:
        buttons.append(rectification_view.from_suggestion_button(texts, lang, s.id))
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return card_text(texts, lang, tz, s, c.similar), (InlineKeyboardMarkup(rows) if rows else None)


def review_topics(texts: Texts, lang: str | None, shown: TopicsShown) -> InlineKeyboardMarkup:
    """A reviewer's topic buttons, then 完成 (saves the choice)."""
    sid, mask = shown.suggestion_id, shown.mask
    rows = _topic_rows(
        texts, lang, shown.topics, shown.chosen, lambda i: TopicPress(sid, mask, i).encode()
    )
    done = texts.get("suggestions.btn.done", lang)
    rows.append([InlineKeyboardButton(done, callback_data=TopicPress(sid, mask, SAVE).encode())])
    return InlineKeyboardMarkup(rows)


def merge_targets(s: Suggestion, similar: Sequence[Similar]) -> InlineKeyboardMarkup:
    """重复: the similar earlier suggestions, one button each, to merge into."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"#{m.suggestion.id} {short(m.suggestion.text, 16)}",
                    callback_data=ReviewPress(s.id, Move.DUPLICATE, m.suggestion.id).encode(),
                )
            ]
            for m in similar
        ]
    )


def report_refused(out: ReportRefused) -> tuple[str, dict[str, object]]:
    """/suggestion_report refused: the text key and its values."""
    if out.code is None:
        return "common.no_permission", {}
    return f"suggestions.report.{out.code}_period", {"value": out.value}
