"""What the notice (通知公告) use cases return: where a notice would go (`Plan`) and how its
preview looks, that it was sent or refused and why, how it stands (status, progress), the
reminders sent, and who an audience is in words (`Label`).

They live apart from `bot.services.notices` because the notices view renders them (the
preview, the status, the author's progress message) while the service builds its messages
with that view's buttons: here, the view reads the outcomes without importing the use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.repos.notices import Notice, Recipient, StatusRow


@dataclass
class Plan:
    """Where a notice goes: one delivery per chat, and how each person is reached."""

    recipients: list[Recipient] = field(default_factory=list)
    private_chats: list[int] = field(default_factory=list)
    group_chats: list[int] = field(default_factory=list)
    fallback: int = 0  # people without a private chat whose team group gets it instead
    unreachable: int = 0  # neither a private chat nor a team group

    @property
    def chats(self) -> list[int]:
        return self.group_chats + self.private_chats


@dataclass(frozen=True)
class Refused:
    """A press or command that does nothing: `key` is the text that says why."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Label:
    """Who an audience is, in words the view puts together: a team, a unit or everyone
    (`place` None), narrowed to a role or a tag."""

    place: str | None
    role: str | None = None
    tag: str | None = None


@dataclass(frozen=True)
class Preview:
    plan: Plan
    parts: list[tuple[str, str, str | None]]  # the messages each chat gets (render)


@dataclass(frozen=True)
class Sent:
    notice_id: int
    messages: int  # parts × chats


@dataclass(frozen=True)
class Status:
    notice: Notice
    rows: list[StatusRow]
    failed: int  # chats Telegram refused for good


@dataclass(frozen=True)
class Reminded:
    sent: int
    unreachable: int


@dataclass(frozen=True)
class Progress:
    notice: Notice
    counts: dict[str, int]
    running: bool
    pin_report: str  # "" or what to say about groups where the pin failed (also sent privately)
