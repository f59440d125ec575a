"""Knowledge quizzes (知识征答) as use cases: import a bank, start rounds, take poll answers,
move private rounds on, fire the daily question, standings, 错题本, reminders.

Every poll and every message to a group or to another person is an outbox row, committed in
the same transaction as the state that wants it (a round and its first polls; an answer and
the next question of a challenge). The round's questions are drawn and stored when it starts,
so a restart sends the same questions and picks up a private exam where it was: the tick
(`QuizService.tick`, woken by the JobQueue) settles questions whose timer ran out and sends
what comes next. Poll answers are kept once per person and poll; a late or repeated answer
changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from bot.db import Database, Tx
from bot.delivery.outbox import Outbox
from bot.domain import quiz as rules
from bot.domain.auth import Action, Actor, Place, can
from bot.domain.quiz import Mode
from bot.domain.quiz_bank import (
    BankFileError,
    load_bank,
    looks_like_bank,
    named_like_bank,
    parse_file,
)
from bot.outcomes.quiz import (
    Answered,
    AnswerState,
    BankOffer,
    BankTooBig,
    Board,
    GroupMenu,
    ImportOutcome,
    NotABank,
    PrivateMenu,
    Refusal,
    Refused,
    Reminded,
    Started,
    TeamStatus,
    TickReport,
)
from bot.paths import DATA
from bot.repos.outbox import OutMessage
from bot.repos.people import PeopleRepo, Person
from bot.repos.quiz import (
    Mistake,
    Plan,
    PollRef,
    QuizRepo,
    Round,
    item_key,
)
from bot.texts import Texts
from bot.views import quiz as views
from scheduler.holidays import HolidayCalendar

QUIZ_BANK = DATA / "quiz"
LEAD = Action.TAKE_ATTENDANCE  # who runs a team's study runs its quizzes: leaders, admins
MANAGE = Action.MANAGE_SCHEDULE  # the bank, the daily plan and site settings: admins
DEFAULT_CAP = 10
DAILY_OPEN = 600  # a daily question stays open 10 minutes
GROUP_OPEN = 60
PRIVATE_OPEN = 30
EXAM_SIZE = 10
SESSION_SIZE = 3
CHALLENGE_MAX = 30
DAILY_GRACE = timedelta(hours=3)  # a daily question missed while down is sent this late
PRIORITY_NEXT = 5  # the next question of a private round answers the person's own action
PRIORITY_GROUP = 1
MAX_BANK_MB = 5  # a larger file sent privately is never downloaded

if TYPE_CHECKING:
    from bot.services.quiz_report import QuizReport


class QuizService:
    def __init__(
        self,
        db: Database,
        repo: QuizRepo,
        people: PeopleRepo,
        outbox: Outbox,
        texts: Texts,
        tz: ZoneInfo,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
        bank_folder: Path = QUIZ_BANK,
    ) -> None:
        self.db = db
        self.repo = repo
        self.people = people
        self.outbox = outbox
        self.texts = texts
        self.tz = tz
        self.clock = clock
        self.rng = rng or random.Random()
        self.bank_folder = bank_folder
        self._seeded = False

    def day_of(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).date().isoformat()

    def month_days(self, month: str | None = None) -> tuple[str, str]:
        """First and last day of 'YYYY-MM' (default: this month, site time)."""
        if month is None:
            today = self.clock().astimezone(self.tz).date()
            first = today.replace(day=1)
        else:
            first = date.fromisoformat(month + "-01")
        nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first.isoformat(), (nxt - timedelta(days=1)).isoformat()

    async def daily_cap(self) -> int:
        value = await self.repo.setting("daily_cap")
        return int(value) if value and value.isdigit() else DEFAULT_CAP

    async def individual_ranking(self) -> bool:
        return (await self.repo.setting("individual_ranking")) == "1"

    # ------------------------------------------------------------ the bank

    async def import_file(
        self, actor: Actor | None, data: bytes, filename: str
    ) -> ImportOutcome | Refused:
        """A bank file, all or nothing; `actor` None = the command line (the operator)."""
        if actor is not None and not can(actor, MANAGE):
            return Refused(Refusal.NO_PERMISSION)
        await self.ensure_bank()
        try:
            parsed = parse_file(data, filename)
        except BankFileError as exc:
            return ImportOutcome(file_error=exc)
        if not parsed.ok:
            return ImportOutcome(errors=parsed.errors, rows=len(parsed.items))
        who = actor.tg_user_id if actor else None
        counts = await self.repo.upsert_items(parsed.items, filename, who)
        return ImportOutcome(counts=counts, rows=len(parsed.items))

    async def offer_file(
        self, actor: Actor, filename: str, size: int, download: Callable[[], Awaitable[bytes]]
    ) -> BankOffer:
        """A file sent privately: a bank is imported (admins only); a too large file named like
        a bank is refused unread; any other file is not a bank (another handler's)."""
        if size > MAX_BANK_MB * 1024 * 1024:
            if named_like_bank(filename):
                return BankTooBig(MAX_BANK_MB)
            return NotABank()
        data = await download()
        if not looks_like_bank(data, filename):
            return NotABank()
        return await self.import_file(actor, data, filename)

    async def ensure_bank(self) -> None:
        """The starter bank (data/quiz) goes in once, into an empty bank, the first time the
        bank is used; an admin's own bank and edits are never overwritten by a restart."""
        if self._seeded:
            return
        if await self.repo.bank_size() == 0:
            await self.repo.upsert_items(load_bank(self.bank_folder), "data/quiz", None)
        self._seeded = True

    async def topics(self) -> dict[str, int]:
        await self.ensure_bank()
        return await self.repo.topics()

    async def topic_of(self, arg: str) -> str | Literal[False] | None:
        """The topic a menu button stands for: None = all topics, False = a stale button."""
        if arg in ("exam", "challenge", "daily"):
            return None
        if arg == "review":
            return views.REVIEW
        topics = list(await self.topics())
        if arg.isdigit() and int(arg) < len(topics):
            return topics[int(arg)]
        return False

    # ------------------------------------------------------------ starting rounds

    async def menu(
        self, actor: Actor, person: Person | None, chat_id: int, private: bool
    ) -> Refused | GroupMenu | PrivateMenu:
        """/quiz: in a group, the team's quiz menu for who may start it; privately, the
        person's own menu."""
        if not private:
            return await self.may_quiz_group(actor, chat_id) or GroupMenu()
        if person is None:
            return Refused(Refusal.NOT_REGISTERED)
        return PrivateMenu(await self.topics(), can(actor, LEAD))

    async def start_from_menu(self, person: Person | None, arg: str) -> Started | Refused | None:
        """A private menu's button (daily | exam | challenge | review | a topic's index): its
        round; None for a button that names no topic any more (stale)."""
        topic = await self.topic_of(arg)
        if topic is False:
            return None
        mode = {"challenge": Mode.CHALLENGE, "daily": Mode.DAILY}.get(arg, Mode.EXAM)
        return await self.start_private(person, mode, topic or None)

    async def may_quiz_group(self, actor: Actor, chat_id: int) -> Refused | None:
        place = await self.repo.team_of_chat(chat_id)
        if place is None:
            return Refused(Refusal.NOT_BOUND)
        if not can(actor, LEAD, Place(place[1], place[0])):
            return Refused(Refusal.NO_PERMISSION)
        return None

    async def start_group(
        self, actor: Actor, chat_id: int, mode: Mode, topic: str | None = None,
        size: int | None = None,
    ) -> Started | Refused:  # fmt: skip
        """A leader starts a quiz in their team's group: all polls at once, each with a timer."""
        refused = await self.may_quiz_group(actor, chat_id)
        if refused is not None:
            return refused
        place = await self.repo.team_of_chat(chat_id)
        assert place is not None
        team_id = place[0]
        await self.ensure_bank()
        n = size or {Mode.DAILY: 1, Mode.SESSION: SESSION_SIZE}.get(mode, EXAM_SIZE)
        period = DAILY_OPEN if mode is Mode.DAILY else GROUP_OPEN * (1 if n == 1 else 2)
        now = self.clock()
        async with self.db.transaction() as tx:
            started = await self._open_group(
                tx, mode, chat_id, team_id, actor.tg_user_id, topic, n, period, now, key=None
            )
        self.outbox.wake()
        return started

    async def after_session(self, session_id: int, chat_id: int) -> bool:
        """A study session closed: its team group gets a short quiz (学习测验) on the bank, once
        per session and group whatever retries or restarts happen; off with the site setting
        session_quiz = 0."""
        if (await self.repo.setting("session_quiz")) == "0":
            return False
        place = await self.repo.team_of_chat(chat_id)
        if place is None:
            return False
        await self.ensure_bank()
        now = self.clock()
        async with self.db.transaction() as tx:
            started = await self._open_group(
                tx, Mode.SESSION, chat_id, place[0], None, None, SESSION_SIZE, 2 * GROUP_OPEN,
                now, key=f"session:{session_id}:{chat_id}",
            )  # fmt: skip
        self.outbox.wake()
        return isinstance(started, Started)

    async def _open_group(
        self, tx: Tx, mode: Mode, chat_id: int, team_id: int,
        started_by: int | None, topic: str | None, n: int, period: int, now: datetime,
        key: str | None,
    ) -> Started | Refused:  # fmt: skip
        ids = rules.draw(
            await self.repo.candidates(), await self.repo.used_counts(chat_id), n, self.rng, topic
        )
        if not ids:
            return Refused(Refusal.NO_QUESTIONS)
        round_id = await self.repo.insert_round(
            tx, mode=mode, chat_id=chat_id, team_id=team_id, member_id=None,
            started_by=started_by, topic=topic, question_ids=ids, open_period=period,
            sequential=False, local_day=self.day_of(now), key=key, now=now,
        )  # fmt: skip
        if round_id is None:
            return Refused(Refusal.BUSY)
        questions = await self.repo.questions(ids)
        lang = self.texts.default
        messages = [
            OutMessage(
                chat_id, questions[q].item.stem, purpose="quiz", dedupe_key=item_key(round_id, i),
                batch=f"quiz:{round_id}", priority=PRIORITY_GROUP,
                poll=views.poll_params(
                    self.texts, lang, questions[q].item, mode, i, len(ids), period
                ),
            )
            for i, q in enumerate(ids)
        ]  # fmt: skip
        await self.outbox.enqueue(messages, tx=tx)
        return Started(round_id, len(ids), mode)

    async def start_private(
        self, person: Person | None, mode: Mode, topic: str | None = None, size: int = EXAM_SIZE
    ) -> Started | Refused:
        """An exam, a challenge or a review of the 错题本, one question at a time, privately."""
        if person is None or person.tg_user_id is None:
            return Refused(Refusal.NOT_REGISTERED)
        if await self.repo.running_private(person.member_id) is not None:
            return Refused(Refusal.BUSY)
        await self.ensure_bank()
        chat = person.tg_user_id
        used = await self.repo.used_counts(chat)
        if mode is Mode.DAILY:
            ids = rules.draw(await self.repo.candidates(), used, 1, self.rng, topic)
        elif mode is Mode.CHALLENGE:
            ids = rules.draw(await self.repo.candidates(), used, CHALLENGE_MAX, self.rng, topic)
        elif topic == views.REVIEW:
            ids = (await self.repo.mistake_ids(person.member_id))[:size]
            self.rng.shuffle(ids)
        else:
            ids = rules.draw(await self.repo.candidates(), used, size, self.rng, topic)
        if not ids:
            return Refused(Refusal.NO_MISTAKES if topic == views.REVIEW else Refusal.NO_QUESTIONS)
        now = self.clock()
        async with self.db.transaction() as tx:
            round_id = await self.repo.insert_round(
                tx, mode=mode, chat_id=chat, team_id=person.team_id, member_id=person.member_id,
                started_by=chat, topic=topic, question_ids=ids, open_period=PRIVATE_OPEN,
                sequential=True, local_day=self.day_of(now), now=now,
            )  # fmt: skip
            assert round_id is not None
            rnd = await self.repo.round_in(tx, round_id)
            await self._send_item(tx, rnd, 0, ids[0])
        self.outbox.wake()
        return Started(round_id, len(ids), mode)

    async def _send_item(self, tx: Tx, rnd: Round, position: int, question_id: int) -> None:
        question = (await self.repo.questions([question_id]))[question_id]
        lang = self.texts.default
        params = views.poll_params(
            self.texts, lang, question.item, rnd.mode, position, rnd.size, rnd.open_period
        )
        await self.outbox.enqueue(
            [
                OutMessage(
                    rnd.chat_id, question.item.stem, purpose="quiz",
                    dedupe_key=item_key(rnd.id, position), batch=f"quiz:{rnd.id}",
                    priority=PRIORITY_NEXT, poll=params,
                )
            ],
            tx=tx,
        )  # fmt: skip

    # ------------------------------------------------------------ answers

    async def answer(
        self, poll_id: str, tg_user_id: int, option_ids: Sequence[int], at: datetime | None = None
    ) -> Answered:
        at = at or self.clock()
        if not option_ids:
            return Answered(AnswerState.RETRACTED)  # quizzes cannot be revoted; nothing to undo
        async with self.db.transaction() as tx:
            if not await self.repo.add_answer(tx, poll_id, tg_user_id, option_ids, at):
                return Answered(AnswerState.REPEATED)
            ref = await self.repo.poll_ref(poll_id)
            if ref is None or ref.sent_at is None:
                return Answered(AnswerState.PENDING)
            outcome = await self._settle(tx, ref, poll_id, tg_user_id, option_ids, at)
        self.outbox.wake()
        return outcome

    async def _settle(
        self,
        tx: Tx,
        ref: PollRef,
        poll_id: str,
        tg_user_id: int,
        option_ids: Sequence[int],
        at: datetime,
    ) -> Answered:
        person = await self.people.by_tg(tg_user_id)
        if person is not None and not person.active:
            person = None
        rnd = ref.round
        assert ref.sent_at is not None
        late = (
            rules.is_late(at, ref.sent_at, rnd.open_period)
            or rnd.state != "running"
            or (rnd.sequential and (ref.position != rnd.position or rnd.member_id is None))
        )
        if rnd.sequential and person is not None and person.member_id != rnd.member_id:
            person = None  # someone else's private round cannot be answered; defensive
        correct = rules.is_correct(option_ids, ref.question.item.answer)
        day = self.day_of(at)
        if person is None or late:
            state = AnswerState.OUTSIDER if person is None else AnswerState.LATE
            await self.repo.settle_answer(
                tx, poll_id, tg_user_id, state=state.value, ref=ref,
                member_id=person.member_id if person else None,
                team_id=person.team_id if person else None, correct=correct, points=0,
                local_day=day,
            )  # fmt: skip
            return Answered(state, correct)
        base = rules.points_for(ref.question.item.difficulty) if correct else 0
        earned = await self.repo.earned_on(tx, person.member_id, day)
        points = rules.award(base, earned, await self.daily_cap()) if correct else 0
        await self.repo.settle_answer(
            tx, poll_id, tg_user_id, state="counted", ref=ref, member_id=person.member_id,
            team_id=person.team_id, correct=correct, points=points, local_day=day,
        )  # fmt: skip
        if rnd.sequential:
            await self._step(tx, rnd, ref.position, correct)
        return Answered(AnswerState.COUNTED, correct, points, capped=correct and points < base)

    async def _step(self, tx: Tx, rnd: Round, position: int, correct: bool | None) -> None:
        """A private round's question is settled (answered, or its timer ran out): the next
        question goes out, or the round ends with its result."""
        if not await self.repo.settle(tx, rnd.id, position):
            return
        step = rules.next_step(rnd.mode, position, rnd.size, correct)
        if not step.finish:
            await self.repo.advance(tx, rnd.id, step.next_position)
            question_id = await self.repo.item_question(tx, rnd.id, step.next_position)
            await self._send_item(tx, rnd, step.next_position, question_id)
            return
        await self._finish(tx, rnd, timed_out=correct is None)

    async def _finish(self, tx: Tx, rnd: Round, timed_out: bool = False) -> None:
        if not await self.repo.finish(tx, rnd.id, self.clock()):
            return
        people, answers, correct, points = await self.repo.round_totals(rnd.id, tx)
        lang = self.texts.default
        if rnd.sequential:
            text = views.private_result(
                self.texts, lang, rnd, answers=answers, correct=correct, points=points,
                timed_out=timed_out,
            )  # fmt: skip
        else:
            members = 0 if rnd.team_id is None else await self.repo.team_size(rnd.team_id, tx)
            text = views.group_result(
                self.texts, lang, rnd, people=people, members=members, answers=answers,
                correct=correct,
            )  # fmt: skip
        await self.outbox.enqueue(
            [
                OutMessage(
                    rnd.chat_id, text, purpose="quiz", dedupe_key=f"quiz:{rnd.id}:result",
                    priority=PRIORITY_NEXT if rnd.sequential else PRIORITY_GROUP,
                )
            ],
            tx=tx,
        )  # fmt: skip

    async def cancel_private(self, person: Person | None) -> bool:
        if person is None:
            return False
        rnd = await self.repo.running_private(person.member_id)
        if rnd is None:
            return False
        async with self.db.transaction() as tx:
            return await self.repo.finish(tx, rnd.id, self.clock(), state="cancelled")

    async def plan_daily(
        self, at_time: str, team_id: int | None = None, topic: str | None = None,
        open_period: int = DAILY_OPEN, by: int | None = None, workdays: bool = False,
    ) -> int:  # fmt: skip
        """每日一题 at HH:MM (site time) to every bound team group, or to one team's."""
        hh, _, mm = at_time.partition(":")
        if not (hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60 and len(mm) == 2):
            raise ValueError(f"not a time of day (HH:MM): {at_time!r}")
        period = rules.clamp_open_period(open_period)
        return await self.repo.add_plan(
            team_id, f"{int(hh):02d}:{mm}", topic, period, by, self.clock(), workdays
        )

    # ------------------------------------------------------------ the tick

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Daily questions due, private questions whose timer ran out, group rounds whose
        polls have all closed, answers that came before their poll was recorded."""
        now = now or self.clock()
        await self.ensure_bank()
        report = TickReport()
        report.resolved = await self.resolve_raw()
        report.daily_rounds = await self._daily(now)
        for rnd in await self.repo.running():
            items = await self.repo.items(rnd.id)
            if rnd.sequential:
                current = next((i for i in items if i.position == rnd.position), None)
                if current is None:
                    continue
                gone = current.state in ("undeliverable", "cancelled")
                if gone or (
                    current.sent_at is not None
                    and rules.expired(current.sent_at, rnd.open_period, now)
                ):
                    async with self.db.transaction() as tx:
                        if gone:
                            await self.repo.finish(tx, rnd.id, now, state="cancelled")
                        else:
                            await self._step(
                                tx, await self.repo.round_in(tx, rnd.id), rnd.position, None
                            )
                    report.timed_out += 1
            elif all(
                i.state in ("undeliverable", "cancelled")
                or (i.sent_at is not None and rules.expired(i.sent_at, rnd.open_period, now))
                for i in items
            ):
                async with self.db.transaction() as tx:
                    await self._finish(tx, rnd)
                report.finished += 1
        if report.timed_out or report.finished or report.daily_rounds:
            self.outbox.wake()
        return report

    async def resolve_raw(self) -> int:
        """Settle answers that arrived before the sender had recorded their poll's id."""
        resolved = 0
        for poll_id, user, options, at in await self.repo.raw_answers():
            ref = await self.repo.poll_ref(poll_id)
            if ref is None or ref.sent_at is None:
                continue
            async with self.db.transaction() as tx:
                await self._settle(tx, ref, poll_id, user, options, at)
            resolved += 1
        return resolved

    async def _daily(self, now: datetime) -> int:
        plans = await self.repo.plans()
        if not plans:
            return 0
        local = now.astimezone(self.tz)
        groups = await self.repo.team_groups()
        calendar = None
        made = 0
        for plan in plans:
            if plan.workdays:
                if calendar is None:
                    holidays, workdays = await self.repo.day_overrides()
                    calendar = HolidayCalendar(holidays, workdays)
                if not calendar.is_workday(local.date()):
                    continue
            hh, mm = (int(x) for x in plan.at_time.split(":"))
            moment = datetime.combine(local.date(), time(hh, mm), self.tz)
            if not moment <= local < moment + DAILY_GRACE:
                continue
            if moment.astimezone(now.tzinfo) < plan.created_at - timedelta(minutes=1):
                continue  # planned after today's moment: the first question comes tomorrow
            day = local.date().isoformat()
            teams = [plan.team_id] if plan.team_id is not None else sorted(groups)
            for team_id in teams:
                chat = groups.get(team_id)
                if chat is None:
                    continue
                async with self.db.transaction() as tx:
                    started = await self._open_group(
                        tx, Mode.DAILY, chat, team_id, None, plan.topic, 1, plan.open_period,
                        now, key=f"daily:{plan.id}:{day}:{team_id}",
                    )  # fmt: skip
                if isinstance(started, Started):
                    made += 1
        return made

    # ------------------------------------------------------------ leaders

    async def team_status(self, actor: Actor) -> TeamStatus | Refused:
        """The leader's team's latest group round: who answered, who has not."""
        team_id, unit_id = actor.team_id, actor.unit_id
        if team_id is None or not can(actor, LEAD, Place(unit_id, team_id)):
            return Refused(Refusal.NO_PERMISSION)
        rounds = await self.repo.recent_rounds(team_id, limit=1)
        if not rounds:
            return Refused(Refusal.NO_ROUND)
        rnd = rounds[0]
        done = await self.repo.answered(rnd.id)
        members = await self.people.team_members(team_id)
        answered = [m for m in members if m.member_id in done]
        missing = [m for m in members if m.member_id not in done]
        first, last = self.month_days()
        took_part = await self.repo.took_part(team_id, first, last)
        idle = [m for m in members if m.member_id not in took_part]
        return TeamStatus(rnd, answered, missing, idle)

    async def remind(self, actor: Actor, round_id: int) -> Reminded | Refused:
        """One private reminder per member who has not answered the round, ever."""
        rnd = await self.repo.round(round_id)
        if rnd is None or rnd.team_id is None:
            return Refused(Refusal.NO_ROUND)
        unit_id = await self.repo.unit_of(rnd.team_id)
        if unit_id is None or not can(actor, LEAD, Place(unit_id, rnd.team_id)):
            return Refused(Refusal.NO_PERMISSION)
        done = await self.repo.answered(rnd.id)
        missing = [
            m for m in await self.people.team_members(rnd.team_id) if m.member_id not in done
        ]
        reachable = [
            m for m in missing if m.tg_user_id and await self.people.private_ok(m.tg_user_id)
        ]
        now = self.clock()
        lang = self.texts.default
        async with self.db.transaction() as tx:
            fresh = set(
                await self.repo.remind_once(tx, rnd.id, [m.member_id for m in reachable], now)
            )
            messages = [
                OutMessage(
                    m.tg_user_id, views.reminder(self.texts, lang, m.name, rnd), purpose="quiz",
                    dedupe_key=f"quiz:{rnd.id}:remind:{m.member_id}",
                    reply_markup=views.reminder_markup(self.texts, lang).to_dict(),
                )
                for m in reachable
                if m.member_id in fresh and m.tg_user_id is not None
            ]  # fmt: skip
            await self.outbox.enqueue(messages, tx=tx)
        return Reminded(
            len(messages), len(reachable) - len(messages), len(missing) - len(reachable)
        )

    # ------------------------------------------------------------ standings

    async def board(self, person: Person | None, month: str | None = None) -> Board:
        first, last = self.month_days(month)
        teams = rules.rank_teams(await self.repo.team_scores(first, last))
        everyone = await self.repo.person_scores(first, last)
        me = next((p for p in everyone if person and p.member_id == person.member_id), None)
        people = everyone if await self.individual_ranking() else None
        return Board(first, last, teams, people, me)

    async def today(self, person: Person) -> tuple[int, int]:
        """(points today, daily cap)."""
        day = self.day_of(self.clock())
        async with self.db.transaction() as tx:
            earned = await self.repo.earned_on(tx, person.member_id, day)
        return earned, await self.daily_cap()

    async def mistakes(self, person: Person, limit: int = 10) -> list[Mistake]:
        return await self.repo.mistakes(person.member_id, limit)

    # -- reads the handlers and the command line need, through the service

    async def report(self, first_day: str, last_day: str) -> QuizReport:
        from bot.services import quiz_report  # its chart and workbook only for a report

        return await quiz_report.build(self.repo, first_day, last_day)

    async def plans(self, active_only: bool = True) -> list[Plan]:
        return await self.repo.plans(active_only)

    async def set_setting(self, key: str, value: str) -> None:
        return await self.repo.set_setting(key, value)

    async def setting(self, key: str) -> str | None:
        return await self.repo.setting(key)

    async def stop_plan(self, plan_id: int) -> bool:
        return await self.repo.stop_plan(plan_id)

    async def team_by_name(self, name: str) -> int | None:
        return await self.repo.team_by_name(name)


# The outcomes are defined in bot.outcomes.quiz (the view reads them there) and named here
# too, so handlers, the command line and tests keep reading them off the service.
__all__ = [
    "CHALLENGE_MAX", "DAILY_GRACE", "DAILY_OPEN", "DEFAULT_CAP", "EXAM_SIZE", "GROUP_OPEN",
    "LEAD", "MANAGE", "MAX_BANK_MB", "PRIORITY_GROUP", "PRIORITY_NEXT", "PRIVATE_OPEN",
    "QUIZ_BANK", "SESSION_SIZE", "AnswerState", "Answered", "BankOffer", "BankTooBig", "Board",
    "GroupMenu", "ImportOutcome", "NotABank", "PrivateMenu", "QuizService", "Refusal", "Refused",
    "Reminded", "Started", "TeamStatus", "TickReport",
]  # fmt: skip
