"""Suggestions in chat: /suggest (private, or `/suggest 文本` in the team group), the preview
with topics, /review with buttons for reviewers, /mine, on-demand and scheduled summaries.

Workflow and permissions live in `bot.services.suggestions`; messages to anyone other than
the person acting (the submitter told of a step) go out through the outbox
(`handlers.common.notify`), scheduled summaries with their files too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import Stale, parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.delivery.flood import Priority
from bot.delivery.outbox import OutFile, OutMessage
from bot.domain.auth import Action, Actor, Place, can
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState
from bot.domain.periods import PeriodError, parse_period
from bot.domain.text import visible
from bot.domain.textsplit import split_text
from bot.services import suggestion_report as report
from bot.services import suggestions as sv
from bot.services.suggestions import Decision, Move, Pressed, Suggestion, TextProblem
from bot.tagging import OTHER
from bot.views import rectification as rectification_view
from bot.views import suggestions as view
from bot.views.suggestions import (
    OPEN,
    SAVE,
    DraftAct,
    DraftPress,
    OpenCard,
    ReviewPress,
    TopicPress,
)
from handlers.common import (
    answer_stale,
    lang_of,
    notify,
    reply,
    send,
    toast,
    toast_who,
    tr,
    typed_step,
    who,
)
from handlers.pledges import pledge_summary

MAX_CARDS = 10
SUMMARY_JOB = "suggestion_summaries"


def _after_command(update: Update) -> str:
    message = update.effective_message
    text = (message.text if message else None) or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def _topics_text(svc: Services, topics: tuple[str, ...] | list[str], lang: str) -> str:
    return view.topics_text(svc.texts, topics, lang)


def _state(svc: Services, state: str, lang: str) -> str:
    return view.state_text(svc.texts, state, lang)


# ------------------------------------------------------------------ submitting


class DraftStep(StrEnum):
    TEXT = "text"
    PREVIEW = "preview"


@dataclass(frozen=True)
class SuggestDraft(FlowState, flow="suggest", version=1):
    step: DraftStep
    nonce: int
    text: str = ""
    photos: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    auto: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


def _new_draft(step: DraftStep, text: str = "") -> SuggestDraft:
    return SuggestDraft(step, random.randint(1, view.NONCE_MAX), text)


async def suggest(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    text = _after_command(update)
    if chat.type != ChatType.PRIVATE:
        await _suggest_in_group(update, context, text)
        return
    draft = await svc.conversations.state(user.id, user.id, SuggestDraft)
    if not text and draft and draft.text:
        await _show_preview(update, context, user.id, draft)  # a draft from the group
        return
    draft = _new_draft(DraftStep.TEXT)
    await svc.conversations.put(user.id, user.id, draft)
    if text:
        await _take_text(update, context, user.id, draft, text)
    else:
        await reply(update, context, "suggestions.ask", limit=sv.MAX_CHARS)


async def _suggest_in_group(update: Update, context: BanzuContext, text: str) -> None:
    svc, user = context.svc, update.effective_user
    assert user is not None
    problem = sv.check_text(text)
    if problem is not None:
        key = "suggestions.group_empty" if problem is TextProblem.EMPTY else "suggestions.too_long"
        await reply(update, context, key, limit=sv.MAX_CHARS, length=len(text))
        return
    draft = await _tagged(svc, _new_draft(DraftStep.PREVIEW, text))
    await svc.conversations.put(user.id, user.id, draft)
    if not await svc.people.private_ok(user.id):
        await reply(update, context, "suggestions.group_open_private", name=user.first_name)
        return
    await reply(update, context, "suggestions.group_ack", name=user.first_name)
    await _show_preview(update, context, user.id, draft)


async def _tagged(svc: Services, draft: SuggestDraft) -> SuggestDraft:
    result = await svc.suggestions.tag(draft.text)
    return replace(
        draft, topics=tuple(result.topics), auto=tuple(result.topics),
        keywords=tuple(result.keywords),
    )  # fmt: skip


async def text_step(update: Update, context: BanzuContext, draft: SuggestDraft) -> None:
    assert update.message is not None and update.effective_user is not None
    if draft.step is DraftStep.PREVIEW:
        await reply(update, context, "suggestions.use_buttons")
        return
    user_id = update.effective_user.id
    await _take_text(update, context, user_id, draft, update.message.text or "")


async def _take_text(
    update: Update, context: BanzuContext, chat_id: int, draft: SuggestDraft, text: str
) -> None:
    problem = sv.check_text(text)
    if problem is TextProblem.TOO_LONG:
        await reply(update, context, "suggestions.too_long", limit=sv.MAX_CHARS, length=len(text))
        return
    if problem is TextProblem.EMPTY:
        await reply(update, context, "suggestions.ask", limit=sv.MAX_CHARS)
        return
    svc = context.svc
    draft = await _tagged(svc, replace(draft, step=DraftStep.PREVIEW, text=visible(text)))
    await svc.conversations.put(chat_id, chat_id, draft)
    await _show_preview(update, context, chat_id, draft)


async def photo(update: Update, context: BanzuContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.photo
    svc = context.svc
    draft = await svc.conversations.state(user.id, user.id, SuggestDraft)
    if draft is None:
        await reply(update, context, "suggestions.photo_no_flow")
        return
    if len(draft.photos) >= sv.MAX_PHOTOS:
        await reply(update, context, "suggestions.photo_limit", limit=sv.MAX_PHOTOS)
        return
    draft = replace(draft, photos=(*draft.photos, message.photo[-1].file_id))
    await svc.conversations.put(user.id, user.id, draft)
    if message.caption:
        await _take_text(update, context, user.id, draft, message.caption)
    elif draft.step is DraftStep.PREVIEW:
        await _show_preview(update, context, user.id, draft)
    else:
        await reply(update, context, "suggestions.photo_need_text", count=len(draft.photos))


async def file_in_draft(update: Update, context: BanzuContext, conv: Conversation) -> None:
    """A photo or file while a suggestion is being written: photos are attached; an image sent
    "as a file" and any other file are refused with what to do instead (never an import)."""
    message = update.effective_message
    assert message is not None
    if message.photo:
        await photo(update, context)
        return
    doc = message.document
    image = doc is not None and (doc.mime_type or "").startswith("image/")
    key = "suggestions.photo_as_file" if image else "suggestions.file_not_photo"
    await reply(update, context, key, limit=sv.MAX_PHOTOS)


def _draft_button(
    update: Update, context: BanzuContext, key: str, nonce: int, act: DraftAct
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        tr(update, context, key), callback_data=DraftPress(nonce, act).encode()
    )


def _preview_markup(update: Update, context: BanzuContext, nonce: int) -> InlineKeyboardMarkup:
    b = _draft_button
    return InlineKeyboardMarkup(
        [
            [
                b(update, context, "suggestions.btn.submit", nonce, DraftAct.SUBMIT),
                b(update, context, "suggestions.btn.anonymous", nonce, DraftAct.ANONYMOUS),
            ],
            [
                b(update, context, "suggestions.btn.topics", nonce, DraftAct.TOPICS),
                b(update, context, "suggestions.btn.cancel", nonce, DraftAct.CANCEL),
            ],
        ]
    )


def _preview_text(update: Update, context: BanzuContext, draft: SuggestDraft) -> str:
    svc, lang = context.svc, lang_of(update)
    return tr(
        update,
        context,
        "suggestions.preview",
        text=draft.text,
        photos=len(draft.photos),
        topics=_topics_text(svc, draft.topics, lang),
        keywords=svc.texts.join(draft.keywords, lang) or "—",
    )


async def _show_preview(
    update: Update, context: BanzuContext, chat_id: int, draft: SuggestDraft
) -> None:
    markup = _preview_markup(update, context, draft.nonce)
    await send(context, chat_id, _preview_text(update, context, draft), markup)


async def draft_pressed(update: Update, context: BanzuContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    svc = context.svc
    press = parse(query.data, DraftPress)
    draft = await svc.conversations.state(user.id, user.id, SuggestDraft)
    if (
        isinstance(press, Stale)
        or draft is None
        or draft.step is not DraftStep.PREVIEW
        or press.nonce != draft.nonce
    ):
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    if press.act in (DraftAct.SUBMIT, DraftAct.ANONYMOUS):
        await _submit(update, context, draft, anonymous=press.act is DraftAct.ANONYMOUS)
    elif press.act is DraftAct.CANCEL:
        await svc.conversations.clear(user.id, user.id)
        await query.answer()
        await query.edit_message_text(tr(update, context, "suggestions.cancelled"))
    else:
        await _draft_topics(update, context, draft, press.act, press.arg)


async def _submit(
    update: Update, context: BanzuContext, draft: SuggestDraft, anonymous: bool
) -> None:
    query, svc, ident = update.callback_query, context.svc, await who(update, context)
    assert query is not None and update.effective_user is not None
    if ident.person is None:
        await query.answer(
            await toast_who(update, context, "common.not_registered"), show_alert=True
        )
        return
    user_id = update.effective_user.id
    saved = await svc.suggestions.submit(
        ident.person,
        draft.text,
        draft.photos,
        draft.topics,
        anonymous,
        ident.actor.tg_user_id,
        (user_id, user_id),
    )
    svc.conversations.drop_cached(user_id, user_id)  # ended with the save
    if saved is None:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    key = "suggestions.submitted_anonymous" if anonymous else "suggestions.submitted"
    await reply(
        update, context, key, id=saved.id, topics=_topics_text(svc, saved.topics, lang_of(update))
    )
    await tell_reviewers(context, saved)


async def _draft_topics(
    update: Update, context: BanzuContext, draft: SuggestDraft, act: DraftAct, arg: int
) -> None:
    query, svc, user = update.callback_query, context.svc, update.effective_user
    assert query is not None and user is not None
    topics = svc.suggestions.tagger.topics
    chosen = list(draft.topics)
    nonce = draft.nonce
    if act is DraftAct.TOPIC and arg < len(topics):
        chosen = _toggle(chosen, topics[arg])
        if not chosen:
            await query.answer(toast(update, context, "suggestions.topics_need_one"))
            return
        await svc.conversations.put(user.id, user.id, replace(draft, topics=tuple(chosen)))
    if act is DraftAct.BACK:
        await query.answer()
        await query.edit_message_text(
            _preview_text(update, context, draft),
            parse_mode=ParseMode.HTML,
            reply_markup=_preview_markup(update, context, nonce),
        )
        return
    rows = _topic_rows(
        update, context, topics, chosen, lambda i: DraftPress(nonce, DraftAct.TOPIC, i).encode()
    )
    rows.append([_draft_button(update, context, "suggestions.btn.done", nonce, DraftAct.BACK)])
    await query.answer()
    await _edit_markup(query, InlineKeyboardMarkup(rows))


def _toggle(chosen: list[str], topic: str) -> list[str]:
    if topic in chosen:
        return [t for t in chosen if t != topic]
    if topic == OTHER or OTHER in chosen:
        return [topic]
    return [*chosen, topic][-2:]  # one or two topics: a third replaces the older


def _topic_rows(
    update: Update, context: BanzuContext, topics: tuple[str, ...], chosen: list[str], data: object
) -> list[list[InlineKeyboardButton]]:
    lang, svc = lang_of(update), context.svc
    make = data  # callable index -> callback data
    buttons = [
        InlineKeyboardButton(
            ("✓ " if t in chosen else "") + svc.texts.get(f"suggestions.topic.{t}", lang),
            callback_data=make(i),  # type: ignore[operator]
        )
        for i, t in enumerate(topics)
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def _edit_markup(query: object, markup: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_reply_markup(markup)  # type: ignore[attr-defined]
    except BadRequest as exc:  # "message is not modified": the same press twice
        if "not modified" not in str(exc):
            raise


# ------------------------------------------------------------------ reviewing


async def review(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    chat = update.effective_chat
    assert chat is not None
    if not can(ident.actor, Action.REVIEW_SUGGESTION):
        await reply(update, context, "common.no_permission")
        return
    queue = await svc.suggestions.review_queue(ident.actor)
    if not queue:
        await reply(update, context, "suggestions.review_empty")
        return
    await reply(update, context, "suggestions.review_header", count=len(queue))
    for s in queue[:MAX_CARDS]:
        text, markup = await _card(update, context, s)
        await send(context, chat.id, text, markup)
    if len(queue) > MAX_CARDS:
        await reply(update, context, "suggestions.review_more", count=len(queue) - MAX_CARDS)


async def _card(
    update: Update, context: BanzuContext, s: Suggestion
) -> tuple[str, InlineKeyboardMarkup | None]:
    ident = await who(update, context)
    text = await _card_text(update, context, s)
    buttons = _card_buttons(update, context, s, ident.actor)
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return text, (InlineKeyboardMarkup(rows) if rows else None)


async def _card_text(update: Update, context: BanzuContext, s: Suggestion) -> str:
    """The suggestion, the similar earlier ones and, once rejected, the reason."""
    svc = context.svc
    similar = await svc.suggestions.similar(s)
    return view.card_text(svc.texts, lang_of(update), svc.settings.tz, s, similar)


def _card_buttons(
    update: Update, context: BanzuContext, s: Suggestion, actor: Actor
) -> list[InlineKeyboardButton]:
    """The moves this reviewer may make now, the topic correction, and 转整改 once adopted."""
    svc = context.svc
    buttons = [
        InlineKeyboardButton(
            tr(update, context, f"suggestions.btn.{m.value}"),
            callback_data=ReviewPress(s.id, m).encode(),
        )
        for m in sv.moves_for(actor, s)
    ]
    if sv.may_review(actor, s) and s.state != sv.MERGED:
        buttons.append(
            InlineKeyboardButton(
                tr(update, context, "suggestions.btn.topics"),
                callback_data=TopicPress(s.id, _mask(svc, s.topics), OPEN).encode(),
            )
        )
    place = Place(s.unit_id, s.team_id)
    if s.state in sv.DECIDED and can(actor, Action.RAISE_RECTIFICATION, place):
        buttons.append(rectification_view.from_suggestion_button(svc.texts, lang_of(update), s.id))
    return buttons


def _mask(svc: Services, topics: tuple[str, ...] | list[str]) -> int:
    order = svc.suggestions.tagger.topics
    return sum(1 << order.index(t) for t in topics if t in order)


async def review_pressed(update: Update, context: BanzuContext) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None
    press = parse(query.data, ReviewPress, OpenCard)
    if isinstance(press, OpenCard):
        await _open_card(update, context, press.id)
        return
    if not isinstance(press, ReviewPress):
        await answer_stale(update, context)
        return
    actor = (await who(update, context)).actor
    done = await svc.suggestions.press(actor, press.id, press.move)
    if done.decision is Decision.PICK_TARGET and press.target:
        done = await svc.suggestions.merge(actor, press.id, press.target)
    await _show_pressed(update, context, done)


async def _show_pressed(update: Update, context: BanzuContext, done: Pressed) -> None:
    query, s, d = update.callback_query, done.suggestion, done.decision
    assert query is not None
    if s is not None and d is Decision.DONE:
        await query.answer(toast(update, context, "suggestions.done"))
        await _after_move(update, context, s.id)
    elif s is not None and d is Decision.ASK_REASON:
        await _ask(update, context, RejectReason, s, "suggestions.ask_reason")
    elif s is not None and d is Decision.ASK_REWARD:
        await _ask(update, context, RewardAmount, s, "suggestions.ask_reward")
    elif s is not None and d is Decision.PICK_TARGET:
        await _pick_target(update, context, s)
    elif s is not None and d is Decision.STATE_CHANGED:
        state = _state(context.svc, s.state, lang_of(update))
        await query.answer(toast(update, context, "suggestions.state_changed", state=state), True)
    elif d is Decision.NO_PERMISSION:
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
    else:
        await answer_stale(update, context)


async def _open_card(update: Update, context: BanzuContext, sid: int) -> None:
    """The card of one suggestion, from the button of a new-suggestion notice."""
    query, ident = update.callback_query, await who(update, context)
    assert query is not None and query.message is not None
    s = await context.svc.suggestions.get(sid)
    if s is None:
        await answer_stale(update, context)
        return
    if not sv.may_review(ident.actor, s):
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
        return
    await query.answer()
    text, markup = await _card(update, context, s)
    await send(context, query.message.chat.id, text, markup)


class AnswerStep(StrEnum):
    TEXT = "text"


@dataclass(frozen=True)
class RejectReason(FlowState, flow="sg_reason", version=1):
    """A reviewer pressed 不采纳: the next message is the reason. `card` is the message with
    the buttons, refreshed once the move is made."""

    step: AnswerStep
    id: int
    card: int | None = None


@dataclass(frozen=True)
class RewardAmount(FlowState, flow="sg_reward", version=1):
    """A reviewer pressed 奖励: the next message is the points (and yuan)."""

    step: AnswerStep
    id: int
    card: int | None = None


async def _ask(
    update: Update,
    context: BanzuContext,
    flow: type[RejectReason] | type[RewardAmount],
    s: Suggestion,
    key: str,
) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    chat_id = query.message.chat.id
    state = flow(AnswerStep.TEXT, s.id, query.message.message_id)
    await context.svc.conversations.put(chat_id, user.id, state)
    await query.answer()
    await reply(update, context, key, id=s.id)


async def reason_step(update: Update, context: BanzuContext, state: RejectReason) -> None:
    assert update.message is not None
    reason = visible(update.message.text)
    if not reason or len(reason) > 500:
        await reply(update, context, "suggestions.ask_reason", id=state.id)
        return
    await _finish_move(update, context, state, Move.REJECT, reason=reason)


async def reward_step(update: Update, context: BanzuContext, state: RewardAmount) -> None:
    assert update.message is not None
    amount = sv.parse_reward(update.message.text or "")
    if amount is None:
        await reply(update, context, "suggestions.ask_reward", id=state.id)
        return
    await _finish_move(update, context, state, Move.REWARD, reward=amount)


async def _finish_move(
    update: Update,
    context: BanzuContext,
    state: RejectReason | RewardAmount,
    move: Move,
    *,
    reason: str | None = None,
    reward: tuple[int, int] | None = None,
) -> None:
    """The reviewer answered the question a move needed: end the step and make the move."""
    svc, ident = context.svc, await who(update, context)
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    await svc.conversations.clear(chat.id, user.id)
    if not await svc.suggestions.apply(ident.actor, state.id, move, reason=reason, reward=reward):
        await reply(update, context, "suggestions.too_late")
        return
    await reply(update, context, "suggestions.done")
    card = (chat.id, state.card) if state.card else None
    await _after_move(update, context, state.id, card)


async def _pick_target(update: Update, context: BanzuContext, s: Suggestion) -> None:
    """重复 pressed: the similar earlier suggestions, one button each, to merge into."""
    query, svc = update.callback_query, context.svc
    assert query is not None
    similar = await svc.suggestions.similar(s)
    if not similar:
        await query.answer(toast(update, context, "suggestions.no_similar"), show_alert=True)
        return
    rows = [
        [
            InlineKeyboardButton(
                f"#{m.suggestion.id} {view.short(m.suggestion.text, 16)}",
                callback_data=ReviewPress(s.id, Move.DUPLICATE, m.suggestion.id).encode(),
            )
        ]
        for m in similar
    ]
    await query.answer()
    await _edit_markup(query, InlineKeyboardMarkup(rows))


async def _after_move(
    update: Update, context: BanzuContext, sid: int, card: tuple[int, int] | None = None
) -> None:
    """Refresh the reviewer's card — the pressed one, or the one a typed answer (a reason, a
    reward) belongs to — so it shows the new state and only the moves left; then tell the
    submitter (and anyone credited)."""
    svc = context.svc
    s = await svc.suggestions.get(sid)
    assert s is not None
    pressed = update.callback_query.message if update.callback_query else None
    if pressed is not None:
        card = (pressed.chat.id, pressed.message_id)
    if card is not None:
        text, markup = await _card(update, context, s)
        try:
            await context.bot.edit_message_text(
                text, card[0], card[1], parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" not in str(exc):
                raise
    await tell_submitter(context, s)


async def tell_submitter(context: BanzuContext, s: Suggestion) -> None:
    svc = context.svc
    lang = svc.settings.language
    told, code, sealed = await svc.suggestions.to_tell(s)
    text = view.submitter_notice(svc.texts, lang, s, code)
    key = f"sg:{s.id}:{s.state}"
    for tg in told:
        await notify(context, tg, text, purpose="suggestion", key=f"{key}:{tg}")
    for chat in sealed:  # the anonymous author: a row that keeps nothing once sent
        await notify(context, chat, text, purpose=sv.SEALED, key=sv.sealed_key())


async def tell_reviewers(context: BanzuContext, s: Suggestion) -> None:
    """A new suggestion goes to its unit's leaders at once, with a button to its card; when the
    unit has no leader the bot can write to, to the admins, so no suggestion waits unseen."""
    svc = context.svc
    lang = svc.settings.language  # the reviewer is not the one acting: the site's language
    reviewers = await svc.people.reachable_unit_leaders(s.unit_id)
    if not reviewers:
        reviewers = await svc.people.reachable_admins(svc.settings.admins)
    text, markup = view.reviewer_notice(svc.texts, lang, s)
    for tg in reviewers:
        await notify(
            context, tg, text, purpose="suggestion", key=f"sg:{s.id}:new:{tg}", markup=markup
        )


async def topic_pressed(update: Update, context: BanzuContext) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None
    press, ident = parse(query.data, TopicPress), await who(update, context)
    s = None if isinstance(press, Stale) else await svc.suggestions.get(press.suggestion)
    chosen = None if isinstance(press, Stale) else _chosen(svc, press.mask)
    if isinstance(press, Stale) or s is None or chosen is None:
        await answer_stale(update, context)
    elif not sv.may_review(ident.actor, s):
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
    elif press.index == SAVE and chosen:
        await svc.suggestions.correct_topics(s, tuple(chosen), ident.actor.tg_user_id)
        await query.answer(toast(update, context, "suggestions.done"))
        await _after_move_card_only(update, context, s.id)
    else:
        topics = svc.suggestions.tagger.topics
        if press.index < len(topics):
            chosen = _toggle(chosen, topics[press.index])
        await query.answer()
        await _edit_markup(query, _topic_keyboard(update, context, s.id, chosen))


def _chosen(svc: Services, mask: int) -> list[str] | None:
    """The topics a mask names, or None for a mask wider than the topics (a forged press)."""
    topics = svc.suggestions.tagger.topics
    if mask >= 1 << len(topics):
        return None
    return [t for i, t in enumerate(topics) if mask >> i & 1]


def _topic_keyboard(
    update: Update, context: BanzuContext, sid: int, chosen: list[str]
) -> InlineKeyboardMarkup:
    svc, mask = context.svc, _mask(context.svc, chosen)
    topics = svc.suggestions.tagger.topics
    rows = _topic_rows(update, context, topics, chosen, lambda i: TopicPress(sid, mask, i).encode())
    done = tr(update, context, "suggestions.btn.done")
    rows.append([InlineKeyboardButton(done, callback_data=TopicPress(sid, mask, SAVE).encode())])
    return InlineKeyboardMarkup(rows)


async def _after_move_card_only(update: Update, context: BanzuContext, sid: int) -> None:
    query = update.callback_query
    s = await context.svc.suggestions.get(sid)
    assert query is not None and s is not None
    text, markup = await _card(update, context, s)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


# ------------------------------------------------------------------ /mine


async def mine(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    chat = update.effective_chat
    assert chat is not None
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    pledge_text, pledge_markup = await pledge_summary(update, context, ident.person)
    await send(context, chat.id, pledge_text, pledge_markup)
    items = await svc.suggestions.by_member(ident.person.member_id, ident.actor.tg_user_id)
    lines = view.mine_lines(svc.texts, lang_of(update), items)
    for piece in split_text("\n".join(lines)):
        await send(context, chat.id, piece)


# ------------------------------------------------------------------ summaries


async def summary_command(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    chat = update.effective_chat
    assert chat is not None
    if not can(ident.actor, Action.VIEW_REPORT):
        await reply(update, context, "common.no_permission")
        return
    now, tz, lang = svc.clock.now(), svc.settings.tz, lang_of(update)
    try:
        period = parse_period(_after_command(update), now, tz)
    except PeriodError as err:
        await reply(update, context, f"suggestions.report.{err.code}_period", value=err.value)
        return
    scope = report.scope_for(ident.actor)
    built = await svc.suggestions.report(
        svc.texts, lang, period.start(tz), period.end(tz), tz, scope, period.label(lang), at=now
    )
    await _send_report(context, chat.id, built, None)


async def _send_report(
    context: BanzuContext, chat_id: int, built: report.Report, priority: Priority | None
) -> None:
    # ExtBot[None] types rate_limit_args as None; our limiter takes a Priority.
    rate: dict[str, Any] = {"rate_limit_args": priority or Priority.INTERACTIVE}
    for piece in split_text(built.text):
        await send(context, chat_id, piece, **rate)
    png = InputFile(built.png, filename=built.stem + ".png")
    await context.bot.send_photo(chat_id, png, **rate)
    xlsx = InputFile(built.xlsx, filename=built.stem + ".xlsx")
    await context.bot.send_document(chat_id, xlsx, **rate)


async def summary_job(context: BanzuContext) -> None:
    """Monthly and quarterly summaries to admins, each period once: the period is recorded and
    its messages (text, PNG, XLSX) handed to the outbox in one transaction."""
    svc = context.svc
    now = svc.clock.now()
    for kind in report.due_kinds(now, svc.settings.tz):
        start, end = report.period_bounds(kind, now, svc.settings.tz, current=False)
        key = report.period_key(kind, start, svc.settings.tz)
        if await svc.suggestions.summary_sent(key):
            continue
        built = await svc.suggestions.report(
            svc.texts,
            svc.settings.language,
            start,
            end,
            svc.settings.tz,
            None,
            at=now,
        )
        admins = [] if built.empty else await svc.people.reachable_admins(svc.settings.admins)
        # An empty period is recorded, not sent.
        if await svc.suggestions.claim_summary(key, now, _summary_rows(built, key, admins)):
            svc.outbox.wake()


def _summary_rows(built: report.Report, key: str, admins: list[int]) -> list[OutMessage]:
    png = OutFile(built.stem + ".png", built.png)
    xlsx = OutFile(built.stem + ".xlsx", built.xlsx)
    rows = []
    for admin in admins:
        base = f"sgsum:{key}:{admin}"
        rows += [
            OutMessage(admin, piece, purpose="summary", dedupe_key=f"{base}:text:{n}")
            for n, piece in enumerate(split_text(built.text))
        ]
        rows.append(OutMessage(admin, "", "summary", f"{base}:png", kind="photo", file=png))
        rows.append(OutMessage(admin, "", "summary", f"{base}:xlsx", kind="document", file=xlsx))
    return rows


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("suggest", "suggestions.cmd.suggest", private=True, group=True),
        CommandInfo("mine", "suggestions.cmd.mine"),
        CommandInfo("review", "suggestions.cmd.review", Action.REVIEW_SUGGESTION),
        CommandInfo("suggestion_report", "suggestions.cmd.suggestion_report", Action.VIEW_REPORT),
    ]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("suggest", suggest))
    app.add_handler(CommandHandler("mine", mine, private))
    app.add_handler(CommandHandler("review", review, private))
    app.add_handler(CommandHandler("suggestion_report", summary_command, private))
    app.add_handler(MessageHandler(private & filters.PHOTO, photo))
    app.add_handler(CallbackQueryHandler(draft_pressed, pattern=DraftPress.pattern()))
    app.add_handler(CallbackQueryHandler(review_pressed, pattern=ReviewPress.pattern()))
    app.add_handler(CallbackQueryHandler(topic_pressed, pattern=TopicPress.pattern()))
    svc.flows[SuggestDraft.flow] = typed_step(SuggestDraft, text_step)
    svc.file_flows[SuggestDraft.flow] = file_in_draft
    svc.flows[RejectReason.flow] = typed_step(RejectReason, reason_step)
    svc.flows[RewardAmount.flow] = typed_step(RewardAmount, reward_step)
    if app.job_queue is not None:
        app.job_queue.run_repeating(summary_job, interval=3600, first=60, name=SUMMARY_JOB)
    _start_tagger_with_polling(app)


def _start_tagger_with_polling(app: BanzuApp) -> None:
    """Load the tagger in the background as soon as the bot runs for real (`run_polling` calls
    `post_init`); tests, which enter the app with `async with`, load it on first use."""
    tagger = app.bot_data.services.suggestions.tagger
    before = app.post_init

    async def post_init(application: BanzuApp) -> None:
        tagger.start()
        if before is not None:
            await before(application)

    app.post_init = post_init
