"""The organisation in chat: an admin sends a roster file; leaders ask for invite links."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action
from bot.services.roster import ImportCancelled, ImportRefused, UploadRefused
from bot.views import org as views
from bot.views.org import ImportPress
from handlers.commands import refresh_menus
from handlers.common import (
    answer,
    download,
    edit_markup,
    lang_of,
    pressed,
    query_of,
    reply,
    send,
    who,
)  # fmt: skip


async def roster_document(update: Update, context: BanzuContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.document is not None and user is not None
    doc, ident = message.document, await who(update, context)
    busy = await context.svc.conversations.get(message.chat.id, user.id) is not None
    outcome = await context.svc.roster.offer_file(
        ident.actor, busy=busy, filename=doc.file_name or "roster", size=doc.file_size or 0,
        download=lambda: download(doc),
    )  # fmt: skip
    if isinstance(outcome, UploadRefused):
        await reply(update, context, outcome.key, None, **outcome.values())
        return
    for piece, markup in views.preview(
        outcome.result, outcome.staged, context.svc.texts, lang_of(update)
    ):
        await send(context, message.chat.id, piece, markup)


async def import_pressed(update: Update, context: BanzuContext) -> None:
    press, ident = await pressed(update, context, ImportPress), await who(update, context)
    if press is None:
        return
    outcome = await context.svc.roster.decide(ident.actor, press.staged, confirm=press.ok)
    if isinstance(outcome, ImportRefused):
        await answer(update, context, outcome.key, alert=True)
        return
    await query_of(update).answer()
    await edit_markup(update, None)
    if isinstance(outcome, ImportCancelled):
        await reply(update, context, outcome.key)
        return
    await refresh_menus(context.bot, context.svc)  # new leaders' menus now, not at their /start
    for piece in views.applied(outcome.result, context.svc.texts, lang_of(update)):
        await send(context, _chat_of(update), piece)


def _chat_of(update: Update) -> int:
    message = query_of(update).message
    assert message is not None
    return message.chat.id


async def import_undo(update: Update, context: BanzuContext) -> None:
    undone = await context.svc.roster.undo((await who(update, context)).actor)
    if isinstance(undone, UploadRefused):
        await reply(update, context, undone.key)
        return
    if undone is None:
        await reply(update, context, "org.undo.none")
        return
    await refresh_menus(context.bot, context.svc)
    await reply(update, context, "org.undo.done", source=undone.source, restored=undone.restored,
                deactivated=undone.deactivated)  # fmt: skip


async def invites(update: Update, context: BanzuContext) -> None:
    svc, ident, chat = context.svc, await who(update, context), update.effective_chat
    assert chat is not None
    teams = await svc.roster.invite_teams(ident.actor)
    if not teams:
        await reply(
            update, context, "common.no_permission" if teams is None else "org.invites.none"
        )
        return
    username = context.bot.username or svc.settings.bot_username
    for piece in views.invites(teams, username, svc.texts, lang_of(update)):
        await send(context, chat.id, piece)


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands.append(CommandInfo("invites", "help.cmd.invites", Action.VIEW_INVITES))
    private = filters.ChatType.PRIVATE
    svc.commands.append(CommandInfo("import_undo", "help.cmd.import_undo", Action.IMPORT_ORG))
    app.add_handler(CommandHandler("invites", invites, private))
    app.add_handler(CommandHandler("import_undo", import_undo, private))
    app.add_handler(MessageHandler(private & filters.Document.ALL, roster_document))
    app.add_handler(CallbackQueryHandler(import_pressed, pattern=ImportPress.pattern()))
