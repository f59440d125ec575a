"""谈心谈话 in chat: /talk records or plans one, /talks lists the recorder's own (admins also
get the monthly count per unit); a job reminds planned talks on their day."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action
from bot.services.talks import Refused
from bot.views import talks as view
from bot.views.talks import TalkOp, TalkPress
from handlers.common import edit, lang_of, pressed, query_of, reply, send, who

JOB = "talks.remind"


async def talk_cmd(update: Update, context: BanzuContext) -> None:
    message = update.effective_message
    assert message is not None
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.talks.record(ident, (message.text or "").split()[1:], svc.clock.now())
    if isinstance(out, Refused):  # no words at all: the usage (after the right is checked)
        await reply(update, context, view.problem_key(out))
        return
    await send(context, ident.actor.tg_user_id, *view.recorded(out.talk, svc.texts, lang))


async def talks_cmd(update: Update, context: BanzuContext) -> None:
    message = update.effective_message
    assert message is not None
    ident, svc = await who(update, context), context.svc
    arg = " ".join((message.text or "").split()[1:])
    out = await svc.talks.listing(ident, arg, svc.clock.now())
    for text, markup in view.listing(out, svc.texts, lang_of(update)):
        await send(context, ident.actor.tg_user_id, text, markup)


async def talk_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, TalkPress)
    if press is None:
        return
    query, svc, ident = query_of(update), context.svc, await who(update, context)
    lang, message = lang_of(update), query.message
    out = await svc.talks.press(ident, press.talk, press.op is TalkOp.HELD, svc.clock.now())
    if isinstance(out, Refused):
        await query.answer(view.refused_toast(out, svc.texts, lang), show_alert=True)
        return
    await query.answer(view.settled(out, svc.texts, lang))
    if out.mine is not None and message is not None:  # a reminder's own message: edited too
        text, markup = view.mine(out.mine, svc.texts, lang)
        await edit(context, message.chat.id, message.message_id, text, markup)


async def remind_job(context: BanzuContext) -> None:
    if await context.svc.talks.remind(context.svc.clock.now()):
        context.svc.outbox.wake()


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("talk", "talks.cmd.talk", Action.RECORD_TALK),
        CommandInfo("talks", "talks.cmd.talks", Action.RECORD_TALK),
    ]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("talk", talk_cmd, private))
    app.add_handler(CommandHandler("talks", talks_cmd, private))
    app.add_handler(CallbackQueryHandler(talk_pressed, pattern=TalkPress.pattern()))
    if app.job_queue is not None:
        app.job_queue.run_repeating(remind_job, interval=600, first=30, name=JOB)
