"""The monthly thought-trend analysis (思想动态分析): on a schedule (an hourly job hands last
month's analyses to the outbox once, bot/services/trend_delivery.py), and on demand with
`/trends [month]` in a private chat — text and PNG, the XLSX behind a button
(bot/services/trend_requests.py)."""

from __future__ import annotations

from typing import Any

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Stale, parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.delivery.flood import Priority
from bot.domain.auth import Action
from bot.domain.htmlsplit import split_html
from bot.services import trend_requests as ask
from bot.services.trend_delivery import deliver_due
from bot.views import trends as view
from handlers.common import answer_stale, lang_of, reply, send, toast, who

JOB = "trend_reports"
# ExtBot[None] types rate_limit_args as None; our limiter takes a Priority.
INTERACTIVE: dict[str, Any] = {"rate_limit_args": Priority.INTERACTIVE}


async def trend_job(context: BanzuContext) -> None:
    if await deliver_due(context.svc.trend_delivery, context.svc.clock.now()):
        context.svc.outbox.wake()


def _argument(update: Update) -> str:
    message = update.effective_message
    parts = ((message.text if message else None) or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def trends_command(update: Update, context: BanzuContext) -> None:
    chat, lang, now = update.effective_chat, lang_of(update), context.svc.clock.now()
    assert chat is not None
    actor = (await who(update, context)).actor
    month = ask.parse_month(_argument(update), now, context.svc.settings.tz)
    out = await ask.analysis(context.svc.trend_ask, actor, month, lang, now)
    if isinstance(out, ask.Refused):
        await reply(update, context, "common.no_permission")
    elif isinstance(out, ask.BadMonth):
        await send(context, chat.id, view.bad_month(out.code, out.value, context.svc.texts, lang))
    else:
        await _send_analysis(context, chat.id, out, lang)


async def _send_analysis(context: BanzuContext, chat_id: int, out: ask.Ready, lang: str) -> None:
    for piece in split_html(out.out.text):
        await send(context, chat_id, piece, **INTERACTIVE)
    if out.out.empty:  # nothing to draw or tabulate: the text says so
        return
    markup = view.file_keyboard(out.month, context.svc.texts, lang)
    png = InputFile(out.out.png, filename=out.out.stem + ".png")
    await context.bot.send_photo(chat_id, png, reply_markup=markup, **INTERACTIVE)


async def file_pressed(update: Update, context: BanzuContext) -> None:
    query, lang, now = update.callback_query, lang_of(update), context.svc.clock.now()
    assert query is not None
    press = parse(query.data, view.TrendFile)
    if isinstance(press, Stale):
        await answer_stale(update, context)
        return
    actor = (await who(update, context)).actor
    if ask.scope_for(actor) is None:
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
        return
    # Answered before the build: a site-wide month may take longer than Telegram waits.
    await query.answer(toast(update, context, "trends.ask.xlsx_sent"))
    out = await ask.analysis(context.svc.trend_ask, actor, press.as_month, lang, now)
    if isinstance(out, ask.Ready) and not out.out.empty:
        xlsx = InputFile(out.out.xlsx, filename=out.out.stem + ".xlsx")
        await context.bot.send_document(actor.tg_user_id, xlsx, **INTERACTIVE)


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands.append(CommandInfo("trends", "trends.cmd.trends", Action.VIEW_TRENDS))
    app.add_handler(CommandHandler("trends", trends_command, filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(file_pressed, pattern=view.TrendFile.pattern()))
    if app.job_queue is not None:
        app.job_queue.run_repeating(trend_job, interval=3600, first=90, name=JOB)
