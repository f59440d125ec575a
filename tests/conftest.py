"""Shared fixtures: the Bot API emulator (in-process and HTTP) and a running bot on top of it."""

from __future__ import annotations

import os
import sys
import threading

import pytest

pytest_plugins = ["bot.emulator.pytest_plugin", "tests.botfixtures"]


def pytest_unconfigure(config: pytest.Config) -> None:
    """A database left open keeps its (non-daemon) aiosqlite thread, and with it the test
    process, alive after the last test: CI would wait for it until its time ran out. Name the
    culprit and end the run as failed instead."""
    leaked = [
        t.name
        for t in threading.enumerate()
        if t is not threading.main_thread()
        and t.is_alive()
        and not t.daemon
        and not t.name.startswith(("ThreadPoolExecutor", "asyncio_"))
    ]
    if leaked:
        sys.stderr.write(f"\ntests left threads running (a Database not closed?): {leaked}\n")
        sys.stderr.flush()
        os._exit(3)
