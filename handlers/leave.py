"""/leave: leave asked ahead, in a private chat, at any time — days, type, note or photo,
submit; the leader's 批准 / 不批准 (with a reason); withdrawing before the first day.

In a group, `/leave 原因` still asks leave for the session running now (handlers.attendance).
Rules and storage: `bot.services.leave`; texts and keyboards: `bot.views.leave`.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import Stale, parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.leave import (
    Draft,
    Leave,
    Problem,
    Refusal,
    Step,
    note_problem,
    with_file,
)
from bot.domain.leave_rules import NOTE_MAX, LeaveError, parse_type
from bot.services.identity import Identity
from bot.services.leave import Cancelled, Decided, DecideResult, OpenPrivate, Pending
from bot.views import leave as views
from handlers import attendance
from handlers.common import (
    answer_stale,
    edit_markup,
    lang_of,
    query_of,
    reply,
    send,
    toast,
    tr,
    typed_step,
    who,
)

ECHO_MAX = 30  # never echo more of what someone typed than this


def _echo(text: str) -> str:
    text = text.strip()
    return text if len(text) <= ECHO_MAX else text[:ECHO_MAX] + "…"


def _args(update: Update) -> str:
    message = update.effective_message
    return ((message.text if message else None) or "").partition(" ")[2].strip()


async def _save(context: BanzuContext, user_id: int, draft: Draft) -> None:
    await context.svc.conversations.put(user_id, user_id, draft)


async def _unusable(update: Update, context: BanzuContext, draft: Draft) -> bool:
    """A stored draft whose step lacks what it relies on: ended, the person told to start
    again (as the codec does for a shape it cannot read)."""
    if draft.usable():
        return False
    user = update.effective_user
    assert user is not None
    await context.svc.conversations.clear(user.id, user.id)
    await reply(update, context, "common.flow_stale")
    return True


async def _send_view(
    context: BanzuContext, chat_id: int, view: tuple[str, InlineKeyboardMarkup | None]
) -> None:
    await send(context, chat_id, view[0], view[1])


# ==================================================================== /leave


async def leave(update: Update, context: BanzuContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type != ChatType.PRIVATE:
        await attendance.leave(update, context)  # for the session running now
        return
    ident = await who(update, context)
    out = await context.svc.leave.begin(ident.person, ident.actor, _args(update))
    if out is None:
        await reply(update, context, "common.not_registered")
    elif isinstance(out, Pending):
        await pending(update, context, out.waiting)
    else:
        view = views.ask_days(context.svc.texts, lang_of(update), out.mine, out.today, out.waiting)
        await _send_view(context, chat.id, view)
        if out.days:  # "/leave 明天": the days given with the command
            await days_step(update, context, Draft(), out.days)


async def pending(update: Update, context: BanzuContext, waiting: list[Leave]) -> None:
    """The requests waiting for this leader, each as a card with its buttons."""
    if not waiting:
        await reply(update, context, "leave.request.pending_none")
        return
    await reply(update, context, "leave.request.pending_head", n=len(waiting))
    chat = update.effective_chat
    assert chat is not None
    for item in waiting:
        await _card(context, chat.id, item, lang_of(update))


async def _card(context: BanzuContext, chat_id: int, item: Leave, lang: str) -> None:
    texts = context.svc.texts
    text, markup = views.request_text(texts, item, lang), views.decide_markup(texts, item.id, lang)
    if item.photo:
        await context.bot.send_photo(
            chat_id, item.photo, caption=text, parse_mode="HTML", reply_markup=markup
        )
    else:
        await send(context, chat_id, text, markup)


# ==================================================================== the worker's steps


async def text_step(update: Update, context: BanzuContext, draft: Draft) -> None:
    assert update.message is not None and update.message.text is not None
    text = update.message.text
    if await _unusable(update, context, draft):
        return
    if draft.step is Step.DAYS:
        await days_step(update, context, draft, text)
    elif draft.step is Step.TYPE:
        await type_text(update, context, draft, text)
    elif draft.step is Step.NOTE:
        await note_step(update, context, draft, text)
    else:
        await reply(update, context, "leave.bad.confirm_hint")


async def days_step(update: Update, context: BanzuContext, draft: Draft, text: str) -> None:
    svc, lang = context.svc, lang_of(update)
    try:
        first, last = svc.leave.days(text)
    except LeaveError as exc:
        await reply(update, context, f"leave.bad.{exc.code}", value=_echo(exc.value))
        return
    new = draft.at(Step.TYPE, first=first.isoformat(), last=last.isoformat())
    await _save(context, update.effective_user.id if update.effective_user else 0, new)
    assert update.effective_chat is not None
    await _send_view(context, update.effective_chat.id, views.ask_type(svc.texts, lang, new))


async def type_text(update: Update, context: BanzuContext, draft: Draft, text: str) -> None:
    try:
        kind = parse_type(text)
    except LeaveError:
        assert update.effective_chat is not None
        _, markup = views.ask_type(context.svc.texts, lang_of(update), draft)
        await reply(update, context, "leave.bad.bad_type", markup)
        return
    await _typed(update, context, draft.at(Step.NOTE, kind=kind))


async def _typed(update: Update, context: BanzuContext, draft: Draft) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None and draft.kind is not None
    await _save(context, user.id, draft)
    await _send_view(
        context, chat.id, views.ask_note(context.svc.texts, lang_of(update), draft.kind)
    )


def _note_problem(text: str) -> Problem | None:
    return note_problem(text, "leave.bad.note_blank", "leave.bad.note_long")


async def note_step(update: Update, context: BanzuContext, draft: Draft, text: str) -> None:
    problem = _note_problem(text)
    if problem is not None:
        await reply(update, context, problem.key, None, **problem.values)
        return
    await _to_confirm(update, context, draft.at(Step.CONFIRM, note=text.strip()))


async def _to_confirm(
    update: Update, context: BanzuContext, draft: Draft, replaced: bool = False
) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    await _save(context, user.id, draft)
    view = views.confirm(context.svc.texts, lang_of(update), draft, replaced)
    await _send_view(context, chat.id, view)


async def file_step(update: Update, context: BanzuContext, draft: Draft) -> None:
    """A photo is the evidence (its caption the note); the rule is `with_file`'s."""
    message = update.message
    assert message is not None
    if await _unusable(update, context, draft):
        return
    largest = message.photo[-1] if message.photo else None
    photo = (largest.file_id, largest.file_size or 0) if largest else None
    result = with_file(draft, photo, message.caption)
    if isinstance(result, Problem):
        await reply(update, context, result.key, None, **result.values)
        return
    await _to_confirm(update, context, result, replaced=draft.photo is not None)


# ==================================================================== buttons


async def pressed(update: Update, context: BanzuContext) -> None:
    query = update.callback_query
    assert query is not None
    press = parse(query.data, *views.PRESSES)
    if isinstance(press, Stale):
        await answer_stale(update, context)
    elif isinstance(press, views.Decide):
        await decide_pressed(update, context, press)
    elif isinstance(press, views.Withdraw):
        await withdraw_pressed(update, context, press.leave)
    elif isinstance(press, (views.PickType, views.DraftStep)):
        await draft_pressed(update, context, press)


async def _own_draft(update: Update, context: BanzuContext) -> Draft | None:
    user = update.effective_user
    assert user is not None
    draft = await context.svc.conversations.state(user.id, user.id, Draft)
    return draft if draft is not None and draft.usable() else None


async def draft_pressed(
    update: Update, context: BanzuContext, press: views.PickType | views.DraftStep
) -> None:
    draft = await _own_draft(update, context)
    if draft is None or not views.fits(draft, press):
        await answer_stale(update, context)
        return
    await query_of(update).answer()
    await edit_markup(update, None)
    if isinstance(press, views.PickType):
        await _typed(update, context, draft.at(Step.NOTE, kind=press.kind))
    elif press.what == "skip":
        await _to_confirm(update, context, draft.at(Step.CONFIRM))
    elif press.what == "abort":
        user = query_of(update).from_user.id
        await context.svc.conversations.clear(user, user)
        await reply(update, context, "leave.confirm.aborted")
    else:
        await submit(update, context, draft)


async def submit(update: Update, context: BanzuContext, draft: Draft) -> None:
    svc, ident = context.svc, await who(update, context)
    result = await svc.leave.submit(ident.person, ident.actor.tg_user_id, draft)
    if result is None:
        await reply(update, context, "common.not_registered")
        return
    key, values = views.submitted(svc.texts, lang_of(update), draft, result)
    await reply(update, context, key, None, **values)


async def withdraw_pressed(update: Update, context: BanzuContext, leave_id: int) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None
    ident = await who(update, context)
    if ident.person is None:
        await query.answer(
            toast(update, context, "attendance.toast.not_registered"), show_alert=True
        )
        return
    result = await svc.leave.cancel(ident.person, leave_id)
    if result.outcome is not Cancelled.CANCELLED or result.leave is None:
        await query.answer(toast(update, context, "leave.cancel.refused"), show_alert=True)
        return
    values = views.summary_values(svc.texts, result.leave, lang_of(update))
    await query.answer(toast(update, context, "leave.cancel.done", **values))
    await reply(update, context, "leave.cancel.done", None, **values)


# ==================================================================== the leader's decision


def _by(update: Update, ident: Identity) -> str:
    user = update.effective_user
    return ident.person.name if ident.person else (user.first_name if user else "")


async def _refused_toast(update: Update, context: BanzuContext, result: DecideResult) -> None:
    query = update.callback_query
    assert query is not None
    if result.outcome is Decided.GONE:
        await answer_stale(update, context)
        return
    status = (
        views.status_label(context.svc.texts, result.leave, lang_of(update)) if result.leave else ""
    )
    key = (
        "leave.toast.not_allowed"
        if result.outcome is Decided.NOT_ALLOWED
        else "leave.toast.done_already"
    )
    await query.answer(toast(update, context, key, status=status), show_alert=True)


async def decide_pressed(update: Update, context: BanzuContext, press: views.Decide) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None and query.message is not None
    ident = await who(update, context)
    if not press.approve:
        await ask_reason(update, context, ident, press.leave)
        return
    result = await svc.leave.decide(ident.actor, press.leave, True, _by(update, ident))
    if result.outcome is not Decided.APPROVED or result.leave is None:
        await _refused_toast(update, context, result)
        return
    key = "leave.toast.approved_marked" if result.marked else "leave.toast.approved"
    # Every leader's card, this one too, is edited by the outbox (queued with the decision).
    await query.answer(toast(update, context, key, name=result.leave.name, n=result.marked))


async def ask_reason(update: Update, context: BanzuContext, ident: Identity, leave_id: int) -> None:
    query = query_of(update)
    msg = query.message
    assert isinstance(msg, Message)
    card, photo = (msg.chat.id, msg.message_id), bool(msg.photo)
    out = await context.svc.leave.ask_refusal(ident.actor, leave_id, card, photo)
    if isinstance(out, DecideResult):
        await _refused_toast(update, context, out)
    elif isinstance(out, OpenPrivate):
        await query.answer(toast(update, context, "leave.toast.open_private"), show_alert=True)
    else:
        text = tr(update, context, "leave.request.ask_reason", name=out.name, max=NOTE_MAX)
        await send(context, query.from_user.id, text)
        await query.answer(toast(update, context, "leave.toast.ask_reason"))


async def reason_step(update: Update, context: BanzuContext, state: Refusal) -> None:
    svc, user = context.svc, update.effective_user
    assert update.message is not None and update.message.text is not None and user is not None
    text = update.message.text.strip()
    problem = note_problem(text, "leave.request.reason_blank", "leave.request.reason_long")
    if problem is not None:
        await reply(update, context, problem.key, None, **problem.values)
        return
    await svc.conversations.clear(user.id, user.id)
    ident = await who(update, context)
    result = await svc.leave.decide(ident.actor, state.leave_id, False, _by(update, ident), text)
    if result.outcome is not Decided.REFUSED or result.leave is None:
        key = "leave.toast.not_allowed" if result.outcome is Decided.NOT_ALLOWED else None
        await reply(update, context, key or "attendance.decided")
        return
    await reply(update, context, "leave.toast.refused", name=result.leave.name)


# ==================================================================== wiring


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands.append(CommandInfo("leave", "leave.cmd.leave", group=True))
    app.add_handler(CommandHandler("leave", leave))
    app.add_handler(CallbackQueryHandler(pressed, pattern=views.PickType.pattern()))
    svc.flows[Draft.flow] = typed_step(Draft, text_step)
    svc.flows[Refusal.flow] = typed_step(Refusal, reason_step)
    svc.file_flows[Draft.flow] = typed_step(Draft, file_step)
    svc.leave.attach()
