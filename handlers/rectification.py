"""整改销号 in chat: /rectify (the register), /rectify_new (raise an item), /rectify_month
(the monthly 台账), the item card's buttons, evidence upload, and the escalation job.

Every step of a flow (raising, evidence, a reason and a date) lives in the conversations
table, so a restart resumes it; the moves and the messages they cause are one transaction
in the service.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action
from bot.domain.flowstate import FlowState
from bot.domain.rectification import Move, NewStep, ReasonStep, RectDraft, RectReason
from bot.services.rectification import Item, Op, Refused
from bot.texts import to_plain
from bot.views import rectification as view
from bot.views import rectification_report as report_view
from bot.views.rectification import FromSuggestion, ItemPress, ListPage, Press
from handlers.common import (
    lang_of,
    pressed,
    query_of,
    reply,
    send,
    send_files,
    send_media,
    tr,
    typed_step,
    who,
)

JOB = "rectification.escalate"
TICK_SECONDS = 600.0


class EvidenceStep(StrEnum):
    COLLECT = "collect"


@dataclass(frozen=True)
class RectEvidence(FlowState, flow="rect_evidence", version=1):
    """The owner sending notes, photos and files for an item (the draft is in the database)."""

    step: EvidenceStep
    item: int


_MOVES = {
    Press.VERIFY: Move.VERIFY,
    Press.SEND_BACK: Move.SEND_BACK,
    Press.POSTPONE: Move.POSTPONE,
    Press.REOPEN: Move.REOPEN,
}


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text if message else None) or ""


def _args(update: Update) -> list[str]:
    return _text(update).split()[1:]


async def _refused(update: Update, context: BanzuContext, r: Refused) -> None:
    text = view.refused(r, context.svc.texts, lang_of(update))
    if update.callback_query is not None:  # a toast is plain text
        await update.callback_query.answer(to_plain(text)[:200], show_alert=True)
    else:
        chat = update.effective_chat
        assert chat is not None
        await send(context, chat.id, text)


# ------------------------------------------------------------------ the register


async def rectify_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    if not ident.registered:
        await reply(update, context, "common.not_registered")
        return
    number = _args(update)[0].lstrip("#") if _args(update) else ""
    if number.isdigit() and len(number) < 19:  # /rectify 12: that item's card, closed or not
        await _show_card(update, context, int(number))
        return
    if number:  # not silently the whole register: say what was not understood (bounded)
        await reply(update, context, "rectification.list.bad_number", text=number[:20])
        return
    reg = await svc.rectification.register_for(ident.actor, svc.clock.now())
    text, markup = view.register_page(reg, svc.texts, lang_of(update))
    await send(context, ident.actor.tg_user_id, text, markup)


async def page_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, ListPage)) is None:
        return
    ident, svc, query = await who(update, context), context.svc, query_of(update)
    reg = await svc.rectification.register_for(ident.actor, svc.clock.now())
    text, markup = view.register_page(reg, svc.texts, lang_of(update), press.page)
    await query.answer()
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:  # the page shown again (n/m pressed): nothing to change
        if "not modified" not in exc.message:
            raise


async def month_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.rectification.month_ledger(ident.actor, _args(update), svc.clock.now())
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    user = ident.actor.tg_user_id
    await send(context, user, view.ledger(out, svc.texts, lang))
    files = await asyncio.to_thread(report_view.attachments, out, svc.texts, lang, svc.settings.tz)
    await send_files(context, user, *files)


# ------------------------------------------------------------------ raising an item


async def new_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc, args = await who(update, context), context.svc, _args(update)
    if not svc.rectification.may_raise(ident.actor):
        await reply(update, context, "rectification.new.not_allowed")
        return
    meeting = bool(args) and args[0] in ("会议", "meeting")
    user = ident.actor.tg_user_id
    draft = RectDraft(NewStep.PROBLEM, source="meeting" if meeting else "manual")
    await svc.conversations.put(user, user, draft)
    await reply(update, context, f"rectification.new.ask_problem{'_meeting' if meeting else ''}")


async def from_suggestion_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, FromSuggestion)) is None:
        return
    ident, svc = await who(update, context), context.svc
    out = await svc.rectification.from_suggestion(ident.actor, press.suggestion)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    user = ident.actor.tg_user_id
    draft = RectDraft(NewStep.OWNER, "suggestion", out.text[:500], suggestion=out.id)
    await svc.conversations.put(user, user, draft)
    await query_of(update).answer()
    text = tr(update, context, "rectification.new.from_suggestion", id=out.id, text=out.text[:200])
    await send(context, user, text)


_ASK = {
    NewStep.OWNER: "rectification.new.ask_owner",
    NewStep.DEADLINE: "rectification.new.ask_deadline",
}


async def new_step(update: Update, context: BanzuContext, st: RectDraft) -> None:
    ident, svc = await who(update, context), context.svc
    user = ident.actor.tg_user_id
    out = await svc.rectification.new_step(ident.actor, st, _text(update), svc.clock.now())
    if isinstance(out, RectDraft):
        await svc.conversations.put(user, user, out)
        await reply(update, context, _ASK[out.step])
    elif isinstance(out, Refused):
        await _refused(update, context, out)
    else:  # the flow is over, raised or not
        await svc.conversations.clear(user, user)
        await _raised(update, context, out.item)


async def _raised(update: Update, context: BanzuContext, item: Item | Refused) -> None:
    if isinstance(item, Refused):
        await _refused(update, context, item)
        return
    svc, user = context.svc, update.effective_user
    assert user is not None
    await send(context, user.id, view.raised(item, svc.texts, lang_of(update)))
    await _show_card(update, context, item.id)


# ------------------------------------------------------------------ the card and its buttons


async def _show_card(update: Update, context: BanzuContext, item_id: int) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    card = await svc.rectification.card(ident.actor, item_id)
    if isinstance(card, Refused):
        await _refused(update, context, card)
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    today = svc.rectification.today(svc.clock.now())
    text, markup = view.card(card, svc.texts, lang, svc.settings.tz, today)
    await send(context, ident.actor.tg_user_id, text, markup)


async def item_pressed(update: Update, context: BanzuContext) -> None:
    if (press := await pressed(update, context, ItemPress)) is None:
        return
    if press.op is Press.CARD:
        await _show_card(update, context, press.item)
    elif press.op is Press.EVIDENCE:
        await _send_evidence(update, context, press.item)
    elif press.op is Press.SUBMIT:
        await _start_evidence(update, context, press)
    elif press.op in (Press.DONE, Press.VERIFY):
        move = Move.SUBMIT if press.op is Press.DONE else Move.VERIFY
        await _act(update, context, press.item, press.ver, move)
    else:
        await _ask_reason(update, context, press)


async def _act(
    update: Update, context: BanzuContext, item_id: int, version: int, move: Move, **kw: object
) -> None:
    ident, svc = await who(update, context), context.svc
    out = await svc.rectification.act(ident.actor, item_id, version, move, svc.clock.now(), **kw)  # type: ignore[arg-type]
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    user = ident.actor.tg_user_id
    evidence = await svc.conversations.state(user, user, RectEvidence)
    reason = await svc.conversations.state(user, user, RectReason)
    if item_id in (evidence and evidence.item, reason and reason.item):  # its flow is over
        await svc.conversations.clear(user, user)
    if update.callback_query is not None:
        await update.callback_query.answer()
    await send(context, user, view.moved_reply(out.item, move, svc.texts, lang_of(update)))


async def _start_evidence(update: Update, context: BanzuContext, press: ItemPress) -> None:
    ident, svc = await who(update, context), context.svc
    draft = await svc.rectification.start_evidence(ident.actor, press.item, press.ver)
    if isinstance(draft, Refused):
        await _refused(update, context, draft)
        return
    user = ident.actor.tg_user_id
    await svc.conversations.put(user, user, RectEvidence(EvidenceStep.COLLECT, press.item))
    assert update.callback_query is not None
    await update.callback_query.answer()
    await reply(update, context, "rectification.evidence.ask")
    if draft.pieces:
        _, markup = view.draft(draft, svc.texts, lang_of(update))
        await reply(update, context, "rectification.evidence.ask_more", markup, n=draft.pieces)


async def _send_evidence(update: Update, context: BanzuContext, item_id: int) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.rectification.evidence(ident.actor, item_id)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    await query_of(update).answer()
    (item, pieces), user = out, ident.actor.tg_user_id
    if not pieces:
        await reply(update, context, "rectification.evidence.none")
        return
    await send(context, user, view.evidence_text(pieces, item, svc.texts, lang))
    for p in pieces:
        caption = view.evidence_caption(p, item, svc.texts, lang)
        await send_media(context, user, p.kind, p.file_id or "", caption)


async def _ask_reason(update: Update, context: BanzuContext, press: ItemPress) -> None:
    ident, svc = await who(update, context), context.svc
    move = _MOVES[press.op]
    item = await svc.rectification.check(ident.actor, press.item, press.ver, Op(press.op.value))
    if isinstance(item, Refused):
        await _refused(update, context, item)
        return
    user = ident.actor.tg_user_id
    st = RectReason(ReasonStep.REASON, item.id, press.ver, move, view.day(item.deadline))
    await svc.conversations.put(user, user, st)
    assert update.callback_query is not None
    await update.callback_query.answer()
    await reply(update, context, f"rectification.reason.{move.value}")


async def reason_step(update: Update, context: BanzuContext, st: RectReason) -> None:
    svc = context.svc
    out = svc.rectification.reason_step(st, _text(update), svc.clock.now())
    if isinstance(out, Refused):
        await _refused(update, context, out)
    elif isinstance(out, RectReason):  # the reason given; now the date
        user = _user(update)
        await svc.conversations.put(user, user, out)
        key = f"rectification.reason.ask_date_{st.move.value}"
        await reply(update, context, key, deadline=st.deadline)
    else:
        kw = {"reason": out.reason, "new_deadline": out.new_deadline}
        await _act(update, context, st.item, st.ver, st.move, **kw)


def _user(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


def _piece(message: Message) -> dict[str, Any] | None:
    """A note, a photo (its largest size) or a document as `add_evidence` takes it."""
    if message.photo:
        photo = message.photo[-1]
        return {"kind": "photo", "file_id": photo.file_id, "size": photo.file_size}
    if message.document is not None:
        doc = message.document
        return {
            "kind": "document", "file_id": doc.file_id, "file_name": doc.file_name,
            "size": doc.file_size,
        }  # fmt: skip
    return {"kind": "text", "body": message.text} if message.text is not None else None


async def evidence_step(update: Update, context: BanzuContext, st: RectEvidence) -> None:
    """A note, a photo or a file sent while submitting the fix: one piece of the draft."""
    ident, svc, message = await who(update, context), context.svc, update.message
    assert message is not None
    piece = _piece(message)
    if piece is None:
        await reply(update, context, "rectification.evidence.not_a_file")
        return
    body = piece.pop("body", None) or message.caption or ""
    now = svc.clock.now()
    out = await svc.rectification.add_evidence(ident.actor, st.item, now, body=body, **piece)
    if isinstance(out, Refused):
        await _refused(update, context, out)
        return
    text, markup = view.draft(out, svc.texts, lang_of(update))
    await send(context, ident.actor.tg_user_id, text, markup)


# ------------------------------------------------------------------ escalation


async def escalate_job(context: BanzuContext) -> None:
    """Overdue items: owner, then the owner's leader, then admins — each once (outbox keys)."""
    await context.svc.rectification.escalate(context.svc.clock.now())


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("rectify", "rectification.cmd.rectify"),
        CommandInfo("rectify_new", "rectification.cmd.rectify_new", Action.RAISE_RECTIFICATION),
        CommandInfo(
            "rectify_month", "rectification.cmd.rectify_month", Action.VIEW_RECTIFICATION_LEDGER
        ),
    ]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("rectify", rectify_cmd, private))
    app.add_handler(CommandHandler("rectify_new", new_cmd, private))
    app.add_handler(CommandHandler("rectify_month", month_cmd, private))
    app.add_handler(CallbackQueryHandler(item_pressed, pattern=ItemPress.pattern()))
    app.add_handler(CallbackQueryHandler(page_pressed, pattern=ListPage.pattern()))
    app.add_handler(CallbackQueryHandler(from_suggestion_pressed, pattern=FromSuggestion.pattern()))
    svc.flows[RectDraft.flow] = typed_step(RectDraft, new_step)
    svc.flows[RectReason.flow] = typed_step(RectReason, reason_step)
    svc.flows[RectEvidence.flow] = typed_step(RectEvidence, evidence_step)
    svc.file_flows[RectEvidence.flow] = typed_step(RectEvidence, evidence_step)
    if app.job_queue is not None:
        app.job_queue.run_repeating(escalate_job, interval=TICK_SECONDS, first=20.0, name=JOB)
