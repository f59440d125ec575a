"""What /schedule looks like, and the typed data of its buttons.

The strings are the ones the positional codec wrote before, so buttons already in chats keep
working; anything else a client sends is `Stale`:

    sch:v1:new:0                      ➕ 新建
    sch:v1:page:<n>                   ◀ ▶ of the list (and 取消 of a delete question: page 0)
    sch:v1:<pause|resume|del|delok>:<schedule>
    schf:v1:<nonce>:purpose:<purpose> the creation flow's first step
    schf:v1:<nonce>:<skip|save|cancel>:0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Literal

from telegram import InlineKeyboardButton

from bot.callbacks import Callback, Id, Range
from bot.services.schedules import Purpose
from bot.views import paging

NONCE_MAX = 999_999
Nonce = Annotated[int, Range(1, NONCE_MAX)]


# ---- sch:v1:<action>:<n> — the list and its buttons


class AdminAct(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    DELETE = "del"  # asks first
    CONFIRM_DELETE = "delok"


@dataclass(frozen=True)
class SchedulePress(Callback, ns="sch", version=1):
    """A button of one schedule in the list (or of its delete question)."""

    action: AdminAct
    schedule: Id


@dataclass(frozen=True)
class ListPage(Callback, ns="sch", version=1):
    """A page of the list: "sch:v1:page:<n>"."""

    action: Literal["page"] = field(default="page", kw_only=True)
    page: Annotated[int, Range(0, paging.MAX_PAGE)]


@dataclass(frozen=True)
class NewSchedule(Callback, ns="sch", version=1):
    """➕ 新建: "sch:v1:new:0" (a 0 where the other buttons carry their number)."""

    action: Literal["new"] = "new"
    arg: Literal["0"] = "0"


ADMIN_PRESSES = (SchedulePress, ListPage, NewSchedule)


# ---- schf:v1:<nonce>:<action>:<arg> — the creation flow


@dataclass(frozen=True)
class PurposePress(Callback, ns="schf", version=1):
    """What the schedule is for, the flow's first step."""

    nonce: Nonce
    action: Literal["purpose"] = field(default="purpose", kw_only=True)
    purpose: Purpose


class FlowAct(StrEnum):
    SKIP = "skip"  # no title
    SAVE = "save"
    CANCEL = "cancel"


@dataclass(frozen=True)
class FlowPress(Callback, ns="schf", version=1):
    nonce: Nonce
    action: FlowAct
    arg: Literal["0"] = "0"


FLOW_PRESSES = (PurposePress, FlowPress)


def button(text: str, press: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=press.encode())
