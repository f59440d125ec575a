"""Study sessions (学习考勤) as the bot runs them: open, post, check in, roll call, leave,
make-up, close. Rules come from `bot.domain.attendance`; SQL from `bot.repos.attendance`.

For other features (the schedules open a session on each study day):

    session = await svc.sessions.open_session(team_id, "安全规程", starts_at, ends_at, None)
    groups = await svc.sessions.post_session(session)  # the one message with 签到, via the outbox

`open_session` writes the session and its roster (the team's active members; with
`team_id=None, unit_id=U` a joint session of the whole unit). `post_session` hands the
session message for the team's bound group (every bound group of the unit's teams for a joint
session) to the outbox and returns how many groups; 0 when no group is bound. The tally edits
the sent messages through the outbox (`bot.delivery.tally`; `AttendanceRepo.posts` reads their
ids from the outbox), and the leaders' roll cards while the session is open. Sessions
close by themselves at `ends_at` (`tick`, run by the job queue every 30 s) or when a leader
closes them from the roll call; the closing transaction writes the final tally edits and the
summary as outbox rows, and marks the quiz that follows as owed (`resume_closed` on start).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.db import Database
from bot.delivery.flood import FloodController
from bot.delivery.outbox import Edit, Outbox
from bot.delivery.tally import Tally
from bot.domain.attendance import (
    Counts,
    Phase,
    Refusal,
    Rules,
    Status,
    check_change,
    checkin_status,
    correction_choices,
    makeup_allowed,
    next_roll_status,
    phase,
    window_for,
)
from bot.domain.auth import Action, Actor, Place, can
from bot.domain.flowstate import FlowState
from bot.domain.org import Team
from bot.domain.text import visible
from bot.domain.textsplit import split_text
from bot.repos.attendance import AttendanceRepo, CheckIn, decide_request, session_batch
from bot.repos.attendance import Record as Record  # re-exported for handlers
from bot.repos.attendance import Session as Session
from bot.repos.conversations import ConversationsRepo
from bot.repos.groups import GroupsRepo
from bot.repos.org import OrgRepo
from bot.repos.outbox import PRIORITY_INTERACTIVE, OutMessage
from bot.repos.people import PeopleRepo, Person
from bot.settings import Settings
from bot.texts import Texts
from bot.views import attendance as views

if TYPE_CHECKING:  # both take AttendanceService from here
    from bot.services.leave import LeaveService
    from bot.services.quiz import QuizService


@dataclass
class AttendanceService:
    """The one `Services.attendance`: repository, rules, clock (tests move it) and tally."""

    repo: AttendanceRepo
    tz: ZoneInfo
    tally: Tally
    clock: Callable[[], datetime]  # the application's one clock (`Services.clock`)
    rules: Rules = field(default_factory=Rules)

    @classmethod
    def create(
        cls,
        db: Database,
        settings: Settings,
        flood: FloodController,
        outbox: Outbox,
        clock: Callable[[], datetime],
    ) -> AttendanceService:
        repo = AttendanceRepo(db)
        return cls(repo=repo, tz=settings.tz, tally=Tally(outbox, repo, flood), clock=clock)

    # Sessions by id: read on every press, changed only by closing (in this process).
    _sessions: dict[int, Session] = field(default_factory=dict)

    async def session(self, session_id: int) -> Session | None:
        cached = self._sessions.get(session_id)
        if cached is not None:
            return cached
        session = await self.repo.session(session_id)
        if session is not None and not session.closed:
            if len(self._sessions) > 10_000:
                self._sessions.clear()
            self._sessions[session_id] = session
        return session

    def forget(self, session_id: int) -> None:
        self._sessions.pop(session_id, None)

    def now(self) -> datetime:
        return self.clock()

    def local(self, moment: datetime, fmt: str = "%H:%M") -> str:
        return moment.astimezone(self.tz).strftime(fmt)

    # -- reads the handlers and the command line need, through the service

    async def refresh_tallies(self) -> int:
        """Bring every open session's tally up to date (on start): a press recorded just
        before a crash has its row, but the edit that shows it may never have been made."""
        ids = await self.repo.open_session_ids()
        if ids:
            await self.tally.mark(*ids)
        return len(ids)

    async def fresh_session(self, session_id: int) -> Session | None:
        """The session as stored now (not the copy `session` keeps of open ones)."""
        return await self.repo.session(session_id)

    async def counts(self, session_id: int) -> Counts:
        return await self.repo.counts(session_id)

    async def latest_session(self, team_id: int) -> Session | None:
        return await self.repo.latest_session(team_id)

    async def leader_user_ids(self, team_id: int) -> list[int]:
        return await self.repo.leader_user_ids(team_id)

    async def open_sessions(self, team_id: int, unit_id: int) -> list[Session]:
        return await self.repo.open_sessions(team_id, unit_id)

    async def record(self, session_id: int, member_id: int) -> Record | None:
        return await self.repo.record(session_id, member_id)

    async def roster(self, session_id: int) -> list[Record]:
        return await self.repo.roster(session_id)


status_label = views.status_label


# ================================ opening and posting: outcomes and rules


class Study(StrEnum):
    """What a leader's /study came to (the value names the reply; OPENED and REPLAYED have
    none: the session message is the answer)."""

    OPENED = "opened"
    REPLAYED = "replayed"  # replayed after a crash: this command opened it
    GROUP_ONLY = "group_only"
    UNBOUND = "unbound"
    REFUSED = "refused"
    ALREADY = "already"


@dataclass(frozen=True)
class StudyResult:
    outcome: Study
    topic: str = ""

    @property
    def says(self) -> bool:
        return self.outcome not in (Study.OPENED, Study.REPLAYED)


def _ref_id(ref: str) -> int | None:
    tail = ref.partition(":")[2]
    return int(tail) if tail.isdigit() else None


# ================================ check-in: outcomes and rules


class Press(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    ON_LEAVE = "on_leave"
    NOT_ON_ROSTER = "not_on_roster"
    NOT_REGISTERED = "not_registered"
    NO_SESSION = "no_session"
    CLOSED = "closed"
    EARLY = "early"
    OVER = "over"


@dataclass(frozen=True)
class PressResult:
    outcome: Press
    status: Status | None = None
    at: datetime | None = None


def on_roster(session: Session, person: Person) -> bool:
    if session.team_id is not None:
        return person.team_id == session.team_id
    return person.unit_id == session.unit_id


# ================================ roll call: outcomes and rules


@dataclass(frozen=True)
class Change:
    outcome: Refusal | None  # None: applied
    moved: bool = False  # someone else changed the record meanwhile
    record: Record | None = None


def may_take_attendance(actor: Actor, session: Session, member_team: int | None = None) -> bool:
    team = member_team if member_team is not None else session.team_id
    return can(actor, Action.TAKE_ATTENDANCE, Place(session.unit_id, team))


class Roll(StrEnum):
    """What a press on a roll card came to."""

    STALE = "stale"
    NOT_YOURS = "not_yours"
    CLOSED_NOW = "closed_now"
    CLOSED_ALREADY = "closed_already"
    MARKED = "marked"  # open: the member moved one status along
    PICK = "pick"  # closed: the statuses it may be corrected to are shown
    OPEN_PRIVATE = "open_private"  # closed, but the leader cannot be asked privately


@dataclass(frozen=True)
class RollResult:
    outcome: Roll
    session: Session | None = None
    record: Record | None = None
    status: Status | None = None  # MARKED: the new status; PICK: the current one


class Pick(StrEnum):
    """What a press on the correction picker came to."""

    STALE = "stale"
    NOT_YOURS = "not_yours"
    BACK = "back"
    OPEN_PRIVATE = "open_private"
    ASK_REASON = "ask_reason"  # the change waits for its reason, asked privately


@dataclass(frozen=True)
class PickResult:
    outcome: Pick
    session: Session | None = None
    record: Record | None = None


class Correct(StrEnum):
    """What a correction's reason came to (the value names the reply's text)."""

    SHORT = "reason_short"
    NOT_ALLOWED = "not_allowed"
    MOVED = "refused_moved"
    REFUSED = "refused"
    CHANGED = "changed"


@dataclass(frozen=True)
class CorrectResult:
    outcome: Correct
    session: Session | None = None  # the roll card to show again
    name: str = ""
    refusal: Refusal | None = None


REASON_MIN, REASON_MAX = 2, 300


# ================================ leave and make-up: outcomes and rules


class Ask(StrEnum):
    CREATED = "created"
    NO_SESSION = "no_session"
    CHECKED_IN = "checked_in"
    ALREADY_LEAVE = "already_leave"
    DUPLICATE = "duplicate"
    NOT_ON_ROSTER = "not_on_roster"


@dataclass(frozen=True)
class AskResult:
    outcome: Ask
    session: Session | None = None
    request_id: int | None = None
    # CREATED: where the leaders' card goes (each leader who can be written to privately,
    # else the team's group; none = nobody to tell)
    leader_chats: tuple[int, ...] = ()


class RollCall(StrEnum):
    """/roll refused: why (a card is a `RollCard`)."""

    PRIVATE_NO_TEAM = "private_no_team"  # privately, from someone in no team
    UNBOUND = "unbound"  # a group not bound to a team
    REFUSED = "refused"  # not a leader of that team
    NONE = "none"  # the team has had no session


@dataclass(frozen=True)
class RollCard:
    """/roll: the latest session's roll card and where it goes (the leader's private chat
    when the bot may write there, else the chat /roll came from)."""

    session: Session
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup


class LeaveAsk(StrEnum):
    """请假 pressed under a session."""

    NOT_REGISTERED = "not_registered"
    OPEN_PRIVATE = "open_private"  # the bot may not write to them yet
    ASKED = "asked"  # the reason is asked privately; the next text is the reason


class OneStep(StrEnum):
    REASON = "reason"


@dataclass(frozen=True)
class LeaveReason(FlowState, flow="att_leave", version=1):
    """请假 pressed under a session (or /leave without a reason): the next text is the reason."""

    step: OneStep
    session: int | None = None


class Decided(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"
    DONE_ALREADY = "done_already"
    NOT_ALLOWED = "not_allowed"
    UNCHANGED = "unchanged"  # approved, but the record needed no change (already checked in)
    GONE = "gone"


@dataclass(frozen=True)
class DecideResult:
    outcome: Decided
    session: Session | None = None
    member: Person | None = None
    kind: str = ""
    reason: str = ""
    # decided: the member's private chat when the bot may write there (they hear the decision)
    member_chat: int | None = None


def _with(r: DecideResult, outcome: Decided) -> DecideResult:
    return replace(r, outcome=outcome)


@dataclass
class Sessions:
    """`Services.sessions`: the study-session use cases, with what they need and nothing more
    (attendance's repository, rules, clock and tally; the people, teams and groups they read;
    the outbox they hand messages to; leave asked ahead; the quiz that follows a session)."""

    attendance: AttendanceService
    texts: Texts
    org: OrgRepo
    groups: GroupsRepo
    people: PeopleRepo
    outbox: Outbox
    leave: LeaveService
    quiz: QuizService
    conversations: ConversationsRepo

    async def open_session(
        self,
        team_id: int | None,
        topic: str,
        starts_at: datetime,
        ends_at: datetime,
        opened_by: int | None,
        material: str | None = None,
        *,
        unit_id: int | None = None,
        occurrence_id: int | None = None,
    ) -> Session:
        """A new open session with its roster; the check-in window follows `self.attendance.rules`.
        Give `team_id`, or `team_id=None` and `unit_id` for a joint session of a unit."""
        att = self.attendance
        if team_id is not None:
            team = await self.org.team(team_id)
            if team is None:
                raise LookupError(f"no team {team_id}")
            unit_id = team.unit_id
        if unit_id is None:
            raise ValueError("a session needs a team or a unit")
        if ends_at <= starts_at:
            raise ValueError("a session must end after it starts")
        session_id = await att.repo.create_session(
            unit_id=unit_id,
            team_id=team_id,
            topic=visible(topic)[:200] or self.texts.get("attendance.default_topic"),
            material=visible(material)[:1000] or None,
            starts_at=starts_at,
            ends_at=ends_at,
            window=window_for(starts_at, att.rules),
            opened_by=opened_by,
            occurrence_id=occurrence_id,
            leave=self.leave.session_mark(
                starts_at
            ),  # approved leave asked ahead: 请假 from the start
        )
        session = await att.repo.session(session_id)
        assert session is not None
        return session

    async def group_team(self, chat_id: int) -> Team | None:
        """The team the group `chat_id` is bound to, if the binding is active."""
        binding = await self.groups.binding(chat_id)
        return await self.org.team(binding.team_id) if binding and binding.active else None

    async def study(
        self, chat_id: int, private: bool, actor: Actor, text: str, replay: bool
    ) -> StudyResult:
        """/study in a team group: open a session on `text` (topic, then material after a line
        break) and hand its message over — or, while one runs, hand that over again (a no-op,
        unless a crash came between opening and handing)."""
        team = None if private else await self.group_team(chat_id)
        if team is None:
            return StudyResult(Study.GROUP_ONLY if private else Study.UNBOUND)
        if not can(actor, Action.TAKE_ATTENDANCE, Place(team.unit_id, team.id)):
            return StudyResult(Study.REFUSED)
        att, now = self.attendance, self.attendance.now()
        running = [
            s
            for s in await att.open_sessions(team.id, team.unit_id)
            if s.team_id == team.id and phase(s.window, now) is not Phase.OVER
        ]
        if running:
            await self.post_session(running[0])
            mine = replay and running[0].opened_by == actor.tg_user_id
            return StudyResult(Study.REPLAYED if mine else Study.ALREADY, running[0].topic)
        topic, _, material = text.partition("\n")
        session = await self.open_session(
            team.id, topic, now, now + att.rules.duration, actor.tg_user_id, material
        )
        return StudyResult(Study.OPENED if await self.post_session(session) else Study.UNBOUND)

    async def session_chats(self, session: Session) -> list[int]:
        if session.team_id is not None:
            chat = await self.groups.team_chat(session.team_id)
            return [chat] if chat is not None else []
        teams = [t for t in await self.org.teams() if t.unit_id == session.unit_id]
        chats = [await self.groups.team_chat(t.id) for t in teams]
        return [c for c in chats if c is not None]

    async def post_session(self, session: Session) -> int:
        """Hand the session message (签到 / 请假 buttons, live tally) for each of the session's
        groups to the outbox, as a reply to the leader (interactive: ahead of any broadcast);
        returns the number of groups (0: none bound). Safe to call again: one message per group
        for all time, so a /study after a crash between opening and handing over mends it."""
        messages = await self.session_messages(session, priority=PRIORITY_INTERACTIVE)
        await self.outbox.enqueue(messages)
        return len(messages)

    async def session_messages(self, session: Session, *, priority: int = 1) -> list[OutMessage]:
        """The session message for each of its groups as outbox rows: one per chat for all time
        (dedupe key), in the session's batch so the tally finds the sent message's id
        (`AttendanceRepo.posts`). A schedule opens sessions at priority 1 (ahead of other bulk
        rows); a leader's /study at `PRIORITY_INTERACTIVE`."""
        att = self.attendance
        counts = await att.repo.counts(session.id)
        now = att.now()
        text, markup = self.session_text(session, counts, now), self.session_markup(session, now)
        return [
            OutMessage(
                chat_id,
                text,
                purpose="session",
                dedupe_key=f"att:session:{session.id}:{chat_id}",
                batch=session_batch(session.id),
                reply_markup=markup.to_dict() if markup else None,
                priority=priority,
            )
            for chat_id in await self.session_chats(session)
        ]

    def attach_live_messages(self) -> None:
        """The outbox renders the session messages and roll cards when it edits them."""
        self.outbox.editor("session", lambda ref, chat: self.render_session(ref, chat))
        self.outbox.editor("roll", lambda ref, chat: self.render_roll(ref, chat))

    async def render_session(self, ref: str, chat_id: int) -> Edit | None:
        """The session message in `chat_id` as it should look now ("session:<id>")."""
        att = self.attendance
        session_id = _ref_id(ref)
        # As stored, not the copy of open sessions: the close's final edit is queued with the
        # close itself, and must not be rendered from a copy cached before it.
        session = await att.fresh_session(session_id) if session_id is not None else None
        if session is None:
            return None
        posts = [m for c, m in await att.repo.posts(session.id) if c == chat_id]
        if not posts:
            return None  # never delivered there
        counts = await att.repo.counts(session.id)
        now = att.now()
        text = self.session_text(session, counts, now)
        return Edit(posts[0], text, self.session_markup(session, now))

    async def render_roll(self, ref: str, chat_id: int) -> Edit | None:
        """A leader's roll card as it should look now ("roll:<card>"); only while the session is
        open: after closing, the card is the leader's own (a correction picker may be showing)."""
        att = self.attendance
        card_id = _ref_id(ref)
        card = await att.repo.roll_card(card_id) if card_id is not None else None
        session = await att.repo.session(card.session_id) if card is not None else None
        if card is None or session is None or session.closed or card.chat_id != chat_id:
            return None
        text, markup = await self.roll_view(session, card.lang)
        return Edit(card.message_id, text, markup)

    async def roll_call(
        self, actor: Actor, person: Person | None, chat_id: int, private: bool, lang: str
    ) -> RollCard | RollCall:
        """/roll: the roll card of the team's latest session — privately, the leader's own team;
        in a group, the group's team."""
        if private:
            team = await self.org.team(person.team_id) if person else None
            if team is None:
                return RollCall.PRIVATE_NO_TEAM
        elif (team := await self.group_team(chat_id)) is None:
            return RollCall.UNBOUND
        if not can(actor, Action.TAKE_ATTENDANCE, Place(team.unit_id, team.id)):
            return RollCall.REFUSED
        session = await self.attendance.latest_session(team.id)
        if session is None:
            return RollCall.NONE
        target = actor.tg_user_id if await self.people.private_ok(actor.tg_user_id) else chat_id
        text, markup = await self.roll_view(session, lang)
        return RollCard(session, target, text, markup)

    async def roll_view(
        self, session: Session, lang: str, shown: dict[int, Status] | None = None
    ) -> tuple[str, InlineKeyboardMarkup]:
        """The roll card: counts, and every name as a button."""
        roster = await self.attendance.roster(session.id)
        counts = await self.attendance.counts(session.id)
        markup = views.roll_markup(self.texts, session, roster, lang, shown)
        return self.roll_text(session, counts, lang), markup

    async def roll_card_sent(
        self, session: Session, chat_id: int, message_id: int, lang: str
    ) -> None:
        """A roll card went out: it follows the session's changes while the session is open."""
        if not session.closed:
            await self.attendance.repo.add_roll_card(session.id, chat_id, message_id, lang)

    def session_text(self, s: Session, counts: Counts, now: datetime) -> str:
        att, t = self.attendance, self.texts
        w = s.window
        lines = [
            t.get(
                "attendance.session.head",
                topic=s.topic,
                date=att.local(s.starts_at, "%m-%d"),
                start=att.local(s.starts_at),
                end=att.local(s.ends_at),
            )
        ]
        if s.material:
            lines.append(t.get("attendance.session.material", material=s.material))
        if s.closed:
            lines.append(
                t.get(
                    "attendance.session.closed",
                    total=counts.total,
                    present=counts.present,
                    late=counts.late,
                    leave=counts.leave,
                    absent=counts.absent,
                )
            )
            return "\n".join(lines)
        lines.append(
            t.get(
                "attendance.session.window",
                opens=att.local(w.opens),
                late=att.local(w.late_from),
                closes=att.local(w.closes),
            )
        )
        tally = t.get("attendance.session.tally", n=counts.checked_in, total=counts.total)
        if counts.leave:
            tally += t.get("attendance.session.tally_leave", leave=counts.leave)
        lines.append(tally)
        if phase(w, now) is Phase.OVER:
            lines.append(t.get("attendance.session.window_over"))
        return "\n".join(lines)

    def session_markup(self, s: Session, now: datetime) -> InlineKeyboardMarkup | None:
        return views.session_markup(self.texts, s, over=phase(s.window, now) is Phase.OVER)

    async def check_in(
        self, session_id: int, person: Person | None, age_s: float = 0.0
    ) -> PressResult:
        """A press of 签到: judged by the clock when it was pressed (`age_s` ago: a press replayed
        from the inbox after a restart counts at its own time); pressing twice changes nothing."""
        att = self.attendance
        now = att.now() - timedelta(seconds=max(0.0, age_s))
        session = await att.session(session_id)
        if session is None:
            return PressResult(Press.NO_SESSION)
        if person is None:
            return PressResult(Press.NOT_REGISTERED)
        if not on_roster(session, person):
            return PressResult(Press.NOT_ON_ROSTER)
        if session.closed:
            return PressResult(Press.CLOSED)
        p = phase(session.window, now)
        status = checkin_status(p)
        if status is None:
            record = await att.repo.record(session_id, person.member_id)
            if record is not None and record.status in (Status.PRESENT, Status.LATE):
                return PressResult(Press.ALREADY, record.status, record.checked_in_at)
            at = session.window.opens if p is Phase.EARLY else session.window.closes
            return PressResult(Press.EARLY if p is Phase.EARLY else Press.OVER, at=at)
        result = await att.repo.check_in(session_id, person.member_id, person.team_id, status, now)
        if result.outcome is CheckIn.RECORDED:
            att.tally.queued(result.edits)  # queued with the check-in itself
        return PressResult(Press(result.outcome.value), result.status, result.at)

    async def close_session(self, session_id: int, actor: int | None) -> Session | None:
        """Close: the not-checked-in become absent; the session message shows the final counts
        and one summary with the names of the absent goes to the group(s), then a quiz on what
        was studied. None if it was closed already (nothing is posted twice).

        The final tally edits and the summary are outbox rows written in the closing transaction,
        so a crash after the close loses neither; the quiz, started after the commit, is marked
        owed by that transaction and started at start-up if the crash came first."""
        att = self.attendance
        priority = PRIORITY_INTERACTIVE if actor is not None else 1  # a leader waits for it

        def announce(
            session: Session, roster: list[Record], counts: Counts, chats: list[int]
        ) -> list[OutMessage]:
            return self.summary_messages(session, roster, counts, chats, priority)

        closed = await att.repo.close(session_id, actor, att.now(), announce)
        att.forget(session_id)  # after the commit: a press meanwhile may have cached it open
        if not closed:
            return None
        self.outbox.wake()  # the summary rows and the final tally edits
        await self.start_owed_quiz(session_id, await att.repo.session_chats(session_id))
        return await att.repo.session(session_id)

    def summary_messages(
        self,
        session: Session,
        roster: list[Record],
        counts: Counts,
        chats: list[int],
        priority: int = 1,
    ) -> list[OutMessage]:
        """The summary for each chat, split when long: one set per session and chat for all time
        (dedupe keys), the parts in order (a chat's rows go out one after another)."""
        pieces = split_text(self.summary_lines(session, roster, counts))
        return [
            OutMessage(
                chat_id,
                piece,
                purpose="session_summary",
                dedupe_key=f"att:summary:{session.id}:{chat_id}:{i}",
                priority=priority,
            )
            for chat_id in chats
            for i, piece in enumerate(pieces)
        ]

    async def start_owed_quiz(self, session_id: int, chats: list[int]) -> None:
        """学习测验 on what was studied, in each chat of the session; once whatever is retried
        (the quiz round is keyed by session and chat), then no longer owed."""
        for chat_id in chats:
            await self.quiz.after_session(session_id, chat_id)
        await self.attendance.repo.quiz_started(session_id)

    async def resume_closed(self) -> int:
        """On start: the quizzes owed by sessions closed just before a crash; returns how many
        sessions had one owed. (Their summaries were written with the close.)"""
        owed = await self.attendance.repo.quiz_owed()
        for session_id, chats in owed:
            await self.start_owed_quiz(session_id, chats)
        return len(owed)

    async def summary_text(self, session: Session, lang: str | None = None) -> str:
        att = self.attendance
        roster = await att.repo.roster(session.id)
        counts = await att.repo.counts(session.id)
        return self.summary_lines(session, roster, counts, lang)

    def summary_lines(
        self, session: Session, roster: list[Record], counts: Counts, lang: str | None = None
    ) -> str:
        att, t = self.attendance, self.texts
        lines = [
            t.get(
                "attendance.summary.head",
                lang,
                topic=session.topic,
                date=att.local(session.starts_at, "%m-%d"),
            ),
            t.get(
                "attendance.summary.counts",
                lang,
                total=counts.total,
                present=counts.present,
                late=counts.late,
                leave=counts.leave,
                absent=counts.absent,
            ),
        ]
        for status, key in (
            (Status.ABSENT, "absent"),
            (Status.LATE, "late"),
            (Status.LEAVE, "leave"),
        ):
            names = [r.name for r in roster if r.status is status]
            if names:
                lines.append(t.get(f"attendance.summary.{key}", lang, names=t.join(names, lang)))
        if counts.total and counts.absent == 0 and counts.pending == 0:
            # "全员到齐" only when everyone came; leave is not attendance.
            if counts.leave:
                lines.append(
                    t.get("attendance.summary.none_absent_but_leave", lang, n=counts.leave)
                )
            else:
                lines.append(t.get("attendance.summary.none_absent", lang))
        return "\n".join(lines)

    async def tick(self) -> None:
        """Run by the job queue: close sessions past their end, and show 签到已截止 on sessions
        whose window just ended. Due-ness comes from the database, so a restart loses nothing."""
        att = self.attendance
        now = att.now()
        for session_id in await att.repo.due_to_close(now):
            await self.close_session(session_id, None)
        over = await att.repo.window_over(now)
        if over:
            await att.tally.mark(*over)  # an unchanged text is not sent again

    async def change_status(
        self,
        session: Session,
        member_id: int,
        new: Status,
        actor: int,
        reason: str | None,
        expect: Status | None = None,
        card: tuple[int, int] | None = None,
    ) -> Change:
        """A leader's change of one record: checked by the rules, audited, compare-and-set.
        `card` (chat, message): the roll card it was made on, which the caller edits itself (the
        tally does not edit it a second time)."""
        att = self.attendance
        record = await att.repo.record(session.id, member_id)
        if record is None:
            return Change(Refusal.NOT_A_STATUS)
        if expect is not None and record.status is not expect:
            return Change(None, moved=True, record=record)
        refusal = check_change(record.status, new, closed=session.closed, reason=reason)
        if refusal is not None:
            return Change(refusal, record=record)
        ok = await att.repo.set_status(
            session.id,
            member_id,
            old=record.status,
            new=new,
            actor=actor,
            reason=reason,
            at=att.now(),
        )
        if not ok:
            return Change(None, moved=True, record=record)
        if not session.closed:
            await att.tally.mark(session.id, skip_card=card)
        return Change(None, record=await att.repo.record(session.id, member_id))

    async def roll_press(
        self, session_id: int, member_id: int | None, actor: Actor, card: tuple[int, int]
    ) -> RollResult:
        """A leader's press on the roll card `card` (chat, message): a name (`member_id`) or
        🔒 结束并公布 (None)."""
        att = self.attendance
        session = await att.fresh_session(session_id)
        if session is None:
            return RollResult(Roll.STALE)
        if not may_take_attendance(actor, session):
            return RollResult(Roll.NOT_YOURS)
        if member_id is None:
            closed = await self.close_session(session.id, actor.tg_user_id)
            return RollResult(Roll.CLOSED_NOW if closed else Roll.CLOSED_ALREADY, session)
        record = await att.record(session.id, member_id)
        if record is None:
            return RollResult(Roll.STALE)
        if session.closed:
            if not await self.people.private_ok(actor.tg_user_id):
                return RollResult(Roll.OPEN_PRIVATE, session, record)
            return RollResult(Roll.PICK, session, record, record.status)
        new = next_roll_status(record.status, closed=False, recorded=record.status)
        await self.change_status(
            session, member_id, new, actor.tg_user_id, None, record.status, card
        )
        return RollResult(Roll.MARKED, session, record, new)

    async def pick_press(
        self, session_id: int, member_id: int, new: Status | None, actor: Actor
    ) -> PickResult:
        """After closing, the target status of a correction (`new`), or back to the roll (None:
        a correction begun is dropped)."""
        att = self.attendance
        session = await att.fresh_session(session_id)
        record = await att.record(session_id, member_id) if session is not None else None
        if session is None or record is None or not session.closed:
            return PickResult(Pick.STALE)
        if not may_take_attendance(actor, session):
            return PickResult(Pick.NOT_YOURS)
        if new is None:
            await self.conversations.clear(actor.tg_user_id, actor.tg_user_id)
            return PickResult(Pick.BACK, session, record)
        if new not in correction_choices(record.status):
            return PickResult(Pick.STALE)
        if not await self.people.private_ok(actor.tg_user_id):
            return PickResult(Pick.OPEN_PRIVATE)
        return PickResult(Pick.ASK_REASON, session, record)

    async def correct(
        self,
        actor: Actor,
        record: tuple[int, int],
        old: Status,
        new: Status,
        reason: str,
    ) -> CorrectResult:
        """The reason for a correction after closing arrived: apply the change of `record`
        (session, member) from `old` to `new`, unless someone changed it meanwhile. The leader's
        conversation ends, except on a reason too short (they are asked again)."""
        if len(reason) < REASON_MIN:
            return CorrectResult(Correct.SHORT)
        await self.conversations.clear(actor.tg_user_id, actor.tg_user_id)
        session = await self.attendance.fresh_session(record[0])
        if session is None or not may_take_attendance(actor, session):
            return CorrectResult(Correct.NOT_ALLOWED)
        change = await self.change_status(
            session, record[1], new, actor.tg_user_id, reason[:REASON_MAX], expect=old
        )
        name = change.record.name if change.record else ""
        if change.moved:
            return CorrectResult(Correct.MOVED, session, name)
        if change.outcome is not None:
            return CorrectResult(Correct.REFUSED, session, name, change.outcome)
        return CorrectResult(Correct.CHANGED, session, name)

    def roll_text(self, session: Session, counts: Counts, lang: str) -> str:
        att, t = self.attendance, self.texts
        key = "attendance.roll.closed" if session.closed else "attendance.roll.open"
        return t.get(
            key,
            lang,
            topic=session.topic,
            date=att.local(session.starts_at, "%m-%d %H:%M"),
            total=counts.total,
            present=counts.present,
            late=counts.late,
            leave=counts.leave,
            absent=counts.absent + counts.pending,
            makeup=counts.makeup,
        )

    async def leave_session(self, person: Person, session_id: int | None) -> Session | None:
        """The session a leave request is for: the one given, else the team's earliest open one."""
        att = self.attendance
        if session_id is not None:
            s = await att.repo.session(session_id)
            return s if s is not None and not s.closed else None
        sessions = await att.repo.open_sessions(person.team_id, person.unit_id)
        return sessions[0] if sessions else None

    async def ask_leave_reason(
        self, person: Person | None, user_id: int, session_id: int
    ) -> LeaveAsk:
        """请假 under a session: the reason is asked privately (a conversation waits for it)."""
        if person is None:
            return LeaveAsk.NOT_REGISTERED
        if not await self.people.private_ok(user_id):
            return LeaveAsk.OPEN_PRIVATE
        await self.conversations.put(user_id, user_id, LeaveReason(OneStep.REASON, session_id))
        return LeaveAsk.ASKED

    async def leader_chats(self, team_id: int) -> tuple[int, ...]:
        """Where a request for the team's leaders goes: privately to each leader who can be
        written to; when none can, the team's group; else nowhere."""
        leaders = [
            u
            for u in await self.attendance.leader_user_ids(team_id)
            if await self.people.private_ok(u)
        ]
        if leaders:
            return tuple(leaders)
        chat = await self.groups.team_chat(team_id)
        return () if chat is None else (chat,)

    async def request_leave(
        self, person: Person, reason: str, session_id: int | None = None
    ) -> AskResult:
        att = self.attendance
        session = await self.leave_session(person, session_id)
        if session is None:
            return AskResult(Ask.NO_SESSION)
        if not on_roster(session, person):
            return AskResult(Ask.NOT_ON_ROSTER, session)
        record = await att.repo.record(session.id, person.member_id)
        if record is not None and record.status in (Status.PRESENT, Status.LATE):
            return AskResult(Ask.CHECKED_IN, session)
        if record is not None and record.status is Status.LEAVE:
            return AskResult(Ask.ALREADY_LEAVE, session)
        if record is None:  # joined the team after the session opened
            await att.repo.ensure_record(session.id, person.member_id, person.team_id)
        rid = await att.repo.add_request("leave", session.id, person.member_id, reason, att.now())
        if rid is None:
            return AskResult(Ask.DUPLICATE, session)
        return AskResult(Ask.CREATED, session, rid, await self.leader_chats(person.team_id))

    async def request_makeup(self, person: Person, note: str) -> AskResult:
        """补学: for the latest absence within the allowed days, a request the leader confirms."""
        att = self.attendance
        now = att.now()
        since = now - timedelta(days=att.rules.makeup_days)
        for session in await att.repo.absences(person.member_id, since):
            if not makeup_allowed(session.starts_at, now, att.rules):
                continue
            rid = await att.repo.add_request("makeup", session.id, person.member_id, note, now)
            if rid is None:
                return AskResult(Ask.DUPLICATE, session)
            return AskResult(Ask.CREATED, session, rid, await self.leader_chats(person.team_id))
        return AskResult(Ask.NO_SESSION)

    async def decide(self, request_id: int, approve: bool, actor: Actor) -> DecideResult:
        """A leader approves or refuses a leave / make-up request; approving changes the record
        (audited, with the request's reason)."""
        att = self.attendance
        req = await att.repo.request(request_id)
        session = await att.repo.session(req.session_id) if req else None
        member = await self.people.by_member(req.member_id) if req else None
        if req is None or session is None or member is None:
            return DecideResult(Decided.GONE)
        base = DecideResult(Decided.GONE, session, member, req.kind, req.reason)
        if not may_take_attendance(actor, session, member.team_id):
            return _with(base, Decided.NOT_ALLOWED)
        if req.status != "pending":
            return _with(base, Decided.DONE_ALREADY)
        record = await att.repo.record(session.id, member.member_id)
        change = None
        if approve and record is not None:
            if req.kind == "leave" and record.status in (Status.PENDING, Status.ABSENT):
                reason = self.texts.get("attendance.leave.audit_reason", reason=req.reason)
                change = (record.status, Status.LEAVE, reason)
            elif req.kind == "makeup" and record.status is Status.ABSENT:
                reason = self.texts.get("attendance.makeup.audit_reason", note=req.reason)
                change = (Status.ABSENT, Status.MAKEUP, reason)
        done = await decide_request(
            att.repo,
            request_id,
            approve=approve,
            actor=actor.tg_user_id,
            at=att.now(),
            change=change,
        )
        if not done:
            return _with(base, Decided.DONE_ALREADY)
        if change is not None and not session.closed:
            await att.tally.mark(session.id)
        user_id = member.tg_user_id
        if user_id is not None and await self.people.private_ok(user_id):
            base = replace(base, member_chat=user_id)
        if not approve:
            return _with(base, Decided.REFUSED)
        return _with(base, Decided.APPROVED if change is not None else Decided.UNCHANGED)
