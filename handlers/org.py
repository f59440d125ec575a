"""The organisation in chat: an admin sends a roster file; leaders ask for invite links."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import Stale, parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, can, teams_for
from bot.domain.org_import import render_summary
from bot.domain.textsplit import split_text
from bot.services.roster import ImportStale
from bot.views.org import ImportAction, ImportPress, confirm_keyboard, invite_link
from handlers.commands import refresh_menus
from handlers.common import lang_of, reply, send, toast, who

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
    await _send_preview(update, context, render_summary(result, svc.texts, lang_of(update)), staged)


async def _send_preview(
    update: Update, context: BanzuContext, text: str, staged: int | None
) -> None:
    chat, lang, texts = update.effective_chat, lang_of(update), context.svc.texts
    assert chat is not None
    if staged is not None:
        text += "\n\n" + texts.get("org.confirm.question", lang)
    pieces = split_text(text)
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        markup = confirm_keyboard(staged, texts, lang) if last and staged is not None else None
        await send(context, chat.id, piece, markup)


async def import_pressed(update: Update, context: BanzuContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    press, ident = parse(query.data, ImportPress), await who(update, context)
    if isinstance(press, Stale):
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    if not can(ident.actor, Action.IMPORT_ORG):
        await query.answer(toast(update, context, "org.confirm.admins_only"), show_alert=True)
        return
    svc, lang = context.svc, lang_of(update)
    if press.action is ImportAction.NO:
        done = await svc.roster.cancel(press.staged)
        await query.answer()
        await query.edit_message_reply_markup(None)
        await reply(update, context, "org.confirm.cancelled" if done else "org.confirm.stale")
        return
    try:
        applied = await svc.roster.confirm(press.staged, actor=ident.actor.tg_user_id)
    except ImportStale:
        await query.answer(toast(update, context, "org.confirm.stale"), show_alert=True)
        return
    svc.people.forget()  # roles and teams may have changed for anyone
    await query.answer()
    await query.edit_message_reply_markup(None)
    await refresh_menus(context.bot, svc)  # new leaders' menus now, not at their next /start
    text = render_summary(applied.result, svc.texts, lang)
    if applied.result.ok:
        text += "\n" + svc.texts.get("org.confirm.undo_hint", lang)
    for piece in split_text(text):
        await send(context, query.message.chat.id, piece)


async def import_undo(update: Update, context: BanzuContext) -> None:
    ident = await who(update, context)
    if not can(ident.actor, Action.IMPORT_ORG):
        await reply(update, context, "common.no_permission")
        return
    undone = await context.svc.roster.undo_last(actor=ident.actor.tg_user_id)
    if undone is None:
        await reply(update, context, "org.undo.none")
        return
    context.svc.people.forget()
    await refresh_menus(context.bot, context.svc)
    await reply(
        update,
        context,
        "org.undo.done",
        source=undone.source,
        restored=undone.restored,
        deactivated=undone.deactivated,
    )


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
    svc.commands.append(CommandInfo("import_undo", "help.cmd.import_undo", Action.IMPORT_ORG))
    app.add_handler(CommandHandler("invites", invites, private))
    app.add_handler(CommandHandler("import_undo", import_undo, private))
    app.add_handler(MessageHandler(private & filters.Document.ALL, roster_document))
    app.add_handler(CallbackQueryHandler(import_pressed, pattern=ImportPress.pattern()))
