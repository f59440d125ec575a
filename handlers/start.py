"""/start, registration with an invite link and employee number, /cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
from bot.services.claims import CLAIM_HOURS, DecideResult, Decision, Opened
from bot.services.identity import Identity
from bot.services.registration import Outcome, Result
from bot.views.claims import ClaimPress
from handlers.commands import publish_person_menu, refresh_menus
from handlers.common import (
    alert_admins,
    answer_stale,
    lang_of,
    reply,
    toast,
    typed_step,
    who,
)

EXPIRE_EVERY_S = 600  # a lapsed claim is told within ten minutes of its 48 hours


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
    team = await svc.directory.team_by_invite(code)
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


async def register_step(update: Update, context: BanzuContext, st: Registration) -> None:
    """The registration conversation: employee number first, then (if asked) the phone."""
    assert update.message and update.message.text and update.effective_user
    text, user_id = update.message.text, update.effective_user.id
    result = await _submit(context, user_id, st, text)
    number = st.employee_no or registration.normalize_employee_no(text) or text[:32]
    if result.outcome in (Outcome.WRONG_PHONE, Outcome.LOCKED) and st.step is RegisterStep.PHONE:
        await _phone_mismatch(update, context, number, result)
    await _ANSWERS.get(result.outcome, _bad_invite)(update, context, st, result, number)


def _submit(context: BanzuContext, user_id: int, st: Registration, text: str) -> Awaitable[Result]:
    directory = context.svc.directory
    if st.step is RegisterStep.PHONE:
        return directory.register_phone_tail(user_id, st.employee_no, text)
    return directory.register_employee_no(user_id, st.team_id, text)


async def _phone_mismatch(
    update: Update, context: BanzuContext, number: str, result: Result
) -> None:
    """A wrong phone tail is worth an admin's look: someone may be trying another's number."""
    p, user_id = result.person, _key(update)[1]
    once = f"phone:{number}:{user_id}:{update.update_id}"
    if p is not None:
        await alert_admins(
            context, "start.phone_mismatch_admin", once=once,
            number=number, name=p.name, team=p.team_name, user=user_id,
        )  # fmt: skip


async def _bad_format(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    await reply(update, context, "start.bad_format")


async def _wrong_number(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    if st.step is RegisterStep.PHONE:  # the entry went away between the two steps
        await _bad_invite(update, context, st, result, number)
        return
    remaining = result.remaining
    await reply(
        update, context, "start.wrong_number", number=number, team=st.team, remaining=remaining
    )


async def _wrong_phone(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    if st.step is RegisterStep.PHONE:
        await reply(update, context, "start.wrong_phone", remaining=result.remaining)


async def _locked(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    """Locked out for a while; a lock at the phone step also ends the registration."""
    if st.step is RegisterStep.PHONE:
        await context.svc.conversations.clear(*_key(update))
    assert result.locked_until is not None
    until = result.locked_until.astimezone(context.svc.settings.tz).strftime("%H:%M")
    await reply(update, context, "start.locked", until=until)


async def _taken_step(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    await context.svc.conversations.clear(*_key(update))
    assert result.person is not None
    await _taken(update, context, number, result.person)


async def _linked(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    svc = context.svc
    assert result.person is not None
    await _about(update, context, "start.linked", result.person)
    await publish_person_menu(context.bot, svc, await who(update, context), lang_of(update))


async def _deactivated(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    await context.svc.conversations.clear(*_key(update))
    await reply(update, context, "start.deactivated", number=number)


async def _need_approval(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    await context.svc.conversations.clear(*_key(update))
    assert result.person is not None
    await _claim(update, context, result.person)


async def _need_phone(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    assert result.person is not None
    st = replace(st, step=RegisterStep.PHONE, employee_no=result.person.employee_no)
    await context.svc.conversations.put(*_key(update), st)
    await reply(update, context, "start.ask_phone")


async def _bad_invite(
    update: Update, context: BanzuContext, st: Registration, result: Result, number: str
) -> None:
    await context.svc.conversations.clear(*_key(update))
    await reply(update, context, "start.bad_invite")


Answer = Callable[[Update, BanzuContext, Registration, Result, str], Awaitable[None]]
# What each registration outcome says; an outcome not listed (one the step cannot produce)
# ends the registration as a bad invite, as before.
_ANSWERS: dict[Outcome, Answer] = {
    Outcome.BAD_FORMAT: _bad_format, Outcome.WRONG_NUMBER: _wrong_number,
    Outcome.WRONG_PHONE: _wrong_phone, Outcome.LOCKED: _locked, Outcome.TAKEN: _taken_step,
    Outcome.LINKED: _linked, Outcome.DEACTIVATED: _deactivated,
    Outcome.NEED_APPROVAL: _need_approval, Outcome.NEED_PHONE: _need_phone,
}  # fmt: skip


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
    user = update.effective_user
    assert user is not None
    opened = await context.svc.claims.open(person, user.id, user.full_name)
    if opened.outcome is Opened.SENT:
        await reply(update, context, "start.claim.sent", team=person.team_name, hours=CLAIM_HOURS)
    elif opened.outcome is Opened.OTHER:
        await reply(update, context, "start.claim.other", number=person.employee_no)
        await alert_admins(
            context, "start.claim.other_admin", once=f"claim-other:{person.employee_no}:{user.id}",
            number=person.employee_no, name=person.name, team=person.team_name, user=user.id,
        )  # fmt: skip
    else:
        await reply(update, context, f"start.claim.{opened.outcome.value}")


async def claim_pressed(update: Update, context: BanzuContext) -> None:
    """A leader's 同意 / 拒绝 on a registration claim; the applicant is told either way."""
    query = update.callback_query
    assert query is not None
    press = parse(query.data, ClaimPress)
    if isinstance(press, Stale):
        await answer_stale(update, context)
        return
    ident = await who(update, context)
    by = ident.person.name if ident.person else query.from_user.full_name
    done = await context.svc.claims.decide(press.claim, ident.actor, press.approve, by)
    if done.outcome is Decision.NOT_ALLOWED:
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
    elif done.claim is None or done.person is None:
        await answer_stale(update, context)
    else:
        await _decided(update, context, done, by)


async def _decided(update: Update, context: BanzuContext, done: DecideResult, by: str) -> None:
    """The leader's toast and, on a refusal, the admins' alert. The applicant's answer and
    every approver's card edit were queued with the decision itself."""
    query, svc, claim, person = update.callback_query, context.svc, done.claim, done.person
    assert query is not None and claim is not None and person is not None
    key = f"start.claim.{done.outcome.value}"
    await query.answer(toast(update, context, f"{key}_toast", name=person.name), show_alert=True)
    if done.outcome is Decision.REFUSED:
        await alert_admins(
            context, "start.claim.refused_admin", once=f"claim-refused:{claim.id}",
            number=person.employee_no, name=person.name, team=person.team_name,
            user=claim.user_id, by=by,
        )  # fmt: skip
    if done.outcome is Decision.APPROVED:
        await refresh_menus(context.bot, svc, claim.user_id)


async def expire_job(context: BanzuContext) -> None:
    """Claims nobody decided in time lapse, and their applicants hear it then, not only when
    they happen to ask again."""
    await context.svc.claims.expire_lapsed()


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
    app.bot_data.services.claims.attach()
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            expire_job, interval=EXPIRE_EVERY_S, first=EXPIRE_EVERY_S, name="claims-expire"
        )
    app.bot_data.services.flows[Registration.flow] = typed_step(Registration, register_step)
    app.bot_data.services.file_flows[Registration.flow] = file_step
