"""The application factory: one place that wires settings, storage, flood control and handlers."""

from __future__ import annotations

import logging
from typing import cast

from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest

from bot.context import AppData, BanzuApp, BanzuContext, Services
from bot.settings import Settings
from bot.updates import KeyedUpdateProcessor
from handlers import register_all
from handlers.commands import publish_commands
from scheduler.flood import FloodController

log = logging.getLogger(__name__)


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
        .concurrent_updates(KeyedUpdateProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = cast(BanzuApp, builder.build())
    app.bot_data.attach(services)
    register_all(app)
    return app


async def _post_init(app: BanzuApp) -> None:
    svc = app.bot_data.services
    await svc.db.open()
    await publish_commands(app)
    log.info("bot @%s ready, database %s", app.bot.username, svc.settings.db_path)


async def _post_shutdown(app: BanzuApp) -> None:
    await app.bot_data.services.db.close()
