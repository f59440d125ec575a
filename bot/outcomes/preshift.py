"""What the pre-shift learning (班前学习) use cases return: a 已学 press's fate, a post's status
(who pressed, who has not), the leader's who-has-not card, the reminders sent, or why nothing
is shown.

They live apart from `bot.services.preshift` because the pre-shift view renders the status and
the card while the service builds its reminders with that view's post and buttons: here, the
view reads the outcomes without importing the use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.org import Team
from bot.repos.schedules import MemberRef


class Ack(StrEnum):
    RECORDED = "acked"
    ALREADY = "already"
    NOT_MEMBER = "not_member"
    NOT_REGISTERED = "not_registered"
    GONE = "gone"


@dataclass(frozen=True)
class Status:
    team: Team
    occurrence_id: int
    prompt_id: str
    done: int
    missing: list[MemberRef]

    @property
    def total(self) -> int:
        return self.done + len(self.missing)


@dataclass(frozen=True)
class Refused:
    """Nothing shown: `key` under schedules.preshift. says why (gone, leaders_only…)."""

    key: str


@dataclass(frozen=True)
class Card:
    """What the who-has-not card shows besides the status: when the post went out and its
    title (the prompt's, or its id if the prompt left the library)."""

    status: Status
    occurs_at: datetime | None
    title: str


@dataclass(frozen=True)
class Nudged:
    sent: int
    earlier: int
    unreachable: int
