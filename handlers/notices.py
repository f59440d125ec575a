"""/notice: compose a notice (text, forward, photo or file) → audience → where → preview →
confirm; delivery through the outbox with a live progress message; 收到 presses; /notice status
with a reminder button. The composition lives in the conversations table, so a restart
resumes it; buttons carry the composition's nonce, so an old preview cannot be confirmed."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot.callbacks import parse
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.delivery.flood import Priority
from bot.domain.auth import Action, reach
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState, StaleState, load
from bot.domain.text import is_blank
from bot.domain.textsplit import split_text
from bot.services import notices as rules
from bot.services.identity import Identity
from bot.services.notices import Audience, Content, Order, Refused, TooLong
from bot.views import exports, paging
from bot.views import notices as view
from bot.views.notices import AfterOp, ComposePress, NoticeOp, NoticePage, PageOp
from bot.views.notices import ComposeAct as Act
from bot.views.paging import Option
from handlers.common import (
    NO_PREVIEW,
    answer,
    lang_of,
    query_of,
    reply,
    send,
    toast,
    toast_who,
    tr,
    typed_step,
    who,
)

FLOW = "notice"
# Progress edits are bulk traffic: they use what interactive replies leave of the budget
# (ExtBot[None] types rate_limit_args as None; our limiter takes a Priority).
_BULK: dict[str, Any] = {"rate_limit_args": Priority.BULK}
Button = InlineKeyboardButton


# ---------------------------------------------------------------- composing


class NoticeStep(StrEnum):
    CONTENT = "content"  # waits for the text, forward, photo or file
    AUDIENCE = "audience"  # the audience menu or one of its pickers
    SEARCH = "search"  # waits for part of a name typed after 🔍
    WHERE = "where"  # groups, private chats or both
    PREVIEW = "preview"  # the preview with 确认 / 置顶


@dataclass(frozen=True)
class PickerSearch:
    """A picker's search: which list ("u" units, "t" teams, "g" roles and tags) and the text."""

    what: str
    q: str = ""


@dataclass(frozen=True)
class Composition(FlowState, flow=FLOW, version=1):
    """A notice being composed. Buttons carry `nonce`, so an older preview cannot confirm it."""

    step: NoticeStep
    nonce: str
    content: Content | None = None
    pin: bool = False
    tags: tuple[str, ...] = ()  # the tags offered by the last tag picker, by index
    search: PickerSearch | None = None
    audience: Audience | None = None
    label: str = ""
    target: str = ""


def _key(update: Update) -> tuple[int, int]:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    return chat.id, user.id


async def _save(update: Update, context: BanzuContext, st: Composition) -> Composition:
    await context.svc.conversations.put(*_key(update), st)
    return st


async def notice_cmd(update: Update, context: BanzuContext) -> None:
    if context.args and context.args[0].lower() in ("status", "状态"):
        await status_list(update, context)
        return
    ident = await who(update, context)
    if rules.widest(ident.actor) is None:
        await reply(update, context, "common.no_permission")
        return
    await _save(update, context, Composition(NoticeStep.CONTENT, secrets.token_hex(3)))
    await reply(update, context, "notices.ask_content")


async def text_step(update: Update, context: BanzuContext, st: Composition) -> None:
    message = update.message
    assert message is not None
    if st.step is NoticeStep.SEARCH:
        await search_step(update, context, st, message.text or "")
    elif st.step is not NoticeStep.CONTENT:
        await reply(update, context, "notices.use_buttons")
    else:
        formatted = message.text_html if message.entities else None
        await take_content(
            update, context, st, Content("text", message.text or "", None, formatted)
        )


async def media_flow(update: Update, context: BanzuContext, conv: Conversation) -> None:
    """A photo or file while a notice waits for its content (else the roster import gets it)."""
    message, st = update.effective_message, load(Composition, conv)
    assert message is not None
    if isinstance(st, StaleState) or st.step is not NoticeStep.CONTENT:
        return
    formatted = message.caption_html if message.caption_entities else None
    if message.photo:
        content = Content("photo", message.caption or "", message.photo[-1].file_id, formatted)
    else:
        assert message.document is not None
        content = Content("document", message.caption or "", message.document.file_id, formatted)
    await take_content(update, context, st, content)
    raise ApplicationHandlerStop


async def take_content(
    update: Update, context: BanzuContext, st: Composition, content: Content
) -> None:
    ident = await who(update, context)
    if is_blank(content.body) and content.kind == "text":
        await reply(update, context, "notices.empty")
        return
    try:
        rules.render(context.svc.texts, content, _author(ident, update))
    except TooLong as exc:
        await reply(update, context, "notices.too_long", length=exc.length, limit=exc.limit)
        return
    st = await _save(
        update, context, replace(st, step=NoticeStep.AUDIENCE, content=content, pin=False)
    )
    markup = _audience_menu(update, context, ident, st.nonce)
    await reply(update, context, "notices.ask_audience", markup=markup)


def _author(ident: Identity, update: Update) -> str:
    if ident.person is not None:
        return ident.person.name
    return update.effective_user.full_name if update.effective_user else ""


def _audience_menu(
    update: Update, context: BanzuContext, ident: Identity, nonce: str
) -> InlineKeyboardMarkup:
    r = reach(ident.actor, Action.SEND_NOTICE)
    return view.audience_menu(context.svc.texts, lang_of(update), r, nonce)


async def _composition(update: Update, context: BanzuContext, nonce: str) -> Composition | None:
    """The composition a button belongs to: None if it ended, another began, or the stored one
    no longer fits (then it is ended)."""
    st = await context.svc.conversations.state(*_key(update), Composition)
    return st if st is not None and st.nonce == nonce and st.content is not None else None


async def compose_pressed(update: Update, context: BanzuContext, press: ComposePress) -> None:
    st = await _composition(update, context, press.nonce)
    if st is None:
        await _stale(update, context)
        return
    await _COMPOSE[press.act](update, context, await who(update, context), st, press)


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
        )
    except BadRequest as exc:  # pressed twice: same text
        if "not modified" not in exc.message:
            raise


_ASK = {"u": "notices.ask_unit", "t": "notices.ask_team", "g": "notices.ask_tag"}


async def _options(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, what: str
) -> list[Option]:
    """Every choice of a picker, in the sender's reach: the list itself follows the reach, so
    a forged "units" press by a team leader does not even show the other units."""
    svc, nonce = context.svc, st.nonce
    if what == "u":
        units = await svc.notices.units_in_reach(ident.actor)
        return [Option(u.name, view.compose(nonce, Act.UNIT, u.id)) for u in units]
    if what == "t":
        teams = await svc.notices.teams_in_reach(ident.actor)
        act = Act.TEAM
        return [Option(f"{t.unit_name}·{t.name}", view.compose(nonce, act, t.id)) for t in teams]
    roles = [
        Option(tr(update, context, f"notices.role.{role.value}"), view.compose(nonce, Act.ROLE, i))
        for i, role in enumerate(rules.ROLES)
    ]
    return roles + [Option(tag, view.compose(nonce, Act.TAG, i)) for i, tag in enumerate(st.tags)]


async def _picker(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, what: str,
    number: int,
) -> tuple[str, InlineKeyboardMarkup] | None:  # fmt: skip
    """One page of a picker (of what a search kept, if one is on), or None if it is empty."""
    options = await _options(update, context, ident, st, what)
    query = st.search.q if st.search is not None and st.search.what == what else ""
    ask = tr(update, context, _ASK[what])
    return view.picker(
        context.svc.texts, lang_of(update), ask, st.nonce, what, options, number, query
    )


async def _show_picker(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, what: str,
    number: int = 0,
) -> None:  # fmt: skip
    shown = await _picker(update, context, ident, st, what, number)
    if shown is None:
        assert update.callback_query is not None
        await update.callback_query.answer(toast(update, context, "common.no_permission"), True)
        return
    await _edit(update, *shown)


async def op_units(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, _: ComposePress
) -> None:
    await _show_picker(update, context, ident, await _unsearched(update, context, st), "u")


async def op_teams(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, _: ComposePress
) -> None:
    await _show_picker(update, context, ident, await _unsearched(update, context, st), "t")


async def op_tags(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, _: ComposePress
) -> None:
    tags = await context.svc.notices.tags_in_reach(ident.actor)
    st = replace(st, search=None, tags=tags)
    await _show_picker(update, context, ident, await _save(update, context, st), "g")


async def _unsearched(update: Update, context: BanzuContext, st: Composition) -> Composition:
    """The composition with any earlier search dropped (a picker opened afresh shows all)."""
    if st.search is None and st.step is NoticeStep.AUDIENCE:
        return st
    step = NoticeStep.AUDIENCE if st.step is NoticeStep.SEARCH else st.step
    return await _save(update, context, replace(st, step=step, search=None))


async def page_pressed(update: Update, context: BanzuContext, press: NoticePage) -> None:
    """◀ ▶, 🔍 and 显示全部 of an audience picker."""
    st = await _composition(update, context, press.nonce)
    if st is None or st.step not in (NoticeStep.AUDIENCE, NoticeStep.SEARCH):
        await _stale(update, context)
    elif press.op is PageOp.SEARCH:
        search = PickerSearch(press.what)
        await _save(update, context, replace(st, step=NoticeStep.SEARCH, search=search))
        back = Button(
            tr(update, context, "notices.back"), callback_data=view.compose(press.nonce, Act.BACK)
        )
        await _edit(update, tr(update, context, "paging.ask_query"), InlineKeyboardMarkup([[back]]))
    else:
        if press.op is PageOp.CLEAR:
            st = await _unsearched(update, context, st)
        ident = await who(update, context)
        await _show_picker(update, context, ident, st, press.what, press.page)


async def search_step(update: Update, context: BanzuContext, st: Composition, text: str) -> None:
    """The part of a name typed after 🔍: the picker again, keeping what contains it."""
    q = paging.clean_query(text)
    if not q:
        await reply(update, context, "paging.empty_query")
        return
    what = st.search.what if st.search is not None and st.search.what in _ASK else "t"
    st = replace(st, step=NoticeStep.AUDIENCE, search=PickerSearch(what, q))
    shown = await _picker(
        update, context, await who(update, context), await _save(update, context, st), what, 0
    )
    if shown is None:
        await reply(update, context, "common.no_permission")
        return
    await send(context, _key(update)[0], shown[0], shown[1])


async def op_back(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, _: ComposePress
) -> None:
    st = await _save(update, context, replace(st, step=NoticeStep.AUDIENCE, search=None))
    markup = _audience_menu(update, context, ident, st.nonce)
    await _edit(update, tr(update, context, "notices.ask_audience"), markup)


async def op_pick(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, press: ComposePress
) -> None:
    """An audience chosen: everyone in reach, a unit, a team, a role or a tag."""
    svc, lang = context.svc, lang_of(update)
    audience = await svc.notices.resolve(ident.actor, press.act.value, press.arg, st.tags)
    if audience is None:
        await answer(update, context, "common.no_permission", alert=True)
        return
    label = view.label_text(svc.texts, lang, await svc.notices.label(audience))
    st = replace(st, step=NoticeStep.WHERE, audience=audience, label=label)
    await _save(update, context, st)
    text = tr(update, context, "notices.ask_where", audience=label)
    await _edit(update, text, view.where_markup(svc.texts, lang, st.nonce))


async def op_where(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, press: ComposePress
) -> None:
    arg = press.arg
    if arg not in rules.TARGETS or st.audience is None:
        await _stale(update, context)
        return
    st = await _save(update, context, replace(st, step=NoticeStep.PREVIEW, target=arg))
    await _preview(update, context, ident, st)


async def op_pin(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, _: ComposePress
) -> None:
    if st.step is not NoticeStep.PREVIEW:
        await _stale(update, context)
        return
    await _preview(
        update, context, ident, await _save(update, context, replace(st, pin=not st.pin))
    )


async def _preview(update: Update, context: BanzuContext, ident: Identity, st: Composition) -> None:
    assert st.content is not None
    svc, lang = context.svc, lang_of(update)
    shown = await svc.notices.preview(
        st.audience or Audience(), st.target, st.content, _author(ident, update)
    )
    title = view.title_of(st.content.body, 200)
    text = view.preview_text(svc.texts, lang, title, st.label, st.target, shown)
    pin = st.pin if shown.plan.group_chats else None
    markup = view.preview_markup(svc.texts, lang, st.nonce, bool(shown.plan.chats), pin)
    await _edit(update, text, markup)


async def op_confirm(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, _: ComposePress
) -> None:
    svc, message = context.svc, query_of(update).message
    if st.step is not NoticeStep.PREVIEW or st.content is None or message is None:
        await _stale(update, context)
        return
    key, where = _key(update), (message.chat.id, message.message_id)
    order = Order(
        _author(ident, update), st.content, st.audience or Audience(), st.label, st.target, st.pin
    )
    sent = await svc.notices.send(ident.actor, order, where, key)
    if isinstance(sent, Refused):
        await answer(update, context, sent.key, alert=True)
        return
    text, markup = view.sending(svc.texts, lang_of(update), sent.notice_id, sent.messages)
    await _edit(update, text, markup)
    svc.notices.touch(sent.notice_id)  # the sender may have drained it already


async def op_cancel(
    update: Update, context: BanzuContext, ident: Identity, st: Composition, _: ComposePress
) -> None:
    await context.svc.conversations.clear(*_key(update))
    await _edit(update, tr(update, context, "common.cancelled"), None)


ComposeStep = Callable[[Update, BanzuContext, Identity, Composition, ComposePress], Awaitable[None]]
_COMPOSE: dict[Act, ComposeStep] = {
    Act.UNITS: op_units, Act.TEAMS: op_teams, Act.TAGS: op_tags, Act.BACK: op_back,
    Act.ALL: op_pick, Act.UNIT: op_pick, Act.TEAM: op_pick, Act.ROLE: op_pick, Act.TAG: op_pick,
    Act.WHERE: op_where, Act.PIN: op_pin, Act.CONFIRM: op_confirm, Act.CANCEL: op_cancel,
}  # fmt: skip


async def _stale(update: Update, context: BanzuContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        toast(update, context, "common.stale_button"), show_alert=True
    )


# ---------------------------------------------------------------- after sending


def progress_listener(app: BanzuApp) -> Any:
    """The outbox calls this as a notice drains: edit the author's progress message."""
    svc: Services = app.bot_data.services
    return partial(_progress, app.bot, svc)


async def _progress(bot: Bot, svc: Services, batch: str) -> None:
    shown = await svc.notices.progress(batch, bot.username)
    if shown is None:
        return
    text, markup = view.progress(svc.texts, shown)
    notice = shown.notice
    try:
        await bot.edit_message_text(
            text, notice.progress_chat_id, notice.progress_message_id,
            parse_mode=ParseMode.HTML, reply_markup=markup, **_BULK,
        )  # fmt: skip
    except BadRequest as exc:  # unchanged, or the author deleted it: nothing to update
        if "not modified" not in exc.message and "not found" not in exc.message:
            raise


async def ack_pressed(update: Update, context: BanzuContext, notice_id: int) -> None:
    svc, person = context.svc, (await who(update, context)).person
    member = person.member_id if person is not None else None
    outcome = await svc.notices.ack(notice_id, member, svc.clock.now())
    if outcome is None:
        await _stale(update, context)
        return
    await query_of(update).answer(await toast_who(update, context, f"notices.ack.{outcome}"))


async def status_list(update: Update, context: BanzuContext) -> None:
    recent = await context.svc.notices.recent((await who(update, context)).actor)
    if recent is None:
        await reply(update, context, "common.no_permission")
    elif not recent:
        await reply(update, context, "notices.status.none")
    else:
        await reply(update, context, "notices.status.pick", markup=view.recent_markup(recent))


async def status_pressed(update: Update, context: BanzuContext, notice_id: int) -> None:
    svc, query, lang = context.svc, query_of(update), lang_of(update)
    shown = await svc.notices.status((await who(update, context)).actor, notice_id)
    if shown is None or query.message is None:
        await answer(update, context, "common.no_permission", alert=True)
        return
    await query.answer()
    pieces = split_text(view.status_text(svc.texts, lang, shown))
    markup = view.status_markup(svc.texts, lang, notice_id)
    for i, piece in enumerate(pieces):
        await send(context, query.message.chat.id, piece, markup if i == len(pieces) - 1 else None)


async def remind_pressed(update: Update, context: BanzuContext, notice_id: int) -> None:
    svc, query = context.svc, query_of(update)
    ident = await who(update, context)
    out = await svc.notices.remind(ident.actor, notice_id, query.from_user.id, svc.clock.now())
    if isinstance(out, Refused):
        last = out.args.get("last")
        values = {"last": last.astimezone(svc.settings.tz).strftime("%H:%M")} if last else {}
        await answer(update, context, out.key, alert=True, **values)
        return
    await answer(
        update, context, "notices.remind.sent", alert=True, sent=out.sent,
        unreachable=out.unreachable,
    )  # fmt: skip


async def stop_pressed(update: Update, context: BanzuContext, notice_id: int) -> None:
    cancelled = await context.svc.notices.stop((await who(update, context)).actor, notice_id)
    if cancelled is None:
        await answer(update, context, "common.no_permission", alert=True)
        return
    await answer(update, context, "notices.stopped", alert=True, count=cancelled)


async def export_pressed(update: Update, context: BanzuContext, notice_id: int) -> None:
    """The confirmations as a workbook: every team of the audience, then every person."""
    svc, query = context.svc, query_of(update)
    found = await svc.notices.confirmations((await who(update, context)).actor, notice_id)
    if found is None or query.message is None:
        await answer(update, context, "common.no_permission", alert=True)
        return
    await query.answer()
    notice, rows = found
    data = exports.confirmations(
        svc.texts, svc.settings.tz, notice_id, view.title_of(notice.body, 40),
        notice.created_at, rows, svc.clock.now(),
    )  # fmt: skip
    name = f"notice-{notice_id}-confirmations.xlsx"
    caption = tr(update, context, "notices.export_caption", id=notice_id)
    file = InputFile(data, filename=name)
    await context.bot.send_document(query.message.chat.id, file, caption=caption)


_AFTER = {
    AfterOp.ACK: ack_pressed, AfterOp.STATUS: status_pressed, AfterOp.REMIND: remind_pressed,
    AfterOp.STOP: stop_pressed, AfterOp.EXPORT: export_pressed,
}  # fmt: skip


async def pressed(update: Update, context: BanzuContext) -> None:
    """Composing presses count only in the author's private chat; 收到 and the author's
    buttons after sending anywhere."""
    query = query_of(update)
    private = bool(query.message and query.message.chat.type == ChatType.PRIVATE)
    press = parse(query.data, NoticePage, ComposePress, NoticeOp)
    if isinstance(press, NoticePage) and private:
        await page_pressed(update, context, press)
    elif isinstance(press, ComposePress) and private:
        await compose_pressed(update, context, press)
    elif isinstance(press, NoticeOp):
        await _AFTER[press.op](update, context, press.notice)
    else:
        await _stale(update, context)


async def group_notice(update: Update, context: BanzuContext) -> None:
    await reply(update, context, "common.private_only")


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands.append(CommandInfo("notice", "notices.cmd", Action.SEND_NOTICE))
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("notice", notice_cmd, private))
    app.add_handler(CommandHandler("notice", group_notice, ~private))
    app.add_handler(CallbackQueryHandler(pressed, pattern=NoticeOp.pattern()))
    svc.flows[FLOW] = typed_step(Composition, text_step)
    # A file or photo while this flow runs reaches us through fallback.continue_file_flow,
    # the one FLOW_GROUP handler for private files (a second one there would never run).
    svc.file_flows[FLOW] = media_flow
    svc.outbox.listen("notice", progress_listener(app), edits=True)
