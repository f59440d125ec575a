"""Study sessions in chat: /study, the 签到 / 请假 buttons, /leave, /roll, /makeup, and the
leader's approve / refuse buttons. Rules and storage live in `bot.services.sessions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.attendance import Status
from bot.domain.auth import Action, Place, can
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState
from bot.domain.org import Team
from bot.domain.people import Person
from bot.domain.text import visible
from bot.services import sessions as ss
from bot.services.sessions import Ask, Correct, Decided, DecideResult, Pick, Press, Record, Roll
from bot.texts import to_plain
from bot.views import attendance as views
from handlers.common import (
    answer,
    edit,
    edit_markup,
    lang_of,
    pressed,
    query_of,
    reply,
    send,
    toast,
    toast_who,
    tr,
    typed_step,
    who,
)


def _key(update: Update) -> tuple[int, int]:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    return chat.id, user.id


class OneStep(StrEnum):
    REASON = "reason"


@dataclass(frozen=True)
class LeaveReason(FlowState, flow="att_leave", version=1):
    """请假 pressed under a session (or /leave without a reason): the next text is the reason."""

    step: OneStep
    session: int | None = None


@dataclass(frozen=True)
class CorrectionReason(FlowState, flow="att_reason", version=1):
    """A leader changes a closed session's record: the change waits for its reason."""

    step: OneStep
    record: tuple[int, int]  # session, member
    old: Status
    new: Status
    roll: tuple[int, int]  # the roll message to refresh: chat, message


TICK_SECONDS = 30


def _args_text(update: Update) -> str:
    """What follows the command, keeping line breaks (topic on the first line, material after)."""
    message = update.effective_message
    first, _, rest = ((message.text if message else None) or "").partition("\n")
    return "\n".join(p for p in (first.partition(" ")[2].strip(), rest.strip()) if p)


def _label(svc: Services, status: Status, lang: str) -> str:
    return ss.status_label(svc.texts, status, lang)


def _when(svc: Services, moment: datetime | None) -> str:
    return svc.attendance.local(moment, "%H:%M:%S") if moment else ""


# ==================================================================== /study


async def _group_team(update: Update, context: BanzuContext) -> Team | None:
    """The team of the group this update comes from, or None (with a reply saying why)."""
    chat = update.effective_chat
    assert chat is not None
    team = await context.svc.sessions.group_team(chat.id)
    if team is None:
        await reply(update, context, "attendance.study.unbound")
    return team


async def study(update: Update, context: BanzuContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    ident = await who(update, context)
    private, replay = chat.type == ChatType.PRIVATE, context.svc.inbox.is_replay(update.update_id)
    out = await context.svc.sessions.study(
        chat.id, private, ident.actor, _args_text(update), replay
    )
    if out.says:
        await reply(update, context, f"attendance.study.{out.outcome.value}", topic=out.topic)


# ==================================================================== 签到 / 请假 buttons


_ALERT = {Press.NOT_ON_ROSTER, Press.NOT_REGISTERED, Press.OVER, Press.EARLY}


async def session_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, views.SessionPress)
    if press is None:
        return
    ident = await who(update, context)
    if press.action is views.SessionAction.LEAVE:
        await leave_button(update, context, press.session, ident.person)
        return
    age = context.svc.inbox.replay_age_s(update.update_id)
    result = await context.svc.sessions.check_in(press.session, ident.person, age)
    key = f"attendance.toast.{result.outcome.value}"
    if result.outcome in (Press.RECORDED, Press.ALREADY) and result.status is Status.LATE:
        key += "_late"
    text = await toast_who(update, context, key, time=_when(context.svc, result.at))
    await query_of(update).answer(text, show_alert=result.outcome in _ALERT)


async def leave_button(
    update: Update, context: BanzuContext, session_id: int, person: Person | None
) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None
    if person is None:
        await query.answer(
            await toast_who(update, context, "attendance.toast.not_registered"), show_alert=True
        )
        return
    user_id = query.from_user.id
    if not await svc.people.private_ok(user_id):
        name = context.bot.username or svc.settings.bot_username
        await query.answer(
            toast(update, context, "attendance.leave.open_private", bot=name), show_alert=True
        )
        return
    await svc.conversations.put(user_id, user_id, LeaveReason(OneStep.REASON, session_id))
    await send(context, user_id, tr(update, context, "attendance.leave.ask_reason"))
    await query.answer(toast(update, context, "attendance.leave.see_private"))


# ==================================================================== /leave in a group


async def leave(update: Update, context: BanzuContext) -> None:
    """`/leave 原因` for the session running now (a group; `handlers.leave` owns /leave and
    hands group use here). Leave for later days is asked in the private chat."""
    ident = await who(update, context)
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    reason = _args_text(update)
    if reason:
        await submit_leave(update, context, ident.person, reason, None)
    else:
        await reply(update, context, "attendance.leave.need_reason")


async def leave_step(update: Update, context: BanzuContext, st: LeaveReason) -> None:
    assert update.message is not None and update.message.text is not None
    ident = await who(update, context)
    await context.svc.conversations.clear(*_key(update))
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    reason = visible(update.message.text)
    await submit_leave(update, context, ident.person, reason, st.session)


async def leave_file(update: Update, context: BanzuContext, conv: Conversation) -> None:
    """A photo or file while /leave waits for its reason (a 病假条, say): the reason is text and
    the request carries no attachment, so say so and keep waiting for the reason."""
    await reply(update, context, "attendance.leave.file_not_taken")


async def submit_leave(
    update: Update, context: BanzuContext, person: Person, reason: str, session_id: int | None
) -> None:
    svc = context.svc
    result = await svc.sessions.request_leave(person, reason[:300], session_id)
    session = result.session
    topic = session.topic if session else ""
    await reply(update, context, f"attendance.leave.{result.outcome.value}", topic=topic)
    if result.outcome is Ask.CREATED and session and result.request_id:
        tz = svc.attendance.tz
        text = views.request_text(svc.texts, tz, "leave", person, session, reason[:300], None)
        markup = views.decision_markup(svc.texts, "leave", result.request_id)
        await notify_leaders(context, person.team_id, text, markup)


# ==================================================================== /makeup


async def makeup(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    ident = await who(update, context)
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    note = _args_text(update)[:300]
    result = await svc.sessions.request_makeup(ident.person, note)
    s = result.session
    await reply(
        update,
        context,
        f"attendance.makeup.{result.outcome.value}",
        days=svc.attendance.rules.makeup_days,
        topic=s.topic if s else "",
        date=svc.attendance.local(s.starts_at, "%m-%d") if s else "",
    )
    if result.outcome is Ask.CREATED and s and result.request_id:
        tz = svc.attendance.tz
        text = views.request_text(svc.texts, tz, "makeup", ident.person, s, note, None)
        markup = views.decision_markup(svc.texts, "makeup", result.request_id)
        await notify_leaders(context, ident.person.team_id, text, markup)


# ==================================================================== leader decisions


async def notify_leaders(
    context: BanzuContext, team_id: int, text: str, markup: InlineKeyboardMarkup
) -> None:
    """Privately to the team's leaders who can be reached; else in the team group."""
    svc, sent = context.svc, False
    for user_id in await svc.attendance.leader_user_ids(team_id):
        if await svc.people.private_ok(user_id):
            await send(context, user_id, text, markup)
            sent = True
    chat = None if sent else await svc.groups.team_chat(team_id)
    if chat is not None:
        await send(context, chat, text, markup)


_UNDECIDED = {
    Decided.GONE: "common.stale_button",
    Decided.NOT_ALLOWED: "common.no_permission",
    Decided.DONE_ALREADY: "attendance.decided",
}


async def request_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, views.LeaveDecision, views.MakeupDecision)
    if press is None:
        return
    ident = await who(update, context)
    result = await context.svc.sessions.decide(press.request, press.approve, ident.actor)
    if result.outcome in _UNDECIDED:
        await answer(update, context, _UNDECIDED[result.outcome], alert=True)
        return
    query = query_of(update)
    by = ident.person.name if ident.person else query.from_user.first_name
    outcome = tr(update, context, f"attendance.{result.kind}.{result.outcome.value}", by=by)
    await query.answer(to_plain(outcome))
    await _show_decided(update, context, result, outcome)
    await _tell_member(context, result)


async def _show_decided(
    update: Update, context: BanzuContext, result: DecideResult, outcome: str
) -> None:
    svc, msg = context.svc, query_of(update).message
    assert msg is not None and result.session is not None and result.member is not None
    text = views.request_text(
        svc.texts, svc.attendance.tz, result.kind, result.member, result.session, result.reason,
        lang_of(update),
    )  # fmt: skip
    await edit(context, msg.chat.id, msg.message_id, f"{text}\n{outcome}")


async def _tell_member(context: BanzuContext, result: DecideResult) -> None:
    """The member who asked hears the decision privately, when they can be written to."""
    svc = context.svc
    assert result.member is not None and result.session is not None
    user_id = result.member.tg_user_id
    if user_id is not None and await svc.people.private_ok(user_id):
        told = f"attendance.{result.kind}.told_{result.outcome.value}"
        await send(context, user_id, svc.texts.get(told, None, topic=result.session.topic))


# ==================================================================== /roll


async def roll(update: Update, context: BanzuContext) -> None:
    svc, chat = context.svc, update.effective_chat
    assert chat is not None and update.effective_user is not None
    ident = await who(update, context)
    if chat.type == ChatType.PRIVATE:
        team = await svc.org.team(ident.person.team_id) if ident.person else None
        if team is None:
            await reply(update, context, "attendance.roll.private_no_team")
            return
    elif (team := await _group_team(update, context)) is None:
        return
    if not can(ident.actor, Action.TAKE_ATTENDANCE, Place(team.unit_id, team.id)):
        await reply(update, context, "attendance.roll.refused")
        return
    session = await svc.attendance.latest_session(team.id)
    if session is None:
        await reply(update, context, "attendance.roll.none")
        return
    user_id = update.effective_user.id
    target = user_id if await svc.people.private_ok(user_id) else chat.id
    text, markup = await svc.sessions.roll_view(session, lang_of(update))
    card = await send(context, target, text, markup)
    await svc.sessions.roll_card_sent(session, card.chat_id, card.message_id, lang_of(update))
    if target != chat.id:
        await reply(update, context, "attendance.roll.sent_private")


# A press's answer on the roll card: (text key, shown as a dialog)
_ROLL_ANSWER = {
    Roll.STALE: ("common.stale_button", True),
    Roll.NOT_YOURS: ("common.not_yours", False),
    Roll.CLOSED_NOW: ("attendance.roll.closed_now", False),
    Roll.CLOSED_ALREADY: ("attendance.roll.closed_already", False),
    Roll.MARKED: ("attendance.roll.toast", False),
    Roll.PICK: ("attendance.roll.pick", False),
    Roll.OPEN_PRIVATE: ("attendance.roll.open_private", True),
}


async def roll_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, views.RollName, views.RollClose)
    if press is None:
        return
    assert isinstance(press, views.RollName | views.RollClose)
    ident = await who(update, context)
    member = press.member if isinstance(press, views.RollName) else None
    out = await context.svc.sessions.roll_press(press.session, member, ident.actor, _card(update))
    key, alert = _ROLL_ANSWER[out.outcome]
    name = out.record.name if out.record else ""
    status = _label(context.svc, out.status, lang_of(update)) if out.status else ""
    await answer(update, context, key, alert=alert, name=name, status=status)
    if out.outcome is Roll.PICK and out.session and out.record:
        pick = views.pick_markup(context.svc.texts, out.session, out.record, lang_of(update))
        await edit_markup(update, pick)
    elif out.outcome in (Roll.CLOSED_NOW, Roll.CLOSED_ALREADY, Roll.MARKED) and out.session:
        await refresh_roll(update, context, out.session.id)


def _card(update: Update) -> tuple[int, int]:
    """(chat, message) of the pressed message."""
    msg = query_of(update).message
    assert msg is not None
    return msg.chat.id, msg.message_id


_PICK_ANSWER = {
    Pick.STALE: ("common.stale_button", True),
    Pick.NOT_YOURS: ("common.not_yours", False),
    Pick.OPEN_PRIVATE: ("attendance.roll.open_private", True),
}


async def pick_pressed(update: Update, context: BanzuContext) -> None:
    """The target status of a correction after closing (or back to the roll)."""
    press = await pressed(update, context, views.PickStatus, views.PickBack)
    if press is None:
        return
    assert isinstance(press, views.PickStatus | views.PickBack)
    ident = await who(update, context)
    new = press.status if isinstance(press, views.PickStatus) else None
    out = await context.svc.sessions.pick_press(press.session, press.member, new, ident.actor)
    if out.outcome in _PICK_ANSWER:
        key, alert = _PICK_ANSWER[out.outcome]
        await answer(update, context, key, alert=alert)
    elif out.outcome is Pick.BACK and out.session:
        await query_of(update).answer()
        await refresh_roll(update, context, out.session.id)
    elif out.record is not None and new is not None:
        await _ask_reason(update, context, out.record, new)
        await answer(update, context, "attendance.roll.reason_needed")
        await refresh_roll(update, context, out.record.session_id, {out.record.member_id: new})


async def _ask_reason(update: Update, context: BanzuContext, record: Record, new: Status) -> None:
    """The proposal waits in the leader's conversation until they send the reason privately."""
    svc, lang, user_id = context.svc, lang_of(update), query_of(update).from_user.id
    record_key = (record.session_id, record.member_id)
    state = CorrectionReason(OneStep.REASON, record_key, record.status, new, _card(update))
    await svc.conversations.put(user_id, user_id, state)
    old_l, new_l = _label(svc, record.status, lang), _label(svc, new, lang)
    await send(
        context,
        user_id,
        tr(update, context, "attendance.roll.ask_reason", name=record.name, old=old_l, new=new_l),
    )


async def reason_step(update: Update, context: BanzuContext, st: CorrectionReason) -> None:
    svc, lang = context.svc, lang_of(update)
    assert update.message is not None and update.message.text is not None
    reason = visible(update.message.text)
    ident = await who(update, context)
    out = await svc.sessions.correct(ident.actor, st.record, st.old, st.new, reason)
    key = _CORRECT_KEY.get(out.outcome) or f"attendance.roll.{out.outcome.value}"
    if out.refusal is not None:
        key = f"attendance.roll.refused_{out.refusal.value}"
    old, new = _label(svc, st.old, lang), _label(svc, st.new, lang)
    await reply(update, context, key, name=out.name, old=old, new=new, reason=reason[:300])
    if out.session is not None:
        text, markup = await svc.sessions.roll_view(out.session, lang)
        await edit(context, *st.roll, text, markup)


_CORRECT_KEY = {Correct.NOT_ALLOWED: "common.no_permission"}


async def refresh_roll(
    update: Update,
    context: BanzuContext,
    session_id: int,
    shown: dict[int, Status] | None = None,
) -> None:
    session = await context.svc.attendance.fresh_session(session_id)
    assert session is not None
    text, markup = await context.svc.sessions.roll_view(session, lang_of(update), shown)
    await edit(context, *_card(update), text, markup)


# ==================================================================== wiring


async def tick_job(context: BanzuContext) -> None:
    await context.svc.sessions.tick()


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo(
            "study", "attendance.cmd.study", Action.TAKE_ATTENDANCE, private=False, group=True
        ),
        CommandInfo("roll", "attendance.cmd.roll", Action.TAKE_ATTENDANCE, group=True),
        CommandInfo("makeup", "attendance.cmd.makeup"),
    ]
    app.add_handler(CommandHandler("study", study))
    app.add_handler(CommandHandler("roll", roll))
    app.add_handler(CommandHandler("makeup", makeup))
    app.add_handler(CallbackQueryHandler(session_pressed, pattern=views.SessionPress.pattern()))
    app.add_handler(CallbackQueryHandler(roll_pressed, pattern=views.RollName.pattern()))
    app.add_handler(CallbackQueryHandler(pick_pressed, pattern=views.PickStatus.pattern()))
    for kind in (views.LeaveDecision, views.MakeupDecision):
        app.add_handler(CallbackQueryHandler(request_pressed, pattern=kind.pattern()))
    svc.flows[CorrectionReason.flow] = typed_step(CorrectionReason, reason_step)
    svc.flows[LeaveReason.flow] = typed_step(LeaveReason, leave_step)
    svc.file_flows[LeaveReason.flow] = leave_file
    svc.sessions.attach_live_messages()
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            tick_job, interval=TICK_SECONDS, first=TICK_SECONDS, name="attendance-tick"
        )
