"""/help for this person, and the command menus Telegram shows (setMyCommands)."""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import CommandHandler

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, Actor, Role, can
from bot.services.identity import Identity
from handlers.common import send, tr, tr_who, who


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
        lines += ["", await tr_who(update, context, "help.unregistered")]
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, "\n".join(lines))


log = logging.getLogger(__name__)
_WORKER = Actor(tg_user_id=0, roles=frozenset({Role.WORKER}), member_id=0)


def menu(svc: Services, actor: Actor, *, private: bool = True) -> list[CommandInfo]:
    """The commands `actor` may use, in a private chat or in a group: a worker's menu lists no
    command that would only answer "no permission"."""
    return [
        c
        for c in svc.commands
        if (c.private if private else c.group)
        and (c.public or c.action is None or can(actor, c.action))
    ]


async def publish_commands(app: BanzuApp) -> None:
    """Command menus in Chinese by default and in English for English-language clients.

    The default menus are a worker's; leaders and admins get their own private-chat menu
    (chat scope) when they register or /start: Telegram accepts a chat scope only for a chat
    the bot has, so an admin who never wrote to it cannot get one yet.
    """
    svc: Services = app.bot_data.services
    for lang in ("zh-CN", "en"):
        code = None if lang == "zh-CN" else "en"
        for scope, chosen in (
            (BotCommandScopeAllPrivateChats(), menu(svc, _WORKER)),
            (BotCommandScopeAllGroupChats(), menu(svc, _WORKER, private=False)),
        ):
            items = [BotCommand(c.name, svc.texts.get(c.text_key, lang)) for c in chosen]
            await app.bot.set_my_commands(items, scope=scope, language_code=code)


async def publish_person_menu(bot: Bot, svc: Services, ident: Identity, lang: str) -> None:
    """This person's private-chat menu by their roles; refreshed when they register or /start
    (so a role changed by an import shows at their next visit)."""
    if Role.ADMIN in ident.actor.roles or ident.actor.roles - {Role.WORKER}:
        await _person_menu(bot, svc, ident.actor, lang)


async def _person_menu(bot: Bot, svc: Services, actor: Actor, lang: str | None) -> None:
    items = [BotCommand(c.name, svc.texts.get(c.text_key, lang)) for c in menu(svc, actor)]
    try:
        await bot.set_my_commands(items, scope=BotCommandScopeChat(actor.tg_user_id))
    except (BadRequest, Forbidden) as exc:  # the chat is gone or blocked us: the default stays
        log.info("no menu for %s: %s", actor.tg_user_id, exc.message)


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("start", "help.cmd.start", public=True),
        CommandInfo("help", "help.cmd.help", public=True, group=True),
        CommandInfo("cancel", "help.cmd.cancel", public=True),
    ]
    app.add_handler(CommandHandler("help", show_help))
