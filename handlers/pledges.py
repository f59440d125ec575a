"""Pledges in chat: /pledge (the pledge, an optional plan for the year, preview, confirm),
the pledge part of /mine, and /pledges for leaders: who has and has not, one polite reminder."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action
from bot.domain.people import Person
from bot.domain.pledges import PledgeDraft, PledgesFind
from bot.domain.text import visible
from bot.domain.textsplit import split_text
from bot.services import pledges as pl
from bot.views import pledges as views
from bot.views.pledges import (
    DraftPress,
    MinePress,
    TeamAction,
    TeamPress,
    TeamsPage,
)
from handlers.common import (
    edit,
    lang_of,
    notify,
    pressed,
    query_of,
    reply,
    send,
    typed_step,
    who,
)

# ------------------------------------------------------------------ writing


async def pledge(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    text = _command_text(update)
    out = await svc.pledges.begin(ident.person, ident.actor.tg_user_id, text, svc.clock.now())
    await _show(update, context, out)


def _command_text(update: Update) -> str:
    """What follows the command ("/pledge 文本": the pledge at once)."""
    message = update.effective_message
    if message is None or not message.text or not message.text.startswith("/"):
        return ""
    parts = message.text.split(maxsplit=1)
    return visible(parts[1]) if len(parts) > 1 else ""


async def step(update: Update, context: BanzuContext, draft: PledgeDraft) -> None:
    assert update.message is not None and update.effective_user is not None
    user, text = update.effective_user.id, update.message.text or ""
    await _show(update, context, await context.svc.pledges.take(user, draft, text))


async def draft_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, DraftPress)
    if press is None:
        return
    query, svc, ident = query_of(update), context.svc, await who(update, context)
    user, now = ident.actor.tg_user_id, svc.clock.now()
    out = await svc.pledges.press_draft(ident.person, user, press.nonce, press.action, now)
    if isinstance(out, pl.Refused):
        await query.answer(views.refused_toast(out, svc.texts, lang_of(update)), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _show(update, context, out)


async def _show(update: Update, context: BanzuContext, out: pl.DraftOutcome) -> None:
    """The draft's next message, in the writer's private chat."""
    if isinstance(out, pl.NotRegistered):  # a deactivated person is told so, and whom to ask
        await reply(update, context, "common.not_registered")
        return
    shown = views.draft_reply(out, context.svc.texts, lang_of(update))
    if shown is not None and update.effective_user is not None:
        await send(context, update.effective_user.id, *shown)


# ------------------------------------------------------------------ /mine and history


async def pledge_summary(
    update: Update, context: BanzuContext, person: Person
) -> tuple[str, InlineKeyboardMarkup]:
    svc = context.svc
    return views.mine_of(
        await svc.pledges.mine(person, svc.clock.now()), svc.texts, lang_of(update)
    )


async def mine_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, MinePress)
    if press is None:
        return
    query, svc, ident = query_of(update), context.svc, await who(update, context)
    user, now, lang = ident.actor.tg_user_id, svc.clock.now(), lang_of(update)
    out = await svc.pledges.mine_press(ident.person, user, press.member, press.action, now)
    if isinstance(out, pl.Refused):
        await query.answer(views.refused_toast(out, svc.texts, lang), show_alert=True)
        return
    await query.answer()
    if not isinstance(out, pl.History):
        await _show(update, context, out)
        return
    for piece in split_text(views.history_of(out, svc.texts, svc.settings.tz, lang)):
        await send(context, user, piece)


# ------------------------------------------------------------------ leaders


async def team_view(update: Update, context: BanzuContext) -> None:
    svc, ident, lang, chat = (
        context.svc,
        await who(update, context),
        lang_of(update),
        update.effective_chat,
    )
    assert chat is not None
    export = [a.lower() for a in context.args or []] in (["export"], ["导出"])
    out = await svc.pledges.view_teams(ident.actor, svc.clock.now(), export)
    if isinstance(out, pl.Export):
        data, name, caption = views.export_file(out, svc.texts, svc.settings.tz, lang)
        await context.bot.send_document(chat.id, InputFile(data, filename=name), caption=caption)
        return
    await send(context, chat.id, *views.teams_view(out, svc.texts, lang))


async def teams_page_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, TeamsPage)
    if press is None:
        return
    query, svc, ident = query_of(update), context.svc, await who(update, context)
    message, lang = query.message, lang_of(update)
    assert message is not None
    chat, user, now = message.chat.id, query.from_user.id, svc.clock.now()
    out = await svc.pledges.teams_page(ident.actor, chat, user, press.op, press.page, now)
    if isinstance(out, pl.Refused):
        await query.answer(views.refused_toast(out, svc.texts, lang), show_alert=True)
    elif isinstance(out, pl.Searching):
        await query.answer()
        await send(context, chat, svc.texts.get("paging.ask_query", lang))
    else:
        await query.answer()
        await edit(context, chat, message.message_id, *views.overview(out, svc.texts, lang))


async def find_step(update: Update, context: BanzuContext, st: PledgesFind) -> None:
    """The part of a team's name typed after 🔍 (again at any time while the result shows)."""
    message, svc, ident = update.effective_message, context.svc, await who(update, context)
    assert message is not None
    chat, user, now = message.chat.id, ident.actor.tg_user_id, svc.clock.now()
    out = await svc.pledges.find_teams(ident.actor, chat, user, message.text or "", now)
    await send(context, chat, *views.teams_view(out, svc.texts, lang_of(update)))


async def team_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, TeamPress)
    if press is None:
        return
    query, svc, lang = query_of(update), context.svc, lang_of(update)
    ident = await who(update, context)
    use = svc.pledges.team if press.action is TeamAction.SHOW else svc.pledges.remind_team
    out = await use(ident.actor, press.team, svc.clock.now())
    if isinstance(out, pl.Refused):
        await query.answer(views.refused_toast(out, svc.texts, lang), show_alert=True)
    elif isinstance(out, pl.Reminded):
        await _send_reminders(context, out)
        await query.answer(views.reminded(out, svc.texts, lang), show_alert=True)
    else:
        await query.answer()
        await send(context, ident.actor.tg_user_id, *views.detail(out, svc.texts, lang))


async def _send_reminders(context: BanzuContext, out: pl.Reminded) -> None:
    for chat, text, key in views.reminders(out, context.svc.texts):
        await notify(context, chat, text, purpose="pledge", key=key)


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("pledge", "pledges.cmd.pledge"),
        CommandInfo("pledges", "pledges.cmd.pledges", Action.VIEW_PLEDGES),
    ]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("pledge", pledge, private))
    app.add_handler(CommandHandler("pledges", team_view, private))
    app.add_handler(CallbackQueryHandler(draft_pressed, pattern=DraftPress.pattern()))
    app.add_handler(CallbackQueryHandler(mine_pressed, pattern=MinePress.pattern()))
    app.add_handler(CallbackQueryHandler(team_pressed, pattern=TeamPress.pattern()))
    app.add_handler(CallbackQueryHandler(teams_page_pressed, pattern=TeamsPage.pattern()))
    svc.flows[PledgeDraft.flow] = typed_step(PledgeDraft, step)
    svc.flows[PledgesFind.flow] = typed_step(PledgesFind, find_step)
