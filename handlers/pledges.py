"""Pledges in chat: /pledge (the pledge, an optional plan for the year, preview, confirm),
the pledge part of /mine, and /pledges for leaders: who has and has not, one polite reminder."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Callback, Range, Stale, parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, Place, can, teams_for
from bot.domain.flowstate import FlowState
from bot.domain.org import Team
from bot.domain.people import Person
from bot.domain.text import visible
from bot.domain.textsplit import split_text
from bot.services import pledges as pl
from bot.views import exports, paging
from bot.views import pledges as views
from bot.views.paging import Option
from bot.views.pledges import DraftAction, DraftPress, MineAction, MinePress, TeamAction, TeamPress
from handlers.common import lang_of, notify, reply, send, toast, tr, typed_step, who


class FindStep(StrEnum):
    QUERY = "query"  # waits for the text typed after 🔍
    FOUND = "found"  # shows the result (a new text searches again)


@dataclass(frozen=True)
class PledgesFind(FlowState, flow="pledges_find", version=1):
    step: FindStep
    q: str = ""


class TeamsOp(StrEnum):
    ALL = "all"  # page n of every team in reach
    FOUND = "found"  # page n of what the search kept
    SEARCH = "find"  # ask for part of a name


@dataclass(frozen=True)
class TeamsPage(Callback, ns="plp", version=1):
    """A press of the /pledges overview's ◀ ▶ 🔍: "plp:v1:all:3"."""

    op: TeamsOp
    page: Annotated[int, Range(0, paging.MAX_PAGE)]


def _year(svc: Services) -> int:
    return svc.clock.now().astimezone(svc.settings.tz).year


# ------------------------------------------------------------------ writing


class PledgeStep(StrEnum):
    PLEDGE = "pledge"
    PLAN = "plan"
    PREVIEW = "preview"


@dataclass(frozen=True)
class PledgeDraft(FlowState, flow="pledge", version=1):
    step: PledgeStep
    nonce: int
    pledge: str = ""
    plan: str = ""


async def pledge(update: Update, context: BanzuContext) -> None:
    ident = await who(update, context)
    user = update.effective_user
    assert user is not None
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    await _begin(update, context, user.id)


async def _begin(update: Update, context: BanzuContext, user_id: int) -> None:
    message = update.effective_message
    text = ""
    if message is not None and message.text and message.text.startswith("/"):
        parts = message.text.split(maxsplit=1)
        text = visible(parts[1]) if len(parts) > 1 else ""
    draft = PledgeDraft(PledgeStep.PLEDGE, random.randint(1, 999_999))
    await context.svc.conversations.put(user_id, user_id, draft)
    if text:
        await _take(update, context, user_id, draft, text)
    else:
        await send(
            context,
            user_id,
            tr(update, context, "pledges.ask_pledge", year=_year(context.svc), limit=pl.MAX_CHARS),
        )


async def step(update: Update, context: BanzuContext, draft: PledgeDraft) -> None:
    assert update.message is not None and update.effective_user is not None
    if draft.step is PledgeStep.PREVIEW:
        await reply(update, context, "pledges.use_buttons")
        return
    await _take(update, context, update.effective_user.id, draft, update.message.text or "")


async def _take(
    update: Update, context: BanzuContext, user_id: int, draft: PledgeDraft, text: str
) -> None:
    problem = pl.check_text(text)
    if problem is not None:
        await reply(update, context, f"pledges.{problem}", limit=pl.MAX_CHARS, length=len(text))
        return
    if draft.step is PledgeStep.PLEDGE:
        draft = replace(draft, step=PledgeStep.PLAN, pledge=visible(text))
        await context.svc.conversations.put(user_id, user_id, draft)
        markup = views.skip_keyboard(context.svc.texts, lang_of(update), draft.nonce)
        await reply(update, context, "pledges.ask_plan", markup=markup, limit=pl.MAX_CHARS)
        return
    await _preview(update, context, user_id, replace(draft, plan=visible(text)))


async def _preview(update: Update, context: BanzuContext, user_id: int, draft: PledgeDraft) -> None:
    draft = replace(draft, step=PledgeStep.PREVIEW)
    await context.svc.conversations.put(user_id, user_id, draft)
    lang = lang_of(update)
    text, markup = views.preview(context.svc.texts, lang, draft.nonce, draft.pledge, draft.plan)
    await send(context, user_id, text, markup)


async def draft_pressed(update: Update, context: BanzuContext) -> None:
    query, user, svc = update.callback_query, update.effective_user, context.svc
    assert query is not None and user is not None
    press = parse(query.data, DraftPress)
    draft = await svc.conversations.state(user.id, user.id, PledgeDraft)
    if isinstance(press, Stale) or draft is None or press.nonce != draft.nonce:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _DRAFT_ACTIONS[press.action](update, context, user.id, draft)


async def _skip(update: Update, context: BanzuContext, user_id: int, draft: PledgeDraft) -> None:
    if draft.step is PledgeStep.PLAN:
        await _preview(update, context, user_id, replace(draft, plan=""))


async def _redo(update: Update, context: BanzuContext, user_id: int, draft: PledgeDraft) -> None:
    await _begin(update, context, user_id)


async def _cancel(update: Update, context: BanzuContext, user_id: int, draft: PledgeDraft) -> None:
    await context.svc.conversations.clear(user_id, user_id)
    await reply(update, context, "common.cancelled")


async def _ok(update: Update, context: BanzuContext, user_id: int, draft: PledgeDraft) -> None:
    if draft.step is PledgeStep.PREVIEW:
        await _confirm(update, context, user_id, draft)


async def _confirm(update: Update, context: BanzuContext, user_id: int, draft: PledgeDraft) -> None:
    svc, ident = context.svc, await who(update, context)
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    await svc.conversations.clear(user_id, user_id)
    saved = await svc.pledges.save(ident.person, _year(svc), draft.pledge, draft.plan)
    await reply(update, context, "pledges.saved", year=saved.year, version=saved.version)


DraftStep = Callable[[Update, BanzuContext, int, PledgeDraft], Awaitable[None]]
_DRAFT_ACTIONS: dict[DraftAction, DraftStep] = {
    DraftAction.SKIP: _skip, DraftAction.REDO: _redo, DraftAction.CANCEL: _cancel,
    DraftAction.OK: _ok,
}  # fmt: skip


# ------------------------------------------------------------------ /mine and history


async def pledge_summary(
    update: Update, context: BanzuContext, person: Person
) -> tuple[str, InlineKeyboardMarkup]:
    svc, year = context.svc, _year(context.svc)
    current = await svc.pledges.current(person.member_id, year)
    return views.mine(svc.texts, lang_of(update), person.member_id, year, current)


async def mine_pressed(update: Update, context: BanzuContext) -> None:
    query = update.callback_query
    assert query is not None
    svc, ident = context.svc, await who(update, context)
    press = parse(query.data, MinePress)
    if isinstance(press, Stale) or ident.person is None or press.member != ident.person.member_id:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    await query.answer()
    if press.action is MineAction.EDIT:
        await _begin(update, context, ident.actor.tg_user_id)
        return
    pledges = await svc.pledges.history(ident.person.member_id, _year(svc))
    when = [p.created_at.astimezone(svc.settings.tz).strftime("%Y-%m-%d %H:%M") for p in pledges]
    for piece in split_text(views.history(svc.texts, lang_of(update), pledges, when)):
        await send(context, ident.actor.tg_user_id, piece)


# ------------------------------------------------------------------ leaders


async def team_view(update: Update, context: BanzuContext) -> None:
    svc, ident = context.svc, await who(update, context)
    chat = update.effective_chat
    assert chat is not None
    if not can(ident.actor, Action.VIEW_PLEDGES):
        await reply(update, context, "common.no_permission")
        return
    teams = teams_for(ident.actor, Action.VIEW_PLEDGES, await svc.org.teams())
    if not teams:
        await reply(update, context, "pledges.no_teams")
        return
    year = _year(svc)
    if [a.lower() for a in context.args or []] in (["export"], ["导出"]):
        await _export(update, context, teams, year)
        return
    if len(teams) == 1:
        label = f"{teams[0].unit_name}·{teams[0].name}"
        text, markup = await _team_detail(update, context, teams[0].id, label, year)
    else:
        text, markup = await _teams_overview(update, context, teams, year)
    await send(context, chat.id, text, markup)


async def _export(update: Update, context: BanzuContext, teams: list[Team], year: int) -> None:
    """决心书汇编 of the teams in the asker's reach, as a workbook."""
    svc, chat = context.svc, update.effective_chat
    assert chat is not None
    rows = await svc.pledges.compilation([t.id for t in teams], year)
    if not rows:
        await reply(update, context, "pledges.xlsx.export_none")
        return
    units = {t.unit_name for t in teams}
    scope = (
        f"{teams[0].unit_name}·{teams[0].name}" if len(teams) == 1
        else svc.texts.join(sorted(units), lang_of(update))
    )  # fmt: skip
    data = exports.pledges(svc.texts, svc.settings.tz, year, scope, rows, svc.clock.now())
    await context.bot.send_document(
        chat.id,
        InputFile(data, filename=f"pledges-{year}.xlsx"),
        caption=tr(update, context, "pledges.xlsx.export_caption", year=year, scope=scope),
    )


async def _teams_overview(
    update: Update, context: BanzuContext, teams: list[Team], year: int, number: int = 0,
    query: str = "",
) -> tuple[str, InlineKeyboardMarkup]:  # fmt: skip
    """One page of teams (written / total each) with a button to open each, ◀ ▶ and a search
    by name: every team in reach is one ▶ or one search away (Telegram allows 100 buttons)."""
    svc, lang = context.svc, lang_of(update)
    if query:
        teams = paging.matching(teams, query, lambda t: f"{t.unit_name}·{t.name}")
    page = paging.paginate(teams, number)
    lines = [tr(update, context, "pledges.teams_header", year=year)]
    options = []
    for t in page.items:
        status = await svc.pledges.team_status(svc.people, t.id, year)
        total = len(status.written) + len(status.missing)
        lines.append(
            tr(
                update, context, "pledges.team_line",
                unit=t.unit_name, team=t.name, done=len(status.written), total=total,
            )
        )  # fmt: skip
        options.append(Option(f"{t.unit_name}·{t.name}", TeamPress(t.id, TeamAction.SHOW).encode()))
    lines.append(paging.caption(svc.texts, lang, page, query))
    op = TeamsOp.FOUND if query else TeamsOp.ALL
    markup = paging.keyboard(
        svc.texts, lang, options, page,
        nav=lambda n: TeamsPage(op, n).encode(),
        search=TeamsPage(TeamsOp.SEARCH, 0).encode(),
        clear=TeamsPage(TeamsOp.ALL, 0).encode(),
        query=query,
    )  # fmt: skip
    return "\n".join(lines), markup


async def _reach(update: Update, context: BanzuContext) -> list[Team] | None:
    ident = await who(update, context)
    if not can(ident.actor, Action.VIEW_PLEDGES):
        return None
    return teams_for(ident.actor, Action.VIEW_PLEDGES, await context.svc.org.teams())


async def teams_page_pressed(update: Update, context: BanzuContext) -> None:
    query, svc = update.callback_query, context.svc
    assert query is not None and query.message is not None
    press = parse(query.data, TeamsPage)
    if isinstance(press, Stale):
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
        return
    teams = await _reach(update, context)
    if not teams:
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
        return
    chat, user = query.message.chat.id, query.from_user.id
    if press.op is TeamsOp.SEARCH:
        await svc.conversations.put(chat, user, PledgesFind(FindStep.QUERY))
        await query.answer()
        await send(context, chat, tr(update, context, "paging.ask_query"))
        return
    found = ""
    if press.op is TeamsOp.FOUND:
        st = await svc.conversations.state(chat, user, PledgesFind)
        if st is None or not st.q:
            await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
            return
        found = st.q
    text, markup = await _teams_overview(update, context, teams, _year(svc), press.page, found)
    await query.answer()
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except BadRequest as exc:  # the n/m button: same page again
        if "not modified" not in exc.message:
            raise


async def find_step(update: Update, context: BanzuContext, st: PledgesFind) -> None:
    """The part of a team's name typed after 🔍 (again at any time while the result shows)."""
    message, svc, who_ = update.effective_message, context.svc, update.effective_user
    assert message is not None and who_ is not None
    chat, user = message.chat.id, who_.id
    found = paging.clean_query(message.text or "")
    if not found:
        await reply(update, context, "paging.empty_query")
        return
    teams = await _reach(update, context)
    if not teams:
        await svc.conversations.clear(chat, user)
        await reply(update, context, "common.no_permission")
        return
    await svc.conversations.put(chat, user, replace(st, step=FindStep.FOUND, q=found))
    text, markup = await _teams_overview(update, context, teams, _year(svc), 0, found)
    await send(context, chat, text, markup)


async def _team_detail(
    update: Update, context: BanzuContext, team_id: int, label: str, year: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    svc = context.svc
    status = await svc.pledges.team_status(svc.people, team_id, year)
    return views.team_detail(svc.texts, lang_of(update), team_id, label, year, status)


async def team_pressed(update: Update, context: BanzuContext) -> None:
    query = update.callback_query
    assert query is not None
    svc, ident = context.svc, await who(update, context)
    press = parse(query.data, TeamPress)
    team = None if isinstance(press, Stale) else await svc.org.team(press.team)
    if isinstance(press, Stale) or team is None:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)
    elif not can(ident.actor, Action.VIEW_PLEDGES, Place(team.unit_id, team.id)):
        await query.answer(toast(update, context, "common.no_permission"), show_alert=True)
    elif press.action is TeamAction.SHOW:
        await query.answer()
        label = f"{team.unit_name}·{team.name}"
        text, markup = await _team_detail(update, context, team.id, label, _year(svc))
        await send(context, ident.actor.tg_user_id, text, markup)
    else:
        await _remind(update, context, team, ident.actor.tg_user_id)


async def _remind(update: Update, context: BanzuContext, team: Team, by: int) -> None:
    """One polite reminder to each member without a pledge (at most one per interval)."""
    query, svc, year, now = (
        update.callback_query,
        context.svc,
        _year(context.svc),
        context.svc.clock.now(),
    )
    assert query is not None
    plan = await svc.pledges.remind(svc.people, team.id, year, by, now)
    for person in plan.send:
        text = svc.texts.get("pledges.reminder", None, name=person.name, year=year)
        key = f"pledge:remind:{person.member_id}:{now.isoformat()}"
        await notify(context, person.tg_user_id, text, purpose="pledge", key=key)
    text = toast(
        update, context, "pledges.reminded", sent=len(plan.send), recent=len(plan.recent),
        unreachable=len(plan.unreachable), days=svc.pledges.interval.days,
    )  # fmt: skip
    await query.answer(text, show_alert=True)


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("pledge", "pledges.cmd.pledge"),
        CommandInfo("pledges", "pledges.cmd.pledges", Action.VIEW_PLEDGES),
    ]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("pledge", pledge, private))
    app.add_handler(CommandHandler("pledges", team_view, private))
    app.add_handler(CallbackQueryHandler(draft_pressed, pattern=DraftPress.pattern()))
    app.add_handler(CallbackQueryHandler(mine_pressed, pattern=MinePress.pattern()))
    app.add_handler(CallbackQueryHandler(team_pressed, pattern=TeamPress.pattern()))
    app.add_handler(CallbackQueryHandler(teams_page_pressed, pattern=TeamsPage.pattern()))
    svc.flows[PledgeDraft.flow] = typed_step(PledgeDraft, step)
    svc.flows[PledgesFind.flow] = typed_step(PledgesFind, find_step)
