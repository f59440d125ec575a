"""Every handler of the bot, registered in one visible place, in the order that matters."""

from __future__ import annotations

from bot.context import BanzuApp
from handlers import commands, errors, fallback, groups, org, start


def register_all(app: BanzuApp) -> None:
    fallback.register_first(app)  # people seen; conversations in progress
    start.register(app)
    groups.register(app)
    org.register(app)
    commands.register(app)
    fallback.register_last(app)  # unknown commands, text, stale buttons
    errors.register(app)
