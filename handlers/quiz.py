"""Knowledge quizzes in chat: /quiz (private: exams, challenge, 错题本, leaderboard; in a team
group: a leader starts a quiz), /quizrank, /mistakes, poll answers, and bank files from admins.

Each handler parses the update, calls `svc.quiz` and renders a view. Polls and messages to a
group go through the outbox (the service enqueues them); what is sent here answers the
person's own action, in their private chat, or as a toast on the button they pressed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from bot.callbacks import parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.quiz import Mode
from bot.domain.textsplit import split_text
from bot.services import quiz as qs
from bot.views import quiz as views
from handlers.common import answer_stale, lang_of, query_of, reply, send, toast_who, tr_who, who

JOB = "quiz.tick"
TICK_SECONDS = 5.0
DOC_GROUP = -1  # before the roster import: a bank file stops here, any other file passes on
_GROUP_MODES = {"daily": Mode.DAILY, "session": Mode.SESSION, "exam": Mode.EXAM}


async def quiz_command(update: Update, context: BanzuContext) -> None:
    chat, svc, lang = update.effective_chat, context.svc, lang_of(update)
    assert chat is not None
    ident, private = await who(update, context), chat.type == ChatType.PRIVATE
    out = await svc.quiz.menu(ident.actor, ident.person, chat.id, private)
    if isinstance(out, qs.Refused):
        await reply(update, context, f"quiz.refused.{out.reason.value}")
        return
    if isinstance(out, qs.PrivateMenu):
        text, markup = views.private_menu(svc.texts, lang, out.topics, out.lead)
    else:
        text, markup = views.group_menu(svc.texts, lang)
    await send(context, chat.id, text, markup)


async def rank_command(update: Update, context: BanzuContext) -> None:
    ident, chat = await who(update, context), update.effective_chat
    assert chat is not None
    if not ident.registered:
        await reply(update, context, "quiz.refused.not_registered")
        return
    await send(context, chat.id, await _board_text(update, context))


async def mistakes_command(update: Update, context: BanzuContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    text, markup = await _mistakes(update, context)
    pieces = split_text(text)
    for i, piece in enumerate(pieces):
        await send(context, chat.id, piece, markup if i == len(pieces) - 1 else None)


async def _board_text(update: Update, context: BanzuContext) -> str:
    ident, svc = await who(update, context), context.svc
    b = await svc.quiz.board(ident.person)
    return views.board(svc.texts, lang_of(update), b.teams, b.people, b.me, b.first_day, b.last_day)


async def _mistakes(
    update: Update, context: BanzuContext
) -> tuple[str, InlineKeyboardMarkup | None]:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    if ident.person is None:
        return await tr_who(update, context, "quiz.refused.not_registered"), None
    items = await svc.quiz.mistakes(ident.person)
    earned, cap = await svc.quiz.today(ident.person)
    text = (
        views.mistakes(svc.texts, lang, items) + "\n\n" + views.today(svc.texts, lang, earned, cap)
    )
    return text, views.mistakes_markup(svc.texts, lang) if items else None


# ------------------------------------------------------------------ buttons


async def pressed(update: Update, context: BanzuContext) -> None:
    press = parse(query_of(update).data, *views.PRESSES)
    step = _PRESSED.get(type(press))
    if step is None:
        await answer_stale(update, context)
    else:
        await step(update, context, press)


async def _toast(update: Update, context: BanzuContext, key: str, /, **values: object) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        await toast_who(update, context, key, **values), show_alert=True
    )


async def _go(update: Update, context: BanzuContext, arg: str) -> None:
    """go:daily | go:exam | go:challenge | go:review | topic:<n>: a private round, one
    question at a time."""
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    outcome = await svc.quiz.start_from_menu(ident.person, arg)
    if outcome is None:
        await answer_stale(update, context)
        return
    await query_of(update).answer()
    if isinstance(outcome, qs.Refused):
        busy = outcome.reason is qs.Refusal.BUSY
        markup = views.abandon_markup(svc.texts, lang) if busy else None
        await reply(update, context, f"quiz.refused.{outcome.reason.value}", markup=markup)
        return
    mode_name = views.mode_name(svc.texts, lang, outcome.mode)
    await reply(update, context, "quiz.started.private", mode=mode_name, size=outcome.size)


async def _group(update: Update, context: BanzuContext, arg: str) -> None:
    ident, svc, chat = await who(update, context), context.svc, update.effective_chat
    assert chat is not None
    outcome = await svc.quiz.start_group(ident.actor, chat.id, _GROUP_MODES[arg])
    if isinstance(outcome, qs.Refused):
        await _toast(update, context, f"quiz.refused.{outcome.reason.value}")
        return
    mode_name = views.mode_name(svc.texts, lang_of(update), outcome.mode)
    await _toast(update, context, "quiz.started.group", mode=mode_name, size=outcome.size)


async def _status(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    outcome = await svc.quiz.team_status(ident.actor)
    if isinstance(outcome, qs.Refused):
        await _toast(update, context, f"quiz.refused.{outcome.reason.value}")
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    names = (
        [p.name for p in outcome.answered],
        [p.name for p in outcome.missing],
        [p.name for p in outcome.idle_this_month],
    )
    text, markup = views.status(svc.texts, lang_of(update), outcome.round, *names)
    await reply_text(update, context, text, markup)


async def _remind(update: Update, context: BanzuContext, round_id: int) -> None:
    ident, svc = await who(update, context), context.svc
    outcome = await svc.quiz.remind(ident.actor, round_id)
    if isinstance(outcome, qs.Refused):
        await _toast(update, context, f"quiz.refused.{outcome.reason.value}")
    else:
        sent, already, unreachable = outcome.sent, outcome.already, outcome.unreachable
        await _toast(update, context, "quiz.remind.done", sent=sent, already=already,
                     unreachable=unreachable)  # fmt: skip


async def _show(update: Update, context: BanzuContext, arg: str) -> None:
    """board | mistakes, shown in the private chat."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    if arg == "board":
        await reply_text(update, context, await _board_text(update, context), None)
    else:
        text, markup = await _mistakes(update, context)
        await reply_text(update, context, text, markup)


async def _abandon(update: Update, context: BanzuContext) -> None:
    ident = await who(update, context)
    done = await context.svc.quiz.cancel_private(ident.person)
    await _toast(update, context, "quiz.cancelled" if done else "common.nothing_to_cancel")


_PRESSED: dict[type[object], Callable[[Update, BanzuContext, Any], Awaitable[None]]] = {
    views.Start: lambda u, c, p: _go(u, c, p.kind),
    views.TopicExam: lambda u, c, p: _go(u, c, str(p.index)),
    views.GroupStart: lambda u, c, p: _group(u, c, p.mode),
    views.Show: lambda u, c, p: _status(u, c) if p.what == "status" else _show(u, c, p.what),
    views.Remind: lambda u, c, p: _remind(u, c, p.round),
    views.Abandon: lambda u, c, p: _abandon(u, c),
}


async def reply_text(
    update: Update, context: BanzuContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    chat = update.effective_chat
    assert chat is not None
    pieces = split_text(text)
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        await send(context, chat.id, piece, markup if last else None)


# ------------------------------------------------------------------ answers and files


async def poll_answer(update: Update, context: BanzuContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # an anonymous voter: our quizzes are not anonymous, so not ours
    await context.svc.quiz.answer(answer.poll_id, answer.user.id, list(answer.option_ids))


async def bank_document(update: Update, context: BanzuContext) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    doc, ident = message.document, await who(update, context)

    async def download() -> bytes:
        return bytes(await (await doc.get_file()).download_as_bytearray())

    outcome = await context.svc.quiz.offer_file(
        ident.actor, doc.file_name or "bank", doc.file_size or 0, download
    )
    if isinstance(outcome, qs.NotABank):
        return  # a roster or another file: the next handler's
    await reply_text(
        update, context, views.bank_reply(context.svc.texts, lang_of(update), outcome), None
    )
    raise ApplicationHandlerStop


async def tick_job(context: BanzuContext) -> None:
    await context.svc.quiz.tick()


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("quiz", "quiz.cmd.quiz", group=True),
        CommandInfo("quizrank", "quiz.cmd.quizrank"),
        CommandInfo("mistakes", "quiz.cmd.mistakes"),
    ]
    app.add_handler(CommandHandler("quiz", quiz_command))
    app.add_handler(CommandHandler("quizrank", rank_command))
    app.add_handler(CommandHandler("mistakes", mistakes_command, filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(pressed, pattern=views.Start.pattern()))
    app.add_handler(PollAnswerHandler(poll_answer))
    private_docs = filters.ChatType.PRIVATE & filters.Document.ALL
    app.add_handler(MessageHandler(private_docs, bank_document), group=DOC_GROUP)

    async def resolve(batch: str) -> None:  # a poll was recorded: answers that beat it count
        await svc.quiz.resolve_raw()

    svc.outbox.listen("quiz", resolve)
    if app.job_queue is not None:
        app.job_queue.run_repeating(tick_job, interval=TICK_SECONDS, first=1.0, name=JOB)
