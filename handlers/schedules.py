"""Schedules in chat: /schedule for admins (list, pause/resume, delete, create in a short
conversation kept in the database, with a preview of the next times), the 已学 button of a
pre-shift post, and /preshift for leaders: who has not pressed it, and one-press private
reminders. Delivery itself is `scheduler.runner`, woken here by the job `schedules.tick`."""

from __future__ import annotations

import random
from dataclasses import replace

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, Actor
from bot.domain.schedules import ScheduleDraft, ScheduleStep
from bot.domain.textsplit import split_text
from bot.services import preshift as ps
from bot.services.schedule_admin import Ambiguous, Change, Invalid, Unknown
from bot.services.schedules import error_text
from bot.texts import to_plain
from bot.views import preshift as pre_view
from bot.views import schedules as view
from handlers.common import (
    answer,
    answer_stale,
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
from scheduler.runner import JOB_NAME, TICK_SECONDS

PAGE = 8
ALL_WORDS = ("全体", "all", "everyone")


async def _admin(update: Update, context: BanzuContext) -> Actor | None:
    """The actor if they manage schedules (the use cases check again on every write)."""
    actor = (await who(update, context)).actor
    return actor if context.svc.schedule_admin.may(actor) else None


def _me(update: Update) -> int:
    """The creation flow is private: its chat is the person."""
    assert update.effective_user is not None
    return update.effective_user.id


async def _say(
    update: Update, context: BanzuContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    await send(context, _me(update), text, markup)


# ------------------------------------------------------------------ list, pause, delete


async def schedule_cmd(update: Update, context: BanzuContext) -> None:
    if await _admin(update, context) is None:
        await reply(update, context, "common.no_permission")
        return
    await _say(update, context, *await _list(update, context, 0))


async def _list(
    update: Update, context: BanzuContext, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    shown = await context.svc.schedule_admin.page(page, PAGE)
    return view.list_view(context.svc.texts, lang_of(update), shown)


async def admin_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.SchedulePress, view.ListPage, view.NewSchedule)
    if press is None:
        return
    actor = await _admin(update, context)
    if actor is None:
        await answer(update, context, "common.no_permission", alert=True)
    elif isinstance(press, view.NewSchedule):
        await query_of(update).answer()
        await _begin(update, context, actor.tg_user_id)
    elif isinstance(press, view.ListPage):
        await query_of(update).answer()
        await _edit(update, context, *await _list(update, context, press.page))
    elif isinstance(press, view.SchedulePress) and press.action is view.AdminAct.DELETE:
        await _ask_delete(update, context, press.schedule)
    elif isinstance(press, view.SchedulePress):
        await _change(update, context, press, actor)


async def _change(
    update: Update, context: BanzuContext, press: view.SchedulePress, actor: Actor
) -> None:
    admin, act, sid = context.svc.schedule_admin, press.action, press.schedule
    if act is view.AdminAct.CONFIRM_DELETE:
        done = await admin.delete(sid, actor)
    else:
        done = await admin.set_paused(sid, act is view.AdminAct.PAUSE, actor)
    if done is None:
        await answer(update, context, "common.no_permission", alert=True)
        return
    text = to_plain(tr(update, context, f"schedules.cli.{done.value}", id=sid))
    await query_of(update).answer(text, show_alert=True)
    await _edit(update, context, *await _list(update, context, 0))


async def _ask_delete(update: Update, context: BanzuContext, schedule_id: int) -> None:
    schedule = await context.svc.schedule_admin.live(schedule_id)
    if schedule is None:
        await answer(update, context, f"schedules.cli.{Change.NOT_FOUND.value}", id=schedule_id)
        return
    await query_of(update).answer()
    await _edit(
        update, context, *view.delete_question(context.svc.texts, lang_of(update), schedule)
    )


async def _edit(
    update: Update, context: BanzuContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    message = query_of(update).message
    if message is not None:
        await edit(context, message.chat.id, message.message_id, text, markup)


# ------------------------------------------------------------------ creating


async def _begin(update: Update, context: BanzuContext, user_id: int) -> None:
    draft = ScheduleDraft(ScheduleStep.PURPOSE, random.randint(1, view.NONCE_MAX))
    await context.svc.conversations.put(user_id, user_id, draft)
    markup = view.purpose_markup(context.svc.texts, lang_of(update), draft.nonce)
    await send(context, user_id, tr(update, context, "schedules.chat.ask_purpose"), markup)


async def step(update: Update, context: BanzuContext, draft: ScheduleDraft) -> None:
    """The next private text in the creation flow: scope, rule, title or text."""
    assert update.message is not None
    if await _admin(update, context) is None:
        await context.svc.conversations.clear(_me(update), _me(update))
        await reply(update, context, "common.no_permission")
        return
    text = (update.message.text or "").strip()
    if draft.step is ScheduleStep.SCOPE:
        await _take_scope(update, context, draft, text)
    elif draft.step is ScheduleStep.RULE:
        await _take_rule(update, context, draft, text)
    elif draft.step is ScheduleStep.TITLE:
        await _preview(update, context, replace(draft, title=text))
    elif draft.step is ScheduleStep.BODY:
        await _preview(update, context, replace(draft, body=text))
    else:
        await reply(update, context, "schedules.chat.use_buttons")


async def _take_scope(
    update: Update, context: BanzuContext, draft: ScheduleDraft, text: str
) -> None:
    words = (*ALL_WORDS, tr(update, context, "schedules.chat.all_word"))
    found = await context.svc.schedule_admin.take_scope(draft, text, words)
    if isinstance(found, Ambiguous):
        await reply(update, context, "schedules.cli.ambiguous_team", name=text, count=found.count)
    elif isinstance(found, Unknown):
        await reply(update, context, "schedules.chat.unknown_scope", name=_echo(text))
    else:
        await context.svc.conversations.put(_me(update), _me(update), found)
        await _say(update, context, view.rule_help(context.svc.texts, lang_of(update)))


def _echo(text: str, limit: int = 40) -> str:
    """What the person typed, shown back in a refusal: never unbounded (a 5,000-character
    answer made the refusal itself too long for Telegram)."""
    return text if len(text) <= limit else text[:limit] + "…"


async def _invalid(update: Update, context: BanzuContext, bad: Invalid) -> None:
    await _say(update, context, error_text(context.svc.texts, bad.error, lang_of(update)))


async def _take_rule(
    update: Update, context: BanzuContext, draft: ScheduleDraft, text: str
) -> None:
    svc, lang = context.svc, lang_of(update)
    nxt = await svc.schedule_admin.take_rule(draft, text)
    if isinstance(nxt, Invalid):
        await _invalid(update, context, nxt)
    elif nxt.step is ScheduleStep.CONFIRM:
        await _preview(update, context, nxt)
    else:
        await svc.conversations.put(_me(update), _me(update), nxt)
        markup = (
            view.skip_markup(svc.texts, lang, nxt.nonce) if nxt.step is ScheduleStep.TITLE else None
        )
        await _say(update, context, tr(update, context, f"schedules.chat.ask_{nxt.step}"), markup)


async def _preview(update: Update, context: BanzuContext, draft: ScheduleDraft) -> None:
    svc, lang = context.svc, lang_of(update)
    shown = await svc.schedule_admin.preview(draft)
    if isinstance(shown, Invalid):
        await _invalid(update, context, shown)
        return
    await svc.conversations.put(_me(update), _me(update), shown.draft)
    text = view.preview_text(svc.texts, lang, shown, svc.settings.tz)
    await _say(update, context, text, view.confirm_markup(svc.texts, lang, draft.nonce))


async def flow_pressed(update: Update, context: BanzuContext) -> None:
    query, svc, me = query_of(update), context.svc, _me(update)
    press = parse(query.data, *view.FLOW_PRESSES)
    draft = await svc.conversations.state(me, me, ScheduleDraft)
    kinds = view.PurposePress | view.FlowPress
    if not isinstance(press, kinds) or draft is None or press.nonce != draft.nonce:
        await answer_stale(update, context)
    elif await _admin(update, context) is None:
        await answer(update, context, "common.no_permission", alert=True)
    else:
        await query.answer()
        await edit_markup(update, None)
        await _flow_step(update, context, draft, press)


async def _flow_step(
    update: Update,
    context: BanzuContext,
    draft: ScheduleDraft,
    press: view.PurposePress | view.FlowPress,
) -> None:
    at, me = draft.step, _me(update)
    action = press.action if isinstance(press, view.FlowPress) else None
    if isinstance(press, view.PurposePress) and at is ScheduleStep.PURPOSE:
        draft = replace(draft, step=ScheduleStep.SCOPE, purpose=press.purpose)
        await context.svc.conversations.put(me, me, draft)
        await _say(update, context, tr(update, context, "schedules.chat.ask_scope"))
    elif action is view.FlowAct.SKIP and at is ScheduleStep.TITLE:
        await _preview(update, context, replace(draft, title=""))
    elif action is view.FlowAct.CANCEL:
        await context.svc.conversations.clear(me, me)
        await reply(update, context, "common.cancelled")
    elif action is view.FlowAct.SAVE and at is ScheduleStep.CONFIRM:
        await _save(update, context, draft)
    else:
        await reply(update, context, "schedules.chat.use_buttons")


async def _save(update: Update, context: BanzuContext, draft: ScheduleDraft) -> None:
    svc, me = context.svc, _me(update)
    saved = await svc.schedule_admin.save(draft, (await who(update, context)).actor)
    if saved is None:
        await reply(update, context, "common.no_permission")
        return
    if isinstance(saved, Invalid):  # e.g. the only time passed meanwhile
        await _invalid(update, context, saved)
        return
    await svc.conversations.clear(me, me)
    await _say(update, context, view.saved_text(svc.texts, lang_of(update), saved, svc.settings.tz))


# ------------------------------------------------------------------ 已学 and who has not


async def preshift_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, pre_view.PreshiftPress)
    if press is None:
        return
    if press.action is pre_view.PreAct.ACK:
        await _ack(update, context, press)
        return
    st = await context.svc.preshift.status(
        (await who(update, context)).actor, press.occurrence, press.team
    )
    if isinstance(st, ps.Refused):
        await answer(update, context, f"schedules.preshift.{st.key}", alert=True)
    elif press.action is pre_view.PreAct.NUDGE:
        await _nudge(update, context, st)
    else:
        await _who(update, context, st)


async def _ack(update: Update, context: BanzuContext, press: pre_view.PreshiftPress) -> None:
    query = query_of(update)
    result = await context.svc.preshift.ack(query.from_user.id, press.occurrence, press.team)
    alert = result not in (ps.Ack.RECORDED, ps.Ack.ALREADY)
    text = await toast_who(update, context, f"schedules.preshift.{result.value}")
    await query.answer(text, show_alert=alert)


async def _who(update: Update, context: BanzuContext, st: ps.Status) -> None:
    """The who-has-not card, always in private; a toast says so when pressed in the group."""
    query = query_of(update)
    if await _send_card(update, context, st, query.from_user.id, asked_privately=False):
        private = query.message is not None and query.message.chat.id == query.from_user.id
        text = None if private else toast(update, context, "schedules.preshift.sent_private")
        await query.answer(text)


async def _send_card(
    update: Update, context: BanzuContext, st: ps.Status, chat: int, *, asked_privately: bool
) -> bool:
    svc, lang = context.svc, lang_of(update)
    card = await svc.preshift.card(st, chat, asked_privately=asked_privately)
    if isinstance(card, ps.Refused):  # a press's answer; /preshift (a command) gets a reply
        key = f"schedules.preshift.{card.key}"
        if update.callback_query is not None:
            await answer(update, context, key, alert=True)
        else:
            await reply(update, context, key)
        return False
    pieces = split_text(pre_view.card_text(svc.texts, lang, card, svc.settings.tz))
    markup = pre_view.card_markup(svc.texts, lang, st)
    for i, piece in enumerate(pieces):
        await send(context, chat, piece, markup if i == len(pieces) - 1 else None)
    return True


async def _nudge(update: Update, context: BanzuContext, st: ps.Status) -> None:
    done = await context.svc.preshift.nudge(st, query_of(update).from_user.id)
    if isinstance(done, ps.Refused):
        await answer(update, context, f"schedules.preshift.{done.key}")
        return
    await answer(
        update, context, "schedules.preshift.nudged", alert=True, sent=done.sent,
        earlier=done.earlier, unreachable=done.unreachable,
    )  # fmt: skip


async def preshift_cmd(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    found = await svc.preshift.overview(ident.actor, svc.clock.now())
    if found is None:
        await reply(update, context, "common.no_permission")
    elif not found:
        await reply(update, context, "schedules.preshift.no_posts")
    elif len(found) == 1:
        await _send_card(update, context, found[0], ident.actor.tg_user_id, asked_privately=True)
    else:
        text, markup = pre_view.overview(svc.texts, lang_of(update), found)
        await send(context, ident.actor.tg_user_id, text, markup)


# ------------------------------------------------------------------ wiring


async def tick_job(context: BanzuContext) -> None:
    await context.svc.runner.tick()


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("schedule", "schedules.cmd.schedule", Action.MANAGE_SCHEDULE),
        CommandInfo("preshift", "schedules.cmd.preshift", ps.SEE),
    ]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("schedule", schedule_cmd, private))
    app.add_handler(CommandHandler("preshift", preshift_cmd, private))
    app.add_handler(CallbackQueryHandler(admin_pressed, pattern=view.SchedulePress.pattern()))
    app.add_handler(CallbackQueryHandler(flow_pressed, pattern=view.FlowPress.pattern()))
    app.add_handler(
        CallbackQueryHandler(preshift_pressed, pattern=pre_view.PreshiftPress.pattern())
    )
    svc.flows[ScheduleDraft.flow] = typed_step(ScheduleDraft, step)
    if app.job_queue is not None:  # once at start (a downtime's moments), then every tick
        app.job_queue.run_repeating(tick_job, interval=TICK_SECONDS, first=0.5, name=JOB_NAME)
