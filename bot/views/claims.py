"""The leader's 同意 / 拒绝 card of a registration claim (registration_check = "leader")."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id
from bot.domain.claims import CLAIM_HOURS
from bot.domain.people import Person
from bot.repos.claims import Claim
from bot.texts import Texts


@dataclass(frozen=True)
class ClaimPress(Callback, ns="rgc", version=1):
    """ "rgc:v1:<claim>:<1 approve | 0 refuse>"."""

    claim: Id
    approve: bool


def claim_keyboard(texts: Texts, lang: str | None, claim_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.get("start.claim.approve", lang),
                             callback_data=ClaimPress(claim_id, True).encode()),
        InlineKeyboardButton(texts.get("start.claim.refuse", lang),
                             callback_data=ClaimPress(claim_id, False).encode()),
    ]])  # fmt: skip


def claim_text(texts: Texts, applicant: str, user_id: int, person: Person) -> str:
    """The approver's question: who asks, for which roster entry, and how long it stays open."""
    return texts.get(
        "start.claim.ask", None, applicant=applicant, user=user_id, name=person.name,
        number=person.employee_no, team=person.team_name, unit=person.unit_name,
        hours=CLAIM_HOURS,
    )  # fmt: skip


def ended_text(texts: Texts, card: str, claim: Claim) -> str:
    """An approver's card once the claim ended: the question, then how it ended."""
    line = texts.get(
        f"start.claim.card_{claim.state}", None, by=claim.decided_by_name or "", hours=CLAIM_HOURS
    )
    return card + "\n\n" + line
