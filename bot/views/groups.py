"""/bind's replies and its team picker (callback data `bind:v1:<team>:<asker>`)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id
from bot.outcomes.binding import BindOutcome, BindResult
from bot.texts import Texts

NS = "bind"


@dataclass(frozen=True)
class BindPress(Callback, ns=NS, version=1):
    """A team picked for this group; only `asker` (who sent /bind) may pick."""

    team: Id
    asker: Id


def pick_keyboard(result: BindResult, asker: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"{t.unit_name}·{t.name}", callback_data=BindPress(t.id, asker).encode()
                )
            ]
            for t in result.teams
        ]
    )


def outcome_values(result: BindResult) -> tuple[str, dict[str, object]]:
    """The text key of `result` and its values (the caller picks the deactivated wording)."""
    team = result.teams[0] if result.teams else None
    values: dict[str, object] = {"unit": team.unit_name, "team": team.name} if team else {}
    if result.outcome is BindOutcome.NO_MATCH:
        values = {"name": result.wanted or ""}
    elif result.outcome is BindOutcome.TOO_MANY:
        values = {"example": team.name if team else ""}
    return f"groups.{result.outcome.value}", values


def moved_line(texts: Texts, lang: str, result: BindResult) -> str:
    """The line that tells a team's earlier group was let go ("" when none was)."""
    if not result.moved_from_team:
        return ""
    return "\n" + texts.get("groups.bind_moved", lang, team=result.moved_from_team)
