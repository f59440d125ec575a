"""`banzu run`: check what the operator can get wrong, then poll Telegram until stopped.

Wrong token, unwritable database: one line and exit 1. API unreachable at start: one line per
attempt and retry with backoff (the network often comes up after the service). Anything else:
the traceback goes to the log (redacted) and the terminal gets one line.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram import Bot
from telegram.error import InvalidToken

from bot.delivery.http import AiohttpRequest
from bot.logs import setup_logging
from bot.services.startup import StartupError, check_database, redact, wait_for_api
from bot.settings import Settings

log = logging.getLogger("banzu.run")


async def _reach_api(settings: Settings) -> None:
    # aiohttp, as the bot itself: PTB's default transport would build two more TLS contexts
    # (httpx loads the CA bundle per client, ~30 ms each) for this one call.
    requests = (AiohttpRequest(connection_pool_size=1), AiohttpRequest(connection_pool_size=1))
    bot = Bot(
        settings.token,
        base_url=settings.api_base,
        request=requests[0],
        get_updates_request=requests[1],
    )
    try:
        await wait_for_api(bot.initialize, api_base=settings.api_base, secrets=[settings.token])
        log.info("Bot API reachable as @%s", bot.username)
    finally:
        # Bot.shutdown skips a bot whose initialize failed (wrong token): close them here.
        for request in requests:
            await request.shutdown()


def run(settings: Settings) -> int:
    token = settings.require_token()
    setup_logging(settings.log_level, token)
    try:
        check_database(settings.db_path)
        asyncio.run(_reach_api(settings))
        from bot.app import ALLOWED_UPDATES, build_application

        app = build_application(settings)
        app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    except StartupError as exc:
        print(f"banzu: {exc}", file=sys.stderr)
        return 1
    except InvalidToken:
        # The token was revoked after the start-up check.
        print("banzu: Telegram refused the bot token: check BANZU_TOKEN", file=sys.stderr)
        return 1
    except Exception as exc:
        log.exception("banzu run stopped by an unexpected error")
        line = redact(f"{type(exc).__name__}: {exc}", [token]).splitlines()[0]
        print(f"banzu: stopped by an unexpected error ({line}); see the log", file=sys.stderr)
        return 1
    return 0
