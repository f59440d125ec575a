"""Study sessions in chat: /study, the 签到 / 请假 buttons, /leave, /roll, /makeup, and the
leader's approve / refuse buttons. Rules and storage live in `bot.services.sessions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.attendance import Phase, Status, correction_choices, next_roll_status, phase
from bot.domain.auth import Action, Place, can
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState
from bot.domain.org import Team
from bot.domain.people import Person
from bot.domain.text import visible
from bot.services import sessions as ss
from bot.services.sessions import Ask, Decided, Press, Record, Session
from bot.texts import to_plain
from handlers.common import lang_of, reply, send, toast, toast_who, tr, typed_step, who


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
    binding = await context.svc.groups.binding(chat.id)
    team = await context.svc.org.team(binding.team_id) if binding and binding.active else None
    if team is None:
        await reply(update, context, "attendance.study.unbound")
    return team


async def study(update: Update, context: BanzuContext) -> None:
    svc, chat = context.svc, update.effective_chat
    assert chat is not None
    if chat.type == ChatType.PRIVATE:
        await reply(update, context, "attendance.study.group_only")
        return
    team = await _group_team(update, context)
    ident = await who(update, context)
    if team is None:
        return
    if not can(ident.actor, Action.TAKE_ATTENDANCE, Place(team.unit_id, team.id)):
        await reply(update, context, "attendance.study.refused")
        return
    att, now = svc.attendance, svc.attendance.now()
    running = [
        s
        for s in await att.open_sessions(team.id, team.unit_id)
        if s.team_id == team.id and phase(s.window, now) is not Phase.OVER
    ]
    if running:
        # Handing it over again is a no-op, unless a crash came between opening and handing.
        await ss.post_session(svc, running[0])
        if svc.inbox.is_replay(update.update_id) and (
            running[0].opened_by == ident.actor.tg_user_id
        ):
            return  # replayed after a crash: this command opened it, its answer is the post
        await reply(update, context, "attendance.study.already", topic=running[0].topic)
        return
    topic, _, material = _args_text(update).partition("\n")
    session = await ss.open_session(
        svc, team.id, topic, now, now + att.rules.duration, ident.actor.tg_user_id, material
    )
    if not await ss.post_session(svc, session):
        await reply(update, context, "attendance.study.unbound")


# ==================================================================== 签到 / 请假 buttons


_ALERT = {Press.NOT_ON_ROSTER, Press.NOT_REGISTERED, Press.OVER, Press.EARLY}


async def session_pressed(update: Update, context: BanzuContext) -> None:
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data, ss.NS_SESSION, 1, 2)
    session_id = data.int_part(0) if data else None
    if data is None or session_id is None or data.parts[1] not in ("in", "leave"):
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    ident = await who(update, context)
    if data.parts[1] == "leave":
        await leave_button(update, context, session_id, ident.person)
        return
    age = context.svc.inbox.replay_age_s(update.update_id)
    result = await ss.check_in(context.svc, session_id, ident.person, age)
    key = f"attendance.toast.{result.outcome.value}"
    if result.outcome in (Press.RECORDED, Press.ALREADY) and result.status is Status.LATE:
        key += "_late"
    text = await toast_who(update, context, key, time=_when(context.svc, result.at))
    await query.answer(text, show_alert=result.outcome in _ALERT)


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
    result = await ss.request_leave(svc, person, reason[:300], session_id)
    session = result.session
    topic = session.topic if session else ""
    await reply(update, context, f"attendance.leave.{result.outcome.value}", topic=topic)
    if result.outcome is Ask.CREATED and session and result.request_id:
        text = request_text(svc, "leave", person, session, reason[:300], None)
        await notify_leaders(
            context, person.team_id, text, decision_markup(svc, ss.NS_LEAVE, result.request_id)
        )


# ==================================================================== /makeup


async def makeup(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    ident = await who(update, context)
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    note = _args_text(update)[:300]
    result = await ss.request_makeup(svc, ident.person, note)
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
        text = request_text(svc, "makeup", ident.person, s, note, None)
        markup = decision_markup(svc, ss.NS_MAKEUP, result.request_id)
        await notify_leaders(context, ident.person.team_id, text, markup)


# ==================================================================== leader decisions


def request_text(
    svc: Services, kind: str, person: Person, session: Session, reason: str, lang: str | None
) -> str:
    return svc.texts.get(
        f"attendance.{kind}.request",
        lang,
        name=person.name,
        team=person.team_name,
        topic=session.topic,
        date=svc.attendance.local(session.starts_at, "%m-%d %H:%M"),
        reason=reason or svc.texts.get("attendance.no_reason", lang),
    )


def decision_markup(svc: Services, ns: str, request_id: int) -> InlineKeyboardMarkup:
    kind = "leave" if ns == ss.NS_LEAVE else "makeup"
    yes, no = (svc.texts.get(f"attendance.{kind}.{k}") for k in ("yes", "no"))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(yes, callback_data=callbacks.encode(ns, 1, request_id, "y")),
                InlineKeyboardButton(no, callback_data=callbacks.encode(ns, 1, request_id, "n")),
            ]
        ]
    )


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


async def request_pressed(update: Update, context: BanzuContext) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None and query.message is not None
    ns = (query.data or "").split(":", 1)[0]
    data = callbacks.decode(query.data, ns, 1, 2) if ns in (ss.NS_LEAVE, ss.NS_MAKEUP) else None
    rid = data.int_part(0) if data else None
    if data is None or rid is None or data.parts[1] not in ("y", "n"):
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    ident = await who(update, context)
    result = await ss.decide(svc, rid, data.parts[1] == "y", ident.actor)
    if result.outcome in (Decided.GONE, Decided.NOT_ALLOWED, Decided.DONE_ALREADY):
        key = {Decided.GONE: "common.stale_button", Decided.NOT_ALLOWED: "common.no_permission"}
        await query.answer(
            toast(update, context, key.get(result.outcome, "attendance.decided")), show_alert=True
        )
        return
    assert result.session is not None and result.member is not None
    lang = lang_of(update)
    outcome = tr(
        update,
        context,
        f"attendance.{result.kind}.{result.outcome.value}",
        by=ident.person.name if ident.person else query.from_user.first_name,
    )
    await query.answer(to_plain(outcome))
    text = request_text(svc, result.kind, result.member, result.session, result.reason, lang)
    await _edit(query.message.chat.id, query.message.message_id, context, f"{text}\n{outcome}")
    user_id = result.member.tg_user_id
    if user_id is not None and await svc.people.private_ok(user_id):
        told = f"attendance.{result.kind}.told_{result.outcome.value}"
        await send(context, user_id, svc.texts.get(told, None, topic=result.session.topic))


async def _edit(
    chat_id: int,
    message_id: int,
    context: BanzuContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    try:
        await context.bot.edit_message_text(
            text, chat_id, message_id, parse_mode="HTML", reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


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
    text, markup = await ss.roll_view(svc, session, lang_of(update))
    card = await send(context, target, text, markup)
    await ss.roll_card_sent(svc, session, card.chat_id, card.message_id, lang_of(update))
    if target != chat.id:
        await reply(update, context, "attendance.roll.sent_private")


async def roll_pressed(update: Update, context: BanzuContext) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None and query.message is not None
    data = callbacks.decode(query.data, ss.NS_ROLL, 1, 2)
    session = await svc.attendance.fresh_session(data.int_part(0) or 0) if data else None
    if data is None or session is None:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    ident = await who(update, context)
    if not ss.may_take_attendance(ident.actor, session):
        await query.answer(toast(update, context, "common.not_yours"))
        return
    if data.parts[1] == "close":
        closed = await ss.close_session(svc, session.id, ident.actor.tg_user_id)
        await query.answer(
            toast(
                update, context, "attendance.roll." + ("closed_now" if closed else "closed_already")
            )
        )
        await refresh_roll(update, context, session.id)
        return
    member_id = data.int_part(1)
    record = await svc.attendance.record(session.id, member_id) if member_id else None
    if record is None:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
    elif session.closed:
        await roll_after_close(update, context, session, record.member_id)
    else:
        new = next_roll_status(record.status, closed=False, recorded=record.status)
        card = (query.message.chat.id, query.message.message_id)
        await ss.change_status(
            svc, session, record.member_id, new, ident.actor.tg_user_id, None, record.status, card
        )
        label = _label(svc, new, lang_of(update))
        await query.answer(
            toast(update, context, "attendance.roll.toast", name=record.name, status=label)
        )
        await refresh_roll(update, context, session.id)


async def roll_after_close(
    update: Update, context: BanzuContext, session: Session, member_id: int
) -> None:
    """After closing, a press on a name shows the statuses it may be corrected to; the
    leader picks one and gives one reason for it, asked for privately."""
    query, svc = update.callback_query, context.svc
    assert query is not None
    if not await svc.people.private_ok(query.from_user.id):
        await query.answer(toast(update, context, "attendance.roll.open_private"), show_alert=True)
        return
    record = await svc.attendance.record(session.id, member_id)
    assert record is not None
    label = _label(svc, record.status, lang_of(update))
    await query.answer(
        toast(update, context, "attendance.roll.pick", name=record.name, status=label)
    )
    assert query.message is not None
    try:
        await query.edit_message_reply_markup(ss.pick_markup(svc, session, record, lang_of(update)))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def pick_pressed(update: Update, context: BanzuContext) -> None:
    """The target status of a correction after closing (or back to the roll)."""
    query, svc = update.callback_query, context.svc
    assert query is not None
    data = callbacks.decode(query.data, ss.NS_PICK, 1, 3)
    session = await svc.attendance.fresh_session(data.int_part(0) or 0) if data else None
    member_id = data.int_part(1) if data else None
    record = await svc.attendance.record(session.id, member_id) if session and member_id else None
    if data is None or session is None or record is None or not session.closed:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    ident = await who(update, context)
    if not ss.may_take_attendance(ident.actor, session):
        await query.answer(toast(update, context, "common.not_yours"))
        return
    user_id = query.from_user.id
    if data.parts[2] == "back":
        await svc.conversations.clear(user_id, user_id)
        await query.answer()
        await refresh_roll(update, context, session.id)
        return
    try:
        new = Status(data.parts[2])
    except ValueError:
        new = None
    if new is None or new not in correction_choices(record.status):
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    if not await svc.people.private_ok(user_id):
        await query.answer(toast(update, context, "attendance.roll.open_private"), show_alert=True)
        return
    await _ask_reason(update, context, record, new)
    await query.answer(toast(update, context, "attendance.roll.reason_needed"))
    await refresh_roll(update, context, session.id, {record.member_id: new})


async def _ask_reason(update: Update, context: BanzuContext, record: Record, new: Status) -> None:
    """The proposal waits in the leader's conversation until they send the reason privately."""
    query, svc, lang = update.callback_query, context.svc, lang_of(update)
    assert query is not None and query.message is not None
    user_id, msg = query.from_user.id, query.message
    state = CorrectionReason(
        OneStep.REASON,
        (record.session_id, record.member_id),
        record.status,
        new,
        (msg.chat.id, msg.message_id),
    )
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
    if len(reason) < 2:
        await reply(update, context, "attendance.roll.reason_short")
        return
    await svc.conversations.clear(*_key(update))
    (session_id, member_id), old, new = st.record, st.old, st.new
    session = await svc.attendance.fresh_session(session_id)
    ident = await who(update, context)
    if session is None or not ss.may_take_attendance(ident.actor, session):
        await reply(update, context, "common.no_permission")
        return
    change = await ss.change_status(
        svc, session, member_id, new, ident.actor.tg_user_id, reason[:300], expect=old
    )
    name = change.record.name if change.record else ""
    if change.moved or change.outcome is not None:
        key = "moved" if change.moved else change.outcome.value if change.outcome else ""
        await reply(update, context, f"attendance.roll.refused_{key}", name=name)
    else:
        await reply(
            update,
            context,
            "attendance.roll.changed",
            name=name,
            old=_label(svc, old, lang),
            new=_label(svc, new, lang),
            reason=reason[:300],
        )
    chat_id, message_id = st.roll
    text, markup = await ss.roll_view(svc, session, lang)
    await _edit(chat_id, message_id, context, text, markup)


async def refresh_roll(
    update: Update,
    context: BanzuContext,
    session_id: int,
    shown: dict[int, Status] | None = None,
) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    session = await context.svc.attendance.fresh_session(session_id)
    assert session is not None
    text, markup = await ss.roll_view(context.svc, session, lang_of(update), shown)
    await _edit(query.message.chat.id, query.message.message_id, context, text, markup)


# ==================================================================== wiring


async def tick_job(context: BanzuContext) -> None:
    await ss.tick(context.svc)


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
    app.add_handler(CallbackQueryHandler(session_pressed, pattern=callbacks.pattern(ss.NS_SESSION)))
    app.add_handler(CallbackQueryHandler(roll_pressed, pattern=callbacks.pattern(ss.NS_ROLL)))
    app.add_handler(CallbackQueryHandler(pick_pressed, pattern=callbacks.pattern(ss.NS_PICK)))
    for ns in (ss.NS_LEAVE, ss.NS_MAKEUP):
        app.add_handler(CallbackQueryHandler(request_pressed, pattern=callbacks.pattern(ns)))
    svc.flows[CorrectionReason.flow] = typed_step(CorrectionReason, reason_step)
    svc.flows[LeaveReason.flow] = typed_step(LeaveReason, leave_step)
    svc.file_flows[LeaveReason.flow] = leave_file
    ss.attach_live_messages(svc)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            tick_job, interval=TICK_SECONDS, first=TICK_SECONDS, name="attendance-tick"
        )
