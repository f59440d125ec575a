"""Starting `banzu run`: what can go wrong is said in one line, and the token is never shown.

An operator starting the bot meets three failures: a wrong token, an API that cannot be
reached (network down at boot, a proxy not up yet) and a database that cannot be written.
The first and the last cannot heal by themselves: one line and exit. The second usually does:
retry with exponential backoff, one line per attempt, until the API answers.

The token is a secret that travels in every Bot API URL, so any exception text (httpx puts the
URL in its messages) can carry it. Every line we print or log goes through `redact`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError, TimedOut

log = logging.getLogger("banzu.startup")


class StartupError(Exception):
    """The bot cannot start; `str()` is one line for the operator (already redacted)."""


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<token>")
            # The numeric bot id before ':' is public; the part after it is the secret.
            _, _, tail = secret.partition(":")
            if len(tail) >= 8:
                text = text.replace(tail, "<token>")
    return text


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, tracebacks included (a filter on `msg` misses
    exception text and arguments formatted by the handler)."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def api_host(api_base: str) -> str:
    parts = urlsplit(api_base)
    return parts.netloc or api_base


def check_database(path: str) -> None:
    """Raise StartupError unless the database at `path` can be created and written."""
    if path == ":memory:":
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise StartupError(
            f"database {path}: folder {folder} does not exist (create it or set BANZU_DB)"
        )
    if target.exists() and target.is_dir():
        raise StartupError(f"database {path} is a folder, not a file (set BANZU_DB to a file)")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise StartupError(
            f"database {path} is not writable by this user (fix its permissions or set BANZU_DB)"
        )
    try:
        # A write lock proves the file is a database we can write (not a read-only mount,
        # not some other file under that name), without changing anything.
        conn = sqlite3.connect(path, timeout=5)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StartupError(f"database {path} cannot be written: {exc}") from exc


async def wait_for_api(
    connect: Callable[[], Awaitable[object]],
    *,
    api_base: str,
    secrets: Iterable[str] = (),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    first_delay: float = 1.0,
    max_delay: float = 60.0,
    max_attempts: int | None = None,
) -> None:
    """Call `connect` (the bot's getMe) until it answers.

    A rejected token raises StartupError at once; an unreachable API is retried with a doubling
    delay (1 s, 2 s, 4 s … at most `max_delay`), one warning line per attempt.
    """
    secrets = tuple(secrets)
    host = api_host(api_base)
    delay = first_delay
    attempt = 0
    while True:
        attempt += 1
        try:
            await connect()
            if attempt > 1:
                log.info("Bot API at %s reachable again after %d attempts", host, attempt)
            return
        except InvalidToken as exc:
            # PTB's own message quotes the token: redacted like everything we print.
            raise StartupError(
                f"Telegram refused the bot token ({redact(exc.message, secrets)}): check "
                "BANZU_TOKEN "
                "(the token @BotFather gave, e.g. 123456789:AA…)"
            ) from None
        except BadRequest as exc:  # a NetworkError subclass in PTB, but it will not heal
            raise StartupError(
                f"the Bot API at {host} refused to start the bot: {redact(exc.message, secrets)}"
            ) from None
        except (NetworkError, TimedOut) as exc:
            reason = redact(exc.message or type(exc).__name__, secrets)
            if max_attempts is not None and attempt >= max_attempts:
                raise StartupError(
                    f"cannot reach the Bot API at {host} after {attempt} attempts: {reason}"
                ) from None
            log.warning(
                "cannot reach the Bot API at %s (%s); retrying in %g s", host, reason, delay
            )
            await sleep(delay)
            delay = min(delay * 2, max_delay)
        except TelegramError as exc:
            raise StartupError(
                f"the Bot API at {host} refused to start the bot: {redact(exc.message, secrets)}"
            ) from None
