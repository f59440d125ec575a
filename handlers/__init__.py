"""Every handler of the bot, registered in one visible place, in the order that matters."""

from __future__ import annotations

from bot.context import BanzuApp
from handlers import (
    attendance,
    casework,
    commands,
    contest,
    errors,
    fallback,
    groups,
    leave,
    notices,
    org,
    pledges,
    quiz,
    recognition,
    rectification,
    reports,
    schedules,
    start,
    suggestions,
    talks,
    trends,
)


def register_all(app: BanzuApp) -> None:
    fallback.register_first(app)  # people seen; conversations in progress
    start.register(app)
    groups.register(app)
    org.register(app)
    notices.register(app)
    attendance.register(app)
    leave.register(app)  # /leave: ahead in private, the running session in a group
    reports.register(app)
    pledges.register(app)
    suggestions.register(app)
    schedules.register(app)
    quiz.register(app)
    contest.register(app)
    trends.register(app)
    recognition.register(app)
    rectification.register(app)
    casework.register(app)
    talks.register(app)
    commands.register(app)
    fallback.register_last(app)  # unknown commands, text, stale buttons
    errors.register(app)
