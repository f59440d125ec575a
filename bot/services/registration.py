"""Registration: a Telegram account claims its roster entry with a team invite and a number."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.clock import utcnow
from bot.repos.people import PeopleRepo, Person
from bot.settings import Settings

_EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9-]{1,32}$")


class Outcome(StrEnum):
    LINKED = "linked"
    BAD_FORMAT = "bad_format"
    WRONG_NUMBER = "wrong_number"
    LOCKED = "locked"
    TAKEN = "taken"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    person: Person | None = None
    remaining: int = 0
    locked_until: datetime | None = None


def normalize_employee_no(text: str) -> str | None:
    """What a worker types, as the roster stores it: full-width digits folded, spaces dropped."""
    folded = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    return folded if _EMPLOYEE_NO.match(folded) else None


async def locked_until(people: PeopleRepo, user_id: int) -> datetime | None:
    attempts = await people.attempts(user_id)
    if attempts.locked_until and attempts.locked_until > utcnow():
        return attempts.locked_until
    return None


async def submit_employee_no(
    people: PeopleRepo, settings: Settings, user_id: int, team_id: int, text: str
) -> Result:
    until = await locked_until(people, user_id)
    if until is not None:
        return Result(Outcome.LOCKED, locked_until=until)
    number = normalize_employee_no(text)
    if number is None:
        return Result(Outcome.BAD_FORMAT)
    person = await people.by_employee_no(number)
    if person is None or person.team_id != team_id or not person.active:
        attempts = await people.record_failure(
            user_id,
            settings.registration_max_failures,
            timedelta(minutes=settings.registration_pause_minutes),
        )
        if attempts.locked_until is not None:
            return Result(Outcome.LOCKED, locked_until=attempts.locked_until)
        return Result(
            Outcome.WRONG_NUMBER, remaining=settings.registration_max_failures - attempts.failures
        )
    if person.tg_user_id is not None and person.tg_user_id != user_id:
        await people.audit(
            user_id,
            "registration.taken",
            person.employee_no,
            {"linked_to": person.tg_user_id, "team_id": team_id},
        )
        return Result(Outcome.TAKEN, person=person)
    if person.tg_user_id != user_id and not await people.link(
        person.member_id, user_id, person.employee_no, team_id
    ):
        return Result(Outcome.TAKEN, person=person)
    return Result(Outcome.LINKED, person=replace(person, tg_user_id=user_id))
