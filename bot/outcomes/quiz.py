"""What the knowledge-quiz (知识征答) use cases return: a round started or refused and why, an
answer's fate, a bank file's import (or why it was not read), the /quiz menus, a tick's count,
a team's latest round, reminders sent, the month's standings.

They live apart from `bot.services.quiz` because the quiz view renders them (a bank file's
reply) while the service renders its polls and results with that view: here, the view reads
the outcomes without importing the use case that makes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.quiz import Mode, TeamScore
from bot.domain.quiz_bank import BankFileError, RowError
from bot.repos.people import Person
from bot.repos.quiz import ImportCounts, PersonScore, Round


class Refusal(StrEnum):
    NOT_REGISTERED = "not_registered"
    NO_PERMISSION = "no_permission"
    NOT_BOUND = "not_bound"
    NO_QUESTIONS = "no_questions"
    BUSY = "busy"  # a private round is already running
    NO_ROUND = "no_round"
    NO_MISTAKES = "no_mistakes"  # 重做错题 with an empty 错题本 (an old button, say)


@dataclass(frozen=True)
class Started:
    round_id: int
    size: int
    mode: Mode


@dataclass(frozen=True)
class Refused:
    reason: Refusal


class AnswerState(StrEnum):
    COUNTED = "counted"
    LATE = "late"
    REPEATED = "repeated"
    RETRACTED = "retracted"
    OUTSIDER = "outsider"
    PENDING = "pending"  # the poll is not known yet; settled when the sender records it


@dataclass(frozen=True)
class Answered:
    state: AnswerState
    correct: bool | None = None
    points: int = 0
    capped: bool = False


@dataclass(frozen=True)
class ImportOutcome:
    counts: ImportCounts | None = None
    errors: list[RowError] = field(default_factory=list)
    file_error: BankFileError | None = None
    rows: int = 0

    @property
    def ok(self) -> bool:
        return self.counts is not None


@dataclass(frozen=True)
class GroupMenu:
    """/quiz in a team group, by someone who may start the team's quiz."""


@dataclass(frozen=True)
class PrivateMenu:
    """/quiz privately: the topics (name → questions) and whether they lead a team's quizzes."""

    topics: dict[str, int]
    lead: bool


@dataclass(frozen=True)
class NotABank:
    """A file that is no bank (a roster, say): left to the next file handler."""


@dataclass(frozen=True)
class BankTooBig:
    """A file named like a bank (题库, quiz) but too large to download."""

    limit_mb: int


BankOffer = NotABank | BankTooBig | Refused | ImportOutcome


@dataclass
class TickReport:
    daily_rounds: int = 0
    timed_out: int = 0
    finished: int = 0
    resolved: int = 0


@dataclass(frozen=True)
class TeamStatus:
    round: Round
    answered: list[Person]
    missing: list[Person]
    idle_this_month: list[Person]  # no answer at all this month, in any quiz


@dataclass(frozen=True)
class Reminded:
    sent: int
    already: int
    unreachable: int


@dataclass(frozen=True)
class Board:
    first_day: str
    last_day: str
    teams: list[TeamScore]
    people: list[PersonScore] | None  # None: the site does not rank individuals
    me: PersonScore | None
