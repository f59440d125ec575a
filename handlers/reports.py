"""/report [YYYY-MM]: the attendance report for the asker's reach (team, unit, everything):
a short text, a PNG chart and an XLSX workbook, sent as documents in the private chat."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action
from bot.domain.textsplit import split_text
from bot.services.reports import ReportRefused
from bot.views import reports as views
from handlers.common import lang_of, reply, send, send_files, who


async def report(update: Update, context: BanzuContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type != ChatType.PRIVATE:
        await reply(update, context, "common.private_only")
        return
    ident, lang = await who(update, context), lang_of(update)
    asked = await context.svc.reports.ask(ident.actor, " ".join(context.args or []), lang)
    if isinstance(asked, ReportRefused):
        await reply(update, context, asked.key, value=asked.value)
        return
    await reply(update, context, "attendance.report.working", month=asked.month.label)
    files = await context.svc.reports.files(asked, lang)
    for piece in split_text(files.text):
        await send(context, chat.id, piece)
    await send_files(context, chat.id, *views.attachments(asked.month, files))


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands.append(CommandInfo("report", "attendance.report.cmd", Action.VIEW_REPORT))
    app.add_handler(CommandHandler("report", report))
