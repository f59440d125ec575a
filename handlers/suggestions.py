"""Suggestions in chat: /suggest (private, or `/suggest 文本` in the team group), the preview
with topics, /review with buttons for reviewers, /mine, on-demand and scheduled summaries.

Workflow and permissions live in `bot.services.suggestions`; messages to anyone other than
the person acting (the submitter told of a step) go out through the outbox
(`handlers.common.notify`), scheduled summaries with their files too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import Stale, parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.delivery.flood import Priority
from bot.domain.auth import Action
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState
from bot.domain.textsplit import split_text
from bot.services import suggestion_report as report
from bot.services import suggestions as sv
from bot.services.suggestions import Decision, Move, Pressed, SuggestDraft, Suggestion
from bot.views import suggestions as view
from bot.views.suggestions import DraftPress, OpenCard, ReviewPress, TopicPress
from handlers.common import (
    answer,
    answer_stale,
    edit,
    lang_of,
    notify,
    query_of,
    reply,
    send,
    toast,
    toast_who,
    tr,
    typed_step,
    who,
)
from handlers.pledges import pledge_summary

SUMMARY_JOB = "suggestion_summaries"


def _after_command(update: Update) -> str:
    message = update.effective_message
    text = (message.text if message else None) or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


# ------------------------------------------------------------------ submitting


async def suggest(update: Update, context: BanzuContext) -> None:
    chat, ident = update.effective_chat, await who(update, context)
    assert chat is not None
    private, text = chat.type == ChatType.PRIVATE, _after_command(update)
    out = await context.svc.suggestions.start_draft(
        ident.person, ident.actor.tg_user_id, private, text
    )
    await _draft_reply(update, context, out)


async def text_step(update: Update, context: BanzuContext, draft: SuggestDraft) -> None:
    assert update.message is not None and update.effective_user is not None
    user_id, text = update.effective_user.id, update.message.text or ""
    await _draft_reply(
        update, context, await context.svc.suggestions.draft_text(user_id, draft, text)
    )


async def photo(update: Update, context: BanzuContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.photo
    file_id = message.photo[-1].file_id
    out = await context.svc.suggestions.add_photo(user.id, file_id, message.caption)
    await _draft_reply(update, context, out)


async def _draft_reply(update: Update, context: BanzuContext, out: sv.DraftOutcome) -> None:
    """The reply a step of the draft asks for, then its preview (privately), if any."""
    user = update.effective_user
    assert user is not None
    said = view.draft_reply(out, user.first_name)
    if said is not None:
        await reply(update, context, said[0], None, **said[1])
    if out.preview is not None:
        text, markup = view.preview(context.svc.texts, lang_of(update), out.preview)
        await send(context, user.id, text, markup)


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


async def draft_pressed(update: Update, context: BanzuContext) -> None:
    query, ident = query_of(update), await who(update, context)
    press = parse(query.data, DraftPress)
    if isinstance(press, Stale):
        out: sv.DraftPressed = sv.DraftStale()
    else:
        out = await context.svc.suggestions.press_draft(
            ident.person, query.from_user.id, press.nonce, press.act, press.arg
        )
    await _DRAFT_PRESSED[type(out)](update, context, out)


async def _draft_stale(update: Update, context: BanzuContext, out: sv.DraftStale) -> None:
    await answer(update, context, "common.stale_button", alert=True)


async def _unregistered(update: Update, context: BanzuContext, out: sv.DraftUnregistered) -> None:
    text = await toast_who(update, context, "common.not_registered")
    await query_of(update).answer(text, show_alert=True)


async def _submitted(update: Update, context: BanzuContext, out: sv.Submitted) -> None:
    query, svc, s = query_of(update), context.svc, out.suggestion
    await query.answer()
    await query.edit_message_reply_markup(None)
    key = "suggestions.submitted_anonymous" if out.anonymous else "suggestions.submitted"
    topics = view.topics_text(svc.texts, s.topics, lang_of(update))
    await reply(update, context, key, id=s.id, topics=topics)
    # the reviewers are not the ones acting: the site's language
    text, markup = view.reviewer_notice(svc.texts, svc.settings.language, s)
    for tg in out.reviewers:
        key = f"sg:{s.id}:new:{tg}"
        await notify(context, tg, text, purpose="suggestion", key=key, markup=markup)


async def _cancelled(update: Update, context: BanzuContext, out: sv.DraftCancelled) -> None:
    query = query_of(update)
    await query.answer()
    await query.edit_message_text(tr(update, context, "suggestions.cancelled"))


async def _need_one(update: Update, context: BanzuContext, out: sv.NeedOneTopic) -> None:
    await query_of(update).answer(toast(update, context, "suggestions.topics_need_one"))


async def _topic_choice(update: Update, context: BanzuContext, out: sv.TopicChoice) -> None:
    query = query_of(update)
    await query.answer()
    await _edit_markup(query, view.draft_topics(context.svc.texts, lang_of(update), out))


async def _preview_again(update: Update, context: BanzuContext, out: sv.DraftPreview) -> None:
    query = query_of(update)
    text, markup = view.preview(context.svc.texts, lang_of(update), out.draft)
    await query.answer()
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


_DRAFT_PRESSED: dict[type[object], Callable[[Update, BanzuContext, Any], Awaitable[None]]] = {
    sv.DraftStale: _draft_stale,
    sv.DraftUnregistered: _unregistered,
    sv.Submitted: _submitted,
    sv.DraftCancelled: _cancelled,
    sv.NeedOneTopic: _need_one,
    sv.TopicChoice: _topic_choice,
    sv.DraftPreview: _preview_again,
}


async def _edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as exc:  # "message is not modified": the same press twice
        if "not modified" not in str(exc):
            raise


# ------------------------------------------------------------------ reviewing


async def review(update: Update, context: BanzuContext) -> None:
    ident, chat = await who(update, context), update.effective_chat
    assert chat is not None
    queue = await context.svc.suggestions.review(ident.actor)
    if queue is None:
        await reply(update, context, "common.no_permission")
        return
    if not queue.total:
        await reply(update, context, "suggestions.review_empty")
        return
    await reply(update, context, "suggestions.review_header", count=queue.total)
    for c in queue.cards:
        await send(context, chat.id, *await _card(update, context, c))
    if queue.total > len(queue.cards):
        await reply(
            update, context, "suggestions.review_more", count=queue.total - len(queue.cards)
        )


async def _card(
    update: Update, context: BanzuContext, c: sv.Card
) -> tuple[str, InlineKeyboardMarkup | None]:
    return view.card(context.svc.texts, lang_of(update), context.svc.settings.tz, c)


async def review_pressed(update: Update, context: BanzuContext) -> None:
    press = parse(query_of(update).data, ReviewPress, OpenCard)
    if isinstance(press, OpenCard):
        await _open_card(update, context, press.id)
    elif isinstance(press, ReviewPress):
        actor = (await who(update, context)).actor
        done = await context.svc.suggestions.press(actor, press.id, press.move, press.target)
        await _show_pressed(update, context, done)
    else:
        await answer_stale(update, context)


async def _show_pressed(update: Update, context: BanzuContext, done: Pressed) -> None:
    render = _ON_DECISION.get(done.decision)
    if done.suggestion is None or render is None:
        await answer_stale(update, context)
    else:
        await render(update, context, done)


async def _done(update: Update, context: BanzuContext, done: Pressed) -> None:
    assert done.suggestion is not None
    await query_of(update).answer(toast(update, context, "suggestions.done"))
    await _after_move(update, context, done.suggestion.id)


async def _ask_reason(update: Update, context: BanzuContext, done: Pressed) -> None:
    assert done.suggestion is not None
    await _ask(update, context, RejectReason, done.suggestion, "suggestions.ask_reason")


async def _ask_reward(update: Update, context: BanzuContext, done: Pressed) -> None:
    assert done.suggestion is not None
    await _ask(update, context, RewardAmount, done.suggestion, "suggestions.ask_reward")


async def _state_changed(update: Update, context: BanzuContext, done: Pressed) -> None:
    assert done.suggestion is not None
    state = view.state_text(context.svc.texts, done.suggestion.state, lang_of(update))
    await answer(update, context, "suggestions.state_changed", alert=True, state=state)


async def _no_permission(update: Update, context: BanzuContext, done: object = None) -> None:
    await answer(update, context, "common.no_permission", alert=True)


async def _open_card(update: Update, context: BanzuContext, sid: int) -> None:
    """The card of one suggestion, from the button of a new-suggestion notice."""
    query, ident = query_of(update), await who(update, context)
    assert query.message is not None
    c = await context.svc.suggestions.open_card(ident.actor, sid)
    if c is Decision.NO_PERMISSION:
        await _no_permission(update, context)
    elif isinstance(c, sv.Card):
        await query.answer()
        await send(context, query.message.chat.id, *await _card(update, context, c))
    else:
        await answer_stale(update, context)


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
    reason = sv.parse_reason(update.message.text)
    if reason is None:
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


async def _pick_target(update: Update, context: BanzuContext, done: Pressed) -> None:
    """重复 pressed: the similar earlier suggestions, one button each, to merge into."""
    assert done.suggestion is not None
    if not done.similar:
        await answer(update, context, "suggestions.no_similar", alert=True)
        return
    await query_of(update).answer()
    await _edit_markup(query_of(update), view.merge_targets(done.suggestion, done.similar))


_ON_DECISION: dict[Decision, Callable[[Update, BanzuContext, Pressed], Awaitable[None]]] = {
    Decision.DONE: _done,
    Decision.ASK_REASON: _ask_reason,
    Decision.ASK_REWARD: _ask_reward,
    Decision.PICK_TARGET: _pick_target,
    Decision.STATE_CHANGED: _state_changed,
    Decision.NO_PERMISSION: _no_permission,
}


async def _after_move(
    update: Update, context: BanzuContext, sid: int, card: tuple[int, int] | None = None
) -> None:
    """Refresh the reviewer's card — the pressed one, or the one a typed answer (a reason, a
    reward) belongs to — so it shows the new state and only the moves left; then tell the
    submitter (and anyone credited)."""
    svc, ident = context.svc, await who(update, context)
    s = await svc.suggestions.get(sid)
    assert s is not None
    pressed = update.callback_query.message if update.callback_query else None
    if pressed is not None:
        card = (pressed.chat.id, pressed.message_id)
    if card is not None:
        text, markup = await _card(update, context, await svc.suggestions.card(ident.actor, s))
        await edit(context, card[0], card[1], text, markup)
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


async def topic_pressed(update: Update, context: BanzuContext) -> None:
    query, ident = query_of(update), await who(update, context)
    press = parse(query.data, TopicPress)
    out: sv.TopicPressed = Decision.STALE
    if not isinstance(press, Stale):
        out = await context.svc.suggestions.press_topic(
            ident.actor, press.suggestion, press.mask, press.index
        )
    if out is Decision.NO_PERMISSION:
        await _no_permission(update, context)
    elif isinstance(out, sv.TopicsSaved):
        await _topics_saved(update, context, out.card)
    elif isinstance(out, sv.TopicsShown):
        await query.answer()
        await _edit_markup(query, view.review_topics(context.svc.texts, lang_of(update), out))
    else:
        await answer_stale(update, context)


async def _topics_saved(update: Update, context: BanzuContext, card: sv.Card) -> None:
    query = query_of(update)
    await query.answer(toast(update, context, "suggestions.done"))
    text, markup = await _card(update, context, card)
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
    svc, ident, chat = context.svc, await who(update, context), update.effective_chat
    assert chat is not None
    now, tz, lang = svc.clock.now(), svc.settings.tz, lang_of(update)
    built = await svc.suggestions.asked_report(
        ident.actor, _after_command(update), svc.texts, lang, tz, now
    )
    if isinstance(built, sv.ReportRefused):
        key, values = view.report_refused(built)
        await reply(update, context, key, None, **values)
        return
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
    """Monthly and quarterly summaries to admins, each period once, through the outbox."""
    svc = context.svc
    lang, tz = svc.settings.language, svc.settings.tz
    if await svc.suggestions.send_summaries(svc.texts, lang, tz, svc.clock.now()):
        svc.outbox.wake()


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
