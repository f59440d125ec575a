"""Leave asked ahead (请假): a worker asks for days, a leader of the team decides.

    svc.leave.ask(person, draft)                 -> AskResult (saved + leaders' cards queued)
    svc.leave.decide(actor, leave_id, True, by)  -> DecideResult (sessions already open marked)
    svc.leave.cancel(person, leave_id)           -> CancelResult (only before the first day)

Who decides: the team's leaders; when none of them can be written to privately, the unit's
leaders; when none of those either, the admins. Whoever presses is checked again here
(`Action.APPROVE_LEAVE` on the request's team), so a card forwarded to, or forged by, a leader
of another team changes nothing. Sessions that open on an approved day mark the worker 请假
themselves (`AttendanceRepo.create_session`, through `sessions.open_session`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.delivery.outbox import Edit, Outbox
from bot.domain.auth import Action, Actor, Place, can
from bot.domain.leave import Draft, Leave, NewLeave, Refusal, RefuseStep
from bot.domain.leave_rules import (
    LeaveStatus,
    LeaveType,
    cancellable,
    local_day,
    parse_days,
    utc_bounds,
)
from bot.outcomes.leave import Asked, AskResult, CancelResult, Tier
from bot.outcomes.leave import Begun as Begun
from bot.outcomes.leave import Cancelled as Cancelled
from bot.outcomes.leave import Decided as Decided
from bot.outcomes.leave import DecideResult as DecideResult
from bot.outcomes.leave import OpenPrivate as OpenPrivate
from bot.outcomes.leave import Pending as Pending
from bot.outcomes.leave import ReasonAsked as ReasonAsked
from bot.repos.attendance import LeaveMark
from bot.repos.conversations import ConversationsRepo
from bot.repos.leave import CARD_KEY, Decision, LeaveRepo
from bot.repos.outbox import OutMessage
from bot.repos.people import PeopleRepo, Person
from bot.services.sessions import AttendanceService
from bot.texts import Texts
from bot.views import leave as views

PENDING_LIST_MAX = 20
PENDING_WORDS = ("审批", "待审批", "pending", "approve")  # `/leave 审批`: what waits for me


@dataclass
class LeaveService:
    """The one `Services.leave`. Its clock and time zone are attendance's (tests move it)."""

    repo: LeaveRepo
    people: PeopleRepo
    texts: Texts
    attendance: AttendanceService
    outbox: Outbox
    admins: frozenset[int]
    conversations: ConversationsRepo  # the draft, and a refusal waiting for its reason

    @property
    def tz(self) -> ZoneInfo:
        return self.attendance.tz

    def now(self) -> datetime:
        return self.attendance.now()

    def today(self) -> date:
        return local_day(self.now(), self.tz)

    def days(self, text: str) -> tuple[date, date]:
        """The days `text` names, from today on (`LeaveError` otherwise)."""
        return parse_days(text, self.today())

    def describe(self, leave_id: int, kind: LeaveType, note: str) -> str:
        """The audit reason of a record marked 请假 by a leave: plain text (it is stored, and
        escaped where it is shown)."""
        label = views.type_label(self.texts, kind)
        return self.texts.plain("leave.audit", id=leave_id, kind=label, note=note)

    def session_mark(self, starts_at: datetime) -> LeaveMark:
        """What a session opening now at `starts_at` applies (see create_session)."""
        return LeaveMark(local_day(starts_at, self.tz), self.describe, self.now())

    # ------------------------------------------------------------------ asking

    async def recipients(
        self, team_id: int, unit_id: int, asker: int | None
    ) -> tuple[Tier | None, list[int]]:
        """Who gets the card: the first tier with someone reachable privately, the asker
        left out (a team leader's own leave goes to the unit's leaders)."""
        ids = await self.attendance.repo.leader_user_ids(team_id)
        tiers = (
            (Tier.TEAM_LEADER, [u for u in ids if await self.people.private_ok(u)]),
            (Tier.UNIT_LEADER, await self.people.reachable_unit_leaders(unit_id)),
            (Tier.ADMIN, await self.people.reachable_admins(self.admins)),
        )
        for tier, chats in tiers:
            chats = [c for c in chats if c != asker]
            if chats:
                return tier, chats
        return None, []

    async def begin(self, person: Person | None, actor: Actor, args: str) -> Begun | Pending | None:
        """/leave [args] privately: None = not registered; `/leave 审批` what waits for this
        leader; else a new draft (the days perhaps given with the command)."""
        if person is None:
            return None
        if args.lower() in PENDING_WORDS:
            return Pending(await self.pending_for(actor))
        mine = await self.mine(person)
        waiting = len(await self.pending_for(actor))
        await self.conversations.put(actor.tg_user_id, actor.tg_user_id, Draft())
        return Begun(mine, waiting, self.today(), args)

    async def submit(self, person: Person | None, user_id: int, draft: Draft) -> AskResult | None:
        """提交 of the draft: the conversation ends, and the leave is asked (None: not
        registered any more)."""
        await self.conversations.clear(user_id, user_id)
        return None if person is None else await self.ask(person, draft)

    async def ask(self, person: Person, draft: Draft) -> AskResult:
        assert draft.first_day and draft.last_day and draft.kind, "an incomplete draft"
        now = self.now()
        if draft.first_day < local_day(now, self.tz):
            return AskResult(Asked.STARTED)
        new = NewLeave(
            person.member_id,
            person.team_id,
            draft.kind,
            draft.first_day,
            draft.last_day,
            draft.note,
            draft.photo,
        )
        tier, chats = await self.recipients(person.team_id, person.unit_id, person.tg_user_id)

        def cards(leave_id: int) -> list[OutMessage]:
            leave = _as_leave(leave_id, new, person, now)
            text = views.request_text(self.texts, leave)
            markup = views.decide_markup(self.texts, leave_id).to_dict()
            return [
                OutMessage(
                    chat,
                    text,
                    purpose="leave",
                    dedupe_key=CARD_KEY.format(id=leave_id, chat=chat),
                    kind="photo" if leave.photo else "text",
                    media=leave.photo,
                    reply_markup=markup,
                )
                for chat in chats
            ]

        leave_id, clash_id = await self.repo.create(new, now, cards)
        if leave_id is None:
            clash = await self.repo.get(clash_id) if clash_id else None
            return AskResult(Asked.OVERLAP, clash=clash)
        return AskResult(Asked.CREATED, await self.repo.get(leave_id), tier=tier if chats else None)

    async def get(self, leave_id: int) -> Leave | None:
        return await self.repo.get(leave_id)

    async def mine(self, person: Person) -> list[Leave]:
        return await self.repo.of_member(person.member_id, self.today())

    # ------------------------------------------------------------------ deciding

    def may_decide(self, actor: Actor, leave: Leave) -> bool:
        """A leader within reach of the request's team, and never the asker themselves."""
        if actor.member_id is not None and actor.member_id == leave.member_id:
            return False
        return can(
            actor, Action.APPROVE_LEAVE, Place(leave.unit_id, leave.team_id, leave.member_id)
        )

    async def check(self, actor: Actor, leave_id: int) -> DecideResult | None:
        """Why `actor` cannot decide this request now, or None if they can."""
        leave = await self.repo.get(leave_id)
        if leave is None:
            return DecideResult(Decided.GONE)
        if not self.may_decide(actor, leave):
            return DecideResult(Decided.NOT_ALLOWED, leave)
        if leave.status is not LeaveStatus.PENDING:
            return DecideResult(Decided.DONE_ALREADY, leave)
        return None

    async def decide(
        self, actor: Actor, leave_id: int, approve: bool, by: str, reason: str | None = None
    ) -> DecideResult:
        refused = await self.check(actor, leave_id)
        if refused is not None:
            return refused
        leave = await self.repo.get(leave_id)
        assert leave is not None
        told = self._told(leave, approve, by, None if approve else reason)
        done = await self.repo.decide(
            leave_id,
            approve=approve,
            actor=actor.tg_user_id,
            reason=None if approve else reason,
            at=self.now(),
            window=utc_bounds(leave.first_day, leave.last_day, self.tz),
            describe=self.describe,
            messages=told,
        )
        self.outbox.wake()
        after = await self.repo.get(leave_id)
        if done.outcome is Decision.NOT_PENDING or after is None:
            return DecideResult(Decided.DONE_ALREADY, after)
        if done.sessions:
            await self.attendance.tally.mark(*done.sessions)  # the live messages count the leave
        outcome = Decided.APPROVED if approve else Decided.REFUSED
        return DecideResult(outcome, after, len(done.sessions))

    async def ask_refusal(
        self, actor: Actor, leave_id: int, card: tuple[int, int], photo: bool
    ) -> DecideResult | OpenPrivate | ReasonAsked:
        """不批准 pressed on `card` (chat, message): refused as `check` says, or the reason
        asked privately — which needs a private chat the bot may write to."""
        refused = await self.check(actor, leave_id)
        if refused is not None:
            return refused
        user_id = actor.tg_user_id
        if not await self.people.private_ok(user_id):
            return OpenPrivate()
        state = Refusal(RefuseStep.REASON, leave_id, card[0], card[1], photo)
        await self.conversations.put(user_id, user_id, state)
        leave = await self.get(leave_id)
        return ReasonAsked(leave.name if leave else "")

    async def pending_for(self, actor: Actor) -> list[Leave]:
        """Requests waiting for this actor's decision (their reach), soonest first."""
        if actor.unit_id is None and not actor.roles:
            return []
        everywhere = can(actor, Action.APPROVE_LEAVE, Place(None))
        unit = None if everywhere else actor.unit_id
        rows = await self.repo.pending(unit, None, PENDING_LIST_MAX * 5)
        return [r for r in rows if self.may_decide(actor, r)][:PENDING_LIST_MAX]

    def _told(self, leave: Leave, approve: bool, by: str, reason: str | None) -> list[OutMessage]:
        """What the worker is told of the decision (enqueued with it)."""
        if leave.tg_user_id is None:
            return []
        key = "leave.told." + ("approved" if approve else "refused")
        text = self.texts.get(
            key, by=by, reason=reason or "", **views.summary_values(self.texts, leave)
        )
        return [OutMessage(leave.tg_user_id, text, "leave", f"leave:{leave.id}:told")]

    # ------------------------------------------------------------------ withdrawing

    async def cancel(self, person: Person, leave_id: int) -> CancelResult:
        leave = await self.repo.get(leave_id)
        if leave is None or leave.member_id != person.member_id:
            return CancelResult(Cancelled.REFUSED, leave)
        today = self.today()
        if not cancellable(leave.status, leave.first_day, today):
            return CancelResult(Cancelled.REFUSED, leave)
        # Whoever was asked to decide (or decided) hears that it is withdrawn, in the same
        # transaction as the withdrawal.
        _, chats = await self.recipients(leave.team_id, leave.unit_id, leave.tg_user_id)
        if leave.decided_by is not None and leave.decided_by not in chats:
            chats.append(leave.decided_by)
        text = self.texts.get(
            "leave.told.cancelled", name=leave.name, **views.summary_values(self.texts, leave)
        )
        told = [OutMessage(c, text, "leave", f"leave:{leave_id}:cancelled:{c}") for c in chats]
        unmarked = await self.repo.cancel(
            leave_id,
            person.member_id,
            self.now(),
            today,
            told,
            window=utc_bounds(leave.first_day, leave.last_day, self.tz),
            describe=self.describe,
            reason=self.texts.plain("leave.audit_withdrawn", id=leave_id),
        )
        if unmarked is None:
            return CancelResult(Cancelled.REFUSED, await self.repo.get(leave_id))
        self.outbox.wake()
        if unmarked:
            # The session message and the leaders' roll cards stop counting the leave.
            await self.attendance.tally.mark(*unmarked)
        after = await self.repo.get(leave_id)
        assert after is not None
        return CancelResult(Cancelled.CANCELLED, after, len(unmarked))

    # ------------------------------------------------------------------ the cards

    def attach(self) -> None:
        """The outbox renders the leaders' cards when a decision or withdrawal edits them."""
        self.outbox.editor("leave", self.render_card)

    async def render_card(self, ref: str, chat_id: int) -> Edit | None:
        """A leader's card of request "leave:<id>" as it should look now: the request and its
        state, the buttons only while it waits. None if that card was never delivered."""
        tail = ref.partition(":")[2]
        leave = await self.repo.get(int(tail)) if tail.isdigit() else None
        if leave is None:
            return None
        message_id = await self.outbox.repo.sent_message(CARD_KEY.format(id=leave.id, chat=chat_id))
        if message_id is None:
            return None
        if leave.status is LeaveStatus.PENDING:
            text = views.request_text(self.texts, leave)
            return Edit(
                message_id, text, views.decide_markup(self.texts, leave.id), bool(leave.photo)
            )
        text = views.decided_text(self.texts, leave, leave.decided_by_name or "")
        return Edit(message_id, text, None, caption=bool(leave.photo))

    # ------------------------------------------------------------------ reports

    async def in_period(self, start: date, end: date) -> list[Leave]:
        return await self.repo.in_period(start, end)


def _as_leave(leave_id: int, new: NewLeave, person: Person, at: datetime) -> Leave:
    """The request as it is being saved (for its card, rendered inside the saving write)."""
    return Leave(
        id=leave_id,
        member_id=new.member_id,
        team_id=new.team_id,
        unit_id=person.unit_id,
        kind=new.kind,
        first_day=new.first_day,
        last_day=new.last_day,
        note=new.note,
        photo=new.photo,
        status=LeaveStatus.PENDING,
        asked_at=at,
        decided_by=None,
        decided_at=None,
        decision_reason=None,
        name=person.name,
        employee_no=person.employee_no,
        tg_user_id=person.tg_user_id,
        team_name=person.team_name,
    )
