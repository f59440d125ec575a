"""Team-leader approval of a registration (registration_check = "leader"): the number alone
does not link the account; the team's leader confirms that this Telegram account is that
colleague. Who may decide: the team's leaders, the unit's leaders, admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.clock import utcnow
from bot.db import Database
from bot.domain.auth import Actor, Role
from bot.repos.claims import Claim, ClaimsRepo
from bot.repos.people import PeopleRepo, Person

CLAIM_HOURS = 48


def may_decide(actor: Actor, person: Person) -> bool:
    """The claimed person's own team leaders, their unit's leaders, or an admin."""
    if actor.member_id is not None and actor.member_id == person.member_id:
        return False
    if Role.ADMIN in actor.roles:
        return True
    if Role.UNIT_LEADER in actor.roles and actor.unit_id == person.unit_id:
        return True
    return Role.TEAM_LEADER in actor.roles and actor.team_id == person.team_id


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
    def __init__(self, db: Database, people: PeopleRepo, admins: frozenset[int]) -> None:
        self.repo = ClaimsRepo(db)
        self.people = people
        self.admins = admins

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
        now = utcnow()
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
        claim = await self.repo.create(person.member_id, user_id, applicant[:64], now, before)
        if claim is None:  # another account got there between the read and the write
            return OpenResult(Opened.OTHER)
        await self.people.audit(
            user_id, "registration.claim", person.employee_no, {"claim": claim.id}
        )
        mine = expired and current is not None and current.user_id == user_id
        return OpenResult(Opened.SENT, claim, tuple(approvers), mine)

    async def decide(self, claim_id: int, actor: Actor, approve: bool) -> DecideResult:
        claim = await self.repo.get(claim_id)
        if claim is None or claim.state != "pending":
            return DecideResult(Decision.GONE, claim)
        person = await self.people.by_member(claim.member_id)
        if person is None:
            return DecideResult(Decision.GONE, claim)
        if not may_decide(actor, person):
            return DecideResult(Decision.NOT_ALLOWED, claim, person)
        now = utcnow()
        if claim.created_at < now - timedelta(hours=CLAIM_HOURS):
            await self.repo.decide(claim.id, "expired", actor.tg_user_id, now)
            return DecideResult(Decision.EXPIRED, claim, person)
        if not approve:
            if not await self.repo.decide(claim.id, "refused", actor.tg_user_id, now):
                return DecideResult(Decision.GONE, claim, person)
            await self.people.audit(
                actor.tg_user_id, "registration.claim_refused", person.employee_no,
                {"claim": claim.id, "user": claim.user_id},
            )  # fmt: skip
            return DecideResult(Decision.REFUSED, claim, person)
        done = await self.repo.approve(
            claim, actor.tg_user_id, now, person.employee_no, person.team_id
        )
        if done != "approved":
            return DecideResult(Decision.GONE if done == "gone" else Decision.TAKEN, claim, person)
        self.people.forget(claim.user_id)
        return DecideResult(Decision.APPROVED, claim, person)
