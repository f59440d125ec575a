"""What the attendance report use cases return (bot.services.reports): the month asked for, the
report drawn from it (per team and per person, with the rate over recent months), the files
sent for it, and why /report refused. They live apart from the service so that the views that
render them (bot.views.reports, bot.views.attendance_chart, and bot.views.trends for the
month) read them without importing the use case; the service imports its views as before."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.attendance import rate
from bot.repos.attendance import PersonRow, TeamRow


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The month in local time, as UTC instants [start, end)."""
        start = datetime(self.year, self.month, 1, tzinfo=tz)
        nxt = self.shift(1)
        end = datetime(nxt.year, nxt.month, 1, tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class Totals:
    sessions: int = 0
    total: int = 0
    present: int = 0
    late: int = 0
    leave: int = 0
    absent: int = 0
    makeup: int = 0

    @property
    def rate(self) -> float | None:
        return rate(self.present, self.late, self.leave, self.total)


def totals(rows: Iterable[TeamRow]) -> Totals:
    rows = list(rows)
    return Totals(
        sum(r.sessions for r in rows),
        sum(r.total for r in rows),
        sum(r.present for r in rows),
        sum(r.late for r in rows),
        sum(r.leave for r in rows),
        sum(r.absent for r in rows),
        sum(r.makeup for r in rows),
    )


@dataclass
class Report:
    month: Month
    scope: str
    teams: list[TeamRow]
    people: list[PersonRow]
    trend: list[tuple[Month, float | None]] = field(default_factory=list)

    @property
    def total(self) -> Totals:
        return totals(self.teams)

    @property
    def empty(self) -> bool:
        """No closed study in scope this month (the teams are listed all the same)."""
        return self.total.sessions == 0

    @property
    def idle_teams(self) -> list[TeamRow]:
        """Teams in scope without a closed study this month."""
        return [r for r in self.teams if r.sessions == 0]


@dataclass(frozen=True)
class Files:
    text: str
    png: bytes | None
    xlsx: bytes | None
    detail_rows: int


@dataclass(frozen=True)
class ReportRefused:
    """Why no report: the answer's text key and the month as typed (for a bad one)."""

    key: str
    value: str = ""


@dataclass(frozen=True)
class ReportAsked:
    month: Month
    team_ids: list[int] | None  # None: every team
    scope: str  # how the answer names the asker's reach
