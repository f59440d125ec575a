"""Labour competitions (劳动竞赛) and points in chat: /contest (standings of one's own team and
its rivals), /contest_new (create, unit leaders and admins), /figures (leaders enter the week's
figures: the previous value shown, a bad figure refused, an unlikely one questioned), /points
(one's own points). The weekly job posts standings and books points."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.callbacks import Stale, parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain import contest as rules
from bot.domain.auth import Action, Role, can
from bot.domain.contest import Kind, Level
from bot.domain.conversation import Conversation
from bot.domain.textsplit import split_text
from bot.services.contest import (
    Board,
    Created,
    Decided,
    Draft,
    FigureBad,
    FigureDoubt,
    FigureTarget,
    FileSaved,
    Proposed,
    Refused,
    Saved,
)
from bot.views import contest as view
from handlers.common import (
    answer_stale,
    lang_of,
    notify,
    reply,
    send,
    toast,
    toast_who,
    tr,
    who,
)

FLOW_NEW = "contest_new"
FLOW_FIG = "contest_fig"
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
    place = await svc.contest.own_place(board.contest, board.mine)
    markup = view.board_keyboard(
        svc.texts,
        lang,
        board,
        may_enter=place is not None and can(ident.actor, Action.ENTER_FIGURES, place),
        may_manage=svc.contest.may_manage(ident.actor, board.contest),
    )
    await send(context, chat.id, view.board_text(svc.texts, lang, board), markup)


async def pressed(update: Update, context: BanzuContext) -> None:
    """ct:v1:<action>:<id>[:<id>] — every press checked again against the person's rights."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.decode(query.data, view.NS, 1, 2) or callbacks.decode(
        query.data, view.NS, 1, 3
    )
    ids = [_id(parsed.int_part(i)) for i in range(1, len(parsed.parts))] if parsed else []
    handler = _PRESSES.get(parsed.parts[0]) if parsed else None
    if handler is None or not ids or None in ids:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    first, second = ids[0], ids[1] if len(ids) > 1 else None
    assert first is not None
    await handler(update, context, first, second)


async def _full(update: Update, context: BanzuContext, contest_id: int, _: int | None) -> None:
    ident = await who(update, context)
    board = await context.svc.contest.board(ident.actor, contest_id, context.svc.clock.now())
    if await _refused(update, context, board):
        return
    assert isinstance(board, Board)
    await _answer(update)
    for piece in split_text(view.full_text(context.svc.texts, lang_of(update), board)):
        await send(context, ident.actor.tg_user_id, piece)


async def _close(update: Update, context: BanzuContext, contest_id: int, _: int | None) -> None:
    ident = await who(update, context)
    closed = await context.svc.contest.close(ident.actor, contest_id)
    if await _refused(update, context, closed):
        return
    assert not isinstance(closed, Refused)
    await _answer(update, toast(update, context, "contest.close.done", name=closed.name))


async def _rivals(update: Update, context: BanzuContext, contest_id: int, _: int | None) -> None:
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
    query = update.callback_query
    assert query is not None
    press = parse(query.data, view.RivalsPage)
    if isinstance(press, Stale):
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    ident = await who(update, context)
    rivals = await context.svc.contest.rivals(ident.actor, press.contest)
    if await _refused(update, context, rivals):
        return
    assert isinstance(rivals, list)
    await query.answer()
    text, markup = view.rivals_page(
        context.svc.texts, lang_of(update), press.contest, rivals, press.page
    )
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except BadRequest as exc:  # the n/m button: the same page again
        if "not modified" not in exc.message:
            raise


async def _challenge(
    update: Update, context: BanzuContext, contest_id: int, rival: int | None
) -> None:
    ident = await who(update, context)
    proposed = await context.svc.contest.challenge(ident.actor, contest_id, rival or 0)
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


async def _accept(update: Update, context: BanzuContext, pair_id: int, _: int | None) -> None:
    await _decide(update, context, pair_id, True)


async def _decline(update: Update, context: BanzuContext, pair_id: int, _: int | None) -> None:
    await _decide(update, context, pair_id, False)


async def _figures_for(
    update: Update, context: BanzuContext, contest_id: int, participant: int | None
) -> None:
    ident = await who(update, context)
    target = await context.svc.contest.target(
        ident.actor, contest_id, participant or 0, context.svc.clock.now()
    )
    if await _refused(update, context, target):
        return
    assert isinstance(target, FigureTarget)
    await _answer(update)
    await _start_figures(update, context, target)


def _id(value: int | None) -> int | None:
    """A row id from a button: SQLite's integers stop at 2**63 - 1, and a forged one may not."""
    return value if value is not None and 0 < value < 2**63 else None


_PRESSES = {
    "full": _full,
    "cls": _close,
    "chl": _rivals,
    "chr": _challenge,
    "acc": _accept,
    "dec": _decline,
    "fig": _figures_for,
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
    svc, ident = context.svc, await who(update, context)
    if not can(ident.actor, Action.MANAGE_CONTEST):
        await reply(update, context, "common.no_permission")
        return
    user = ident.actor.tg_user_id
    data: dict[str, object] = {"nonce": random.randint(1, 999_999), "metrics": []}
    await svc.conversations.set(user, user, FLOW_NEW, "name", data)
    await reply(update, context, "contest.new.ask_name", limit=rules.MAX_NAME_CHARS)


async def new_step(update: Update, context: BanzuContext, conv: Conversation) -> None:
    """Typed answers of the creation flow: the name, then (after the buttons) the period."""
    svc, message = context.svc, update.message
    assert message is not None
    if conv.step == "name":
        name = rules.check_name(message.text or "")
        if name is None:
            await reply(update, context, "contest.new.bad_name", limit=rules.MAX_NAME_CHARS)
            return
        await svc.conversations.set(
            conv.chat_id, conv.user_id, FLOW_NEW, "kind", {**conv.data, "name": name}
        )
        markup = view.kinds_keyboard(svc.texts, lang_of(update), int(conv.data["nonce"]))
        await reply(update, context, "contest.new.ask_kind", markup=markup)
    elif conv.step == "period":
        period = rules.parse_period(message.text or "", svc.contest.today(context.svc.clock.now()))
        if period is None:
            await reply(update, context, "contest.new.bad_period")
            return
        data = {**conv.data, "start": period[0].isoformat(), "end": period[1].isoformat()}
        await _new_preview(update, context, conv, data)
    else:
        await reply(update, context, "contest.new.use_buttons")


@dataclass(frozen=True)
class _NewPress:
    """One press in the /contest_new flow, decoded: its action, argument and the draft."""

    conv: Conversation
    action: str
    arg: str
    index: int | None
    nonce: int


async def new_pressed(update: Update, context: BanzuContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    parsed = callbacks.decode(query.data, view.NS_NEW, 1, 3)
    conv = await context.svc.conversations.get(user.id, user.id)
    nonce = parsed.int_part(0) if parsed else None
    if parsed is None or conv is None or conv.flow != FLOW_NEW or nonce is None:
        await answer_stale(update, context)
        return
    action = parsed.parts[1]
    step = _NEW_STEPS.get((action, conv.step)) or _NEW_STEPS.get((action, "*"))
    if nonce != conv.data.get("nonce") or step is None:
        await answer_stale(update, context)
        return
    await step(update, context, _NewPress(conv, action, parsed.parts[2], parsed.int_part(2), nonce))


async def _new_cancel(update: Update, context: BanzuContext, p: _NewPress) -> None:
    query = update.callback_query
    assert query is not None
    await context.svc.conversations.clear(p.conv.chat_id, p.conv.user_id)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, context, "common.cancelled")


async def _new_kind(update: Update, context: BanzuContext, p: _NewPress) -> None:
    query, svc, lang = update.callback_query, context.svc, lang_of(update)
    assert query is not None
    if p.arg not in set(Kind):
        await answer_stale(update, context)
        return
    ident = await who(update, context)
    data = {**p.conv.data, "kind": p.arg}
    await query.answer()
    await query.edit_message_reply_markup(None)
    if Role.ADMIN in ident.actor.roles:
        await svc.conversations.set(p.conv.chat_id, p.conv.user_id, FLOW_NEW, "scope", data)
        units = [(u.id, u.name) for u in await svc.org.units()]
        markup = view.scopes_keyboard(svc.texts, lang, p.nonce, units)
        await reply(update, context, "contest.new.ask_scope", markup=markup)
        return
    data = {**data, "level": Level.TEAM.value, "unit_id": ident.actor.unit_id}
    await _ask_metrics(update, context, p.conv, data)


async def _new_scope(update: Update, context: BanzuContext, p: _NewPress) -> None:
    query = update.callback_query
    assert query is not None
    level, unit_id = _scope(p.action, p.arg)
    units = {u.id for u in await context.svc.org.units()}
    if level is None or (unit_id is not None and unit_id not in units):
        await answer_stale(update, context)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _ask_metrics(update, context, p.conv, {**p.conv.data, "level": level, "unit_id": unit_id})


async def _new_metric(update: Update, context: BanzuContext, p: _NewPress) -> None:
    query, svc, lang = update.callback_query, context.svc, lang_of(update)
    assert query is not None
    keys = list(svc.contest.templates)
    if p.index is None or not 0 <= p.index < len(keys):
        await answer_stale(update, context)
        return
    chosen = [str(k) for k in p.conv.data.get("metrics", [])]
    key = keys[p.index]
    chosen = [k for k in chosen if k != key] if key in chosen else [*chosen, key]
    chosen = chosen[: rules.MAX_METRICS]
    data = {**p.conv.data, "metrics": chosen}
    await svc.conversations.set(p.conv.chat_id, p.conv.user_id, FLOW_NEW, "metrics", data)
    await query.answer()
    await query.edit_message_reply_markup(
        view.metrics_keyboard(svc.texts, lang, p.nonce, keys, chosen)
    )


async def _new_next(update: Update, context: BanzuContext, p: _NewPress) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None
    if not p.conv.data.get("metrics"):
        await query.answer(toast(update, context, "contest.new.no_metrics"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await svc.conversations.set(p.conv.chat_id, p.conv.user_id, FLOW_NEW, "period", p.conv.data)
    await reply(update, context, "contest.new.ask_period")


async def _new_create(update: Update, context: BanzuContext, p: _NewPress) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _create(update, context, p.conv)


_NewStep = Callable[[Update, BanzuContext, _NewPress], Awaitable[None]]
# (action, step the draft is at) -> what the press does; "*": at any step
_NEW_STEPS: dict[tuple[str, str], _NewStep] = {
    ("cancel", "*"): _new_cancel,
    ("kind", "kind"): _new_kind,
    ("scope", "scope"): _new_scope,
    ("unit", "scope"): _new_scope,
    ("m", "metrics"): _new_metric,
    ("next", "metrics"): _new_next,
    ("create", "preview"): _new_create,
}


def _scope(action: str, arg: str) -> tuple[str | None, int | None]:
    if action == "scope":
        return {"all": (Level.TEAM.value, None), "units": (Level.UNIT.value, None)}.get(
            arg, (None, None)
        )
    try:
        unit_id = int(arg)
    except ValueError:
        return None, None
    return (Level.TEAM.value, unit_id) if 0 < unit_id < 2**63 else (None, None)


async def _ask_metrics(
    update: Update, context: BanzuContext, conv: Conversation, data: dict[str, object]
) -> None:
    svc = context.svc
    await svc.conversations.set(conv.chat_id, conv.user_id, FLOW_NEW, "metrics", data)
    markup = view.metrics_keyboard(
        svc.texts, lang_of(update), int(str(data["nonce"])), list(svc.contest.templates), []
    )
    await reply(update, context, "contest.new.ask_metrics", markup=markup, limit=rules.MAX_METRICS)


def _draft(data: dict[str, object]) -> Draft:
    unit = data.get("unit_id")
    return Draft(
        name=str(data["name"]),
        kind=Kind(str(data["kind"])),
        level=Level(str(data["level"])),
        unit_id=None if unit is None else int(str(unit)),
        starts_on=date.fromisoformat(str(data["start"])),
        ends_on=date.fromisoformat(str(data["end"])),
        metric_keys=tuple(str(k) for k in data.get("metrics", [])),  # type: ignore[attr-defined]
    )


async def _new_preview(
    update: Update, context: BanzuContext, conv: Conversation, data: dict[str, object]
) -> None:
    svc, lang = context.svc, lang_of(update)
    await svc.conversations.set(conv.chat_id, conv.user_id, FLOW_NEW, "preview", data)
    draft = _draft(data)
    if draft.level is Level.UNIT:
        scope = tr(update, context, "contest.new.scope_units")
    elif draft.unit_id is None:
        scope = tr(update, context, "contest.new.scope_all")
    else:
        names = {u.id: u.name for u in await svc.org.units()}
        scope = tr(update, context, "contest.new.scope_unit", unit=names.get(draft.unit_id, "?"))
    metrics = svc.texts.join(
        (svc.texts.get(f"contest.metric.{k}", lang) for k in draft.metric_keys), lang
    )
    text = tr(
        update,
        context,
        "contest.new.preview",
        name=draft.name,
        kind=tr(update, context, f"contest.kind.{draft.kind}"),
        scope=scope,
        metrics=metrics,
        start=draft.starts_on.isoformat(),
        end=draft.ends_on.isoformat(),
    )
    await send(
        context, conv.chat_id, text, view.create_keyboard(svc.texts, lang, int(str(data["nonce"])))
    )


async def _create(update: Update, context: BanzuContext, conv: Conversation) -> None:
    svc, ident = context.svc, await who(update, context)
    created = await svc.contest.create(ident.actor, _draft(conv.data))
    await svc.conversations.clear(conv.chat_id, conv.user_id)
    if await _refused(update, context, created):
        return
    assert isinstance(created, Created)
    draft = _draft(conv.data)
    level = tr(update, context, f"contest.level.{draft.level}")
    await reply(
        update,
        context,
        "contest.new.created",
        name=draft.name,
        count=created.participants,
        level=level,
    )
    if created.pairs:
        pairs = svc.texts.join((f"{a} ⚔ {b}" for a, b in created.pairs), lang_of(update))
        await reply(update, context, "contest.new.created_pairs", pairs=pairs)


# ------------------------------------------------------------------ /figures


async def figures(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    if not can(ident.actor, Action.ENTER_FIGURES):
        await reply(update, context, "common.no_permission")
        return
    targets = await svc.contest.figure_targets(ident.actor, context.svc.clock.now())
    if not targets:
        await reply(update, context, "contest.figures.none")
    elif len(targets) == 1:
        await _start_figures(update, context, targets[0])
    else:
        text, markup = view.targets_page(svc.texts, lang_of(update), targets)
        assert update.effective_chat is not None
        await send(context, update.effective_chat.id, text, markup)


async def targets_page_pressed(update: Update, context: BanzuContext) -> None:
    """◀ ▶ of the /figures picker: the targets again (rights checked again), another page."""
    query, svc = update.callback_query, context.svc
    assert query is not None
    press = parse(query.data, view.TargetsPage)
    if isinstance(press, Stale):
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    ident = await who(update, context)
    targets = await svc.contest.figure_targets(ident.actor, context.svc.clock.now())
    if not can(ident.actor, Action.ENTER_FIGURES) or not targets:
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
        return
    await query.answer()
    text, markup = view.targets_page(svc.texts, lang_of(update), targets, press.page)
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except BadRequest as exc:  # the n/m button: the same page again
        if "not modified" not in exc.message:
            raise


async def _start_figures(update: Update, context: BanzuContext, target: FigureTarget) -> None:
    user = update.effective_user
    assert user is not None
    data: dict[str, object] = {
        "nonce": random.randint(1, 999_999),
        "contest": target.contest.id,
        "participant": target.participant_id,
        "index": 0,
        "values": {},
        "doubts": {},
    }
    await context.svc.conversations.set(user.id, user.id, FLOW_FIG, "value", data)
    await send(context, user.id, tr(update, context, "contest.file.hint"))
    await _ask_next(update, context, target, data)


async def _target_of(
    update: Update, context: BanzuContext, conv: Conversation
) -> FigureTarget | None:
    ident = await who(update, context)
    target = await context.svc.contest.target(
        ident.actor,
        int(str(conv.data["contest"])),
        int(str(conv.data["participant"])),
        context.svc.clock.now(),
    )
    if isinstance(target, Refused):
        await context.svc.conversations.clear(conv.chat_id, conv.user_id)
        await _refused(update, context, target)
        return None
    return target


async def _ask_next(
    update: Update, context: BanzuContext, target: FigureTarget, data: dict[str, object]
) -> None:
    svc, user, lang = context.svc, update.effective_user, lang_of(update)
    assert user is not None
    ask = await svc.contest.ask(target, int(str(data["index"])))
    if ask is None:
        await svc.conversations.set(user.id, user.id, FLOW_FIG, "preview", data)
        values = {int(k): float(str(v)) for k, v in dict(data["values"]).items()}  # type: ignore[call-overload]
        text = view.figures_preview(svc.texts, lang, target, values)
        await send(
            context, user.id, text, view.save_keyboard(svc.texts, lang, int(str(data["nonce"])))
        )
        return
    await svc.conversations.set(user.id, user.id, FLOW_FIG, "value", data)
    await send(context, user.id, view.ask_text(svc.texts, lang, target, ask))


async def figure_step(update: Update, context: BanzuContext, conv: Conversation) -> None:
    svc, message, lang = context.svc, update.message, lang_of(update)
    assert message is not None
    if conv.step != "value":
        await reply(update, context, "contest.new.use_buttons")
        return
    target = await _target_of(update, context, conv)
    if target is None:
        return
    metric = target.metrics[int(str(conv.data["index"]))]
    checked = await svc.contest.check(target, metric, message.text or "")
    if isinstance(checked, FigureBad):
        await send(context, conv.chat_id, view.bad_text(svc.texts, lang, checked))
    elif isinstance(checked, FigureDoubt):
        data = {**conv.data, "pending": checked.value, "doubt": checked.doubt.value}
        await svc.conversations.set(conv.chat_id, conv.user_id, FLOW_FIG, "doubt", data)
        markup = view.doubt_keyboard(svc.texts, lang, int(str(conv.data["nonce"])))
        await send(context, conv.chat_id, view.doubt_text(svc.texts, lang, metric, checked), markup)
    else:
        await _ask_next(update, context, target, _take(conv.data, metric.id, checked.value, None))


def _take(
    data: dict[str, object], metric_id: int, value: float, doubt: str | None
) -> dict[str, object]:
    values = {**dict(data["values"]), str(metric_id): value}  # type: ignore[call-overload]
    doubts = dict(data["doubts"])  # type: ignore[call-overload]
    if doubt:
        doubts[str(metric_id)] = doubt
    rest = {k: v for k, v in data.items() if k not in ("pending", "doubt")}
    return {**rest, "values": values, "doubts": doubts, "index": int(str(data["index"])) + 1}


async def figure_file(update: Update, context: BanzuContext, conv: Conversation) -> None:
    """A spreadsheet sent while entering figures: the week's figures for one or more teams at
    once, all or nothing, every problem named with its row."""
    svc, message, ident = context.svc, update.message, await who(update, context)
    assert message is not None
    if message.document is None:
        await reply(update, context, "contest.file.not_a_file")
        return
    data = bytes(await (await message.document.get_file()).download_as_bytearray())
    name = message.document.file_name or ""
    contest_id = int(str(conv.data["contest"]))
    outcome = await svc.contest.import_figures(
        ident.actor, contest_id, data, name, context.svc.clock.now()
    )
    if await _refused(update, context, outcome):
        return
    if isinstance(outcome, FileSaved):
        await svc.conversations.clear(conv.chat_id, conv.user_id)
    assert not isinstance(outcome, Refused)
    await send(context, conv.chat_id, view.file_outcome(svc.texts, lang_of(update), outcome))


async def figure_pressed(update: Update, context: BanzuContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    svc = context.svc
    parsed = callbacks.decode(query.data, view.NS_FIG, 1, 2)
    conv = await svc.conversations.get(user.id, user.id)
    if (
        parsed is None
        or conv is None
        or conv.flow != FLOW_FIG
        or parsed.int_part(0) != conv.data.get("nonce")
    ):
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    action = parsed.parts[1]
    await query.answer()
    await query.edit_message_reply_markup(None)
    if action == "cancel":
        await svc.conversations.clear(user.id, user.id)
        await reply(update, context, "common.cancelled")
        return
    target = await _target_of(update, context, conv)
    if target is None:
        return
    if action == "ok" and conv.step == "doubt":
        metric = target.metrics[int(str(conv.data["index"]))]
        data = _take(
            conv.data, metric.id, float(str(conv.data["pending"])), str(conv.data["doubt"])
        )
        await _ask_next(update, context, target, data)
    elif action == "re" and conv.step == "doubt":
        await _ask_next(update, context, target, conv.data)
    elif action == "redo":
        await _start_figures(update, context, target)
    elif action == "save" and conv.step == "preview":
        await _save(update, context, conv, target)


async def _save(
    update: Update, context: BanzuContext, conv: Conversation, target: FigureTarget
) -> None:
    svc, ident = context.svc, await who(update, context)
    values = {int(k): float(str(v)) for k, v in dict(conv.data["values"]).items()}
    doubts = {int(k): str(v) for k, v in dict(conv.data["doubts"]).items()}
    saved = await svc.contest.save(ident.actor, target, values, doubts, context.svc.clock.now())
    await svc.conversations.clear(conv.chat_id, conv.user_id)
    if await _refused(update, context, saved):
        return
    assert isinstance(saved, Saved)
    if saved.changed:
        await reply(update, context, "contest.figures.saved", count=saved.changed)
    else:
        await reply(update, context, "contest.figures.unchanged")


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
    app.add_handler(CallbackQueryHandler(pressed, pattern=callbacks.pattern(view.NS)))
    app.add_handler(CallbackQueryHandler(rivals_page_pressed, pattern=view.RivalsPage.pattern()))
    app.add_handler(CallbackQueryHandler(targets_page_pressed, pattern=view.TargetsPage.pattern()))
    app.add_handler(CallbackQueryHandler(new_pressed, pattern=callbacks.pattern(view.NS_NEW)))
    app.add_handler(CallbackQueryHandler(figure_pressed, pattern=callbacks.pattern(view.NS_FIG)))
    svc.flows[FLOW_NEW] = new_step
    svc.flows[FLOW_FIG] = figure_step
    svc.file_flows[FLOW_FIG] = figure_file
    if app.job_queue is not None:
        app.job_queue.run_repeating(tick, interval=TICK_SECONDS, first=30, name=JOB)
