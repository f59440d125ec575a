"""Confidential requests (帮扶救助) and private feedback (意见反映): submit, assign, read (audited),
reply through the bot, move to in progress / resolved — the author told of every step.

Every read of content and every move asks `bot.domain.casework.may` first; a read writes its
audit row before the content is returned. An anonymous author is reached through the sealed
address only (outbox rows of purpose SEALED keep nothing once sent).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain import casework as rules
from bot.domain.casework import Act, Category, Facts, Kind, State, Viewer
from bot.domain.text import is_blank
from bot.repos.casework import AuditRow, CaseRow, CaseworkRepo, Entry, FileRef, HandlerRow, NewCase
from bot.repos.outbox import SEALED, OutMessage
from bot.repos.people import PeopleRepo
from bot.services.identity import Identity
from bot.texts import Texts
from bot.views import casework as view

__all__ = ["CaseworkService", "FileRef", "Refused", "check_text"]

TagFn = Callable[[str], Awaitable[tuple[str, ...]]]
_ID_LOW, _ID_HIGH = 100_000, 999_999
REMIND_FROM_HOUR = 9  # local: reminders of waiting requests, not at night


class Problem(StrEnum):
    NOT_REGISTERED = "not_registered"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NO_CASE = "no_case"  # unknown, or not for this person: the same answer for both
    NO_PERMISSION = "no_permission"
    NOT_ELIGIBLE = "not_eligible"  # assigned someone who may not handle requests
    BAD_STATE = "bad_state"


@dataclass(frozen=True)
class Refused:
    problem: Problem
    detail: str = ""

    @property
    def retry(self) -> bool:
        """The text was the trouble (empty, too long): the flow waits for another one."""
        return self.problem in (Problem.EMPTY, Problem.TOO_LONG)


@dataclass(frozen=True)
class DraftStale:
    """A follow-up whose sealed number does not open (sealed under another bot token)."""


@dataclass(frozen=True)
class Submitted:
    case_id: int
    kind: Kind
    anonymous: bool


@dataclass(frozen=True)
class Content:
    case: CaseRow
    entries: list[Entry]
    handler_names: dict[int, str]
    author: str | None = None  # a named request's author, as "王秀兰（蒸发一班）"


@dataclass(frozen=True)
class Assignment:
    case: CaseRow
    pool: list[HandlerRow]


@dataclass(frozen=True)
class Moved:
    case_id: int
    state: State


def viewer_of(ident: Identity) -> Viewer:
    tags = frozenset(ident.person.tags) if ident.person else frozenset()
    return Viewer(ident.actor.tg_user_id, ident.actor.roles, tags)


def check_text(text: str) -> Problem | None:
    if is_blank(text):
        return Problem.EMPTY
    if len(text.strip()) > rules.MAX_TEXT:
        return Problem.TOO_LONG
    return None


class CaseworkService:
    def __init__(
        self,
        repo: CaseworkRepo,
        people: PeopleRepo,
        texts: Texts,
        key: bytes,
        tz: ZoneInfo,
        admins: frozenset[int],
        tag: TagFn,
        language: str = "zh-CN",
    ) -> None:
        self.repo, self.people, self.texts = repo, people, texts
        self.key, self.tz, self.admins, self.tag, self.lang = key, tz, admins, tag, language

    def today(self) -> str:
        """Today where the bot works, by the repository's clock (the application's one)."""
        return self.repo.clock().astimezone(self.tz).date().isoformat()

    # ---------------------------------------------------------------- the author's side

    async def submit(
        self,
        ident: Identity,
        kind: Kind,
        category: Category,
        body: str,
        files: Sequence[FileRef],
        anonymous: bool,
        chat_id: int,
    ) -> Submitted | Refused:
        person = ident.person
        if person is None:
            return Refused(Problem.NOT_REGISTERED)
        problem = check_text(body)
        if problem:
            return Refused(problem)
        topics = await self.tag(body) if kind is Kind.FEEDBACK else ()
        uid = ident.actor.tg_user_id
        admins = await self.people.reachable_admins(self.admins)
        while True:
            case_id = secrets.randbelow(_ID_HIGH - _ID_LOW + 1) + _ID_LOW
            new = NewCase(
                id=case_id,
                kind=kind,
                category=category if kind is Kind.ASSIST else Category.FEEDBACK,
                unit_id=person.unit_id,
                anonymous=anonymous,
                author_member_id=None if anonymous else person.member_id,
                author_tag=rules.author_tag(self.key, case_id, uid) if anonymous else None,
                reply_to=rules.seal(self.key, chat_id, secrets.token_bytes(rules.NONCE_BYTES))
                if anonymous
                else None,
                topics=topics,
                created_on=self.today(),
                body=body.strip(),
                files=tuple(files[: rules.MAX_FILES]),
            )
            # Admins learn that a request came in and its number, nothing more: they assign,
            # the content is the handlers'.
            text = view.new_case_notice(case_id, kind, self.texts, self.lang)
            notices = [
                OutMessage(a, text, purpose="casework", dedupe_key=f"case:{case_id}:new:{a}")
                for a in admins
            ]
            if await self.repo.create(new, chat_id, uid, notices):
                return Submitted(case_id, kind, anonymous)

    async def mine(self, ident: Identity) -> list[CaseRow]:
        """The person's own requests: named ones by roster row, anonymous ones by recomputing
        each tag with this account's id (nobody else's account gives the same tags)."""
        own = await self.repo.by_member(ident.person.member_id) if ident.person else []
        uid = ident.actor.tg_user_id
        for case_id, tag in await self.repo.anonymous_tags():
            if secrets.compare_digest(tag, rules.author_tag(self.key, case_id, uid)):
                row = await self.repo.get(case_id)
                if row:
                    own.append(row)
        return sorted(own, key=lambda c: (c.created_on, c.id), reverse=True)

    def _is_author(self, ident: Identity, case: CaseRow) -> bool:
        if case.anonymous:
            tag = rules.author_tag(self.key, case.id, ident.actor.tg_user_id)
            return case.author_tag is not None and secrets.compare_digest(tag, case.author_tag)
        return ident.person is not None and ident.person.member_id == case.author_member_id

    async def own_case(self, ident: Identity, case_id: int) -> Content | Refused:
        case = await self.repo.get(case_id)
        if case is None or not rules.may(
            viewer_of(ident), Act.SEE_OWN, Facts(case.handlers, self._is_author(ident, case))
        ):
            return Refused(Problem.NO_CASE)
        entries = await self.repo.entries(case_id)
        return Content(case, entries, {})

    def seal_case(self, case_id: int) -> str:
        """The request's number as the author's unfinished follow-up keeps it: sealed, so a
        conversation row left behind does not tie the author's account to the request."""
        return rules.seal(self.key, case_id, secrets.token_bytes(rules.NONCE_BYTES)).hex()

    def unseal_case(self, sealed: str) -> int | None:
        try:
            return rules.unseal(self.key, bytes.fromhex(sealed))
        except ValueError:
            return None

    async def may_add(self, ident: Identity, case_id: int) -> CaseRow | Refused:
        out = await self.own_case(ident, case_id)
        if isinstance(out, Refused):
            return out
        if out.case.state is State.RESOLVED:
            return Refused(Problem.BAD_STATE, out.case.state.value)
        return out.case

    async def add(self, ident: Identity, case_id: int, body: str, chat_id: int) -> Moved | Refused:
        """The author adds to their open request; its handlers are told (not what was said)."""
        case = await self.may_add(ident, case_id)
        if isinstance(case, Refused):
            return case
        problem = check_text(body)
        if problem:
            return Refused(problem)
        text = view.added_notice(case, self.texts, self.lang)
        notices = [
            OutMessage(
                h, text, purpose="casework", dedupe_key=f"case:{case_id}:add:{secrets.token_hex(6)}"
            )
            for h in sorted(case.handlers)
        ]
        uid = ident.actor.tg_user_id
        day = self.today()
        if not await self.repo.author_entry(case_id, body.strip(), day, notices, chat_id, uid):
            return Refused(Problem.BAD_STATE, State.RESOLVED.value)
        return Moved(case_id, case.state)

    async def add_sealed(
        self, ident: Identity, sealed: str, body: str, chat_id: int
    ) -> Moved | Refused | DraftStale:
        """`add` for the follow-up flow, which keeps the request's number sealed."""
        case_id = self.unseal_case(sealed)
        if case_id is None:  # the draft cannot be trusted
            return DraftStale()
        return await self.add(ident, case_id, body, chat_id)

    # ---------------------------------------------------------------- handlers and admins

    async def _case_for(self, ident: Identity, case_id: int, act: Act) -> CaseRow | Refused:
        case = await self.repo.get(case_id)
        if case is None:
            return Refused(Problem.NO_CASE)
        if not rules.may(viewer_of(ident), act, Facts(case.handlers)):
            # Someone with no business here learns nothing, not even that the number exists.
            known = rules.may(viewer_of(ident), Act.SEE_META, Facts(case.handlers))
            return Refused(Problem.NO_PERMISSION if known else Problem.NO_CASE)
        return case

    def is_admin(self, ident: Identity) -> bool:
        return rules.may(viewer_of(ident), Act.SEE_META, Facts(frozenset()))

    async def names(self, tg_ids: set[int]) -> dict[int, str]:
        return {uid: await self.repo.name_of(uid) for uid in sorted(tg_ids)}

    async def listing(self, ident: Identity, open_only: bool = True) -> list[CaseRow] | Refused:
        """An admin: every request (no content); a handler: the ones assigned to them."""
        viewer = viewer_of(ident)
        if rules.may(viewer, Act.SEE_META, Facts(frozenset())):
            return await self.repo.all_cases(open_only)
        if rules.eligible_handler(viewer):
            return await self.repo.handled_by(viewer.tg_user_id)
        return Refused(Problem.NO_PERMISSION)

    async def open(self, ident: Identity, case_id: int) -> Content | Refused:
        case = await self._case_for(ident, case_id, Act.SEE_CONTENT)
        if isinstance(case, Refused):
            return case
        await self.repo.audit(case_id, ident.actor.tg_user_id, "view")
        entries = await self.repo.entries(case_id)
        names = {h: await self.repo.name_of(h) for h in case.handlers}
        for e in entries:
            if e.handler_tg is not None and e.handler_tg not in names:
                names[e.handler_tg] = await self.repo.name_of(e.handler_tg)
        author = None
        if not case.anonymous and case.author_member_id is not None:
            p = await self.people.by_member(case.author_member_id)
            author = f"{p.name}（{p.team_name}）" if p else None
        return Content(case, entries, names, author)

    async def file(self, ident: Identity, case_id: int, index: int) -> FileRef | Refused:
        case = await self._case_for(ident, case_id, Act.SEE_CONTENT)
        if isinstance(case, Refused):
            return case
        files = [f for e in await self.repo.entries(case_id) for f in e.files]
        if not 0 <= index < len(files):
            return Refused(Problem.NO_CASE)
        await self.repo.audit(case_id, ident.actor.tg_user_id, "file", str(index + 1))
        return files[index]

    async def assignment(self, ident: Identity, case_id: int) -> Assignment | Refused:
        case = await self._case_for(ident, case_id, Act.ASSIGN)
        if isinstance(case, Refused):
            return case
        return Assignment(case, await self.repo.handler_pool(self.admins))

    async def toggle_handler(
        self, ident: Identity, case_id: int, handler_tg: int
    ) -> Assignment | Refused:
        case = await self._case_for(ident, case_id, Act.ASSIGN)
        if isinstance(case, Refused):
            return case
        pool = await self.repo.handler_pool(self.admins)
        actor = ident.actor.tg_user_id
        if handler_tg in case.handlers:
            left = len(case.handlers) - 1
            state = rules.after_assignment(case.state, left)
            await self.repo.set_handlers(case_id, actor, None, handler_tg, state)
        else:
            if handler_tg not in {h.tg_user_id for h in pool}:
                return Refused(Problem.NOT_ELIGIBLE)
            state = rules.after_assignment(case.state, len(case.handlers) + 1)
            notices = [
                OutMessage(
                    handler_tg,
                    view.assigned_notice(case, self.texts, self.lang),
                    purpose="casework",
                    dedupe_key=f"case:{case_id}:to:{handler_tg}:{secrets.token_hex(4)}",
                )
            ]
            if not case.handlers:
                notices += await self._to_author(case, "assigned")
            await self.repo.set_handlers(case_id, actor, handler_tg, None, state, notices)
        fresh = await self.repo.get(case_id)
        assert fresh is not None
        return Assignment(fresh, pool)

    async def move(self, ident: Identity, case_id: int, to: State) -> Moved | Refused:
        case = await self._case_for(ident, case_id, Act.MOVE)
        if isinstance(case, Refused):
            return case
        if not rules.can_move(case.state, to):
            return Refused(Problem.BAD_STATE, case.state.value)
        step = {State.IN_PROGRESS: "in_progress", State.RESOLVED: "resolved"}.get(to)
        notices = await self._to_author(case, step) if step else []
        if not await self.repo.move(case_id, ident.actor.tg_user_id, case.state, to, notices):
            return Refused(Problem.BAD_STATE, case.state.value)
        return Moved(case_id, to)

    async def may_reply(self, ident: Identity, case_id: int) -> CaseRow | Refused:
        case = await self._case_for(ident, case_id, Act.REPLY)
        if isinstance(case, Refused):
            return case
        if case.state is State.RESOLVED:
            return Refused(Problem.BAD_STATE, case.state.value)
        return case

    async def reply(
        self, ident: Identity, case_id: int, body: str, chat_id: int
    ) -> Moved | Refused:
        case = await self.may_reply(ident, case_id)
        if isinstance(case, Refused):
            return case
        problem = check_text(body)
        if problem:
            return Refused(problem)
        state = State.IN_PROGRESS if case.state is State.ASSIGNED else case.state
        notices = await self._to_author(case, "reply", body.strip())
        await self.repo.handler_entry(
            case_id, ident.actor.tg_user_id, body.strip(), state, notices, chat_id
        )
        return Moved(case_id, state)

    async def audit(
        self, ident: Identity, case_id: int
    ) -> tuple[CaseRow, list[AuditRow]] | Refused:
        case = await self._case_for(ident, case_id, Act.SEE_AUDIT)
        if isinstance(case, Refused):
            return case
        await self.repo.audit(case_id, ident.actor.tg_user_id, "audit")
        return case, await self.repo.audit_rows(case_id)

    async def remind_waiting(self, now: datetime) -> int:
        """Once a local day from 09:00: admins hear of requests left unassigned since an
        earlier day, handlers of assigned ones without a reply for two days. The dedupe key
        carries the day, so a restart or a second run that day sends nothing again."""
        local = now.astimezone(self.tz)
        if local.hour < REMIND_FROM_HOUR:
            return 0
        today = local.date()
        admins = await self.people.reachable_admins(self.admins)
        notices = []
        for case in await self.repo.waiting(today.isoformat()):
            days = (today - date.fromisoformat(case.created_on)).days
            if case.state is State.RECEIVED:
                to, key = admins, "unassigned"
            elif days >= 2:
                to, key = sorted(case.handlers), "unanswered"
            else:
                continue
            text = view.waiting_notice(case, key, days, self.texts, self.lang)
            notices += [
                OutMessage(
                    who, text, purpose="casework", dedupe_key=f"case:{case.id}:{key}:{today}:{who}"
                )
                for who in to
            ]
        return await self.repo.notify(notices) if notices else 0

    # ---------------------------------------------------------------- telling the author

    async def _to_author(self, case: CaseRow, step: str, reply: str = "") -> list[OutMessage]:
        text = view.author_notice(case, step, reply, self.texts, self.lang)
        if case.anonymous:
            chat = rules.unseal(self.key, case.reply_to or b"")
            if chat is None:
                return []
            # Nothing in this row may tie the address to the request once it is sent: a random
            # key, and the outbox scrubs SEALED rows when they are done.
            return [OutMessage(chat, text, purpose=SEALED, dedupe_key=secrets.token_hex(16))]
        person = await self.people.by_member(case.author_member_id or 0)
        if person is None or person.tg_user_id is None:
            return []
        key = f"case:{case.id}:{step}:{secrets.token_hex(4)}"
        return [OutMessage(person.tg_user_id, text, purpose="casework", dedupe_key=key)]
