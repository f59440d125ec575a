"""The organisation in chat: an admin sends a roster file; leaders ask for invite links."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, can
from bot.services.roster import ImportStale
from bot.views import org as views
from bot.views.org import ImportAction, ImportPress
from handlers.commands import refresh_menus
from handlers.common import answer, edit_markup, lang_of, pressed, query_of, reply, send, who

MAX_MB = 5


async def roster_document(update: Update, context: BanzuContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.document is not None and user is not None
    svc, ident = context.svc, await who(update, context)
    # Flows that take files (a notice's content) ran before this handler and stopped it;
    # any other flow in progress must not see its file turn into an import.
    if await svc.conversations.get(message.chat.id, user.id) is not None:
        await reply(update, context, "org.chat.busy")
        return
    if not can(ident.actor, Action.IMPORT_ORG):
        await reply(update, context, "org.chat.no_file_here")
        return
    doc = message.document
    if (doc.file_size or 0) > MAX_MB * 1024 * 1024:
        await reply(update, context, "org.chat.too_big", limit=MAX_MB)
        return
    data = bytes(await (await doc.get_file()).download_as_bytearray())
    result, staged = await svc.roster.stage(data, doc.file_name or "roster", actor=user.id)
    for piece, markup in views.preview(result, staged, svc.texts, lang_of(update)):
        await send(context, message.chat.id, piece, markup)


async def import_pressed(update: Update, context: BanzuContext) -> None:
    press, ident = await pressed(update, context, ImportPress), await who(update, context)
    if press is None:
        return
    if not can(ident.actor, Action.IMPORT_ORG):
        await answer(update, context, "org.confirm.admins_only", alert=True)
        return
    if press.action is ImportAction.NO:
        await _cancel(update, context, press.staged)
        return
    try:
        applied = await context.svc.roster.confirm(press.staged, actor=ident.actor.tg_user_id)
    except ImportStale:
        await answer(update, context, "org.confirm.stale", alert=True)
        return
    await _closed(update, context)
    for piece in views.applied(applied.result, context.svc.texts, lang_of(update)):
        await send(context, _chat_of(update), piece)


async def _cancel(update: Update, context: BanzuContext, staged: int) -> None:
    done = await context.svc.roster.cancel(staged)
    await query_of(update).answer()
    await edit_markup(update, None)
    await reply(update, context, "org.confirm.cancelled" if done else "org.confirm.stale")


async def _closed(update: Update, context: BanzuContext) -> None:
    """The preview's buttons go; new leaders' menus now, not at their next /start."""
    await query_of(update).answer()
    await edit_markup(update, None)
    await refresh_menus(context.bot, context.svc)


def _chat_of(update: Update) -> int:
    message = query_of(update).message
    assert message is not None
    return message.chat.id


async def import_undo(update: Update, context: BanzuContext) -> None:
    ident = await who(update, context)
    if not can(ident.actor, Action.IMPORT_ORG):
        await reply(update, context, "common.no_permission")
        return
    undone = await context.svc.roster.undo_last(actor=ident.actor.tg_user_id)
    if undone is None:
        await reply(update, context, "org.undo.none")
        return
    await refresh_menus(context.bot, context.svc)
    await reply(update, context, "org.undo.done", source=undone.source, restored=undone.restored,
                deactivated=undone.deactivated)  # fmt: skip


async def invites(update: Update, context: BanzuContext) -> None:
    svc, ident, chat = context.svc, await who(update, context), update.effective_chat
    assert chat is not None
    if not can(ident.actor, Action.VIEW_INVITES):
        await reply(update, context, "common.no_permission")
        return
    teams = await svc.roster.invite_teams(ident.actor)
    if not teams:
        await reply(update, context, "org.invites.none")
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
