"""The organisation in chat: a roster import's preview with its 确认导入 / 取消 buttons (and
their callback data), the summary once applied, and /invites' registration links."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.helpers import create_deep_linked_url

from bot.callbacks import Callback, Id
from bot.domain.org import Team
from bot.domain.org_import import ImportResult
from bot.domain.textsplit import split_text
from bot.texts import Texts
from bot.views.roster_import import render_summary

NS = "imp"


class ImportAction(StrEnum):
    OK = "ok"
    NO = "no"


@dataclass(frozen=True)
class ImportPress(Callback, ns=NS, version=1):
    staged: Id
    action: ImportAction

    @property
    def ok(self) -> bool:
        """确认导入 (not 取消)."""
        return self.action is ImportAction.OK


def confirm_keyboard(staged: int, texts: Texts, lang: str | None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.get("org.confirm.button_ok", lang),
                    callback_data=ImportPress(staged, ImportAction.OK).encode(),
                ),
                InlineKeyboardButton(
                    texts.get("org.confirm.button_cancel", lang),
                    callback_data=ImportPress(staged, ImportAction.NO).encode(),
                ),
            ]
        ]
    )


def invite_link(bot_username: str, code: str) -> str:
    """A team's registration link (t.me/<bot>?start=<code>); PTB checks the payload's
    characters and length as Telegram's deep links require."""
    return create_deep_linked_url(bot_username.removeprefix("@"), code)


def preview(
    result: ImportResult, staged: int | None, texts: Texts, lang: str
) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The staged file's summary in message-sized pieces; the question and its buttons on
    the last one (none when nothing could be staged)."""
    text = render_summary(result, texts, lang)
    if staged is not None:
        text += "\n\n" + texts.get("org.confirm.question", lang)
    pieces = split_text(text)
    keyboard = confirm_keyboard(staged, texts, lang) if staged is not None else None
    return [(piece, keyboard if i == len(pieces) - 1 else None) for i, piece in enumerate(pieces)]


def applied(result: ImportResult, texts: Texts, lang: str) -> list[str]:
    """What the confirmed import changed, and how to take it back if it went through."""
    text = render_summary(result, texts, lang)
    if result.ok:
        text += "\n" + texts.get("org.confirm.undo_hint", lang)
    return split_text(text)


def invites(teams: list[Team], bot_username: str, texts: Texts, lang: str) -> list[str]:
    lines = [texts.get("org.invites.header", lang)]
    for t in teams:
        link = invite_link(bot_username, t.invite_code)
        lines.append(texts.get("org.invites.line", lang, unit=t.unit_name, team=t.name, link=link))
    return split_text("\n".join(lines))
