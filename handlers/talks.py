"""谈心谈话 in chat: /talk records or plans one, /talks lists the recorder's own (admins also
get the monthly count per unit); a job reminds planned talks on their day."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Stale, parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, can
from bot.domain.periods import PeriodError, current, parse_period
from bot.domain.talks import TalkProblem
from bot.services.talks import Refused
from bot.views import talks as view
from bot.views.talks import TalkOp, TalkPress
from handlers.common import answer_stale, lang_of, reply, send, toast, who

JOB = "talks.remind"


def _key(problem: str) -> str:
    return "talks.usage" if problem == TalkProblem.USAGE else f"talks.problem.{problem}"


async def talk_cmd(update: Update, context: BanzuContext) -> None:
    message = update.effective_message
    assert message is not None
    args = (message.text or "").split()[1:]
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    if not args and can(ident.actor, Action.RECORD_TALK):
        await reply(update, context, "talks.usage")
        return
    out = await svc.talks.record(ident, args, context.svc.clock.now())
    if isinstance(out, Refused):
        await reply(update, context, _key(out.problem.value))
        return
    text, markup = view.recorded(out.talk, svc.texts, lang)
    await send(context, ident.actor.tg_user_id, text, markup)


async def talks_cmd(update: Update, context: BanzuContext) -> None:
    message = update.effective_message
    assert message is not None
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    arg = " ".join((message.text or "").split()[1:])
    now = context.svc.clock.now()
    try:
        period = (
            parse_period(arg, now, svc.settings.tz)
            if arg
            else current("month", now, svc.settings.tz)
        )
    except PeriodError as err:
        await reply(update, context, f"talks.problem.{err.code}_period", value=err.value[:40])
        return
    counts = await svc.talks.monthly(ident, period)
    mine = await svc.talks.mine(ident)
    if isinstance(mine, Refused) and isinstance(counts, Refused):
        await reply(update, context, "talks.problem.no_permission")
        return
    if not isinstance(counts, Refused):
        await send(
            context,
            ident.actor.tg_user_id,
            view.monthly(period.label(lang), counts, svc.texts, lang),
        )
    if not isinstance(mine, Refused):
        text, markup = view.mine(mine, svc.texts, lang)
        await send(context, ident.actor.tg_user_id, text, markup)


async def talk_pressed(update: Update, context: BanzuContext) -> None:
    query = update.callback_query
    assert query is not None
    press = parse(query.data, TalkPress)
    if isinstance(press, Stale):
        await answer_stale(update, context)
        return
    ident, svc = await who(update, context), context.svc
    held = press.op is TalkOp.HELD
    out = await svc.talks.settle(ident, press.talk, held, context.svc.clock.now())
    if isinstance(out, Refused):
        await query.answer(toast(update, context, _key(out.problem.value)), show_alert=True)
        return
    key = "talks.settled.held" if held else "talks.settled.cancelled"
    await query.answer(toast(update, context, key, id=press.talk))
    mine = await svc.talks.mine(ident)
    if not isinstance(mine, Refused) and query.message is not None:
        text, markup = view.mine(mine, svc.texts, lang_of(update))
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:  # a reminder's own message: edited the same way
            if "not modified" not in str(exc):
                raise


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
