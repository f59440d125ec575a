"""/help for this person, and the command menus Telegram shows (setMyCommands)."""

from __future__ import annotations

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.ext import CommandHandler

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, can
from handlers.common import send, tr, who


def visible(svc: Services, ident_registered: bool, allowed: set[str]) -> list[CommandInfo]:
    shown = [
        c
        for c in svc.commands
        if c.public or (ident_registered and (c.action is None or c.name in allowed))
    ]
    return sorted(shown, key=lambda c: not c.public)  # everyone's commands first


async def show_help(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    allowed = {c.name for c in svc.commands if c.action and can(ident.actor, c.action)}
    lines = [tr(update, context, "help.header"), ""]
    for c in visible(svc, ident.registered, allowed):
        lines.append(f"/{c.name} — {tr(update, context, c.text_key)}")
    if can(ident.actor, Action.IMPORT_ORG):
        lines.append(tr(update, context, "help.cmd.import"))
    if not ident.registered:
        lines += ["", tr(update, context, "help.unregistered")]
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, "\n".join(lines))


async def publish_commands(app: BanzuApp) -> None:
    """Command menus in Chinese by default and in English for English-language clients."""
    svc: Services = app.bot_data.services
    for lang in ("zh-CN", "en"):
        code = None if lang == "zh-CN" else "en"
        for scope, chosen in (
            (BotCommandScopeAllPrivateChats(), [c for c in svc.commands if c.private]),
            (BotCommandScopeAllGroupChats(), [c for c in svc.commands if c.group]),
        ):
            menu = [BotCommand(c.name, svc.texts.get(c.text_key, lang)) for c in chosen]
            await app.bot.set_my_commands(menu, scope=scope, language_code=code)


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("start", "help.cmd.start", public=True),
        CommandInfo("help", "help.cmd.help", public=True, group=True),
        CommandInfo("cancel", "help.cmd.cancel", public=True),
    ]
    app.add_handler(CommandHandler("help", show_help))
