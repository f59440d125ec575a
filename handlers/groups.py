"""The bot joining and leaving groups, and /bind: a team leader makes a group the team's group."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler

from bot import callbacks
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action
from bot.domain.text import visible
from bot.services import binding
from bot.services.binding import BindOutcome, BindResult
from bot.texts import to_plain
from handlers.commands import refresh_menus
from handlers.common import reply, send, toast, tr, tr_who, who

NS = "bind"
_IN = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)


def _data(team_id: int, asker: int) -> str:
    return callbacks.encode(NS, 1, team_id, asker)


async def bot_membership(update: Update, context: BanzuContext) -> None:
    change = update.my_chat_member
    assert change is not None
    chat, old, new = change.chat, change.old_chat_member.status, change.new_chat_member.status
    if chat.type == ChatType.PRIVATE:
        # In a private chat 'kicked' means the person blocked the bot: stop writing to them.
        await context.svc.people.set_private_ok(chat.id, new == ChatMemberStatus.MEMBER)
        return
    await context.svc.groups.record_bot_status(chat.id, chat.type, chat.title, new)
    if new in _IN and old not in _IN:
        await reply(update, context, "groups.intro")


async def bind(update: Update, context: BanzuContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type == ChatType.PRIVATE:
        await reply(update, context, "groups.bind_private")
        return
    svc, ident = context.svc, await who(update, context)
    wanted = visible(" ".join(context.args or [])) or None
    result = await binding.candidates(svc.org, svc.groups, ident, chat.id, wanted)
    if result.outcome is BindOutcome.PICK:
        asker = ident.actor.tg_user_id
        rows = [
            [
                InlineKeyboardButton(
                    f"{t.unit_name}·{t.name}", callback_data=callbacks.encode(NS, 1, t.id, asker)
                )
            ]
            for t in result.teams
        ]
        await reply(update, context, "groups.bind_pick", markup=InlineKeyboardMarkup(rows))
        return
    if result.outcome is BindOutcome.READY:
        result = await binding.bind(svc.org, svc.groups, ident, chat.id, result.teams[0].id)
    await send(context, chat.id, await render_text(update, context, result))
    if result.outcome is BindOutcome.DONE:
        await refresh_menus(context.bot, svc)  # the team's leaders: their commands in this group


async def bind_pressed(update: Update, context: BanzuContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    data = callbacks.decode(query.data, NS, 1, 2)
    team_id, asker = (data.int_part(0), data.int_part(1)) if data else (None, None)
    if team_id is None or asker is None:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    if asker != query.from_user.id:
        await query.answer(toast(update, context, "common.not_yours"))
        return
    svc, ident = context.svc, await who(update, context)
    chat_id = query.message.chat.id
    result = await binding.bind(svc.org, svc.groups, ident, chat_id, team_id)
    if result.outcome not in (BindOutcome.DONE, BindOutcome.ALREADY):
        await query.answer(to_plain(await render_text(update, context, result)), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await send(context, chat_id, await render_text(update, context, result))
    if result.outcome is BindOutcome.DONE:
        await refresh_menus(context.bot, svc)


async def render_text(update: Update, context: BanzuContext, result: BindResult) -> str:
    team = result.teams[0] if result.teams else None
    values: dict[str, object] = {"unit": team.unit_name, "team": team.name} if team else {}
    if result.outcome is BindOutcome.NO_MATCH:
        values = {"name": result.wanted or ""}
    elif result.outcome is BindOutcome.TOO_MANY:
        values = {"example": team.name if team else ""}
    text = await tr_who(update, context, f"groups.{result.outcome.value}", **values)
    if result.moved_from_team:
        text += "\n" + tr(update, context, "groups.bind_moved", team=result.moved_from_team)
    return text


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands.append(
        CommandInfo("bind", "help.cmd.bind", Action.BIND_GROUP, private=False, group=True)
    )
    app.add_handler(ChatMemberHandler(bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CommandHandler("bind", bind))
    app.add_handler(CallbackQueryHandler(bind_pressed, pattern=callbacks.pattern(NS)))
