"""Confidential casework in chat: /assist and /feedback (a worker, privately, named or
anonymous), /mycases (the author), /cases and /case N (handlers and admins).

Everything here happens in private chats; nothing of a request is ever posted to a group.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Callback
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain import casework as rules
from bot.domain.casework import Category, Kind, State
from bot.domain.flowstate import FlowState
from bot.services.casework import DraftStale, FileRef, Refused, check_text
from bot.views import casework as view
from bot.views.casework import (
    AddPress,
    CasePress,
    FilePress,
    HandlerPress,
    How,
    Op,
    OwnPress,
    PickCategory,
)
from handlers.common import (
    answer,
    answer_stale,
    lang_of,
    pressed,
    query_of,
    reply,
    send,
    toast,
    tr,
    typed_step,
    who,
)

_Press = Callable[[Update, BanzuContext], Coroutine[Any, Any, None]]


class Step(StrEnum):
    TEXT = "text"  # waiting for the description
    HOW = "how"  # text given: more files, or named / anonymous
    REPLY = "reply"  # a handler's reply to relay
    ADD = "add"  # the author's follow-up to their open request


@dataclass(frozen=True)
class CaseDraft(FlowState, flow="case_new", version=1):
    """A request being written: kind and category chosen, text and files so far."""

    step: Step
    nonce: int  # in the submit buttons: an old form's buttons do nothing
    kind: Kind
    category: Category
    text: str = ""
    files: tuple[tuple[str, str], ...] = ()  # (photo | document, Telegram file id)


@dataclass(frozen=True)
class CaseAdd(FlowState, flow="case_add", version=2):
    """The author writing a follow-up to their own open request (its number sealed: the row
    sits under the author's account until they write, perhaps for good)."""

    step: Step
    sealed: str


@dataclass(frozen=True)
class CaseReply(FlowState, flow="case_reply", version=1):
    """A handler writing the reply to relay on one request."""

    step: Step
    case: int


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:  # the same text again (a double press) is not an error
        if "not modified" not in str(exc):
            raise


async def _refused(update: Update, context: BanzuContext, out: Refused) -> None:
    key = f"casework.problem.{out.problem.value}"
    if update.callback_query is not None:
        await update.callback_query.answer(toast(update, context, key), show_alert=True)
    elif update.effective_chat is not None:
        await send(context, update.effective_chat.id, tr(update, context, key))


async def _refused_step(update: Update, context: BanzuContext, out: Refused) -> None:
    """A flow's text refused: the flow ends unless another text may do (`out.retry`)."""
    user = update.effective_user
    assert user is not None
    if not out.retry:
        await context.svc.conversations.clear(user.id, user.id)
    await _refused(update, context, out)


# ------------------------------------------------------------------ the author's side


async def assist_cmd(update: Update, context: BanzuContext) -> None:
    if not (await who(update, context)).person:
        await reply(update, context, "common.not_registered")
        return
    await reply(
        update,
        context,
        "casework.ask.category",
        view.category_keyboard(context.svc.texts, lang_of(update)),
    )


async def feedback_cmd(update: Update, context: BanzuContext) -> None:
    user = update.effective_user
    assert user is not None
    if not (await who(update, context)).person:
        await reply(update, context, "common.not_registered")
        return
    await _start(context, user.id, Kind.FEEDBACK, Category.FEEDBACK)
    await reply(update, context, "casework.ask.feedback_text")


async def _start(context: BanzuContext, uid: int, kind: Kind, category: Category) -> None:
    draft = CaseDraft(Step.TEXT, random.randint(1, 999_999), kind, category)
    await context.svc.conversations.put(uid, uid, draft)


async def category_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, PickCategory)) is None:
        return
    if press.category is Category.FEEDBACK:  # not a kind of assistance: forged
        await answer_stale(update, context)
        return
    if not (await who(update, context)).person:
        await answer(update, context, "common.not_registered", alert=True)
        return
    await query_of(update).answer()
    await _start(context, query_of(update).from_user.id, Kind.ASSIST, press.category)
    label = tr(update, context, f"casework.category.{press.category.value}")
    await _edit(update, tr(update, context, "casework.ask.assist_text", category=label), None)


async def new_text_step(update: Update, context: BanzuContext, draft: CaseDraft) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    text = (message.text or "").strip()
    joined = f"{draft.text}\n{text}" if draft.text else text
    problem = check_text(joined)
    if problem is not None:
        await _refused(update, context, Refused(problem))
        return
    draft = replace(draft, step=Step.HOW, text=joined)
    await context.svc.conversations.put(user.id, user.id, draft)
    await _ask_how(update, context, draft)


async def _ask_how(update: Update, context: BanzuContext, draft: CaseDraft) -> None:
    markup = view.submit_keyboard(draft.nonce, context.svc.texts, lang_of(update))
    await reply(update, context, "casework.ask.how", markup, files=len(draft.files))


async def new_file_step(update: Update, context: BanzuContext, draft: CaseDraft) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    got = rules.attach(draft.text, draft.files, _file_of(message), (message.caption or "").strip())
    if got is None:
        await reply(update, context, "casework.ask.file_limit", limit=rules.MAX_FILES)
        return
    draft = replace(draft, step=Step.HOW if got.text else Step.TEXT, files=got.files, text=got.text)
    await context.svc.conversations.put(user.id, user.id, draft)
    if got.caption_dropped:
        await reply(update, context, "casework.ask.caption_dropped", limit=rules.MAX_TEXT)
    if draft.step is Step.HOW:
        await _ask_how(update, context, draft)
    else:
        await reply(update, context, "casework.ask.file_first", count=len(got.files))


def _file_of(message: Message) -> rules.FileItem | None:
    if message.photo:
        return ("photo", message.photo[-1].file_id)
    return ("document", message.document.file_id) if message.document else None


async def submit_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, view.SubmitPress)) is None:
        return
    uid = query_of(update).from_user.id
    draft = await context.svc.conversations.state(uid, uid, CaseDraft)
    if draft is None or draft.nonce != press.nonce:
        await answer(update, context, "casework.ask.expired", alert=True)
    elif press.how is How.CANCEL:
        await context.svc.conversations.clear(uid, uid)
        await query_of(update).answer()
        await _edit(update, tr(update, context, "casework.ask.cancelled"), None)
    elif not draft.text:
        await answer(update, context, "casework.problem.empty", alert=True)
    else:
        await _submit(update, context, draft, anonymous=press.how is How.ANON)


async def _submit(update: Update, context: BanzuContext, draft: CaseDraft, anonymous: bool) -> None:
    svc, uid, files = context.svc, query_of(update).from_user.id, [FileRef(*f) for f in draft.files]
    ident = await who(update, context)
    out = await svc.casework.submit(
        ident, draft.kind, draft.category, draft.text, files, anonymous, uid
    )
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    await query_of(update).answer()
    svc.outbox.wake()
    lang = lang_of(update)
    await _edit(update, view.submitted(out.case_id, out.kind, out.anonymous, svc.texts, lang), None)


async def mycases_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    if not ident.registered:
        await reply(update, context, "common.not_registered")
        return
    text, markup = view.own_list(await svc.casework.mine(ident), svc.texts, lang_of(update))
    await send(context, ident.actor.tg_user_id, text, markup)


async def own_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, OwnPress)) is None:
        return
    ident, svc = await who(update, context), context.svc
    out = await svc.casework.own_case(ident, press.case)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    await query_of(update).answer()
    text, markup = view.own_case(out.case, out.entries, svc.texts, lang_of(update))
    await send(context, ident.actor.tg_user_id, text, markup)


async def add_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, AddPress)) is None:
        return
    ident, svc = await who(update, context), context.svc
    out = await svc.casework.may_add(ident, press.case)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    await query_of(update).answer()
    uid = ident.actor.tg_user_id
    await svc.conversations.put(uid, uid, CaseAdd(Step.ADD, svc.casework.seal_case(press.case)))
    await reply(update, context, "casework.add.ask", number=press.case)


async def add_step(update: Update, context: BanzuContext, st: CaseAdd) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    svc, ident = context.svc, await who(update, context)
    out = await svc.casework.add_sealed(ident, st.sealed, message.text or "", user.id)
    if isinstance(out, DraftStale):
        await svc.conversations.clear(user.id, user.id)
        await reply(update, context, "common.flow_stale")
        return
    if isinstance(out, Refused):
        await _refused_step(update, context, out)
        return
    svc.outbox.wake()
    await reply(update, context, "casework.add.done", number=out.case_id)


# ------------------------------------------------------------------ handlers and admins


async def cases_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    message = update.effective_message
    every = bool(message and message.text and message.text.split()[1:2] in (["all"], ["全部"]))
    out = await svc.casework.listing(ident, open_only=not every)
    if isinstance(out, Refused):
        await reply(update, context, "common.no_permission")
        return
    admin = svc.casework.is_admin(ident)
    names = await svc.casework.names({h for c in out for h in c.handlers})
    text, markup = view.listing(out, names, admin, svc.texts, lang)
    await send(context, ident.actor.tg_user_id, text, markup)


async def case_cmd(update: Update, context: BanzuContext) -> None:
    message = update.effective_message
    assert message is not None
    args = (message.text or "").split()[1:]
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 9:
        await reply(update, context, "casework.problem.usage_case", detail="")
        return
    await _open(update, context, int(args[0]))


async def _open(update: Update, context: BanzuContext, case_id: int) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.casework.open(ident, case_id)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    text, markup = view.content(
        out.case, out.entries, out.handler_names, out.author, svc.texts, lang
    )
    await send(context, ident.actor.tg_user_id, text, markup)


async def case_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, CasePress)) is None:
        return
    if press.op is Op.OPEN:
        await _open(update, context, press.case)
    elif press.op is Op.ASSIGN:
        await _picker(update, context, press.case)
    elif press.op is Op.AUDIT:
        await _audit(update, context, press.case)
    elif press.op is Op.REPLY:
        await _ask_reply(update, context, press.case)
    else:
        to = {Op.START: State.IN_PROGRESS, Op.RESOLVE: State.RESOLVED, Op.REOPEN: State.IN_PROGRESS}
        await _move(update, context, press.case, to[press.op])


async def _picker(update: Update, context: BanzuContext, case_id: int) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.casework.assignment(ident, case_id)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    await query_of(update).answer()
    text, markup = view.picker(out.case, out.pool, svc.texts, lang)
    await send(context, ident.actor.tg_user_id, text, markup)


async def handler_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, HandlerPress)) is None:
        return
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.casework.toggle_handler(ident, press.case, press.handler)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    svc.outbox.wake()
    await query_of(update).answer(view.toggled(out.case, out.pool, press.handler, svc.texts, lang))
    await _edit(update, *view.picker(out.case, out.pool, svc.texts, lang))


async def _audit(update: Update, context: BanzuContext, case_id: int) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.casework.audit(ident, case_id)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    await query_of(update).answer()
    case, rows = out
    await send(
        context, ident.actor.tg_user_id, view.audit(case, rows, svc.settings.tz, svc.texts, lang)
    )


async def _move(update: Update, context: BanzuContext, case_id: int, to: State) -> None:
    ident, svc = await who(update, context), context.svc
    out = await svc.casework.move(ident, case_id, to)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    svc.outbox.wake()
    assert update.callback_query is not None
    await update.callback_query.answer(
        toast(update, context, f"casework.moved.{to.value}", number=case_id)
    )
    await _open_quiet(update, context, case_id)


async def _open_quiet(update: Update, context: BanzuContext, case_id: int) -> None:
    """The case message again, after a move, in place of the old one."""
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.casework.open(ident, case_id)
    if not isinstance(out, Refused):
        await _edit(
            update,
            *view.content(out.case, out.entries, out.handler_names, out.author, svc.texts, lang),
        )


async def _ask_reply(update: Update, context: BanzuContext, case_id: int) -> None:
    ident, svc = await who(update, context), context.svc
    out = await svc.casework.may_reply(ident, case_id)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    await query_of(update).answer()
    uid = ident.actor.tg_user_id
    await svc.conversations.put(uid, uid, CaseReply(Step.REPLY, case_id))
    await reply(update, context, "casework.reply.ask", number=case_id)


async def reply_step(update: Update, context: BanzuContext, st: CaseReply) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    svc, case_id = context.svc, st.case
    out = await svc.casework.reply(await who(update, context), case_id, message.text or "", user.id)
    if isinstance(out, Refused):
        await _refused_step(update, context, out)
        return
    svc.outbox.wake()
    await reply(update, context, "casework.reply.sent", number=case_id)


async def file_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, FilePress)) is None:
        return
    ident = await who(update, context)
    out = await context.svc.casework.file(ident, press.case, press.index)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    await query_of(update).answer()
    chat = ident.actor.tg_user_id
    if out.kind == "photo":
        await context.bot.send_photo(chat, out.file_id)
    else:
        await context.bot.send_document(chat, out.file_id)


async def remind_job(context: BanzuContext) -> None:
    if await context.svc.casework.remind_waiting(context.svc.clock.now()):
        context.svc.outbox.wake()


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("assist", "casework.cmd.assist"),
        CommandInfo("feedback", "casework.cmd.feedback"),
        CommandInfo("mycases", "casework.cmd.mycases"),
        CommandInfo("cases", "casework.cmd.cases"),
        CommandInfo("case", "casework.cmd.case"),
    ]
    private = filters.ChatType.PRIVATE
    for name, fn in [
        ("assist", assist_cmd),
        ("feedback", feedback_cmd),
        ("mycases", mycases_cmd),
        ("cases", cases_cmd),
        ("case", case_cmd),
    ]:
        app.add_handler(CommandHandler(name, fn, private))
    callbacks: list[tuple[type[Callback], _Press]] = [
        (PickCategory, category_pressed),
        (view.SubmitPress, submit_pressed),
        (OwnPress, own_pressed),
        (AddPress, add_pressed),
        (CasePress, case_pressed),
        (FilePress, file_pressed),
        (HandlerPress, handler_pressed),
    ]
    for cls, on_press in callbacks:
        app.add_handler(CallbackQueryHandler(on_press, pattern=cls.pattern()))
    svc.flows[CaseDraft.flow] = typed_step(CaseDraft, new_text_step)
    svc.file_flows[CaseDraft.flow] = typed_step(CaseDraft, new_file_step)
    svc.flows[CaseReply.flow] = typed_step(CaseReply, reply_step)
    svc.flows[CaseAdd.flow] = typed_step(CaseAdd, add_step)
    if app.job_queue is not None:
        app.job_queue.run_repeating(remind_job, interval=900, first=60, name="casework.remind")
