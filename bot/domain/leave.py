"""A leave request as the rest of the bot sees it (rows of `leave_requests`). No I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Self

from bot.domain.leave_rules import LeaveStatus, LeaveType, day_count

__all__ = ["Draft", "Leave", "NewLeave", "Refusal", "Step", "days_of"]


@dataclass(frozen=True)
class Leave:
    id: int
    member_id: int
    team_id: int
    unit_id: int
    kind: LeaveType
    first_day: date
    last_day: date
    note: str
    photo: str | None
    status: LeaveStatus
    asked_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str | None
    name: str
    employee_no: str
    tg_user_id: int | None
    team_name: str


@dataclass(frozen=True)
class NewLeave:
    member_id: int
    team_id: int
    kind: LeaveType
    first_day: date
    last_day: date
    note: str
    photo: str | None


def days_of(leave: Leave | NewLeave) -> int:
    return day_count(leave.first_day, leave.last_day)


class Step(StrEnum):
    """Where a worker's /leave conversation is."""

    DAYS = "days"  # waiting for the days as text
    TYPE = "type"  # waiting for a type button
    NOTE = "note"  # waiting for a note, a photo, or 跳过
    CONFIRM = "confirm"  # waiting for 提交 / 放弃 (a photo or note may still replace)


@dataclass(frozen=True)
class Draft:
    """The conversation state of flow `leave_ahead` (step in the row, the rest as JSON)."""

    step: Step = Step.DAYS
    first_day: date | None = None
    last_day: date | None = None
    kind: LeaveType | None = None
    note: str = ""
    photo: str | None = None

    def data(self) -> dict[str, Any]:
        return {
            "first": self.first_day.isoformat() if self.first_day else None,
            "last": self.last_day.isoformat() if self.last_day else None,
            "kind": self.kind.value if self.kind else None,
            "note": self.note,
            "photo": self.photo,
        }

    @classmethod
    def load(cls, step: str, data: dict[str, Any]) -> Self | None:
        """The draft stored in a conversation row, or None for a shape it cannot be (an
        older version, a hand-edited row): the caller starts again instead of guessing."""
        try:
            draft = cls(
                Step(step),
                date.fromisoformat(data["first"]) if data.get("first") else None,
                date.fromisoformat(data["last"]) if data.get("last") else None,
                LeaveType(data["kind"]) if data.get("kind") else None,
                str(data.get("note") or ""),
                str(data["photo"]) if data.get("photo") else None,
            )
        except (KeyError, TypeError, ValueError):
            return None
        needs_days = draft.step is not Step.DAYS
        needs_kind = draft.step in (Step.NOTE, Step.CONFIRM)
        if needs_days and (draft.first_day is None or draft.last_day is None):
            return None
        if needs_kind and draft.kind is None:
            return None
        return draft

    def at(self, step: Step, **changes: Any) -> Draft:
        return replace(self, step=step, **changes)


@dataclass(frozen=True)
class Refusal:
    """The conversation state of flow `leave_refuse`: a leader about to give a reason."""

    leave_id: int
    chat_id: int  # the request card being decided, edited after the reason
    message_id: int
    photo: bool = False  # the card is a photo with a caption (edit the caption, not a text)

    def data(self) -> dict[str, Any]:
        return {"leave": self.leave_id, "msg": [self.chat_id, self.message_id], "photo": self.photo}

    @classmethod
    def load(cls, data: dict[str, Any]) -> Self | None:
        try:
            chat_id, message_id = data["msg"]
            return cls(int(data["leave"]), int(chat_id), int(message_id), bool(data.get("photo")))
        except (KeyError, TypeError, ValueError):
            return None
