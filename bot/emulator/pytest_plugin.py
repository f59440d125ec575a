"""Pytest fixtures for the emulator (load with ``pytest_plugins = ["bot.emulator.pytest_plugin"]``).

- ``emulator``: an in-process :class:`Emulator`;
- ``http_emulator``: the same served over HTTP on 127.0.0.1 (a free port), in the test's loop.

Both fail the test at teardown if the bot broke the Bot API spec, got a flood 429 the test
did not declare with ``emulator.expect_429(n)``, or made the emulator produce invalid output.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from .core import Emulator
from .inproc import IN_PROCESS_BASE_URL, IN_PROCESS_FILE_URL, EmulatorRequest
from .server import start_server


def _check(emulator: Emulator) -> None:
    problems = emulator.problems()
    if problems:
        pytest.fail("Bot API emulator: " + "\n".join(problems), pytrace=False)


@dataclass(frozen=True, slots=True)
class HttpEmulator:
    emulator: Emulator
    port: int
    base_url: str  # http://127.0.0.1:PORT/bot  (PTB's base_url)
    base_file_url: str  # http://127.0.0.1:PORT/file/bot
    control_url: str  # http://127.0.0.1:PORT/_emu


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator()
    yield emu
    _check(emu)


@pytest.fixture
def emulator_request(emulator: Emulator) -> EmulatorRequest:
    """A PTB request object bound to the ``emulator`` fixture (base_url: IN_PROCESS_BASE_URL)."""
    return EmulatorRequest(emulator)


@pytest_asyncio.fixture
async def http_emulator() -> AsyncIterator[HttpEmulator]:
    emu = Emulator()
    runner, port = await start_server(emu)
    root = f"http://127.0.0.1:{port}"
    try:
        yield HttpEmulator(emu, port, f"{root}/bot", f"{root}/file/bot", f"{root}/_emu")
    finally:
        await runner.cleanup()
    _check(emu)


__all__ = [
    "IN_PROCESS_BASE_URL",
    "IN_PROCESS_FILE_URL",
    "HttpEmulator",
    "emulator",
    "emulator_request",
    "http_emulator",
]
