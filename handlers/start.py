"""/start, registration with an invite link and employee number, /cancel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Stale, parse
from bot.context import BanzuApp, BanzuContext
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState
from bot.domain.people import Person
from bot.services import registration
from bot.services.claims import CLAIM_HOURS, Decision, Opened
from bot.services.identity import Identity
from bot.services.registration import Outcome
from bot.views.claims import ClaimPress, claim_keyboard
from handlers.commands import publish_person_menu, refresh_menus
from handlers.common import (
    alert_admins,
    answer_stale,
    lang_of,
    notify,
    reply,
    toast,
    typed_step,
    who,
)


class RegisterStep(StrEnum):
    EMPLOYEE_NO = "employee_no"
    PHONE = "phone"


@dataclass(frozen=True)
class Registration(FlowState, flow="register", version=1):
    """Registering through a team's invite link: the employee number, then (where the roster
    has phones) the last 4 digits of the phone."""

    step: RegisterStep
    team_id: int
    team: str = ""
    employee_no: str = ""


def _key(update: Update) -> tuple[int, int]:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    return chat.id, user.id


async def start(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    ident = await who(update, context)
    code = context.args[0] if context.args else None
    if code is None:
        await _welcome(update, context, ident)
        return
    team = await svc.org.team_by_invite(code)
    if team is None:
        await reply(update, context, "start.bad_invite")
    elif ident.person:
        await _about(update, context, "start.already_registered", ident.person)
    else:
        state = Registration(RegisterStep.EMPLOYEE_NO, team.id, team.name)
        await svc.conversations.put(*_key(update), state)
        await reply(update, context, "start.ask_employee_no", unit=team.unit_name, team=team.name)


async def _welcome(update: Update, context: BanzuContext, ident: Identity) -> None:
    await publish_person_menu(context.bot, context.svc, ident, lang_of(update))
    if ident.person:
        await _about(update, context, "start.welcome_back", ident.person)
    elif ident.deactivated:
        await reply(update, context, "common.deactivated")
    elif ident.registered:
        await reply(update, context, "start.welcome_admin")
    else:
        await reply(update, context, "start.welcome_unregistered")


async def _about(update: Update, context: BanzuContext, key: str, p: Person) -> None:
    """The text `key` about a registered person: their name, unit and team."""
    await reply(update, context, key, name=p.name, unit=p.unit_name, team=p.team_name)


async def employee_no_step(update: Update, context: BanzuContext, st: Registration) -> None:
    svc = context.svc
    assert update.message and update.message.text and update.effective_user
    text = update.message.text
    result = await registration.submit_employee_no(
        svc.people, svc.settings, update.effective_user.id, st.team_id, text
    )
    number = registration.normalize_employee_no(text) or text[:32]
    team_name = st.team
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
            await svc.conversations.clear(*_key(update))
            assert result.person is not None
            await _taken(update, context, number, result.person)
        case Outcome.LINKED:
            svc.conversations.drop_cached(*_key(update))  # ended by the link
            assert result.person is not None
            await _about(update, context, "start.linked", result.person)
            await publish_person_menu(context.bot, svc, await who(update, context), lang_of(update))
        case Outcome.DEACTIVATED:
            await svc.conversations.clear(*_key(update))
            await reply(update, context, "start.deactivated", number=number)
        case Outcome.NEED_APPROVAL:
            await svc.conversations.clear(*_key(update))
            assert result.person is not None
            await _claim(update, context, result.person)
        case Outcome.NEED_PHONE:
            assert result.person is not None
            st = replace(st, step=RegisterStep.PHONE, employee_no=result.person.employee_no)
            await svc.conversations.put(*_key(update), st)
            await reply(update, context, "start.ask_phone")
        case Outcome.WRONG_PHONE:
            pass  # only the phone step answers this


async def phone_step(update: Update, context: BanzuContext, st: Registration) -> None:
    svc = context.svc
    assert update.message and update.message.text and update.effective_user
    user_id, number = update.effective_user.id, st.employee_no
    result = await registration.submit_phone_tail(
        svc.people, svc.settings, user_id, number, update.message.text
    )
    if result.outcome in (Outcome.WRONG_PHONE, Outcome.LOCKED) and result.person is not None:
        p = result.person
        await alert_admins(
            context,
            "start.phone_mismatch_admin",
            once=f"phone:{number}:{user_id}:{update.update_id}",
            number=number,
            name=p.name,
            team=p.team_name,
            user=user_id,
        )
    match result.outcome:
        case Outcome.WRONG_PHONE:
            await reply(update, context, "start.wrong_phone", remaining=result.remaining)
        case Outcome.LOCKED:
            await svc.conversations.clear(*_key(update))
            assert result.locked_until is not None
            until = result.locked_until.astimezone(svc.settings.tz).strftime("%H:%M")
            await reply(update, context, "start.locked", until=until)
        case Outcome.TAKEN:
            await svc.conversations.clear(*_key(update))
            assert result.person is not None
            await _taken(update, context, number, result.person)
        case Outcome.LINKED:
            svc.conversations.drop_cached(*_key(update))
            assert result.person is not None
            await _about(update, context, "start.linked", result.person)
            await publish_person_menu(context.bot, svc, await who(update, context), lang_of(update))
        case _:
            await svc.conversations.clear(*_key(update))
            await reply(update, context, "start.bad_invite")


async def register_step(update: Update, context: BanzuContext, st: Registration) -> None:
    """The registration conversation: employee number first, then (if asked) the phone."""
    if st.step is RegisterStep.PHONE:
        await phone_step(update, context, st)
    else:
        await employee_no_step(update, context, st)


async def _taken(update: Update, context: BanzuContext, number: str, holder: Person) -> None:
    """Someone else already holds this number: tell the asker, and the admins, who can check."""
    assert update.effective_user is not None
    await reply(update, context, "start.taken", number=number)
    await alert_admins(
        context,
        "start.taken_admin",
        once=f"taken:{holder.employee_no}:{update.effective_user.id}:{update.update_id}",
        number=number,
        name=holder.name,
        team=holder.team_name,
        user=update.effective_user.id,
    )


async def _claim(update: Update, context: BanzuContext, person: Person) -> None:
    """registration_check = "leader": the claim goes to the team's leaders with 同意 / 拒绝."""
    svc, user = context.svc, update.effective_user
    assert user is not None
    opened = await svc.claims.open(person, user.id, user.full_name)
    if opened.outcome is Opened.SENT:
        assert opened.claim is not None
        claim_id = opened.claim.id
        for approver in opened.approvers:
            text = svc.texts.get(
                "start.claim.ask", None, applicant=user.full_name, user=user.id,
                name=person.name, number=person.employee_no, team=person.team_name,
                unit=person.unit_name, hours=CLAIM_HOURS,
            )  # fmt: skip
            markup = claim_keyboard(svc.texts, None, claim_id)
            await notify(
                context, approver, text, purpose="claim", key=f"claim:{claim_id}:{approver}",
                markup=markup,
            )  # fmt: skip
        await reply(update, context, "start.claim.sent", team=person.team_name, hours=CLAIM_HOURS)
    elif opened.outcome is Opened.WAITING:
        await reply(update, context, "start.claim.waiting")
    elif opened.outcome is Opened.OTHER:
        await reply(update, context, "start.claim.other", number=person.employee_no)
        await alert_admins(
            context, "start.claim.other_admin", once=f"claim-other:{person.employee_no}:{user.id}",
            number=person.employee_no, name=person.name, team=person.team_name, user=user.id,
        )  # fmt: skip
    else:
        await reply(update, context, "start.claim.nobody")


async def claim_pressed(update: Update, context: BanzuContext) -> None:
    """A leader's 同意 / 拒绝 on a registration claim; the applicant is told either way."""
    query, svc = update.callback_query, context.svc
    assert query is not None
    press = parse(query.data, ClaimPress)
    if isinstance(press, Stale):
        await answer_stale(update, context)
        return
    ident = await who(update, context)
    done = await svc.claims.decide(press.claim, ident.actor, press.approve)
    claim, person = done.claim, done.person
    if done.outcome is Decision.NOT_ALLOWED:
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
        return
    if claim is None or person is None:
        await answer_stale(update, context)
        return
    by = ident.person.name if ident.person else query.from_user.full_name
    key = f"start.claim.{done.outcome.value}"
    await query.answer(toast(update, context, f"{key}_toast", name=person.name), show_alert=True)
    if done.outcome is not Decision.GONE:
        await notify(
            context, claim.user_id,
            svc.texts.get(f"{key}_applicant", None, name=person.name, team=person.team_name,
                          by=by),
            purpose="claim", key=f"claim:{claim.id}:told",
        )  # fmt: skip
    if done.outcome is Decision.REFUSED:
        await alert_admins(
            context, "start.claim.refused_admin", once=f"claim-refused:{claim.id}",
            number=person.employee_no, name=person.name, team=person.team_name,
            user=claim.user_id, by=by,
        )  # fmt: skip
    if done.outcome is Decision.APPROVED:
        await refresh_menus(context.bot, svc, claim.user_id)
    if query.message is not None:
        await query.edit_message_reply_markup(None)


async def file_step(update: Update, context: BanzuContext, conv: Conversation) -> None:
    """A photo or file while registering (a 工牌 photo, a screenshot): not a number, and never
    a roster import; say what this step wants."""
    key = "start.file_phone" if conv.step == "phone" else "start.file_employee_no"
    await reply(update, context, key)


async def cancel(update: Update, context: BanzuContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat and user
    done = await context.svc.conversations.clear(chat.id, user.id)
    await reply(update, context, "common.cancelled" if done else "common.nothing_to_cancel")


def register(app: BanzuApp) -> None:
    app.add_handler(CommandHandler("start", start, filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler("cancel", cancel))
    app.add_handler(CallbackQueryHandler(claim_pressed, pattern=ClaimPress.pattern()))
    app.bot_data.services.flows[Registration.flow] = typed_step(Registration, register_step)
    app.bot_data.services.file_flows[Registration.flow] = file_step
