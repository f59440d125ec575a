"""What a schedule is for and whom it reaches, and the /schedule creation flow's state.

`ScheduleDraft` is stored as the `schedule` conversation between the admin's answers: the
flow name, version and field names are the ones stored drafts were written with, so a draft
begun before an update still loads; a row that does not fit ends with the polite "start
again" (`bot.domain.flowstate`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.flowstate import FlowState


class Purpose(StrEnum):
    STUDY_REMINDER = "study_reminder"
    PRESHIFT = "preshift"
    MEETING = "meeting"
    CUSTOM = "custom"


class Scope(StrEnum):
    TEAM = "team"
    UNIT = "unit"
    ALL = "all"


class ScheduleStep(StrEnum):
    PURPOSE = "purpose"  # buttons: what it is for
    SCOPE = "scope"  # typed: 全体, a unit or a team
    RULE = "rule"  # typed: when
    TITLE = "title"  # typed, or 跳过
    BODY = "body"  # typed: a custom message's text
    CONFIRM = "confirm"  # the preview: 保存 or 取消


@dataclass(frozen=True)
class ScheduleDraft(FlowState, flow="schedule", version=1):
    step: ScheduleStep
    nonce: int
    purpose: Purpose | None = None
    scope: Scope | None = None
    unit_id: int | None = None
    team_id: int | None = None
    rule: str = ""
    title: str = ""
    body: str = ""
