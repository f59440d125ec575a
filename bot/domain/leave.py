"""A leave request as the rest of the bot sees it (rows of `leave_requests`). No I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.flowstate import FlowState
from bot.domain.leave_rules import NOTE_MAX, LeaveStatus, LeaveType, day_count
from bot.domain.text import is_blank

__all__ = ["Draft", "Leave", "NewLeave", "Refusal", "RefuseStep", "Step", "days_of"]


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
    # Who decided, as the cards name them: their roster name, else their Telegram name.
    decided_by_name: str | None = None


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
class Draft(FlowState, flow="leave_ahead", version=1):
    """The worker's /leave conversation (typed state, bot.domain.flowstate)."""

    step: Step = Step.DAYS
    first: str = ""  # ISO local days, once given
    last: str = ""
    kind: LeaveType | None = None
    note: str = ""
    photo: str | None = None  # Telegram file_id of the evidence photo

    @property
    def first_day(self) -> date | None:
        return _day(self.first)

    @property
    def last_day(self) -> date | None:
        return _day(self.last)

    def usable(self) -> bool:
        """The fields the step relies on are there (the codec checks types, not this)."""
        if self.step is Step.DAYS:
            return True
        days_ok = self.first_day is not None and self.last_day is not None
        if self.step is Step.TYPE:
            return days_ok
        return days_ok and self.kind is not None

    def at(self, step: Step, **changes: Any) -> Draft:
        return replace(self, step=step, **changes)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


class RefuseStep(StrEnum):
    REASON = "reason"


@dataclass(frozen=True)
class Refusal(FlowState, flow="leave_refuse", version=1):
    """A leader about to give the reason for refusing a request."""

    step: RefuseStep
    leave_id: int
    # The card pressed. The outbox now edits every card with the decision, so these only
    # name it; they stay so that a refusal waiting across an upgrade still loads.
    chat_id: int
    message_id: int
    photo: bool = False


MAX_PHOTO_MB = 10  # Telegram's own limit for a photo; a bigger "photo" is refused plainly


@dataclass(frozen=True)
class Problem:
    """Why a step's input was not taken: a text key and its values."""

    key: str
    values: dict[str, object]


def note_problem(text: str, blank_key: str, long_key: str) -> Problem | None:
    """A note or a reason must say something and fit in NOTE_MAX characters."""
    if is_blank(text):
        return Problem(blank_key, {})
    if len(text.strip()) > NOTE_MAX:
        return Problem(long_key, {"max": NOTE_MAX, "n": len(text.strip())})
    return None


def with_file(draft: Draft, photo: tuple[str, int] | None, caption: str | None) -> Draft | Problem:
    """A photo (file id, size) sent while asking leave is the evidence, its caption the note;
    a document is refused plainly; before the type is chosen, the step says what it wants."""
    if draft.step is Step.DAYS:
        return Problem("leave.bad.photo_days", {})
    if draft.step is Step.TYPE:
        return Problem("leave.bad.photo_type", {})
    if photo is None:
        return Problem("leave.bad.document", {})
    if photo[1] > MAX_PHOTO_MB * 1024 * 1024:
        return Problem("leave.bad.photo_big", {"mb": MAX_PHOTO_MB})
    note = draft.note
    if caption and not is_blank(caption):
        problem = note_problem(caption, "leave.bad.note_blank", "leave.bad.note_long")
        if problem is not None:
            return problem
        note = caption.strip()
    return draft.at(Step.CONFIRM, photo=photo[0], note=note)
