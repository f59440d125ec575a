"""/help for this person, and the command menus Telegram shows (setMyCommands)."""

from __future__ import annotations

import logging
from functools import partial

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import CommandHandler

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, Actor, Place, Role, can
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


MENU_JOB = "menus.refresh"
MENU_EVERY_S = 600.0  # a roster imported from the terminal reaches the menus within this


def group_menu(svc: Services, actor: Actor, place: Place) -> list[CommandInfo]:
    """The commands `actor` may use in the group of the team at `place` (reach decides)."""
    return [
        c
        for c in svc.commands
        if c.group and (c.public or c.action is None or can(actor, c.action, place))
    ]


def _names(svc: Services, actor: Actor, team: Place | None) -> list[str] | None:
    """The command names of `actor`'s menu in a private chat (team None) or in `team`'s group;
    None where the default menu (a worker's) already is right."""
    if team is None:
        if actor.roles <= {Role.WORKER}:
            return None
        return [c.name for c in menu(svc, actor)]
    names = [c.name for c in group_menu(svc, actor, team)]
    return None if names == [c.name for c in menu(svc, _WORKER, private=False)] else names


async def refresh_menus(
    bot: Bot, svc: Services, user_id: int | None = None, lang: str | None = None
) -> int:
    """Make the menus Telegram shows match the roster now: private chat (chat scope) and team
    groups (chat-member scope) for everyone registered, or one person; menus of people who lost
    their roles or were deactivated are deleted (back to the default). Only what differs from
    what was last set is sent. Returns the number of changes."""
    plan = await svc.menus.plan(svc.settings.admins, partial(_names, svc), user_id)
    info = {c.name: c for c in svc.commands}
    for want in plan.push:
        scope = _scope(want.chat_id, want.user_id, want.member)
        items = [BotCommand(n, svc.texts.plain(info[n].text_key, lang)) for n in want.commands]
        try:
            await bot.set_my_commands(items, scope=scope)
        except (BadRequest, Forbidden) as exc:  # not in that group (yet), or blocked us
            log.info("no menu %s: %s", want.scope, exc.message)
        await svc.menus.pushed(want)  # tried: again only when their commands change
    for drop in plan.drop:
        try:
            await bot.delete_my_commands(scope=_scope(drop.chat_id, drop.user_id, drop.member))
        except (BadRequest, Forbidden) as exc:
            log.info("menu %s not deleted: %s", drop.scope, exc.message)
        await svc.menus.dropped(drop)
    return len(plan.push) + len(plan.drop)


def _scope(
    chat_id: int, user_id: int, member: bool
) -> BotCommandScopeChat | BotCommandScopeChatMember:
    return BotCommandScopeChatMember(chat_id, user_id) if member else BotCommandScopeChat(chat_id)


async def refresh_job(context: BanzuContext) -> None:
    await refresh_menus(context.bot, context.svc)


async def publish_person_menu(bot: Bot, svc: Services, ident: Identity, lang: str) -> None:
    """This person's menus by their roles, in their language, when they register or /start; an
    admin of the settings who is not on the roster gets the private-chat menu alone."""
    if ident.person is None and not ident.deactivated:
        if Role.ADMIN in ident.actor.roles:
            await _person_menu(bot, svc, ident.actor, lang)
        return
    await refresh_menus(bot, svc, ident.actor.tg_user_id, lang)


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
    if app.job_queue is not None:  # after an import from the terminal, and at start
        app.job_queue.run_repeating(refresh_job, interval=MENU_EVERY_S, first=5.0, name=MENU_JOB)
