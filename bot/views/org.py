"""Roster import in chat: the preview's 确认导入 / 取消 buttons and their callback data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.helpers import create_deep_linked_url

from bot.callbacks import Callback, Id
from bot.texts import Texts

NS = "imp"


class ImportAction(StrEnum):
    OK = "ok"
    NO = "no"


@dataclass(frozen=True)
class ImportPress(Callback, ns=NS, version=1):
    staged: Id
    action: ImportAction


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
