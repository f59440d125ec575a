"""The error handler: log with context, apologise in Chinese, tell the admins in one line."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.context import BanzuApp, BanzuContext
from handlers.common import alert_admins, reply

log = logging.getLogger("banzu.errors")
ALERT_EVERY_SECONDS = 60.0


async def on_error(update: object, context: BanzuContext) -> None:
    error = context.error
    where = _describe(update)
    log.error("error while handling %s", where, exc_info=error)
    if isinstance(error, NetworkError | Forbidden):
        return  # nothing a user did wrong, and no one to tell through a broken channel
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await reply(update, context, "common.error")
        except TelegramError:
            log.warning("could not tell the user about the error in %s", where)
    await _alert(context, update, error)


async def _alert(context: BanzuContext, update: object, error: BaseException | None) -> None:
    # One notice per kind of error per minute: a bug hit by 300 workers is one message.
    kind = type(error).__name__
    now = time.monotonic()
    if now - context.svc.last_alert.get(kind, -ALERT_EVERY_SECONDS) < ALERT_EVERY_SECONDS:
        return
    context.svc.last_alert[kind] = now
    update_id = update.update_id if isinstance(update, Update) else "-"
    try:
        await alert_admins(
            context,
            "common.admin_error",
            once=f"error:{kind}:{update_id}",
            update_id=update_id,
            error=f"{kind}: {error}"[:300],
        )
    except Exception:  # the error handler must not fail too (the database may be the cause)
        log.exception("could not alert admins")


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return repr(update)[:200]
    chat, user = update.effective_chat, update.effective_user
    return (
        f"update {update.update_id} chat={chat.id if chat else None} "
        f"user={user.id if user else None} kind={_kind(update)}"
    )


def _kind(update: Update) -> str:
    for name in ("message", "callback_query", "my_chat_member", "chat_member", "poll_answer"):
        if getattr(update, name, None) is not None:
            return name
    return "other"


def register(app: BanzuApp) -> None:
    app.add_error_handler(on_error)
