"""Buttons and texts of study sessions (学习考勤) besides the live messages' own texts: the
session message's 签到 / 请假, a leader's roll card and correction picker, the leave and
make-up decision cards, and the typed data of each button.

The callback strings are the ones the positional codec wrote before (`att:v1:<session>:in`,
`roll:v1:<session>:<member>`, …), so buttons already in chats keep working; anything else a
client sends is `Stale`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id
from bot.domain.attendance import Status, correction_choices

if TYPE_CHECKING:
    from bot.domain.people import Person
    from bot.repos.attendance import Record, Session
    from bot.texts import Texts

EMOJI = {
    Status.PENDING: "⬜",
    Status.PRESENT: "✅",
    Status.LATE: "⏰",
    Status.ABSENT: "❌",
    Status.LEAVE: "📝",
    Status.MAKEUP: "📚",
}


class SessionAction(StrEnum):
    IN = "in"
    LEAVE = "leave"


@dataclass(frozen=True)
class SessionPress(Callback, ns="att", version=1):
    """签到 or 请假 under a session message."""

    session: Id
    action: SessionAction


@dataclass(frozen=True)
class RollName(Callback, ns="roll", version=1):
    """A name on a leader's roll card: the next status while open, the picker after."""

    session: Id
    member: Id


@dataclass(frozen=True)
class RollClose(Callback, ns="roll", version=1):
    session: Id
    act: Literal["close"] = "close"


@dataclass(frozen=True)
class PickStatus(Callback, ns="rollset", version=1):
    """After closing: the status one record is to be corrected to."""

    session: Id
    member: Id
    status: Status


@dataclass(frozen=True)
class PickBack(Callback, ns="rollset", version=1):
    session: Id
    member: Id
    act: Literal["back"] = "back"


@dataclass(frozen=True)
class LeaveDecision(Callback, ns="lv", version=1):
    """A leader's 批准 / 不批准 of a request for leave from a running session."""

    request: Id
    answer: Literal["y", "n"]

    @property
    def approve(self) -> bool:
        return self.answer == "y"


@dataclass(frozen=True)
class MakeupDecision(LeaveDecision, ns="mk", version=1):
    """The same for a make-up (补学) request."""


def status_label(texts: Texts, status: Status, lang: str | None = None) -> str:
    return texts.get(f"attendance.status.{status.value}", lang)


def session_markup(texts: Texts, session: Session, over: bool) -> InlineKeyboardMarkup | None:
    if session.closed:
        return None
    key = "attendance.button.over" if over else "attendance.button.check_in"
    check_in, leave = (SessionPress(session.id, a).encode() for a in SessionAction)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.get(key), callback_data=check_in),
                InlineKeyboardButton(texts.get("attendance.button.leave"), callback_data=leave),
            ]
        ]
    )


def roll_markup(
    texts: Texts,
    session: Session,
    roster: list[Record],
    lang: str,
    shown: dict[int, Status] | None = None,
) -> InlineKeyboardMarkup:
    """Two names per row; `shown` overrides a member's status (a change awaiting a reason)."""
    shown = shown or {}
    buttons = [
        InlineKeyboardButton(
            f"{EMOJI[shown.get(r.member_id, r.status)]} {r.name}",
            callback_data=RollName(session.id, r.member_id).encode(),
        )
        for r in roster
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if not session.closed:
        label = texts.get("attendance.roll.close_button", lang)
        rows.append([InlineKeyboardButton(label, callback_data=RollClose(session.id).encode())])
    return InlineKeyboardMarkup(rows)


def pick_markup(texts: Texts, session: Session, record: Record, lang: str) -> InlineKeyboardMarkup:
    """After closing: the statuses one record may be corrected to, each a button (no cycling:
    the leader picks the target and gives one reason for it), and a way back to the roll."""
    buttons = [
        InlineKeyboardButton(
            f"{EMOJI[status]} {status_label(texts, status, lang)}",
            callback_data=PickStatus(session.id, record.member_id, status).encode(),
        )
        for status in correction_choices(record.status)
    ]
    back = InlineKeyboardButton(
        texts.get("attendance.roll.pick_back", lang),
        callback_data=PickBack(session.id, record.member_id).encode(),
    )
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)] + [[back]])


def request_text(
    texts: Texts,
    tz: ZoneInfo,
    kind: str,
    person: Person,
    session: Session,
    reason: str,
    lang: str | None,
) -> str:
    """The card a leader decides a leave ("leave") or make-up ("makeup") request on."""
    return texts.get(
        f"attendance.{kind}.request",
        lang,
        name=person.name,
        team=person.team_name,
        topic=session.topic,
        date=_local(session.starts_at, tz, "%m-%d %H:%M"),
        reason=reason or texts.get("attendance.no_reason", lang),
    )


def decision_markup(texts: Texts, kind: str, request_id: int) -> InlineKeyboardMarkup:
    cls = LeaveDecision if kind == "leave" else MakeupDecision
    yes, no = (texts.get(f"attendance.{kind}.{k}") for k in ("yes", "no"))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(yes, callback_data=cls(request_id, "y").encode()),
                InlineKeyboardButton(no, callback_data=cls(request_id, "n").encode()),
            ]
        ]
    )


def _local(moment: datetime, tz: ZoneInfo, fmt: str) -> str:
    return moment.astimezone(tz).strftime(fmt)
