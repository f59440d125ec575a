"""What no feature claimed: people seen, conversations resumed, unknown input, stale buttons."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BanzuApp, BanzuContext
from handlers.common import reply, toast

TRACK_GROUP = -10  # before every feature: note who we have seen
FLOW_GROUP = -5  # before commands: a conversation in progress takes the next private text


async def track_user(update: Update, context: BanzuContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot:
        return
    private = bool(chat and chat.type == ChatType.PRIVATE and update.message)
    key = (user.id, private)
    if key in context.svc.seen_users:
        return
    await context.svc.directory.seen(
        user.id, user.first_name, user.last_name, user.username, user.language_code, private
    )
    context.svc.seen_users.add(key)


async def continue_flow(update: Update, context: BanzuContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat and user
    conv = await context.svc.conversations.get(chat.id, user.id)
    step = context.svc.flows.get(conv.flow) if conv else None
    if conv is None or step is None:
        return
    await step(update, context, conv)
    raise ApplicationHandlerStop


async def continue_file_flow(update: Update, context: BanzuContext) -> None:
    """A file or photo sent in a conversation whose flow takes files goes to that flow (not to
    the roster import). Flows that do not list a file step keep their own photo handlers."""
    chat, user = update.effective_chat, update.effective_user
    assert chat and user
    conv = await context.svc.conversations.get(chat.id, user.id)
    step = context.svc.file_flows.get(conv.flow) if conv else None
    if conv is None or step is None:
        return
    await step(update, context, conv)
    raise ApplicationHandlerStop


async def unknown_command(update: Update, context: BanzuContext) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0]
    name, _, addressee = command.partition("@")
    me = (context.bot.username or "").lower()
    if addressee and addressee.lower() != me:
        return  # addressed to another bot, in any chat: not ours to answer
    if message.chat.type != ChatType.PRIVATE:
        if name.removeprefix("/").lower() in {c.name for c in context.svc.commands}:
            # One of ours that works only in a private chat: say where to use it.
            await reply(update, context, "common.private_only_where", command=name, bot=me)
            return
        if not addressee:
            return  # a bare unknown command in a group may be meant for another bot
    await reply(update, context, "common.unknown_command", command=name)


async def not_understood(update: Update, context: BanzuContext) -> None:
    await reply(update, context, "common.not_understood")


async def stale_button(update: Update, context: BanzuContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(toast(update, context, "common.stale_button"), show_alert=True)


_PRIVATE_TEXT = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
_PRIVATE_FILE = filters.ChatType.PRIVATE & (filters.Document.ALL | filters.PHOTO)


def register_first(app: BanzuApp) -> None:
    app.add_handler(TypeHandler(Update, track_user), group=TRACK_GROUP)
    app.add_handler(MessageHandler(_PRIVATE_TEXT, continue_flow), group=FLOW_GROUP)
    app.add_handler(MessageHandler(_PRIVATE_FILE, continue_file_flow), group=FLOW_GROUP)


def register_last(app: BanzuApp) -> None:
    """Catch-alls: in the features' group, added after them, so they only get what is left."""
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(_PRIVATE_TEXT, not_understood))
    app.add_handler(CallbackQueryHandler(stale_button))
