"""The buttons of a notice, typed (bot/callbacks.py), with the strings they always had, so
buttons already in chats keep working:

- composing, in the author's private chat: "ntc:v1:c:<nonce>:<act>:<arg>" (`ComposePress`),
  the audience pickers' pages "ntc:v1:c:<nonce>:pg:t:3" (`NoticePage`);
- after sending: "ntc:v1:<op>:<notice>" (`NoticeOp`) — 收到 on the notice itself, and the
  author's status, remind, stop and export buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id, Range, Token
from bot.texts import Texts
from bot.views import paging

NS = "ntc"


class ComposeAct(StrEnum):
    ALL = "all"  # everyone in reach
    UNITS = "units"  # open the unit picker
    TEAMS = "teams"
    TAGS = "tags"  # roles and tags
    UNIT = "u"  # a unit chosen (arg: its id)
    TEAM = "t"  # a team chosen (arg: its id)
    ROLE = "r"  # a role chosen (arg: its index)
    TAG = "g"  # a tag chosen (arg: its index)
    BACK = "back"
    WHERE = "w"  # groups, private chats or both (arg: the target)
    PIN = "pin"
    CONFIRM = "ok"
    CANCEL = "x"


@dataclass(frozen=True)
class ComposePress(Callback, ns=NS, version=1):
    """A press while composing; `arg` is read by the act that has one ("0" otherwise)."""

    c: Literal["c"]
    nonce: Token
    act: ComposeAct
    arg: Token


def compose(nonce: str, act: ComposeAct, arg: object = 0) -> str:
    return ComposePress("c", nonce, act, str(arg)).encode()


class PageOp(StrEnum):
    GO = "pg"  # show page n
    SEARCH = "ps"  # ask for part of a name
    CLEAR = "pc"  # drop the search, back to every item


PickList = Literal["u", "t", "g"]  # units, teams, roles and tags


@dataclass(frozen=True)
class NoticePage(Callback, ns=NS, version=1):
    """A page, search or show-all press of an audience picker: "ntc:v1:c:<nonce>:pg:t:3"."""

    c: Literal["c"]
    nonce: Token
    op: PageOp
    what: PickList
    page: Annotated[int, Range(0, paging.MAX_PAGE)]


def page(nonce: str, op: PageOp, what: str, number: int = 0) -> str:
    return NoticePage("c", nonce, op, what, number).encode()  # type: ignore[arg-type]


class AfterOp(StrEnum):
    ACK = "ack"  # 收到, on the notice in each chat
    STATUS = "st"
    REMIND = "rm"
    STOP = "stop"
    EXPORT = "xl"


@dataclass(frozen=True)
class NoticeOp(Callback, ns=NS, version=1):
    op: AfterOp
    notice: Id


def after(op: AfterOp, notice_id: int) -> str:
    return NoticeOp(op, notice_id).encode()


def button(texts: Texts, lang: str | None, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(texts.get(key, lang), callback_data=data)


def status_markup(texts: Texts, lang: str | None, notice_id: int) -> InlineKeyboardMarkup:
    """Under /notice status: remind those who have not confirmed, refresh, export."""
    return InlineKeyboardMarkup(
        [
            [
                button(texts, lang, "notices.remind_button", after(AfterOp.REMIND, notice_id)),
                button(texts, lang, "notices.refresh_button", after(AfterOp.STATUS, notice_id)),
            ],
            [button(texts, lang, "notices.export_button", after(AfterOp.EXPORT, notice_id))],
        ]
    )
