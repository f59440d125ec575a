"""Schedules in chat: /schedule for admins (list, pause/resume, delete, create in a short
conversation kept in the database, with a preview of the next times), the 已学 button of a
pre-shift post, and /preshift for leaders: who has not pressed it, and one-press private
reminders. Delivery itself is `scheduler.runner`, woken here by the job `schedules.tick`."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, can
from bot.domain.schedules import ScheduleDraft, ScheduleStep
from bot.domain.textsplit import split_text
from bot.services import preshift as ps
from bot.services.schedules import (
    Purpose,
    Schedule,
    ScheduleError,
    ScheduleSpec,
    Scope,
    build_spec,
    create_schedule,
    describe_occurrence,
    error_text,
    load_calendar,
    next_planned,
    reminder_times,
    upcoming,
)
from bot.texts import to_plain
from bot.views import preshift as pre_view
from bot.views import schedules as view
from bot.views.schedules import button
from handlers.common import (
    answer_stale,
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
from scheduler.holidays import HolidayCalendar
from scheduler.rule_text import RuleSyntaxError
from scheduler.rule_zh import rule_for
from scheduler.runner import JOB_NAME, TICK_SECONDS, scope_text

PAGE = 8
PREVIEW = 5
PURPOSES = tuple(Purpose)


async def _admin(update: Update, context: BanzuContext) -> int | None:
    ident = await who(update, context)
    if not can(ident.actor, Action.MANAGE_SCHEDULE):
        return None
    return ident.actor.tg_user_id


# ------------------------------------------------------------------ list, pause, delete


async def schedule_cmd(update: Update, context: BanzuContext) -> None:
    if await _admin(update, context) is None:
        await reply(update, context, "common.no_permission")
        return
    text, markup = await _page(update, context, 0)
    await reply_html(update, context, text, markup)


async def reply_html(
    update: Update, context: BanzuContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    assert update.effective_chat is not None
    await send(context, update.effective_chat.id, text, markup)


async def _page(
    update: Update, context: BanzuContext, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    svc = context.svc
    items = await svc.schedules.schedules()
    pages = max(1, math.ceil(len(items) / PAGE))
    page = min(max(page, 0), pages - 1)
    new = [button(tr(update, context, "schedules.chat.btn_new"), view.NewSchedule())]
    if not items:
        return tr(update, context, "schedules.chat.list_empty"), InlineKeyboardMarkup([new])
    shown = items[page * PAGE : (page + 1) * PAGE]
    lines = [tr(update, context, "schedules.chat.list_header", count=len(items), page=page + 1,
                pages=pages)]  # fmt: skip
    rows = []
    for s in shown:
        lines.append(_line(update, context, s))
        toggle = view.AdminAct.RESUME if s.paused else view.AdminAct.PAUSE
        rows.append(
            [
                button(
                    tr(update, context, f"schedules.chat.btn_{toggle.value}", id=s.id),
                    view.SchedulePress(toggle, s.id),
                ),
                button(
                    tr(update, context, "schedules.chat.btn_delete", id=s.id),
                    view.SchedulePress(view.AdminAct.DELETE, s.id),
                ),
            ]
        )
    nav = []
    if page > 0:
        nav.append(button(tr(update, context, "schedules.chat.btn_prev"), view.ListPage(page - 1)))
    if page < pages - 1:
        nav.append(button(tr(update, context, "schedules.chat.btn_next"), view.ListPage(page + 1)))
    return "\n".join(lines), InlineKeyboardMarkup([*rows, nav, new] if nav else [*rows, new])


def _line(update: Update, context: BanzuContext, s: Schedule) -> str:
    lang = lang_of(update)
    texts = context.svc.texts
    text = tr(
        update,
        context,
        "schedules.chat.line",
        id=s.id,
        state=tr(update, context, "schedules.chat.state_paused") if s.paused else "",
        purpose=tr(update, context, f"schedules.purpose.{s.purpose.value}"),
        scope=scope_text(texts, s, lang),
        rule=rule_for(s.rule, lang),
        policy=tr(update, context, f"schedules.policy.{s.holiday_policy}"),
        leads=_leads(update, context, s.leads),
    )
    if s.title:
        text += " " + tr(update, context, "schedules.chat.line_title", title=s.title)
    return text


def _leads(update: Update, context: BanzuContext, leads: tuple[int, ...]) -> str:
    out = []
    for lead in leads:
        if lead == 0:
            out.append(tr(update, context, "schedules.chat.lead_zero"))
            continue
        days, rest = divmod(lead, 1440)
        hours, mins = divmod(rest, 60)
        value = "".join(
            tr(update, context, f"schedules.chat.{unit}", n=n)
            for unit, n in (("day", days), ("hour", hours), ("minute", mins))
            if n
        )
        out.append(tr(update, context, "schedules.chat.lead_before", value=value))
    return context.svc.texts.join(out, lang_of(update))


async def admin_pressed(update: Update, context: BanzuContext) -> None:
    query = query_of(update)
    press = await pressed(update, context, *view.ADMIN_PRESSES)
    if press is None:
        return
    actor = await _admin(update, context)
    if actor is None:
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
        return
    page = 0
    if isinstance(press, view.NewSchedule):
        await query.answer()
        await _begin(update, context, actor)
        return
    if isinstance(press, view.ListPage):
        page = press.page
        await query.answer()
    elif isinstance(press, view.SchedulePress) and press.action is view.AdminAct.DELETE:
        await _ask_delete(update, context, press.schedule)
        return
    elif isinstance(press, view.SchedulePress):
        await query.answer(
            to_plain(await _change(update, context, press.action, press.schedule, actor)),
            show_alert=True,
        )
    text, markup = await _page(update, context, page)
    await _edit(update, text, markup)


async def _change(
    update: Update, context: BanzuContext, action: view.AdminAct, schedule_id: int, actor: int
) -> str:
    repo = context.svc.schedules
    schedule = await repo.get(schedule_id)
    if schedule is None or schedule.deleted:
        return tr(update, context, "schedules.cli.not_found", id=schedule_id)
    if action is view.AdminAct.CONFIRM_DELETE:
        await repo.delete(schedule_id, actor)
        return tr(update, context, "schedules.cli.deleted", id=schedule_id)
    pause = action is view.AdminAct.PAUSE
    if not await repo.set_paused(schedule_id, pause, actor):
        return tr(update, context, "schedules.cli.unchanged", id=schedule_id)
    context.svc.runner.forget(schedule_id)
    key = "schedules.cli.paused" if pause else "schedules.cli.resumed"
    return tr(update, context, key, id=schedule_id)


async def _ask_delete(update: Update, context: BanzuContext, schedule_id: int) -> None:
    query = update.callback_query
    assert query is not None
    schedule = await context.svc.schedules.get(schedule_id)
    if schedule is None or schedule.deleted:
        await query.answer(toast(update, context, "schedules.cli.not_found", id=schedule_id))
        return
    await query.answer()
    text = tr(
        update,
        context,
        "schedules.chat.confirm_delete",
        id=schedule_id,
        purpose=tr(update, context, f"schedules.purpose.{schedule.purpose.value}"),
        scope=scope_text(context.svc.texts, schedule, lang_of(update)),
    )
    markup = InlineKeyboardMarkup(
        [
            [
                button(tr(update, context, "schedules.chat.btn_confirm_delete"),
                       view.SchedulePress(view.AdminAct.CONFIRM_DELETE, schedule_id)),
                button(tr(update, context, "schedules.chat.btn_cancel"), view.ListPage(0)),
            ]
        ]
    )  # fmt: skip
    await _edit(update, text, markup)


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


# ------------------------------------------------------------------ creating


async def _begin(update: Update, context: BanzuContext, user_id: int) -> None:
    draft = ScheduleDraft(ScheduleStep.PURPOSE, random.randint(1, view.NONCE_MAX))
    await context.svc.conversations.put(user_id, user_id, draft)
    rows = [
        [
            button(
                tr(update, context, f"schedules.purpose.{p.value}"),
                view.PurposePress(draft.nonce, p),
            )
        ]
        for p in PURPOSES
    ]  # fmt: skip
    await send(context, user_id, tr(update, context, "schedules.chat.ask_purpose"),
               InlineKeyboardMarkup(rows))  # fmt: skip


def _me(update: Update) -> int:
    """The creation flow is private: its chat is the person."""
    assert update.effective_user is not None
    return update.effective_user.id


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
    svc = context.svc
    found: ScheduleDraft | None = None
    if text.lower() in ("全体", "all", "everyone", tr(update, context, "schedules.chat.all_word")):
        found = replace(draft, scope=Scope.ALL)
    units = [u for u in await svc.org.units() if u.name == text]
    if found is None and units:
        found = replace(draft, scope=Scope.UNIT, unit_id=units[0].id)
    teams = [t for t in await svc.org.teams() if text in (t.name, f"{t.unit_name}{t.name}")]
    if found is None and len(teams) > 1:
        await reply(update, context, "schedules.cli.ambiguous_team", name=text, count=len(teams))
        return
    if found is None and teams:
        found = replace(draft, scope=Scope.TEAM, team_id=teams[0].id)
    if found is None:
        await reply(update, context, "schedules.chat.unknown_scope", name=_echo(text))
        return
    await svc.conversations.put(_me(update), _me(update), replace(found, step=ScheduleStep.RULE))
    await send(context, _me(update), _rule_help(update, context))


def _echo(text: str, limit: int = 40) -> str:
    """What the person typed, shown back in a refusal: never unbounded (a 5,000-character
    answer made the refusal itself too long for Telegram)."""
    return text if len(text) <= limit else text[:limit] + "…"


def _rule_help(update: Update, context: BanzuContext) -> str:
    return (
        tr(update, context, "schedules.chat.ask_rule")
        + "\n\n"
        + tr(update, context, "schedules.syntax")
    )


def _spec(
    context: BanzuContext, draft: ScheduleDraft, now: datetime, cal: HolidayCalendar
) -> ScheduleSpec:
    if draft.scope is None or draft.purpose is None:
        raise ScheduleError("incomplete")
    return build_spec(
        scope=draft.scope,
        purpose=draft.purpose,
        rule_text=draft.rule,
        now=now,
        tz=context.svc.settings.tz,
        calendar=cal,
        team_id=draft.team_id,
        unit_id=draft.unit_id,
        title=draft.title,
        body=draft.body or None,
    )


async def _take_rule(
    update: Update, context: BanzuContext, draft: ScheduleDraft, text: str
) -> None:
    svc = context.svc
    purpose = draft.purpose
    check = replace(draft, rule=text)
    if purpose is Purpose.CUSTOM:
        check = replace(check, body="-")  # checked for real at the next step
    try:
        spec = _spec(context, check, svc.runner.now(), await load_calendar(svc.schedules))
    except (RuleSyntaxError, ScheduleError) as exc:
        await send(context, _me(update), error_text(svc.texts, exc, lang_of(update)))
        return
    draft = replace(draft, rule=spec.rule_text)
    if purpose is Purpose.PRESHIFT:
        await _preview(update, context, draft)
        return
    nxt = ScheduleStep.BODY if purpose is Purpose.CUSTOM else ScheduleStep.TITLE
    await svc.conversations.put(_me(update), _me(update), replace(draft, step=nxt))
    markup = None
    if nxt is ScheduleStep.TITLE:
        skip = button(
            tr(update, context, "schedules.chat.btn_skip"),
            view.FlowPress(draft.nonce, view.FlowAct.SKIP),
        )
        markup = InlineKeyboardMarkup([[skip]])
    await send(context, _me(update), tr(update, context, f"schedules.chat.ask_{nxt}"), markup)


async def _preview(update: Update, context: BanzuContext, draft: ScheduleDraft) -> None:
    svc = context.svc
    now = svc.runner.now()
    calendar = await load_calendar(svc.schedules)
    try:
        spec = _spec(context, draft, now, calendar)
    except (RuleSyntaxError, ScheduleError) as exc:
        await send(context, _me(update), error_text(svc.texts, exc, lang_of(update)))
        return
    draft = replace(draft, step=ScheduleStep.CONFIRM)
    await svc.conversations.put(_me(update), _me(update), draft)
    lines = [await _describe(update, context, spec)]
    lang = lang_of(update)
    tz = svc.settings.tz
    lines.append(tr(update, context, "schedules.chat.preview_next"))
    for occ, sends in upcoming(spec.rule, spec.policy, spec.leads, now, tz, calendar, PREVIEW):
        lines.append("· " + describe_occurrence(occ, calendar, svc.texts, lang))
        times = reminder_times(sends, tz, svc.texts, lang)
        lines.append(tr(update, context, "schedules.preview.reminders", times=times))
    nonce = draft.nonce
    markup = InlineKeyboardMarkup(
        [
            [
                button(
                    tr(update, context, "schedules.chat.btn_save"),
                    view.FlowPress(nonce, view.FlowAct.SAVE),
                ),
                button(
                    tr(update, context, "schedules.chat.btn_cancel"),
                    view.FlowPress(nonce, view.FlowAct.CANCEL),
                ),
            ]
        ]
    )
    await send(context, _me(update), "\n".join(lines), markup)


async def _describe(update: Update, context: BanzuContext, spec: ScheduleSpec) -> str:
    svc, lang = context.svc, lang_of(update)
    team = unit = ""
    if spec.team_id is not None:
        found = await svc.org.team(spec.team_id)
        team, unit = (found.name, found.unit_name) if found else ("", "")
    elif spec.unit_id is not None:
        unit = next((u.name for u in await svc.org.units() if u.id == spec.unit_id), "")
    scope = svc.texts.get(f"schedules.scope.{spec.scope.value}", lang, team=team, unit=unit)
    text = tr(
        update,
        context,
        "schedules.chat.preview",
        purpose=tr(update, context, f"schedules.purpose.{spec.purpose.value}"),
        scope=scope,
        rule=rule_for(spec.rule_text, lang),
        policy=tr(update, context, f"schedules.policy.{spec.policy.value}"),
        leads=_leads(update, context, spec.leads),
    )
    if spec.title:
        text += "\n" + tr(update, context, "schedules.chat.preview_title", title=spec.title)
    if spec.body:
        text += "\n" + tr(update, context, "schedules.chat.preview_body", body=spec.body)
    return text


async def flow_pressed(update: Update, context: BanzuContext) -> None:
    query, user = query_of(update), update.effective_user
    assert user is not None
    svc = context.svc
    press = parse(query.data, *view.FLOW_PRESSES)
    draft = await svc.conversations.state(user.id, user.id, ScheduleDraft)
    kinds = view.PurposePress | view.FlowPress
    if not isinstance(press, kinds) or draft is None or press.nonce != draft.nonce:
        await answer_stale(update, context)
        return
    if await _admin(update, context) is None:
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    at = draft.step
    action = press.action if isinstance(press, view.FlowPress) else None
    if isinstance(press, view.PurposePress) and at is ScheduleStep.PURPOSE:
        draft = replace(draft, step=ScheduleStep.SCOPE, purpose=press.purpose)
        await svc.conversations.put(user.id, user.id, draft)
        await send(context, user.id, tr(update, context, "schedules.chat.ask_scope"))
    elif action is view.FlowAct.SKIP and at is ScheduleStep.TITLE:
        await _preview(update, context, replace(draft, title=""))
    elif action is view.FlowAct.CANCEL:
        await svc.conversations.clear(user.id, user.id)
        await reply(update, context, "common.cancelled")
    elif action is view.FlowAct.SAVE and at is ScheduleStep.CONFIRM:
        await _save(update, context, draft)
    else:
        await reply(update, context, "schedules.chat.use_buttons")


async def _save(update: Update, context: BanzuContext, draft: ScheduleDraft) -> None:
    svc = context.svc
    now = svc.runner.now()
    calendar = await load_calendar(svc.schedules)
    try:
        spec = _spec(context, draft, now, calendar)
    except (RuleSyntaxError, ScheduleError) as exc:  # e.g. the only time passed meanwhile
        await send(context, _me(update), error_text(svc.texts, exc, lang_of(update)))
        return
    await svc.conversations.clear(_me(update), _me(update))
    schedule_id = await create_schedule(svc.schedules, spec, _me(update))
    first = next_planned(spec.rule, spec.policy, spec.leads, now, svc.settings.tz, calendar)
    tz = svc.settings.tz
    when = f"{first.occurs_at.astimezone(tz):%Y-%m-%d %H:%M}" if first else "-"
    event = f"{first.event_at.astimezone(tz):%Y-%m-%d %H:%M}" if first else "-"
    await reply(update, context, "schedules.chat.saved", id=schedule_id, next=when, event=event)


# ------------------------------------------------------------------ 已学 and who has not


async def preshift_pressed(update: Update, context: BanzuContext) -> None:
    query, user = query_of(update), update.effective_user
    assert user is not None
    svc = context.svc
    press = await pressed(update, context, pre_view.PreshiftPress)
    if press is None:
        return
    occ, team = press.occurrence, press.team
    if press.action is pre_view.PreAct.ACK:
        result = await ps.ack(svc.schedules, await svc.people.by_tg(user.id), occ, team)
        alert = result not in (ps.Ack.RECORDED, ps.Ack.ALREADY)
        await query.answer(await toast_who(update, context, f"schedules.preshift.{result.value}"),
                           show_alert=alert)  # fmt: skip
        return
    st = await ps.status(svc.schedules, svc.org, occ, team)
    ident = await who(update, context)
    if st is None or not ps.may_see(ident.actor, st.team):
        key = "gone" if st is None else "leaders_only"
        await query.answer(toast(update, context, f"schedules.preshift.{key}"), show_alert=True)
        return
    if press.action is pre_view.PreAct.NUDGE:
        await _nudge(update, context, st)
        return
    if not await svc.people.private_ok(user.id):
        await query.answer(
            toast(update, context, "schedules.preshift.need_private"), show_alert=True
        )
        return
    await _send_status(update, context, st, user.id)
    private = query.message is not None and query.message.chat.id == user.id
    await query.answer(
        None if private else toast(update, context, "schedules.preshift.sent_private")
    )


async def _send_status(update: Update, context: BanzuContext, st: ps.Status, chat: int) -> None:
    svc = context.svc
    occ = await svc.schedules.occurrence(st.occurrence_id)
    prompt = svc.runner.prompt(st.prompt_id)
    when = f"{occ.occurs_at.astimezone(svc.settings.tz):%m-%d %H:%M}" if occ else ""
    text = tr(
        update,
        context,
        "schedules.preshift.status",
        unit=st.team.unit_name,
        team=st.team.name,
        when=when,
        title=prompt.title if prompt else st.prompt_id,
        done=st.done,
        total=st.total,
        missing=context.svc.texts.join((m.name for m in st.missing), lang_of(update))
        or tr(update, context, "schedules.preshift.nobody"),
    )
    markup = None
    if st.missing:
        markup = pre_view.nudge_markup(svc.texts, lang_of(update), st.occurrence_id, st.team.id)
    pieces = split_text(text)
    for i, piece in enumerate(pieces):
        await send(context, chat, piece, markup if i == len(pieces) - 1 else None)


async def _nudge(update: Update, context: BanzuContext, st: ps.Status) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None
    if not st.missing:
        await query.answer(toast(update, context, "schedules.preshift.none_to_nudge"))
        return
    ids = [m.tg_user_id for m in st.missing if m.tg_user_id is not None]
    reachable = [uid for uid in ids if await svc.people.private_ok(uid)]
    prompt = svc.runner.prompt(st.prompt_id)
    by = query.from_user.id
    plan = await ps.nudge(svc.schedules, svc.texts, st, prompt, reachable, by)
    await svc.outbox.enqueue(plan.messages)
    sent = len(plan.messages) - plan.earlier
    await query.answer(
        toast(update, context, "schedules.preshift.nudged", sent=sent, earlier=plan.earlier,
           unreachable=plan.unreachable),
        show_alert=True,
    )  # fmt: skip


async def preshift_cmd(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    if not can(ident.actor, ps.SEE):
        await reply(update, context, "common.no_permission")
        return
    latest = await svc.schedules.latest_posts(svc.runner.now())
    teams = [t for t in await svc.org.teams() if t.id in latest and ps.may_see(ident.actor, t)]
    statuses = [await ps.status(svc.schedules, svc.org, latest[t.id][0], t.id) for t in teams]
    found = [st for st in statuses if st is not None]
    if not found:
        await reply(update, context, "schedules.preshift.no_posts")
        return
    if len(found) == 1:
        await _send_status(update, context, found[0], ident.actor.tg_user_id)
        return
    lines = [tr(update, context, "schedules.preshift.teams_header")]
    rows = []
    for st in found:
        lines.append(tr(update, context, "schedules.preshift.team_line", unit=st.team.unit_name,
                        team=st.team.name, done=st.done, total=st.total))  # fmt: skip
        label = f"{st.team.unit_name}·{st.team.name}"
        who_press = pre_view.PreshiftPress(pre_view.PreAct.WHO, st.occurrence_id, st.team.id)
        rows.append([button(label, who_press)])
    await send(context, ident.actor.tg_user_id, "\n".join(lines), InlineKeyboardMarkup(rows[:50]))


# ------------------------------------------------------------------ wiring


async def tick_job(context: BanzuContext) -> None:
    await context.svc.runner.tick(context.svc)


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
