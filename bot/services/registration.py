"""Registration: a Telegram account claims its roster entry with a team invite and a number."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.repos.people import PeopleRepo, Person
from bot.settings import Settings

_EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9-]{1,32}$")


class Outcome(StrEnum):
    LINKED = "linked"
    BAD_FORMAT = "bad_format"
    WRONG_NUMBER = "wrong_number"
    LOCKED = "locked"
    TAKEN = "taken"
    NEED_PHONE = "need_phone"  # the number matched; now the last 4 digits of the mobile
    WRONG_PHONE = "wrong_phone"
    DEACTIVATED = "deactivated"
    NEED_APPROVAL = "need_approval"  # registration_check = "leader": the leader decides


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


async def locked_until(people: PeopleRepo, user_id: int, now: datetime) -> datetime | None:
    attempts = await people.attempts(user_id)
    if attempts.locked_until and attempts.locked_until > now:
        return attempts.locked_until
    return None


async def submit_employee_no(
    people: PeopleRepo, settings: Settings, user_id: int, team_id: int, text: str, now: datetime
) -> Result:
    until = await locked_until(people, user_id, now)
    if until is not None:
        return Result(Outcome.LOCKED, locked_until=until)
    number = normalize_employee_no(text)
    if number is None:
        return Result(Outcome.BAD_FORMAT)
    person = await people.by_employee_no(number)
    if person is not None and person.team_id == team_id and not person.active:
        return Result(Outcome.DEACTIVATED, person=person)
    if person is None or person.team_id != team_id or not person.active:
        attempts = await people.record_failure(
            user_id,
            settings.registration_max_failures,
            timedelta(minutes=settings.registration_pause_minutes),
            now,
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
    if person.tg_user_id is None and settings.registration_check == "leader":
        return Result(Outcome.NEED_APPROVAL, person=person)
    if (
        person.tg_user_id is None
        and settings.registration_check == "phone"
        and await people.phone_tail(person.member_id)
    ):
        return Result(Outcome.NEED_PHONE, person=person)
    return await _link(people, person, user_id, team_id, now)


async def _link(
    people: PeopleRepo, person: Person, user_id: int, team_id: int, now: datetime
) -> Result:
    if person.tg_user_id != user_id and not await people.link(
        person.member_id, user_id, person.employee_no, team_id, now
    ):
        return Result(Outcome.TAKEN, person=person)
    return Result(Outcome.LINKED, person=replace(person, tg_user_id=user_id))


_DIGITS = re.compile(r"\d")


async def submit_phone_tail(
    people: PeopleRepo,
    settings: Settings,
    user_id: int,
    employee_no: str,
    text: str,
    now: datetime,
) -> Result:
    """The second check: the last 4 digits of the mobile on the roster. A wrong answer counts
    towards the same lock as a wrong number, and is audited (the caller alerts the admins)."""
    until = await locked_until(people, user_id, now)
    if until is not None:
        return Result(Outcome.LOCKED, locked_until=until)
    person = await people.by_employee_no(employee_no)
    if person is None or not person.active:
        return Result(Outcome.WRONG_NUMBER)
    digits = "".join(_DIGITS.findall(unicodedata.normalize("NFKC", text)))
    expected = await people.phone_tail(person.member_id)
    if not expected or digits[-4:] != expected or len(digits) not in (4, 11):
        await people.audit(
            user_id, "registration.phone_mismatch", person.employee_no, {"team_id": person.team_id}
        )
        attempts = await people.record_failure(
            user_id,
            settings.registration_max_failures,
            timedelta(minutes=settings.registration_pause_minutes),
            now,
        )
        if attempts.locked_until is not None:
            return Result(Outcome.LOCKED, person=person, locked_until=attempts.locked_until)
        return Result(
            Outcome.WRONG_PHONE,
            person=person,
            remaining=settings.registration_max_failures - attempts.failures,
        )
    if person.tg_user_id is not None and person.tg_user_id != user_id:
        return Result(Outcome.TAKEN, person=person)
    return await _link(people, person, user_id, person.team_id, now)
