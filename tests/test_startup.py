"""`banzu run` start-up: one clear line per failure, retry with backoff, token never shown."""

from __future__ import annotations

import io
import logging
import os
import stat
from pathlib import Path

import pytest
from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut

from bot.services.startup import (
    RedactingFormatter,
    StartupError,
    check_database,
    redact,
    wait_for_api,
)

TOKEN = "987654:AAH-secret_part_of_the_token_123"
BASE = "http://127.0.0.1:9/bot"


def test_redact_hides_whole_token_and_its_secret_half() -> None:
    text = f"GET https://api.telegram.org/bot{TOKEN}/getMe; tail {TOKEN.split(':')[1]}"
    out = redact(text, [TOKEN])
    assert TOKEN not in out and "secret_part" not in out
    assert out.count("<token>") == 2


def test_formatter_redacts_tracebacks_and_arguments() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(message)s", [TOKEN]))
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise NetworkError(f"connect failed for https://x/bot{TOKEN}/getUpdates")
        except NetworkError:
            logger.exception("polling failed: %s", TOKEN)
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "polling failed" in out and "Traceback" in out
    assert TOKEN not in out and "secret_part" not in out


async def test_wrong_token_is_one_line_at_once() -> None:
    calls = 0

    async def connect() -> None:
        nonlocal calls
        calls += 1
        raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")

    with pytest.raises(StartupError) as info:
        await wait_for_api(connect, api_base=BASE, secrets=[TOKEN])
    line = str(info.value)
    assert calls == 1 and "\n" not in line and "BANZU_TOKEN" in line and TOKEN not in line


async def test_unreachable_api_retried_with_doubling_delay(
    caplog: pytest.LogCaptureFixture,
) -> None:
    slept: list[float] = []
    failures = [NetworkError(f"All connection attempts failed bot{TOKEN}")] * 4 + [TimedOut()] * 4

    async def connect() -> None:
        if failures:
            raise failures.pop(0)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    caplog.set_level(logging.INFO, "banzu.startup")
    await wait_for_api(connect, api_base=BASE, secrets=[TOKEN], sleep=sleep, max_delay=30)
    assert slept == [1, 2, 4, 8, 16, 30, 30, 30]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 8 and all("127.0.0.1:9" in w for w in warnings)
    assert not any(TOKEN in w or "secret_part" in w for w in warnings)
    assert "reachable again after 9 attempts" in caplog.records[-1].getMessage()


async def test_gives_up_after_max_attempts_when_asked() -> None:
    async def connect() -> None:
        raise NetworkError("down")

    async def sleep(_: float) -> None:
        return None

    with pytest.raises(StartupError, match="after 3 attempts: down"):
        await wait_for_api(connect, api_base=BASE, sleep=sleep, max_attempts=3)


async def test_other_refusal_is_one_line() -> None:
    async def connect() -> None:
        raise BadRequest(f"Logged out {TOKEN}")

    with pytest.raises(StartupError) as info:
        await wait_for_api(connect, api_base=BASE, secrets=[TOKEN])
    assert TOKEN not in str(info.value) and "refused" in str(info.value)


def test_database_checks(tmp_path: Path) -> None:
    check_database(str(tmp_path / "ok.db"))  # creatable
    with pytest.raises(StartupError, match="does not exist"):
        check_database(str(tmp_path / "missing" / "x.db"))
    with pytest.raises(StartupError, match="is a folder"):
        check_database(str(tmp_path))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all, just text" * 100)
    with pytest.raises(StartupError, match="cannot be written"):
        check_database(str(junk))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_database(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(StartupError, match="not writable"):
            check_database(str(folder / "banzu.db"))
    finally:
        folder.chmod(stat.S_IRWXU)
