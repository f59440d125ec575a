"""Use cases of the rectification register (整改销号): explicit dependencies in, typed outcomes
out. Who may act is asked of `bot.domain.auth`, what the register allows of
`bot.domain.rectification`; each move and the messages telling the people affected are one
transaction (`RectificationRepo.move`), so a restart neither loses nor repeats a notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import rectification as rules
from bot.domain.auth import Action, Actor, Place, Reach, Role, can, reach
from bot.domain.periods import Period, PeriodError, parse_period
from bot.domain.rectification import (
    Level,
    MonthFigures,
    Move,
    NewStep,
    ReasonStep,
    RectDraft,
    RectReason,
    State,
)
from bot.domain.text import is_blank, visible
from bot.outcomes.rectification import (
    Card,
    Draft,
    Ledger,
    Moved,
    Raised,
    Register,
    Row,
)
from bot.outcomes.rectification import Op as Op  # re-exported for handlers and tests
from bot.outcomes.rectification import Problem as Problem
from bot.outcomes.rectification import ReasonGiven as ReasonGiven
from bot.outcomes.rectification import Refused as Refused
from bot.repos.groups import GroupsRepo
from bot.repos.outbox import OutMessage
from bot.repos.people import PeopleRepo
from bot.repos.rectification import (
    Candidate,
    Evidence,
    MoveRecord,
    NewItem,
    RectificationRepo,
    SuggestionRef,
)
from bot.repos.rectification import Item as Item  # re-exported for handlers
from bot.texts import Texts
from bot.views import rectification as view

MAX_EVIDENCE = 10  # pieces per submission
MAX_FILE_BYTES = 20 * 1024 * 1024  # what a verifier's bot can still fetch (getFile's limit)
MAX_TEXT_CHARS = 1000
ADOPTED = frozenset({"adopted", "implemented", "rewarded"})
ESCALATE_FROM_HOUR, ESCALATE_UNTIL_HOUR = 8, 20  # local: nobody is chased at night


_FROM_RULES = {
    rules.Refusal.WRONG_STATE: Problem.WRONG_STATE,
    rules.Refusal.NOT_OWNER: Problem.NOT_OWNER,
    rules.Refusal.SELF_VERIFY: Problem.SELF_VERIFY,
    rules.Refusal.NEED_REASON: Problem.NEED_REASON,
    rules.Refusal.NEED_EVIDENCE: Problem.NEED_EVIDENCE,
    rules.Refusal.BAD_DATE: Problem.LATE_DATE,
}


_MOVE_OF = {
    Op.SUBMIT: Move.SUBMIT,
    Op.VERIFY: Move.VERIFY,
    Op.SEND_BACK: Move.SEND_BACK,
    Op.POSTPONE: Move.POSTPONE,
    Op.REOPEN: Move.REOPEN,
}


def _clean(text: str, limit: int) -> str | Refused:
    if is_blank(text):
        return Refused(Problem.BLANK)
    t = visible(text).strip()
    if len(t) > limit:
        return Refused(Problem.TOO_LONG, str(len(t)))
    return t


def is_owner(actor: Actor, item: Item) -> bool:
    return actor.member_id is not None and actor.member_id == item.owner_id


class RectificationService:
    def __init__(
        self,
        repo: RectificationRepo,
        people: PeopleRepo,
        groups: GroupsRepo,
        texts: Texts,
        tz: ZoneInfo,
        admins: frozenset[int],
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.repo, self.people, self.groups = repo, people, groups
        self.texts, self.tz, self.admins = texts, tz, admins
        self.wake = wake  # the outbox's sender, after a write that enqueued messages

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    # ------------------------------------------------------------------ who may

    def may_view(self, actor: Actor, item: Item) -> bool:
        return (
            is_owner(actor, item)
            or actor.tg_user_id == item.raised_by
            or can(actor, Action.VIEW_RECTIFICATION, item.place)
        )

    def may_manage(self, actor: Actor, item: Item) -> bool:
        """Postpone and reopen: whoever raised it, or who may raise items there."""
        return actor.tg_user_id == item.raised_by or can(
            actor, Action.RAISE_RECTIFICATION, item.place
        )

    def ops(self, actor: Actor, item: Item, evidence: int) -> frozenset[Op]:
        ops: set[Op] = set()
        owner = is_owner(actor, item)
        if item.state is State.OPEN and owner:
            ops.add(Op.SUBMIT)
        verifier = can(actor, Action.VERIFY_RECTIFICATION, item.place)
        self_made = owner or actor.tg_user_id == item.submitted_by
        if item.state is State.RECTIFIED and verifier and not self_made:
            ops |= {Op.VERIFY, Op.SEND_BACK}
        if item.state is not State.CLOSED and self.may_manage(actor, item):
            ops.add(Op.POSTPONE)
        if item.state is State.CLOSED and self.may_manage(actor, item):
            ops.add(Op.REOPEN)
        if evidence:
            ops.add(Op.EVIDENCE)
        return frozenset(ops)

    # ------------------------------------------------------------------ reads

    async def register(self, actor: Actor) -> list[Item]:
        """The open items this person sees: their own, and those in their reach."""
        if can(actor, Action.VIEW_RECTIFICATION):
            scope = {
                Role.ADMIN: {},
                Role.UNIT_LEADER: {"unit_id": actor.unit_id},
                Role.TEAM_LEADER: {"team_id": actor.team_id},
            }
            role = next(
                r for r in (Role.ADMIN, Role.UNIT_LEADER, Role.TEAM_LEADER) if r in actor.roles
            )
            seen = await self.repo.items(**scope[role])  # type: ignore[arg-type]
        else:
            seen = []
        own = await self.repo.items(owner_id=actor.member_id) if actor.member_id else []
        ids = {i.id for i in seen}
        return sorted(
            [*seen, *(i for i in own if i.id not in ids)], key=lambda i: (i.deadline, i.id)
        )

    async def register_for(self, actor: Actor, now: datetime) -> Register:
        return Register(await self.register(actor), self.today(now), self.may_raise(actor))

    async def card(self, actor: Actor, item_id: int) -> Card | Refused:
        item = await self.repo.item(item_id)
        if item is None:
            return Refused(Problem.NO_ITEM)
        if not self.may_view(actor, item):
            return Refused(Problem.FORBIDDEN)
        evidence = len(await self.repo.submitted(item_id)) if item.state is not State.OPEN else 0
        events = await self.repo.events(item_id)
        return Card(item, events, self.ops(actor, item, evidence), evidence)

    async def evidence(self, actor: Actor, item_id: int) -> tuple[Item, list[Evidence]] | Refused:
        item = await self.repo.item(item_id)
        if item is None:
            return Refused(Problem.NO_ITEM)
        if not self.may_view(actor, item):
            return Refused(Problem.FORBIDDEN)
        return item, await self.repo.submitted(item_id)

    # ------------------------------------------------------------------ raising an item

    def may_raise(self, actor: Actor) -> bool:
        return can(actor, Action.RAISE_RECTIFICATION)

    def problem_text(self, text: str) -> str | Refused:
        return _clean(text, rules.MAX_PROBLEM_CHARS)

    async def find_owner(self, actor: Actor, query: str) -> Candidate | Refused:
        q = visible(query).strip()
        if not q:
            return Refused(Problem.BLANK)
        found = await self.repo.candidates(q[:40])
        if not found:
            return Refused(Problem.OWNER_NOT_FOUND, q[:40])
        mine = [c for c in found if self._may_raise_for(actor, c)]
        if not mine:
            return Refused(Problem.OWNER_OUT_OF_SCOPE, q[:40])
        if len(mine) > 1:
            return Refused(Problem.OWNER_AMBIGUOUS, q[:40])
        return mine[0]

    def _may_raise_for(self, actor: Actor, c: Candidate) -> bool:
        return can(actor, Action.RAISE_RECTIFICATION, Place(c.unit_id, c.team_id, c.member_id))

    def deadline(self, text: str, now: datetime) -> date | Refused:
        try:
            return rules.parse_deadline(text, self.today(now))
        except rules.DeadlineError as e:
            code = {"bad": Problem.BAD_DATE, "past": Problem.PAST_DATE, "far": Problem.FAR_DATE}
            return Refused(code[e.code], e.value)

    async def new_step(
        self, actor: Actor, draft: RectDraft, text: str, now: datetime
    ) -> RectDraft | Refused | Raised:
        """/rectify_new's next message: the problem, the owner, then the deadline, which
        raises the item. A refused answer leaves the draft where it was (asked again)."""
        if draft.step is NewStep.PROBLEM:
            problem = self.problem_text(text)
            if isinstance(problem, Refused):
                return problem
            return replace(draft, step=NewStep.OWNER, problem=problem)
        if draft.step is NewStep.OWNER:
            owner = await self.find_owner(actor, text)
            if isinstance(owner, Refused):
                return owner
            return replace(draft, step=NewStep.DEADLINE, owner=owner.member_id)
        deadline = self.deadline(text, now)
        if isinstance(deadline, Refused):
            return deadline
        item = await self.raise_item(
            actor, draft.problem, draft.owner, deadline, now,
            source=draft.source, suggestion_id=draft.suggestion or None,
        )  # fmt: skip
        return Raised(item)

    async def from_suggestion(self, actor: Actor, suggestion_id: int) -> SuggestionRef | Refused:
        s = await self.repo.suggestion(suggestion_id)
        if s is None:
            return Refused(Problem.NO_SUGGESTION, str(suggestion_id))
        if not can(actor, Action.RAISE_RECTIFICATION, Place(s.unit_id, s.team_id)):
            return Refused(Problem.FORBIDDEN)
        if s.state not in ADOPTED:
            return Refused(Problem.NOT_ADOPTED, str(suggestion_id))
        existing = await self.repo.by_suggestion(suggestion_id)
        if existing is not None:
            return Refused(Problem.ALREADY_RAISED, str(existing))
        return s

    async def raise_item(
        self,
        actor: Actor,
        problem: str,
        owner_id: int,
        deadline: date,
        now: datetime,
        *,
        source: str = "manual",
        suggestion_id: int | None = None,
    ) -> Item | Refused:
        owner = await self.people.by_member(owner_id)
        if owner is None or not owner.active:
            return Refused(Problem.OWNER_NOT_FOUND, str(owner_id))
        cand = Candidate(owner.member_id, owner.name, owner.team_name, owner.unit_id, owner.team_id)
        if not self._may_raise_for(actor, cand):
            return Refused(Problem.FORBIDDEN)
        text = self.problem_text(problem)
        if isinstance(text, Refused):
            return text
        if deadline <= self.today(now):
            return Refused(Problem.PAST_DATE, deadline.isoformat())
        new = NewItem(
            text,
            owner.unit_id,
            owner.team_id,
            owner.member_id,
            deadline,
            actor.tg_user_id,
            source,
            suggestion_id,
        )
        lang = self.texts.default

        def tell(item_id: int) -> list[OutMessage]:
            if owner.tg_user_id is None or owner.tg_user_id == actor.tg_user_id:
                return []
            text = view.assigned(self.texts, lang, item_id, new.problem, deadline)
            markup = view.open_button(self.texts, lang, item_id, 1)
            return [
                OutMessage(
                    owner.tg_user_id,
                    text,
                    purpose="rectification",
                    dedupe_key=f"rect:{item_id}:1:raise:{owner.tg_user_id}",
                    reply_markup=markup.to_dict(),
                )
            ]

        item_id = await self.repo.raise_item(new, now, tell)
        self.wake()
        if item_id is None:
            return Refused(Problem.ALREADY_RAISED)
        item = await self.repo.item(item_id)
        assert item is not None
        return item

    # ------------------------------------------------------------------ evidence

    async def start_evidence(self, actor: Actor, item_id: int, version: int) -> Draft | Refused:
        item = await self._current(actor, item_id, version)
        if isinstance(item, Refused):
            return item
        if not is_owner(actor, item):
            return Refused(Problem.NOT_OWNER)
        if item.state is not State.OPEN:
            return Refused(Problem.WRONG_STATE)
        return Draft(item, len(await self.repo.draft(item_id, actor.tg_user_id)))

    async def add_evidence(
        self,
        actor: Actor,
        item_id: int,
        now: datetime,
        *,
        kind: str,
        body: str = "",
        file_id: str | None = None,
        file_name: str | None = None,
        size: int | None = None,
    ) -> Draft | Refused:
        """One piece of the owner's draft: a note (kind "text") or a photo / document by
        Telegram file id, refused over MAX_FILE_BYTES or beyond MAX_EVIDENCE pieces."""
        piece = Evidence(0, kind, body, file_id, file_name, size)
        item = await self.repo.item(item_id)
        if item is None:
            return Refused(Problem.NO_ITEM)
        if not is_owner(actor, item) or item.state is not State.OPEN:
            return Refused(Problem.WRONG_STATE)
        if piece.size is not None and piece.size > MAX_FILE_BYTES:
            return Refused(Problem.FILE_TOO_BIG, str(MAX_FILE_BYTES // (1024 * 1024)))
        if kind == "text":
            cleaned = _clean(body, MAX_TEXT_CHARS)
            if isinstance(cleaned, Refused):
                return cleaned
            piece = Evidence(0, kind, cleaned, None, None, None)
        elif body:  # a caption: kept, bounded, never refused for its length
            piece = Evidence(
                0, kind, visible(body).strip()[:MAX_TEXT_CHARS], file_id, file_name, size
            )
        n = await self.repo.add_evidence(item_id, actor.tg_user_id, piece, now, MAX_EVIDENCE)
        if n is None:
            return Refused(Problem.DRAFT_FULL, str(MAX_EVIDENCE))
        return Draft(item, n)

    # ------------------------------------------------------------------ moves

    async def _current(self, actor: Actor, item_id: int, version: int) -> Item | Refused:
        item = await self.repo.item(item_id)
        if item is None:
            return Refused(Problem.NO_ITEM)
        if not self.may_view(actor, item):
            return Refused(Problem.FORBIDDEN)
        if item.version != version:
            return Refused(Problem.STALE)
        return item

    async def check(self, actor: Actor, item_id: int, version: int, op: Op) -> Item | Refused:
        """Before asking for a reason: may this person make this move on this item now?"""
        item = await self._current(actor, item_id, version)
        if isinstance(item, Refused):
            return item
        evidence = len(await self.repo.submitted(item_id)) if item.state is not State.OPEN else 0
        if op not in self.ops(actor, item, evidence):
            if op is Op.VERIFY or op is Op.SEND_BACK:
                verifier = can(actor, Action.VERIFY_RECTIFICATION, item.place)
                if verifier and item.state is State.RECTIFIED:
                    return Refused(Problem.SELF_VERIFY)
            if op is Op.SUBMIT and not is_owner(actor, item):
                return Refused(Problem.NOT_OWNER)
            allowed = self._allowed(actor, item, _MOVE_OF.get(op, Move.SUBMIT))
            return Refused(Problem.WRONG_STATE if allowed else Problem.FORBIDDEN)
        return item

    def reason_text(self, text: str) -> str | Refused:
        return _clean(text, rules.MAX_REASON_CHARS)

    def reason_step(
        self, st: RectReason, text: str, now: datetime
    ) -> RectReason | ReasonGiven | Refused:
        """The reason (then, to postpone or reopen, the new date) of a move: the flow's next
        state, or everything the move needs."""
        if st.step is ReasonStep.REASON:
            reason = self.reason_text(text)
            if isinstance(reason, Refused):
                return reason
            if st.move is Move.SEND_BACK:
                return ReasonGiven(reason)
            return replace(st, step=ReasonStep.DATE, reason=reason)
        deadline = self.deadline(text, now)
        if isinstance(deadline, Refused):
            return deadline
        return ReasonGiven(st.reason, deadline)

    def _allowed(self, actor: Actor, item: Item, move: Move) -> bool:
        if move is Move.SUBMIT:
            return True  # the register's own rule: the owner only
        if move in (Move.VERIFY, Move.SEND_BACK):
            return can(actor, Action.VERIFY_RECTIFICATION, item.place)
        return self.may_manage(actor, item)

    async def act(
        self,
        actor: Actor,
        item_id: int,
        version: int,
        move: Move,
        now: datetime,
        *,
        reason: str = "",
        new_deadline: date | None = None,
    ) -> Moved | Refused:
        item = await self._current(actor, item_id, version)
        if isinstance(item, Refused):
            return item
        if not self._allowed(actor, item, move):
            return Refused(Problem.FORBIDDEN)
        if reason:
            cleaned = _clean(reason, rules.MAX_REASON_CHARS)
            if isinstance(cleaned, Refused):
                return cleaned
            reason = cleaned
        evidence = bool(await self.repo.draft(item_id, actor.tg_user_id))
        decided = rules.decide(
            rules.Request(
                move,
                item.state,
                actor_is_owner=is_owner(actor, item),
                actor_submitted=item.submitted_by == actor.tg_user_id,
                reason=reason,
                evidence=evidence,
                new_deadline=new_deadline,
                deadline=item.deadline if move is Move.POSTPONE else None,
                today=self.today(now),
            )
        )
        if isinstance(decided, rules.Refusal):
            return Refused(_FROM_RULES[decided])
        rec = MoveRecord(
            item.id, version, move, decided, actor.tg_user_id, now, reason, new_deadline
        )
        messages = await self._tell(actor, item, rec)
        if not await self.repo.move(rec, messages):
            return Refused(Problem.STALE)
        self.wake()
        after = await self.repo.item(item.id)
        assert after is not None
        return Moved(after, move)

    async def _tell(self, actor: Actor, item: Item, rec: MoveRecord) -> list[OutMessage]:
        """The people a move concerns, each once (never the one who acted)."""
        lang, v = self.texts.default, item.version + 1
        chats: list[int] = []
        if rec.move is Move.SUBMIT:
            chats = [item.raised_by] if item.raised_by != actor.tg_user_id else []
            if not chats or item.raised_by in self.admins:
                chats += await self.people.reachable_unit_leaders(item.unit_id)
        else:
            chats = [c for c in (item.owner_tg, item.raised_by) if c is not None]
        group = await self.groups.team_chat(item.team_id) if item.team_id else None
        if group is not None and rec.move in (Move.VERIFY, Move.POSTPONE, Move.REOPEN):
            chats.append(group)
        text = view.moved(self.texts, lang, item, rec.move, rec.reason, rec.new_deadline)
        out: list[OutMessage] = []
        for chat in dict.fromkeys(chats):
            if chat == actor.tg_user_id or (
                chat > 0 and chat == item.owner_tg and rec.move is Move.SUBMIT
            ):
                continue
            markup = None if chat < 0 else view.open_button(self.texts, lang, item.id, v).to_dict()
            out.append(
                OutMessage(
                    chat,
                    text,
                    purpose="rectification",
                    dedupe_key=f"rect:{item.id}:{v}:{rec.move.value}:{chat}",
                    reply_markup=markup,
                )
            )
        return out

    # ------------------------------------------------------------------ escalation

    async def escalate(self, now: datetime) -> int:
        """Tells the people each overdue item has reached, each once: the key names the item,
        its round (a reopening starts afresh), its deadline and the level, so running again —
        after a restart, or every tick — adds nothing."""
        local = now.astimezone(self.tz)
        if not ESCALATE_FROM_HOUR <= local.hour < ESCALATE_UNTIL_HOUR:
            return 0
        today = local.date()
        lang = self.texts.default
        messages: list[OutMessage] = []
        admins = await self.people.reachable_admins(self.admins)
        for item in await self.repo.overdue(today):
            level = rules.escalation(item.state, item.deadline, today)
            late = (today - item.deadline).days
            for lv in (Level.OWNER, Level.LEADER, Level.ADMINS):
                if lv > level:
                    break
                chats = await self._escalation_chats(item, lv, admins)
                text = view.overdue(self.texts, lang, item, late, lv)
                markup = view.open_button(self.texts, lang, item.id, item.version).to_dict()
                key = f"rect:esc:{item.id}:{item.rounds}:{item.deadline.isoformat()}:{int(lv)}"
                messages += [
                    OutMessage(
                        c,
                        text,
                        purpose="rectification",
                        dedupe_key=f"{key}:{c}",
                        reply_markup=markup,
                    )
                    for c in chats
                ]
        if not messages:
            return 0
        added = await self.repo.escalate(messages)
        self.wake()
        return added

    async def _escalation_chats(self, item: Item, level: Level, admins: list[int]) -> list[int]:
        if level is Level.OWNER:
            return [item.owner_tg] if item.owner_tg is not None else []
        if level is Level.LEADER:
            leaders = [c for c in await self.repo.leaders(item.id) if c != item.owner_tg]
            return leaders or [a for a in admins if a != item.owner_tg]
        return [a for a in admins if a != item.owner_tg]

    # ------------------------------------------------------------------ the monthly 台账

    async def month_ledger(self, actor: Actor, args: list[str], now: datetime) -> Ledger | Refused:
        """/rectify_month [month] [unit]: the month as typed (本月 when none), then `ledger_for`."""
        try:
            period = parse_period(args[0] if args else "本月", now, self.tz)
        except PeriodError as e:
            return Refused(Problem(f"{e.code}_month"), e.value[:20])
        if period.kind != "month":
            return Refused(Problem.BAD_MONTH, args[0][:20])
        return await self.ledger_for(actor, period, now, " ".join(args[1:]) or None)

    async def ledger_for(
        self, actor: Actor, period: Period, now: datetime, unit: str | None
    ) -> Ledger | Refused:
        """The 台账 in chat: admins any unit or all; a unit leader their own unit only."""
        r = reach(actor, Action.VIEW_RECTIFICATION_LEDGER)
        if r is Reach.ALL:
            return await self.ledger(period, now, unit, details=True)
        if r is not Reach.UNIT or actor.unit_id is None:
            return Refused(Problem.FORBIDDEN)
        if unit:
            wanted = await self.repo.unit_id(unit)
            if wanted is None:
                return Refused(Problem.UNKNOWN_UNIT, unit[:40])
            if wanted != actor.unit_id:
                return Refused(Problem.FORBIDDEN)
        return await self.ledger(period, now, str(actor.unit_id), details=True)

    async def ledger(
        self, period: Period, now: datetime, unit: str | None = None, *, details: bool = False
    ) -> Ledger | Refused:
        unit_id = None
        if unit:
            unit_id = await self.repo.unit_id(unit)
            if unit_id is None:
                return Refused(Problem.UNKNOWN_UNIT, unit[:40])
        start, end = period.start(self.tz), period.end(self.tz)
        last_day = min(self.today(now), end.astimezone(self.tz).date() - timedelta(days=1))
        history = await self.repo.history(unit_id)
        figures: dict[int, MonthFigures] = {}
        for item, replay in history:
            f = rules.month_figures(replay, start, end, last_day)
            figures[item.unit_id] = figures.get(item.unit_id, MonthFigures()) + f
        units = [(i, n) for i, n in await self.repo.units() if unit_id is None or i == unit_id]
        rows = [Row(i, n, figures.get(i, MonthFigures())) for i, n in units]
        items = [i for i, ev in history if ev and ev[0].at < end]
        events = {i.id: await self.repo.events(i.id) for i in items} if details else {}
        unit_name = units[0][1] if unit_id is not None and units else None
        return Ledger(period, unit_name, rows, now, items, events)
