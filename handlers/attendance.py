"""Study sessions in chat: /study, the 签到 / 请假 buttons, /leave, /roll, /makeup, and the
leader's approve / refuse buttons. Rules and storage live in `bot.services.sessions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.attendance import Status
from bot.domain.auth import Action
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState
from bot.domain.people import Person
from bot.domain.text import visible
from bot.services import sessions as ss
from bot.services.sessions import (
    AskResult,
    Correct,
    Decided,
    DecideResult,
    LeaveAsk,
    LeaveReason,
    OneStep,
    Pick,
    Press,
    Record,
    Roll,
    RollCall,
)
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
    send_now,
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
    query, svc = query_of(update), context.svc
    asked = await svc.sessions.ask_leave_reason(person, query.from_user.id, session_id)
    if asked is LeaveAsk.NOT_REGISTERED:
        text = await toast_who(update, context, "attendance.toast.not_registered")
        await query.answer(text, show_alert=True)
    elif asked is LeaveAsk.OPEN_PRIVATE:
        name = context.bot.username or svc.settings.bot_username
        text = toast(update, context, "attendance.leave.open_private", bot=name)
        await query.answer(text, show_alert=True)
    else:
        await send(context, query.from_user.id, tr(update, context, "attendance.leave.ask_reason"))
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
    result = await context.svc.sessions.request_leave(person, reason[:300], session_id)
    topic = result.session.topic if result.session else ""
    await reply(update, context, f"attendance.leave.{result.outcome.value}", topic=topic)
    await _tell_leaders(context, "leave", person, reason[:300], result)


# ==================================================================== /makeup


async def makeup(update: Update, context: BanzuContext) -> None:
    att, ident = context.svc.attendance, await who(update, context)
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    note = _args_text(update)[:300]
    result = await context.svc.sessions.request_makeup(ident.person, note)
    s = result.session
    topic, day = (s.topic, att.local(s.starts_at, "%m-%d")) if s else ("", "")
    key, days = f"attendance.makeup.{result.outcome.value}", att.rules.makeup_days
    await reply(update, context, key, days=days, topic=topic, date=day)
    await _tell_leaders(context, "makeup", ident.person, note, result)


# ==================================================================== leader decisions


async def _tell_leaders(
    context: BanzuContext, kind: str, person: Person, reason: str, result: AskResult
) -> None:
    """A new request's card, with its buttons, to where the use case says the leaders are."""
    svc, session, request_id = context.svc, result.session, result.request_id
    if session is None or request_id is None:
        return
    text = views.request_text(svc.texts, svc.attendance.tz, kind, person, session, reason, None)
    markup = views.decision_markup(svc.texts, kind, request_id)
    for chat_id in result.leader_chats:
        await send(context, chat_id, text, markup)


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
    assert result.session is not None
    if result.member_chat is not None:
        told = f"attendance.{result.kind}.told_{result.outcome.value}"
        text = context.svc.texts.get(told, None, topic=result.session.topic)
        await send(context, result.member_chat, text)


# ==================================================================== /roll


_ROLL_REFUSED = {
    RollCall.PRIVATE_NO_TEAM: "attendance.roll.private_no_team",
    RollCall.UNBOUND: "attendance.study.unbound",
    RollCall.REFUSED: "attendance.roll.refused",
    RollCall.NONE: "attendance.roll.none",
}


async def roll(update: Update, context: BanzuContext) -> None:
    chat, lang, ident = update.effective_chat, lang_of(update), await who(update, context)
    assert chat is not None
    private = chat.type == ChatType.PRIVATE
    out = await context.svc.sessions.roll_call(ident.actor, ident.person, chat.id, private, lang)
    if isinstance(out, RollCall):
        await reply(update, context, _ROLL_REFUSED[out])
        return
    card = await send_now(context, out.chat_id, out.text, out.markup)  # its id is kept
    await context.svc.sessions.roll_card_sent(out.session, card.chat_id, card.message_id, lang)
    if out.chat_id != chat.id:
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


async def _ask_reason(update: Update, context: BanzuContext, record: Record, new: Status) -> None:
    """The proposal waits in the leader's conversation until they send the reason privately;
    the card shows it meanwhile."""
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
    await answer(update, context, "attendance.roll.reason_needed")
    await refresh_roll(update, context, record.session_id, {record.member_id: new})


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
