"""The bot joining and leaving groups, and /bind: a team leader makes a group the team's group."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action
from bot.domain.text import visible
from bot.services.binding import BindOutcome, BindResult
from bot.texts import to_plain
from bot.views import groups as view
from handlers.commands import refresh_menus
from handlers.common import (
    answer,
    edit_markup,
    lang_of,
    pressed,
    query_of,
    reply,
    send,
    tr_who,
    who,
)

_IN = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
_BOUND = (BindOutcome.DONE, BindOutcome.ALREADY)


async def bot_membership(update: Update, context: BanzuContext) -> None:
    change = update.my_chat_member
    assert change is not None
    chat, old, new = change.chat, change.old_chat_member.status, change.new_chat_member.status
    if chat.type == ChatType.PRIVATE:
        # In a private chat 'kicked' means the person blocked the bot: stop writing to them.
        await context.svc.directory.set_private_ok(chat.id, new == ChatMemberStatus.MEMBER)
        return
    await context.svc.directory.bot_status(chat.id, chat.type, chat.title, new)
    if new in _IN and old not in _IN:
        await reply(update, context, "groups.intro")


async def bind(update: Update, context: BanzuContext) -> None:
    chat, svc, ident = update.effective_chat, context.svc, await who(update, context)
    assert chat is not None
    if chat.type == ChatType.PRIVATE:
        await reply(update, context, "groups.bind_private")
        return
    wanted = visible(" ".join(context.args or [])) or None
    result = await svc.directory.ask_bind(ident, chat.id, wanted)
    if result.outcome is BindOutcome.PICK:
        markup = view.pick_keyboard(result, ident.actor.tg_user_id)
        await reply(update, context, "groups.bind_pick", markup=markup)
        return
    await _told(update, context, chat.id, result)


async def bind_pressed(update: Update, context: BanzuContext) -> None:
    query, svc = query_of(update), context.svc
    if (press := await pressed(update, context, view.BindPress)) is None:
        return
    if press.asker != query.from_user.id:
        return await answer(update, context, "common.not_yours")
    chat_id = query.message.chat.id if query.message else query.from_user.id
    result = await svc.directory.bind(await who(update, context), chat_id, press.team)
    if result.outcome not in _BOUND:
        text = to_plain(await render_text(update, context, result))
        await query.answer(text, show_alert=True)
        return
    await query.answer()
    await edit_markup(update, None)
    await _told(update, context, chat_id, result)


async def _told(update: Update, context: BanzuContext, chat_id: int, result: BindResult) -> None:
    await send(context, chat_id, await render_text(update, context, result))
    if result.outcome is BindOutcome.DONE:
        await refresh_menus(context.bot, context.svc)  # the team's leaders: their commands here


async def render_text(update: Update, context: BanzuContext, result: BindResult) -> str:
    key, values = view.outcome_values(result)
    text = await tr_who(update, context, key, **values)
    return text + view.moved_line(context.svc.texts, lang_of(update), result)


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands.append(
        CommandInfo("bind", "help.cmd.bind", Action.BIND_GROUP, private=False, group=True)
    )
    app.add_handler(ChatMemberHandler(bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CommandHandler("bind", bind))
    app.add_handler(CallbackQueryHandler(bind_pressed, pattern=view.BindPress.pattern()))
