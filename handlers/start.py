"""/start, registration with an invite link and employee number, /cancel."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import BanzuApp, BanzuContext
from bot.repos.conversations import Conversation
from bot.services import registration
from bot.services.registration import Outcome
from handlers.common import alert_admins, reply, who

FLOW = "register"


async def start(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    ident = await who(update, context)
    code = context.args[0] if context.args else None
    if code is None:
        if ident.person:
            p = ident.person
            await reply(
                update,
                context,
                "start.welcome_back",
                name=p.name,
                unit=p.unit_name,
                team=p.team_name,
            )
        elif ident.registered:
            await reply(update, context, "start.welcome_admin")
        else:
            await reply(update, context, "start.welcome_unregistered")
        return
    team = await svc.org.team_by_invite(code)
    if team is None:
        await reply(update, context, "start.bad_invite")
    elif ident.person:
        p = ident.person
        await reply(
            update,
            context,
            "start.already_registered",
            name=p.name,
            unit=p.unit_name,
            team=p.team_name,
        )
    else:
        assert update.effective_chat and update.effective_user
        await svc.conversations.set(
            update.effective_chat.id,
            update.effective_user.id,
            FLOW,
            "employee_no",
            {"team_id": team.id, "team": team.name},
        )
        await reply(update, context, "start.ask_employee_no", unit=team.unit_name, team=team.name)


async def employee_no_step(update: Update, context: BanzuContext, conv: Conversation) -> None:
    svc = context.svc
    assert update.message and update.message.text and update.effective_user
    text = update.message.text
    result = await registration.submit_employee_no(
        svc.people, svc.settings, update.effective_user.id, int(conv.data["team_id"]), text
    )
    number = registration.normalize_employee_no(text) or text[:32]
    team_name = str(conv.data.get("team", ""))
    match result.outcome:
        case Outcome.BAD_FORMAT:
            await reply(update, context, "start.bad_format")
        case Outcome.WRONG_NUMBER:
            await reply(
                update,
                context,
                "start.wrong_number",
                number=number,
                team=team_name,
                remaining=result.remaining,
            )
        case Outcome.LOCKED:
            assert result.locked_until is not None
            until = result.locked_until.astimezone(svc.settings.tz).strftime("%H:%M")
            await reply(update, context, "start.locked", until=until)
        case Outcome.TAKEN:
            await svc.conversations.clear(conv.chat_id, conv.user_id)
            await reply(update, context, "start.taken", number=number)
            assert result.person is not None
            await alert_admins(
                context,
                "start.taken_admin",
                number=number,
                name=result.person.name,
                team=result.person.team_name,
                user=update.effective_user.id,
            )
        case Outcome.LINKED:
            await svc.conversations.clear(conv.chat_id, conv.user_id)
            p = result.person
            assert p is not None
            await reply(
                update, context, "start.linked", name=p.name, unit=p.unit_name, team=p.team_name
            )


async def cancel(update: Update, context: BanzuContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat and user
    done = await context.svc.conversations.clear(chat.id, user.id)
    await reply(update, context, "common.cancelled" if done else "common.nothing_to_cancel")


def register(app: BanzuApp) -> None:
    app.add_handler(CommandHandler("start", start, filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler("cancel", cancel))
    app.bot_data.services.flows[FLOW] = employee_no_step
