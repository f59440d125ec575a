"""A multi-step conversation in progress: which flow, which step, what was said so far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Conversation:
    chat_id: int
    user_id: int
    flow: str
    step: str
    data: dict[str, Any]
