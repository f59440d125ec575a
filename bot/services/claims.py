"""Team-leader approval of a registration (registration_check = "leader"): the number alone
does not link the account; the team's leader confirms that this Telegram account is that
colleague. Who may decide: the team's leaders, the unit's leaders, admins.

A claim ends once — approved, refused or lapsed after `CLAIM_HOURS` — and the transaction that
ends it also tells the applicant and has every approver's card edited to say how it ended
(no buttons left to press), so a crash between the two loses neither."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.db import Database
from bot.delivery.outbox import Edit, Outbox
from bot.domain.auth import Actor, Role
from bot.domain.claims import CLAIM_HOURS, may_decide
from bot.repos.claims import CARD_KEY, TOLD_KEY, Claim, ClaimsRepo
from bot.repos.outbox import OutMessage
from bot.repos.people import PeopleRepo, Person
from bot.texts import Texts
from bot.views import claims as views

__all__ = ["CLAIM_HOURS", "ClaimService", "DecideResult", "Decision", "OpenResult", "Opened"]


class Opened(StrEnum):
    SENT = "sent"  # a new claim, sent to the approvers
    WAITING = "waiting"  # this account already asked: still waiting
    OTHER = "other"  # another account's claim for this person is open: refused, reported
    NOBODY = "nobody"  # nobody could be asked (no leader or admin reachable)


@dataclass(frozen=True)
class OpenResult:
    outcome: Opened
    claim: Claim | None = None
    approvers: tuple[int, ...] = ()
    expired_before: bool = False  # an earlier claim of this account had expired


class Decision(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"
    GONE = "gone"  # decided already, or unknown
    EXPIRED = "expired"
    NOT_ALLOWED = "not_allowed"
    TAKEN = "taken"  # the entry or the account got linked meanwhile


@dataclass(frozen=True)
class DecideResult:
    outcome: Decision
    claim: Claim | None = None
    person: Person | None = None


class ClaimService:
    def __init__(
        self,
        db: Database,
        people: PeopleRepo,
        admins: frozenset[int],
        texts: Texts,
        outbox: Outbox,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo = ClaimsRepo(db)
        self.people, self.admins, self.texts = people, admins, texts
        self.outbox, self.clock = outbox, clock

    async def approvers(self, person: Person) -> list[int]:
        leaders = [
            p.tg_user_id for p in await self.people.team_members(person.team_id)
            if Role.TEAM_LEADER in p.roles and p.tg_user_id is not None
            and p.member_id != person.member_id
        ]  # fmt: skip
        if leaders:
            return sorted(set(leaders))
        unit = await self.people.reachable_unit_leaders(person.unit_id)
        return unit or await self.people.reachable_admins(self.admins)

    async def open(self, person: Person, user_id: int, applicant: str) -> OpenResult:
        now = self.clock()
        before = now - timedelta(hours=CLAIM_HOURS)
        current = await self.repo.open_for(person.member_id)
        expired = current is not None and current.created_at < before
        if current is not None and not expired:
            if current.user_id == user_id:
                return OpenResult(Opened.WAITING, current)
            await self.people.audit(
                user_id, "registration.claim_conflict", person.employee_no,
                {"open_claim": current.id, "by": current.user_id},
            )  # fmt: skip
            return OpenResult(Opened.OTHER, current)
        approvers = await self.approvers(person)
        if not approvers:
            return OpenResult(Opened.NOBODY)
        applicant = applicant[:64]

        def cards(claim_id: int) -> list[OutMessage]:
            text = views.claim_text(self.texts, applicant, user_id, person)
            markup = views.claim_keyboard(self.texts, None, claim_id).to_dict()
            return [
                OutMessage(
                    chat,
                    text,
                    purpose="claim",
                    dedupe_key=CARD_KEY.format(id=claim_id, chat=chat),
                    reply_markup=markup,
                )
                for chat in approvers
            ]

        claim = await self.repo.create(person.member_id, user_id, applicant, now, before, cards)
        if claim is None:  # another account got there between the read and the write
            return OpenResult(Opened.OTHER)
        await self.people.audit(
            user_id, "registration.claim", person.employee_no, {"claim": claim.id}
        )
        self.outbox.wake()
        mine = expired and current is not None and current.user_id == user_id
        return OpenResult(Opened.SENT, claim, tuple(approvers), mine)

    def _told(self, claim: Claim, person: Person, outcome: Decision, by: str) -> OutMessage:
        """What the applicant hears of how their claim ended."""
        text = self.texts.get(
            f"start.claim.{outcome.value}_applicant",
            None,
            name=person.name,
            team=person.team_name,
            by=by,
        )
        key = TOLD_KEY.format(id=claim.id, outcome=outcome.value)
        return OutMessage(claim.user_id, text, purpose="claim", dedupe_key=key)

    async def decide(self, claim_id: int, actor: Actor, approve: bool, by: str) -> DecideResult:
        """`by`: the decider's name as the applicant and the cards show it."""
        claim = await self.repo.get(claim_id)
        if claim is None or claim.state != "pending":
            return DecideResult(Decision.GONE, claim)
        person = await self.people.by_member(claim.member_id)
        if person is None:
            return DecideResult(Decision.GONE, claim)
        if not may_decide(actor, person):
            return DecideResult(Decision.NOT_ALLOWED, claim, person)
        now = self.clock()
        if claim.created_at < now - timedelta(hours=CLAIM_HOURS):
            told = [self._told(claim, person, Decision.EXPIRED, by)]
            await self.repo.decide(claim.id, "expired", actor.tg_user_id, now, told)
            self.outbox.wake()
            return DecideResult(Decision.EXPIRED, claim, person)
        if not approve:
            told = [self._told(claim, person, Decision.REFUSED, by)]
            if not await self.repo.decide(claim.id, "refused", actor.tg_user_id, now, told):
                return DecideResult(Decision.GONE, claim, person)
            self.outbox.wake()
            await self.people.audit(
                actor.tg_user_id, "registration.claim_refused", person.employee_no,
                {"claim": claim.id, "user": claim.user_id},
            )  # fmt: skip
            return DecideResult(Decision.REFUSED, claim, person)
        told = [self._told(claim, person, Decision.APPROVED, by)]
        done = await self.repo.approve(
            claim, actor.tg_user_id, now, person.employee_no, person.team_id, told
        )
        if done == "gone":
            return DecideResult(Decision.GONE, claim, person)
        if done != "approved":
            # Nothing changed (the claim still waits), so this answer needs no transaction.
            await self.outbox.enqueue([self._told(claim, person, Decision.TAKEN, by)])
            return DecideResult(Decision.TAKEN, claim, person)
        self.outbox.wake()
        self.people.forget(claim.user_id)
        return DecideResult(Decision.APPROVED, claim, person)

    async def expire_lapsed(self) -> int:
        """Claims nobody decided within `CLAIM_HOURS` lapse: the applicant is told that they
        may ask again, the cards lose their buttons. Returns how many lapsed."""
        now = self.clock()
        before = now - timedelta(hours=CLAIM_HOURS)
        told: dict[int, list[OutMessage]] = {}
        for claim in await self.repo.lapsed(before):
            person = await self.people.by_member(claim.member_id)
            told[claim.id] = (
                [self._told(claim, person, Decision.EXPIRED, "")] if person is not None else []
            )
        if not told:
            return 0
        done = await self.repo.expire(told, now, before)
        if done:
            self.outbox.wake()
        return len(done)

    # ------------------------------------------------------------------ the cards

    def attach(self) -> None:
        """The outbox renders the approvers' cards when a claim's end edits them."""
        self.outbox.editor("claim", self.render_card)

    async def render_card(self, ref: str, chat_id: int) -> Edit | None:
        """An approver's card of "claim:<id>" as it should look now; None if never sent."""
        tail = ref.partition(":")[2]
        claim = await self.repo.get(int(tail)) if tail.isdigit() else None
        if claim is None:
            return None
        message_id = await self.outbox.repo.sent_message(CARD_KEY.format(id=claim.id, chat=chat_id))
        person = await self.people.by_member(claim.member_id)
        if message_id is None or person is None:
            return None
        text = views.claim_text(self.texts, claim.applicant, claim.user_id, person)
        if claim.state == "pending":
            return Edit(message_id, text, views.claim_keyboard(self.texts, None, claim.id))
        return Edit(message_id, views.ended_text(self.texts, text, claim))
