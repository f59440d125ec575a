"""Small helpers every handler uses: language, texts, replies in HTML."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import (
    CallbackQuery,
    Document,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.callbacks import Callback, Stale, parse
from bot.context import BanzuContext, FlowStep
from bot.delivery.flood import Priority
from bot.delivery.outbox import PRIORITY_INTERACTIVE, OutMessage
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState, StaleState, load
from bot.services.identity import Identity
from bot.texts import Html, to_plain

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
S = TypeVar("S", bound=FlowState)
C = TypeVar("C", bound=Callback)

log = logging.getLogger("banzu.replies")


def lang_of(update: Update) -> str:
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "zh-CN"


def tr(update: Update, context: BanzuContext, key: str, /, **values: object) -> str:
    return context.svc.texts.get(key, lang_of(update), **values)


def toast(update: Update, context: BanzuContext, key: str, /, **values: object) -> str:
    """A callback answer's text: Telegram shows it as plain text, so it is never escaped."""
    return context.svc.texts.plain(key, lang_of(update), **values)


async def reply(
    update: Update,
    context: BanzuContext,
    key: str,
    /,
    markup: InlineKeyboardMarkup | None = None,
    **values: object,
) -> Message | None:
    """Send the text `key` to the chat the update came from (not as a threaded reply).

    A "not registered" answer to someone whose roster entry was deactivated says so instead
    (`tr_who`): they did register, and "register first" would send them in circles.
    """
    chat = update.effective_chat
    if chat is None:
        return None
    return await send(context, chat.id, await tr_who(update, context, key, **values), markup)


_UNREGISTERED = ("not_registered", "unregistered")
MAX_LEADERS_NAMED = 3


async def tr_who(update: Update, context: BanzuContext, key: str, /, **values: object) -> str:
    """`tr`, except that a "not registered" text (…not_registered, …unregistered, or
    common.deactivated itself) for a person whose roster entry was deactivated tells them so,
    and whom to ask: their last team's leaders by name, or an admin. Use it for every reply
    and toast that may refuse an unregistered person."""
    last = key.rsplit(".", 1)[-1]
    if not last.endswith(_UNREGISTERED) and key != "common.deactivated":
        return tr(update, context, key, **values)
    if update.effective_user is None:
        return tr(update, context, key, **values)
    ident = await who(update, context)
    if not ident.deactivated:
        return tr(update, context, key, **values)
    return await deactivated_text(update, context, ident)


async def toast_who(update: Update, context: BanzuContext, key: str, /, **values: object) -> str:
    """`toast` (plain text for a callback answer) with `tr_who`'s word for a deactivated person."""
    return to_plain(await tr_who(update, context, key, **values))


async def deactivated_text(update: Update, context: BanzuContext, ident: Identity) -> str:
    leaders = (await context.svc.directory.leaders_to_ask(ident))[:MAX_LEADERS_NAMED]
    if leaders and ident.former is not None:
        whom = tr(
            update, context, "common.deactivated_ask_leaders", team=ident.former.team_name,
            names=context.svc.texts.join(leaders, lang_of(update)),
        )  # fmt: skip
    else:
        whom = tr(update, context, "common.deactivated_ask_admin")
    return tr(update, context, "common.deactivated", whom=Html(whom))


async def send(
    context: BanzuContext,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    **kwargs: Any,
) -> Message | None:
    """A reply, now. If Telegram fails it with a server or connection error even after the
    transport's own retry, the reply goes to the outbox (durable, retried with backoff, flood
    controlled) and this returns None: the person's answer comes late instead of never.
    Not queued: a timeout (the message may have arrived), a refusal (PTB's BadRequest is a
    NetworkError too, and would only be refused again), and a send with options the outbox
    does not carry (only the flood priority, `rate_limit_args`, is understood)."""
    try:
        return await send_now(context, chat_id, text, markup, **kwargs)
    except (TimedOut, BadRequest):
        raise
    except NetworkError as exc:
        if set(kwargs) - {"rate_limit_args"}:
            raise
        log.warning("reply to %s failed (%s): handed to the outbox", chat_id, exc)
        bulk = kwargs.get("rate_limit_args") == Priority.BULK
        await notify(
            context, chat_id, text, purpose="reply", key=f"reply:{chat_id}:{uuid.uuid4().hex}",
            markup=markup, priority=0 if bulk else PRIORITY_INTERACTIVE,
        )  # fmt: skip
        return None


async def send_now(
    context: BanzuContext,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    **kwargs: Any,
) -> Message:
    """A message now, or the error: for a caller that needs the message itself (its id)."""
    if "http" in text:  # a preview of an invite link or a document link only clutters the chat
        kwargs.setdefault("link_preview_options", NO_PREVIEW)
    return await context.bot.send_message(
        chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup, **kwargs
    )


async def download(doc: Document) -> bytes:
    """A document's bytes (the caller checked its size first)."""
    return bytes(await (await doc.get_file()).download_as_bytearray())


async def send_files(
    context: BanzuContext, chat_id: int, chart: InputFile | None, workbook: InputFile | None
) -> None:
    """A report's attachments: the chart as a photo, then the workbook as a document."""
    if chart is not None:
        await context.bot.send_photo(chat_id, chart)
    if workbook is not None:
        await context.bot.send_document(chat_id, workbook)


async def send_media(
    context: BanzuContext, chat_id: int, kind: str, file_id: str, caption: str
) -> None:
    """A stored Telegram file again: a photo as a photo, a document as a document (any other
    kind is not a file: nothing is sent), with an HTML caption."""
    if kind == "photo":
        await context.bot.send_photo(chat_id, file_id, caption=caption, parse_mode="HTML")
    elif kind == "document":
        await context.bot.send_document(chat_id, file_id, caption=caption, parse_mode="HTML")


async def who(update: Update, context: BanzuContext) -> Identity:
    user = update.effective_user
    if user is None:
        raise ValueError("update without a user")
    return await context.svc.directory.identify(user.id)


async def notify(
    context: BanzuContext,
    chat_id: int | None,
    text: str,
    *,
    purpose: str,
    key: str,
    markup: InlineKeyboardMarkup | None = None,
    priority: int = 0,
) -> None:
    """A message through the outbox (so flood control and retries apply), once per `key`:
    to someone other than the person acting, or a reply Telegram failed. Nobody to tell (no
    Telegram account) is a no-op."""
    if chat_id is None:
        return
    reply_markup = markup.to_dict() if markup else None
    message = OutMessage(
        chat_id, text, purpose=purpose, dedupe_key=key, reply_markup=reply_markup,
        priority=priority,
    )  # fmt: skip
    await context.svc.outbox.enqueue([message])


async def alert_admins(context: BanzuContext, key: str, /, *, once: str, **values: object) -> None:
    """A one-line notice to every admin who can be reached privately, through the outbox;
    `once` names the event, so the same event is never announced twice."""
    svc = context.svc
    text = svc.texts.get(key, **values)
    for admin in await svc.directory.reachable_admins():
        await notify(context, admin, text, purpose="alert", key=f"alert:{once}:{admin}")


async def answer_stale(update: Update, context: BanzuContext) -> None:
    """The answer to a press whose data is `callbacks.Stale`: "这个按钮已失效", nothing changed."""
    query = update.callback_query
    if query is not None:
        await query.answer(toast(update, context, "common.stale_button"), show_alert=True)


def query_of(update: Update) -> CallbackQuery:
    """The press of a CallbackQueryHandler's update (registered only for presses)."""
    query = update.callback_query
    if query is None:
        raise ValueError("not a button press")
    return query


async def pressed(update: Update, context: BanzuContext, *kinds: type[C]) -> C | None:
    """The press's typed data (the first of `kinds` that fits), or None once a press that fits
    none has been answered "这个按钮已失效" — so a handler only ever sees data it can trust."""
    data = parse(query_of(update).data, *kinds)
    if isinstance(data, Stale):
        await answer_stale(update, context)
        return None
    return data


async def answer(
    update: Update, context: BanzuContext, key: str, /, *, alert: bool = False, **values: object
) -> None:
    """Answer the press with the text `key` (a toast, or a dialog when `alert`)."""
    await query_of(update).answer(toast(update, context, key, **values), show_alert=alert)


async def edit(
    context: BanzuContext,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace a message's text; the same text again ("message is not modified", a double
    press or two edits racing) is not an error."""
    try:
        await context.bot.edit_message_text(
            text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def edit_markup(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message's keyboard; the same keyboard again is not an error."""
    try:
        await query_of(update).edit_message_reply_markup(markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def typed_step(
    cls: type[S], step: Callable[[Update, BanzuContext, S], Awaitable[None]]
) -> FlowStep:
    """A flow's next-message step that receives its typed state (`svc.flows[cls.flow] = …`).

    A stored conversation that no longer fits `cls` is ended and the person told to start
    again ("common.flow_stale"), so no step ever reads a half-understood state.
    """

    async def run(update: Update, context: BanzuContext, conv: Conversation) -> None:
        state = load(cls, conv)
        if isinstance(state, StaleState):
            await context.svc.conversations.clear(conv.chat_id, conv.user_id)
            await reply(update, context, "common.flow_stale")
            return
        await step(update, context, state)

    return run
