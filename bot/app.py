"""The application factory: one place that wires settings, storage, flood control and handlers."""

from __future__ import annotations

import logging
from typing import cast

from telegram import Update
from telegram.constants import ParseMode, UpdateType
from telegram.ext import Application, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.context import AppData, BanzuApp, BanzuContext, Services
from bot.delivery.flood import FloodController
from bot.delivery.http import AiohttpRequest
from bot.delivery.inbox import InboxRequest
from bot.settings import Settings
from bot.updates import KeyedUpdateProcessor
from handlers import register_all
from handlers.commands import publish_commands

log = logging.getLogger(__name__)

# Every update type except the state of polls: the quizzes need the answers (poll_answer), not
# Telegram's running tally, which would arrive once more for every answer.
ALLOWED_UPDATES = [t for t in Update.ALL_TYPES if t != UpdateType.POLL]


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    flood: FloodController | None = None,
) -> BanzuApp:
    """The bot, ready for `run_polling()` or `async with app: await app.start()`.

    `request`/`get_updates_request` let tests and the demo put the in-process emulator in place
    of HTTP; everything else is the same code that runs against Telegram.
    """
    flood = flood or FloodController()
    services = Services.create(settings, flood)
    builder = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_base)
        .base_file_url(settings.api_base.replace("/bot", "/file/bot"))
        .context_types(ContextTypes(context=BanzuContext, bot_data=AppData))
        .rate_limiter(flood)
        # every text is HTML (texts escape their values); Telegram ignores parse_mode where a
        # method has no text, e.g. editMessageReplyMarkup, to which PTB adds it as well
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(KeyedUpdateProcessor(on_done=services.inbox.done))
        .application_class(BanzuApplication)
    )
    # aiohttp under PTB unless a test or the demo brings its own transport (bot/delivery/http.py
    # says why); getUpdates gets its own session so a long poll never holds a reply's slot.
    # Both go through the durable inbox (bot/delivery/inbox.py): getUpdates answers are stored
    # before PTB sees them, and a callback answer past Telegram's window becomes a message.
    inbox = services.inbox
    builder = builder.request(
        InboxRequest(request or AiohttpRequest(connection_pool_size=64), inbox)
    )
    builder = builder.get_updates_request(
        InboxRequest(
            get_updates_request or AiohttpRequest(connection_pool_size=1, read_timeout=10.0),
            inbox,
        )
    )
    app = cast(BanzuApp, builder.build())
    app.bot_data.attach(services)
    register_all(app)
    return app


class BanzuApplication(Application):  # type: ignore[type-arg]
    """Opens the database and publishes the command menus on `initialize`, so that
    `run_polling()` and `async with app:` (tests, the demo) start the same way."""

    async def initialize(self) -> None:
        await super().initialize()
        app = cast(BanzuApp, self)
        svc = app.bot_data.services
        await svc.db.open()
        await publish_commands(app)
        log.info("bot @%s ready, database %s", self.bot.username, svc.settings.db_path)

    async def start(self) -> None:
        await super().start()
        svc = cast(BanzuApp, self).bot_data.services
        await svc.outbox.start(self.bot, svc.flood)  # drains the outbox while the app runs
        await svc.attendance.refresh_tallies()
        await svc.sessions.resume_closed()  # a quiz owed by a session closed just before a crash

    async def stop(self) -> None:
        await cast(BanzuApp, self).bot_data.services.outbox.stop()
        await cast(BanzuApp, self).bot_data.services.inbox.stop()
        await super().stop()

    async def shutdown(self) -> None:
        await cast(BanzuApp, self).bot_data.services.outbox.stop()
        await cast(BanzuApp, self).bot_data.services.db.close()
        await super().shutdown()
