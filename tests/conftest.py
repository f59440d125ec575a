"""Shared fixtures: the Bot API emulator (in-process and HTTP) and a running bot on top of it."""

pytest_plugins = ["bot.emulator.pytest_plugin", "tests.botfixtures"]
