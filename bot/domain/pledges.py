"""The pledge flows' state between messages: the pledge being written, the /pledges search."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.flowstate import FlowState


class PledgeStep(StrEnum):
    PLEDGE = "pledge"
    PLAN = "plan"
    PREVIEW = "preview"


@dataclass(frozen=True)
class PledgeDraft(FlowState, flow="pledge", version=1):
    step: PledgeStep
    nonce: int
    pledge: str = ""
    plan: str = ""


class FindStep(StrEnum):
    QUERY = "query"  # waits for the text typed after 🔍
    FOUND = "found"  # shows the result (a new text searches again)


@dataclass(frozen=True)
class PledgesFind(FlowState, flow="pledges_find", version=1):
    step: FindStep
    q: str = ""
