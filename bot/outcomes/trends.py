"""What the thought-trend analysis returns (bot.services.trends): the `TrendReport` of one month
for a unit or the whole site, its rows per unit and recurring problems, and the constants its
readers need with it (the baseline months, the leave kinds, the site's name in the tests). They
live apart from the service so that the view that renders the report as text, chart and
workbook (bot.views.trends) reads it without importing the use case that builds it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.domain import trends as stats

BASELINE_MONTHS = 3
LEAVE_KINDS = ("sick", "family", "official", "other")
CASE_KINDS = ("feedback", "assist")  # 意见反映 and 帮扶救助 (casework's `case_requests.kind`)
SITE = ""  # the family name of the whole site in the significance tests


@dataclass
class UnitRow:
    unit: str
    texts: int = 0
    texts_before: int = 0
    topics: Counter[str] = field(default_factory=Counter)
    topics_before: Counter[str] = field(default_factory=Counter)
    shifts: list[stats.Shift] = field(default_factory=list)
    attendance: dict[str, float | None] = field(default_factory=dict)  # month -> rate
    quiz: dict[str, float | None] = field(default_factory=dict)  # month -> share correct


@dataclass(frozen=True)
class Problem:
    keywords: tuple[str, str]
    texts: int
    teams: int
    units: int
    example: str


@dataclass
class TrendReport:
    month: str
    months: list[str]  # baseline months then this one, oldest first
    scope: str  # unit name, or "" for the whole site
    topics: tuple[str, ...]
    texts: int = 0
    texts_before: int = 0
    by_topic: Counter[str] = field(default_factory=Counter)
    by_topic_before: Counter[str] = field(default_factory=Counter)
    topic_shifts: list[stats.Shift] = field(default_factory=list)
    leave: Counter[str] = field(default_factory=Counter)
    leave_before: Counter[str] = field(default_factory=Counter)
    leave_shifts: list[stats.Shift] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)
    new_keywords: list[tuple[str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    participation: list[stats.Participation] = field(default_factory=list)
    attendance: dict[str, float | None] = field(default_factory=dict)  # site, month -> rate
    quiz: dict[str, float | None] = field(default_factory=dict)  # site, month -> share correct
    # Confidential casework, counts only: kind -> (units, each with a count or None when too
    # small to show, and the pooled count of the small ones; 0 when even the pool is small).
    confidential: dict[str, tuple[list[stats.GroupCount], int]] = field(default_factory=dict)
    # Private feedback by topic, for the scope as a whole, and only when the scope has at least
    # MIN_GROUP people (else empty): a topic count of a tiny unit would point at its author.
    feedback_topics: Counter[str] = field(default_factory=Counter)
    feedback_topics_before: Counter[str] = field(default_factory=Counter)
    feedback_shifts: list[stats.Shift] = field(default_factory=list)

    def confidential_total(self, kind: str) -> int:
        shown, pooled = self.confidential.get(kind, ([], 0))
        return stats.confidential_total(shown, pooled)

    @property
    def empty(self) -> bool:
        return (
            self.texts == 0
            and not self.leave
            and not any(r is not None for r in self.attendance.values())
            and not any(self.confidential_total(k) for k in CASE_KINDS)
        )

    @property
    def significant(self) -> list[tuple[str, stats.Shift]]:
        """(unit or "", shift) of every flagged change, site first."""
        out = [(SITE, s) for s in self.topic_shifts if s.direction]
        out += [(SITE, s) for s in self.leave_shifts if s.direction]
        for u in self.units:
            out += [(u.unit, s) for s in u.shifts if s.direction]
        return out
