"""谈心谈话 / 逐级谈话: leaders record talks held or planned with people in their reach; the
recorder and admins see them; admins see the monthly count per unit; planned talks are
reminded to the recorder on their day (and daily after, until held or cancelled)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import talks as rules
from bot.domain.auth import Action, Place, can
from bot.domain.periods import Period, PeriodError, current, parse_period
from bot.domain.talks import TalkError
from bot.outcomes.talks import BadPeriod, Listing, Recorded, Refusal, Refused, Settled
from bot.repos.outbox import OutMessage
from bot.repos.people import PeopleRepo
from bot.repos.talks import NewTalk, TalkRow, TalksRepo
from bot.services.identity import Identity
from bot.texts import Texts
from bot.views import talks as view

REMIND_FROM_HOUR = 8  # local: a reminder of today's planned talk, not at night


class TalkService:
    def __init__(
        self, repo: TalksRepo, people: PeopleRepo, texts: Texts, tz: ZoneInfo, language: str
    ) -> None:
        self.repo, self.people, self.texts, self.tz, self.lang = repo, people, texts, tz, language

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    async def record(self, ident: Identity, args: list[str], now: datetime) -> Recorded | Refused:
        actor = ident.actor
        if not can(actor, Action.RECORD_TALK):
            return Refused(Refusal.NO_PERMISSION)
        try:
            got = rules.parse_talk(args, self.today(now))
        except TalkError as err:
            return Refused(err.problem)
        person = await self.people.by_employee_no(got.who)
        if person is None or not person.active:
            return Refused(Refusal.NOT_FOUND)
        place = Place(person.unit_id, person.team_id, person.member_id)
        if not can(actor, Action.RECORD_TALK, place):
            return Refused(Refusal.NOT_FOUND)  # out of reach reads like unknown: no roster probe
        if person.member_id == actor.member_id:
            return Refused(Refusal.SELF)
        new = NewTalk(
            actor.tg_user_id,
            person.member_id,
            person.unit_id,
            got.category,
            got.planned,
            got.on.isoformat(),
            got.text,
        )
        talk = await self.repo.get(await self.repo.add(new))
        assert talk is not None
        return Recorded(talk)

    async def mine(self, ident: Identity) -> list[TalkRow] | Refused:
        if not can(ident.actor, Action.RECORD_TALK):
            return Refused(Refusal.NO_PERMISSION)
        return await self.repo.by_recorder(ident.actor.tg_user_id)

    async def settle(
        self, ident: Identity, talk_id: int, held: bool, now: datetime
    ) -> TalkRow | Refused:
        talk = await self.repo.get(talk_id)
        mine = talk is not None and talk.recorder_tg == ident.actor.tg_user_id
        if talk is None or not (mine or can(ident.actor, Action.VIEW_TALKS)):
            return Refused(Refusal.NO_TALK)
        to = "held" if held else "cancelled"
        if not await self.repo.settle(talk_id, to, self.today(now).isoformat()):
            return Refused(Refusal.NO_TALK)
        fresh = await self.repo.get(talk_id)
        assert fresh is not None
        return fresh

    async def monthly(
        self, ident: Identity, period: Period
    ) -> list[tuple[str, int, int]] | Refused:
        """(unit, talks held, people talked with) of every unit in the period."""
        if not can(ident.actor, Action.VIEW_TALKS):
            return Refused(Refusal.NO_PERMISSION)
        start = period.start(self.tz).date().isoformat()
        end = period.end(self.tz).date().isoformat()
        return await self.repo.monthly(start, end)

    async def listing(
        self, ident: Identity, arg: str, now: datetime
    ) -> Listing | BadPeriod | Refused:
        """/talks [period] (this month by default): what of it the person may see."""
        try:
            period = parse_period(arg, now, self.tz) if arg else current("month", now, self.tz)
        except PeriodError as err:
            return BadPeriod(err.code, err.value)
        counts = await self.monthly(ident, period)
        mine = await self.mine(ident)
        if isinstance(mine, Refused) and isinstance(counts, Refused):
            return Refused(Refusal.NO_PERMISSION)
        return Listing(
            period,
            None if isinstance(counts, Refused) else counts,
            None if isinstance(mine, Refused) else mine,
        )

    async def press(
        self, ident: Identity, talk_id: int, held: bool, now: datetime
    ) -> Settled | Refused:
        """已谈 / 取消 under a planned talk: settled, and the recorder's list to show again."""
        talk = await self.settle(ident, talk_id, held, now)
        if isinstance(talk, Refused):
            return talk
        mine = await self.mine(ident)
        return Settled(talk, held, None if isinstance(mine, Refused) else mine)

    async def remind(self, now: datetime) -> int:
        """Reminders of planned talks due today, once a day each, from REMIND_FROM_HOUR on."""
        local = now.astimezone(self.tz)
        if local.hour < REMIND_FROM_HOUR:
            return 0
        today = local.date().isoformat()
        due = [
            t
            for t in await self.repo.due(today)
            if t.planned_on
            and rules.due_for_reminder(
                date.fromisoformat(t.planned_on),
                date.fromisoformat(t.reminded_on) if t.reminded_on else None,
                local.date(),
            )
        ]
        if not due:
            return 0
        notices = [
            OutMessage(
                t.recorder_tg,
                view.reminder(t, self.texts, self.lang),
                purpose="talk_reminder",
                dedupe_key=f"talk:{t.id}:remind:{today}",
                reply_markup=view.settle_keyboard(t, self.texts, self.lang).to_dict(),
            )
            for t in due
        ]
        await self.repo.reminded([t.id for t in due], today, notices)
        return len(due)


__all__ = [
    "BadPeriod", "Listing", "Recorded", "Refusal", "Refused", "Settled", "TalkService",
]  # fmt: skip
