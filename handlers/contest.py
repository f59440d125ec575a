"""Labour competitions (劳动竞赛) and points in chat: /contest (standings of one's own team and
its rivals), /contest_new (create, unit leaders and admins), /figures (leaders enter the week's
figures: the previous value shown, a bad figure refused, an unlikely one questioned), /points
(one's own points). The weekly job posts standings and books points."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, time
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain import contest as rules
from bot.domain.auth import Action
from bot.domain.contest import FigureEntry, FigureStep, Kind, Level, NewContest, NewStep
from bot.domain.flowstate import FlowState
from bot.domain.textsplit import split_text
from bot.services.contest import (
    Board,
    Created,
    Decided,
    Doubting,
    Draft,
    FigureBad,
    FigureCancelled,
    FigureNext,
    FigureRestart,
    FigureTarget,
    FileSaved,
    Proposed,
    Refused,
    Saved,
)
from bot.views import contest as view
from handlers.common import (
    answer,
    answer_stale,
    edit,
    edit_markup,
    lang_of,
    notify,
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

JOB = "contest.tick"
TICK_SECONDS = 300
POST_AT = time(8, 30)  # weekly standings on Monday morning, as DingTalk pushes its reports


# ------------------------------------------------------------------ standings


async def contest(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    if not ident.registered:
        await reply(update, context, "common.not_registered")
        return
    boards = await svc.contest.boards(ident.actor, context.svc.clock.now())
    if not boards:
        await reply(update, context, "contest.none")
    for board in boards:
        await _show(update, context, board)


async def _show(update: Update, context: BanzuContext, board: Board) -> None:
    svc, ident, lang = context.svc, await who(update, context), lang_of(update)
    chat = update.effective_chat
    assert chat is not None
    rights = await svc.contest.rights(ident.actor, board)
    markup = view.board_keyboard(
        svc.texts, lang, board, may_enter=rights.may_enter, may_manage=rights.may_manage
    )
    await send(context, chat.id, view.board_text(svc.texts, lang, board), markup)


async def board_pressed(update: Update, context: BanzuContext) -> None:
    """ct:v1:… — every press checked again against the person's rights."""
    press = await pressed(update, context, view.ContestPress, view.PairPress)
    if isinstance(press, view.PairPress):
        await _PAIR_PRESSES[press.action](update, context, press.contest, press.participant)
    elif isinstance(press, view.ContestPress):
        await _PRESSES[press.action](update, context, press.id)


async def _full(update: Update, context: BanzuContext, contest_id: int) -> None:
    ident = await who(update, context)
    board = await context.svc.contest.board(ident.actor, contest_id, context.svc.clock.now())
    if await _refused(update, context, board):
        return
    assert isinstance(board, Board)
    await _answer(update)
    for piece in split_text(view.full_text(context.svc.texts, lang_of(update), board)):
        await send(context, ident.actor.tg_user_id, piece)


async def _close(update: Update, context: BanzuContext, contest_id: int) -> None:
    ident = await who(update, context)
    closed = await context.svc.contest.close(ident.actor, contest_id)
    if await _refused(update, context, closed):
        return
    assert not isinstance(closed, Refused)
    await _answer(update, toast(update, context, "contest.close.done", name=closed.name))


async def _rivals(update: Update, context: BanzuContext, contest_id: int) -> None:
    ident = await who(update, context)
    rivals = await context.svc.contest.rivals(ident.actor, contest_id)
    if await _refused(update, context, rivals):
        return
    assert isinstance(rivals, list)
    await _answer(update)
    text, markup = view.rivals_page(context.svc.texts, lang_of(update), contest_id, rivals)
    await send(context, ident.actor.tg_user_id, text, markup)


async def rivals_page_pressed(update: Update, context: BanzuContext) -> None:
    """◀ ▶ of the rival picker: the list again (rights checked again), another page."""
    press = await pressed(update, context, view.RivalsPage)
    if press is None:
        return
    ident = await who(update, context)
    rivals = await context.svc.contest.rivals(ident.actor, press.contest)
    if await _refused(update, context, rivals):
        return
    assert isinstance(rivals, list)
    await query_of(update).answer()
    text, markup = view.rivals_page(
        context.svc.texts, lang_of(update), press.contest, rivals, press.page
    )
    await _edit_pressed(update, context, text, markup)


async def _edit_pressed(
    update: Update, context: BanzuContext, text: str, markup: InlineKeyboardMarkup
) -> None:
    """The pressed message shows `text` (the n/m button: the same page again, no error)."""
    message = query_of(update).message
    assert message is not None
    await edit(context, message.chat.id, message.message_id, text, markup)


async def _challenge(update: Update, context: BanzuContext, contest_id: int, rival: int) -> None:
    ident = await who(update, context)
    proposed = await context.svc.contest.challenge(ident.actor, contest_id, rival)
    if await _refused(update, context, proposed):
        return
    assert isinstance(proposed, Proposed)
    await _answer(update, toast(update, context, "contest.challenge.sent", rival=proposed.b_name))
    texts, lang = context.svc.texts, context.svc.settings.language
    for leader in proposed.b_leaders:
        await notify(
            context,
            leader,
            view.proposal_text(texts, lang, proposed.contest, proposed.a_name),
            purpose="contest",
            key=f"contest:challenge:{proposed.pair_id}:{leader}",
            markup=view.proposal_keyboard(texts, lang, proposed.pair_id),
        )


async def _decide(update: Update, context: BanzuContext, pair_id: int, accept: bool) -> None:
    ident = await who(update, context)
    decided = await context.svc.contest.decide(ident.actor, pair_id, accept)
    if await _refused(update, context, decided):
        return
    assert isinstance(decided, Decided)
    key = "contest.challenge.accepted" if decided.accepted else "contest.challenge.declined"
    text = tr(update, context, key, a=decided.a_name, b=decided.b_name)
    await _answer(update, toast(update, context, "contest.challenge.answered"))
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)
    await send(context, ident.actor.tg_user_id, text)
    if decided.proposer is not None and decided.proposer != ident.actor.tg_user_id:
        await notify(
            context, decided.proposer, text, purpose="contest", key=f"contest:decided:{pair_id}"
        )


async def _accept(update: Update, context: BanzuContext, pair_id: int) -> None:
    await _decide(update, context, pair_id, True)


async def _decline(update: Update, context: BanzuContext, pair_id: int) -> None:
    await _decide(update, context, pair_id, False)


async def _figures_for(
    update: Update, context: BanzuContext, contest_id: int, participant: int
) -> None:
    ident = await who(update, context)
    target = await context.svc.contest.target(
        ident.actor, contest_id, participant, context.svc.clock.now()
    )
    if await _refused(update, context, target):
        return
    assert isinstance(target, FigureTarget)
    await _answer(update)
    await _start_figures(update, context, target)


_PRESSES: dict[view.ContestAct, Callable[[Update, BanzuContext, int], Awaitable[None]]] = {
    view.ContestAct.FULL: _full,
    view.ContestAct.CLOSE: _close,
    view.ContestAct.RIVALS: _rivals,
    view.ContestAct.ACCEPT: _accept,
    view.ContestAct.DECLINE: _decline,
}
_PAIR_PRESSES: dict[view.PairAct, Callable[[Update, BanzuContext, int, int], Awaitable[None]]] = {
    view.PairAct.CHALLENGE: _challenge,
    view.PairAct.FIGURES: _figures_for,
}


async def _refused(update: Update, context: BanzuContext, outcome: object) -> bool:
    """Tell why an act was refused (a toast for a press, a reply for a command)."""
    if not isinstance(outcome, Refused):
        return False
    if update.callback_query is not None:
        text = await toast_who(update, context, f"contest.refused.{outcome.why}")
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, context, f"contest.refused.{outcome.why}")
    return True


async def _answer(update: Update, text: str | None = None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=bool(text))


# ------------------------------------------------------------------ /contest_new


async def contest_new(update: Update, context: BanzuContext) -> None:
    ident = await who(update, context)
    if not context.svc.contest.may_create(ident.actor):
        await reply(update, context, "common.no_permission")
        return
    await _put(update, context, NewContest(NewStep.NAME, _nonce()))
    await reply(update, context, "contest.new.ask_name", limit=rules.MAX_NAME_CHARS)


def _nonce() -> int:
    """Ties a flow's buttons to this run of it: a button from an earlier run is stale."""
    return random.randint(1, 999_999)


async def _put(update: Update, context: BanzuContext, state: FlowState) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    await context.svc.conversations.put(chat.id, user.id, state)


async def _end(update: Update, context: BanzuContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    await context.svc.conversations.clear(chat.id, user.id)


async def _done_with(update: Update) -> None:
    """The press answered and its keyboard gone: one answer per step."""
    await query_of(update).answer()
    await edit_markup(update, None)


async def new_step(update: Update, context: BanzuContext, d: NewContest) -> None:
    """Typed answers of the creation flow: the name, then (after the buttons) the period."""
    text = (update.message.text if update.message else None) or ""
    if d.step is NewStep.NAME:
        await _new_name(update, context, d, text)
    elif d.step is NewStep.PERIOD:
        await _new_period(update, context, d, text)
    else:
        await reply(update, context, "contest.new.use_buttons")


async def _new_name(update: Update, context: BanzuContext, d: NewContest, text: str) -> None:
    name = rules.check_name(text)
    if name is None:
        await reply(update, context, "contest.new.bad_name", limit=rules.MAX_NAME_CHARS)
        return
    await _put(update, context, replace(d, step=NewStep.KIND, name=name))
    markup = view.kinds_keyboard(context.svc.texts, lang_of(update), d.nonce)
    await reply(update, context, "contest.new.ask_kind", markup=markup)


async def _new_period(update: Update, context: BanzuContext, d: NewContest, text: str) -> None:
    svc = context.svc
    period = rules.parse_period(text, svc.contest.today(svc.clock.now()))
    if period is None:
        await reply(update, context, "contest.new.bad_period")
        return
    start, end = period[0].isoformat(), period[1].isoformat()
    await _new_preview(update, context, replace(d, start=start, end=end))


NewPressed = view.KindPress | view.ScopePress | view.UnitPress | view.MetricPress | view.NewPress


async def new_pressed(update: Update, context: BanzuContext) -> None:
    user = update.effective_user
    assert user is not None
    press = await pressed(update, context, *view.NEW_PRESSES)
    if not isinstance(press, NewPressed):  # None: answered as stale already
        return
    d = await context.svc.conversations.state(user.id, user.id, NewContest)
    if d is None or press.nonce != d.nonce or not await _new_press(update, context, d, press):
        await answer_stale(update, context)


async def _new_press(update: Update, context: BanzuContext, d: NewContest, p: NewPressed) -> bool:
    """The press's step, if the draft is at the step that button belongs to."""
    if view.new_press_step(p) not in (None, d.step):
        return False
    match p:
        case view.NewPress(action=view.NewAct.CANCEL):
            await _new_cancel(update, context)
        case view.KindPress():
            await _new_kind(update, context, d, p.kind)
        case view.ScopePress() | view.UnitPress():
            return await _new_scope(update, context, d, p)
        case view.MetricPress():
            return await _new_metric(update, context, d, p.index)
        case view.NewPress(action=view.NewAct.NEXT):
            await _new_next(update, context, d)
        case view.NewPress(action=view.NewAct.CREATE):
            await _create(update, context, d)
    return True


async def _new_cancel(update: Update, context: BanzuContext) -> None:
    await _end(update, context)
    await _done_with(update)
    await reply(update, context, "common.cancelled")


async def _new_kind(update: Update, context: BanzuContext, d: NewContest, kind: Kind) -> None:
    svc, ident = context.svc, await who(update, context)
    d = replace(d, kind=kind, level=Level.TEAM, unit_id=ident.actor.unit_id)
    if not svc.contest.picks_scope(ident.actor):  # a unit leader's: their unit's teams
        await _ask_metrics(update, context, d)
        return
    await _done_with(update)
    await _put(update, context, replace(d, step=NewStep.SCOPE))
    units = list((await svc.contest.units()).items())
    markup = view.scopes_keyboard(svc.texts, lang_of(update), d.nonce, units)
    await reply(update, context, "contest.new.ask_scope", markup=markup)


async def _new_scope(
    update: Update, context: BanzuContext, d: NewContest, p: view.ScopePress | view.UnitPress
) -> bool:
    """The site's teams, units against each other, or one (existing) unit's teams."""
    if isinstance(p, view.ScopePress):
        level = Level.UNIT if p.scope is view.Scope.UNITS else Level.TEAM
        d = replace(d, level=level, unit_id=None)
    elif p.unit in await context.svc.contest.units():
        d = replace(d, level=Level.TEAM, unit_id=p.unit)
    else:
        return False
    await _ask_metrics(update, context, d)
    return True


async def _new_metric(update: Update, context: BanzuContext, d: NewContest, index: int) -> bool:
    svc = context.svc
    keys = list(svc.contest.templates)
    if index >= len(keys):
        return False
    d = d.toggled(keys[index])
    await _put(update, context, d)
    await query_of(update).answer()
    markup = view.metrics_keyboard(svc.texts, lang_of(update), d.nonce, keys, d.metrics)
    await edit_markup(update, markup)
    return True


async def _new_next(update: Update, context: BanzuContext, d: NewContest) -> None:
    if not d.metrics:
        await answer(update, context, "contest.new.no_metrics", alert=True)
        return
    await _done_with(update)
    await _put(update, context, replace(d, step=NewStep.PERIOD))
    await reply(update, context, "contest.new.ask_period")


async def _ask_metrics(update: Update, context: BanzuContext, d: NewContest) -> None:
    """After the kind (and the scope): the metric templates to choose from."""
    svc = context.svc
    await _done_with(update)
    await _put(update, context, replace(d, step=NewStep.METRICS))
    markup = view.metrics_keyboard(
        svc.texts, lang_of(update), d.nonce, list(svc.contest.templates), []
    )
    await reply(update, context, "contest.new.ask_metrics", markup=markup, limit=rules.MAX_METRICS)


async def _new_preview(update: Update, context: BanzuContext, d: NewContest) -> None:
    svc, lang, draft = context.svc, lang_of(update), Draft.of(d)
    if draft is None:  # a stored draft that skipped a step: nothing to show
        await _end(update, context)
        await reply(update, context, "common.flow_stale")
        return
    await _put(update, context, replace(d, step=NewStep.PREVIEW))
    names = await svc.contest.units()
    text = view.new_preview(svc.texts, lang, draft, names.get(draft.unit_id or 0))
    await _say(update, context, text, view.create_keyboard(svc.texts, lang, d.nonce))


async def _create(update: Update, context: BanzuContext, d: NewContest) -> None:
    await _done_with(update)
    svc, ident, draft = context.svc, await who(update, context), Draft.of(d)
    if draft is None:  # a stored draft that skipped a step
        await _end(update, context)
        await reply(update, context, "common.flow_stale")
        return
    created = await svc.contest.create(ident.actor, draft)
    await _end(update, context)
    if await _refused(update, context, created):
        return
    assert isinstance(created, Created)
    for text in view.created_texts(svc.texts, lang_of(update), draft, created):
        await _say(update, context, text)


async def _say(
    update: Update, context: BanzuContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, text, markup)


# ------------------------------------------------------------------ /figures


async def figures(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    targets = await svc.contest.entry_targets(ident.actor, svc.clock.now())
    if targets is None:
        await reply(update, context, "common.no_permission")
    elif not targets:
        await reply(update, context, "contest.figures.none")
    elif len(targets) == 1:
        await _start_figures(update, context, targets[0])
    else:
        text, markup = view.targets_page(svc.texts, lang_of(update), targets)
        await _say(update, context, text, markup)


async def targets_page_pressed(update: Update, context: BanzuContext) -> None:
    """◀ ▶ of the /figures picker: the targets again (rights checked again), another page."""
    svc = context.svc
    press = await pressed(update, context, view.TargetsPage)
    if press is None:
        return
    ident = await who(update, context)
    targets = await svc.contest.entry_targets(ident.actor, svc.clock.now())
    if not targets:  # None: no right to enter any
        await answer(update, context, "common.no_permission", alert=True)
        return
    await query_of(update).answer()
    text, markup = view.targets_page(svc.texts, lang_of(update), targets, press.page)
    await _edit_pressed(update, context, text, markup)


async def _start_figures(update: Update, context: BanzuContext, target: FigureTarget) -> None:
    user = update.effective_user
    assert user is not None
    entry = FigureEntry(FigureStep.VALUE, _nonce(), target.contest.id, target.participant_id)
    await context.svc.conversations.put(user.id, user.id, entry)
    await send(context, user.id, tr(update, context, "contest.file.hint"))
    await _show_next(update, context, await context.svc.contest.advance(target, entry))


async def _show_next(update: Update, context: BanzuContext, nxt: FigureNext) -> None:
    """The entry's next step kept, and its question (or the preview) sent."""
    svc, user = context.svc, update.effective_user
    assert user is not None
    await svc.conversations.put(user.id, user.id, nxt.entry)
    text, markup = view.next_figure(svc.texts, lang_of(update), nxt)
    await send(context, user.id, text, markup)


async def figure_step(update: Update, context: BanzuContext, e: FigureEntry) -> None:
    svc, message, lang = context.svc, update.message, lang_of(update)
    assert message is not None
    if e.step is not FigureStep.VALUE:
        await reply(update, context, "contest.new.use_buttons")
        return
    ident = await who(update, context)
    out = await svc.contest.enter_figure(ident.actor, e, message.text or "", svc.clock.now())
    if isinstance(out, Refused):
        await _end_refused(update, context, out)
    elif isinstance(out, FigureBad):
        await _say(update, context, view.bad_text(svc.texts, lang, out))
    elif isinstance(out, Doubting):
        await _ask_to_confirm(update, context, out)
    else:
        await _show_next(update, context, out)


async def _ask_to_confirm(update: Update, context: BanzuContext, out: Doubting) -> None:
    """An unlikely figure: the entry waits at DOUBT for ✅ or retyping."""
    texts, lang = context.svc.texts, lang_of(update)
    await _put(update, context, out.entry)
    text = view.doubt_text(texts, lang, out.metric, out.doubt)
    await _say(update, context, text, view.doubt_keyboard(texts, lang, out.entry.nonce))


async def _end_refused(update: Update, context: BanzuContext, refused: Refused) -> None:
    """Refused on the way: the entry ends, and says why."""
    await _end(update, context)
    await _refused(update, context, refused)


async def figure_file(update: Update, context: BanzuContext, e: FigureEntry) -> None:
    """A spreadsheet sent while entering figures: the week's figures for one or more teams at
    once, all or nothing, every problem named with its row."""
    svc, message, ident = context.svc, update.message, await who(update, context)
    assert message is not None
    if message.document is None:
        await reply(update, context, "contest.file.not_a_file")
        return
    data = bytes(await (await message.document.get_file()).download_as_bytearray())
    name, now = message.document.file_name or "", svc.clock.now()
    outcome = await svc.contest.import_figures(ident.actor, e.contest, data, name, now)
    if await _refused(update, context, outcome):
        return
    assert not isinstance(outcome, Refused)
    if isinstance(outcome, FileSaved):
        await _end(update, context)
    await _say(update, context, view.file_outcome(svc.texts, lang_of(update), outcome))


async def figure_pressed(update: Update, context: BanzuContext) -> None:
    user = update.effective_user
    assert user is not None
    press = await pressed(update, context, view.FigurePress)
    if press is None:
        return
    e = await context.svc.conversations.state(user.id, user.id, FigureEntry)
    if e is None or press.nonce != e.nonce:
        await answer_stale(update, context)
        return
    await _done_with(update)
    ident, now = await who(update, context), context.svc.clock.now()
    out = await context.svc.contest.figure_press(ident.actor, e, press.action, now)
    if out is not None:
        await _FIGURE_PRESSED[type(out)](update, context, out)


async def _figures_cancelled(update: Update, context: BanzuContext, out: FigureCancelled) -> None:
    await _end(update, context)
    await reply(update, context, "common.cancelled")


async def _restart(update: Update, context: BanzuContext, out: FigureRestart) -> None:
    await _start_figures(update, context, out.target)


async def _saved(update: Update, context: BanzuContext, saved: Saved) -> None:
    await _end(update, context)
    if saved.changed:
        await reply(update, context, "contest.figures.saved", count=saved.changed)
    else:
        await reply(update, context, "contest.figures.unchanged")


_FIGURE_PRESSED: dict[type[object], Callable[[Update, BanzuContext, Any], Awaitable[None]]] = {
    Refused: _end_refused,
    FigureNext: _show_next,
    FigureRestart: _restart,
    FigureCancelled: _figures_cancelled,
    Saved: _saved,
}


# ------------------------------------------------------------------ /points


async def points(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    mine = await svc.contest.my_points(ident.actor, context.svc.clock.now())
    await send(context, ident.actor.tg_user_id, view.points_text(svc.texts, lang_of(update), mine))


# ------------------------------------------------------------------ the weekly job


async def tick(context: BanzuContext) -> None:
    """Book new points, then hand every due weekly (or final) post to the outbox, each once."""
    await run_tick(context.svc, context.svc.clock.now())


async def run_tick(svc: Services, now: datetime) -> int:
    await svc.contest.sync_points(now)
    posted = 0
    for contest, week, final in await svc.contest.due_posts(now, POST_AT):
        post = await svc.contest.weekly(contest, week, final, now)
        rows = view.post_rows(svc.texts, svc.settings.language, post)
        if await svc.contest.publish(post, rows):
            posted += 1
    if posted:
        svc.outbox.wake()
    return posted


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("contest", "contest.cmd.contest", private=True, group=True),
        CommandInfo("points", "contest.cmd.points"),
        CommandInfo("figures", "contest.cmd.figures", Action.ENTER_FIGURES),
        CommandInfo("contest_new", "contest.cmd.contest_new", Action.MANAGE_CONTEST),
    ]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("contest", contest))
    app.add_handler(CommandHandler("points", points, private))
    app.add_handler(CommandHandler("figures", figures, private))
    app.add_handler(CommandHandler("contest_new", contest_new, private))
    app.add_handler(CallbackQueryHandler(board_pressed, pattern=view.ContestPress.pattern()))
    app.add_handler(CallbackQueryHandler(rivals_page_pressed, pattern=view.RivalsPage.pattern()))
    app.add_handler(CallbackQueryHandler(targets_page_pressed, pattern=view.TargetsPage.pattern()))
    app.add_handler(CallbackQueryHandler(new_pressed, pattern=view.NewPress.pattern()))
    app.add_handler(CallbackQueryHandler(figure_pressed, pattern=view.FigurePress.pattern()))
    svc.flows[NewContest.flow] = typed_step(NewContest, new_step)
    svc.flows[FigureEntry.flow] = typed_step(FigureEntry, figure_step)
    svc.file_flows[FigureEntry.flow] = typed_step(FigureEntry, figure_file)
    if app.job_queue is not None:
        app.job_queue.run_repeating(tick, interval=TICK_SECONDS, first=30, name=JOB)
