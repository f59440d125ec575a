"""The organisation in chat: an admin sends a roster file; leaders ask for invite links."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, can, teams_for
from bot.domain.org_import import render_summary
from bot.domain.textsplit import split_text
from bot.repos.org import invite_link
from handlers.common import lang_of, reply, send, who

MAX_MB = 5


async def roster_document(update: Update, context: BanzuContext) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    ident = await who(update, context)
    if not can(ident.actor, Action.IMPORT_ORG):
        await reply(update, context, "org.chat.admins_only")
        return
    doc = message.document
    if (doc.file_size or 0) > MAX_MB * 1024 * 1024:
        await reply(update, context, "org.chat.too_big", limit=MAX_MB)
        return
    data = bytes(await (await doc.get_file()).download_as_bytearray())
    result = await context.svc.org.import_file(
        data, doc.file_name or "roster", actor=ident.actor.tg_user_id
    )
    if result.ok:
        context.svc.people.forget()  # roles and teams may have changed for anyone
    for piece in split_text(render_summary(result, context.svc.texts, lang_of(update))):
        await send(context, message.chat.id, piece)


async def invites(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    if not can(ident.actor, Action.VIEW_INVITES):
        await reply(update, context, "common.no_permission")
        return
    teams = teams_for(ident.actor, Action.VIEW_INVITES, await svc.org.teams())
    if not teams:
        await reply(update, context, "org.invites.none")
        return
    lang = lang_of(update)
    lines = [svc.texts.get("org.invites.header", lang)]
    username = context.bot.username or svc.settings.bot_username
    for t in teams:
        link = invite_link(username, t.invite_code)
        lines.append(
            svc.texts.get("org.invites.line", lang, unit=t.unit_name, team=t.name, link=link)
        )
    assert update.effective_chat is not None
    for piece in split_text("\n".join(lines)):
        await send(context, update.effective_chat.id, piece)


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands.append(CommandInfo("invites", "help.cmd.invites", Action.VIEW_INVITES))
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("invites", invites, private))
    app.add_handler(MessageHandler(private & filters.Document.ALL, roster_document))
