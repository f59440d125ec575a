"""The monthly thought-trend analysis (思想动态分析), per unit and for the whole site.

`build(q, month, tz, unit_id)` reads one month and the BASELINE_MONTHS before it through
`bot.repos.trends.TrendQueries` and returns a `TrendReport`: topic counts and shares of the
suggestions, leave and absence reasons by kind, what rose or fell against the baseline months
(two-proportion z-tests, Benjamini–Hochberg over the whole report), new keywords, recurring
problems raised by several teams, participation by team (counts only), and attendance month by
month. The views (`bot.views.trends`) turn it into text, a PNG chart and an XLSX workbook; the
scheduled job and `banzu report trends` both use them.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from zoneinfo import ZoneInfo

from bot.clock import iso
from bot.domain import trends as stats
from bot.outcomes.reports import Month
from bot.outcomes.trends import BASELINE_MONTHS as BASELINE_MONTHS  # re-exported: read here too
from bot.outcomes.trends import CASE_KINDS as CASE_KINDS
from bot.outcomes.trends import LEAVE_KINDS as LEAVE_KINDS
from bot.outcomes.trends import SITE as SITE
from bot.outcomes.trends import Problem as Problem
from bot.outcomes.trends import TrendReport as TrendReport
from bot.outcomes.trends import UnitRow as UnitRow
from bot.paths import DATA
from bot.repos.trends import TrendQueries

LEAVE_WORDS = DATA / "tagging" / "leave_reasons.toml"
EXAMPLE_CHARS = 60


def load_leave_words() -> list[tuple[str, tuple[str, ...]]]:
    raw = tomllib.loads(LEAVE_WORDS.read_text(encoding="utf-8"))
    return [(kind, tuple(raw[kind])) for kind in LEAVE_KINDS if kind in raw]


def leave_kind(reason: str, words: list[tuple[str, tuple[str, ...]]]) -> str:
    for kind, ws in words:
        if any(w in reason for w in ws):
            return kind
    return "other"


# Leave asked ahead says its type: 病假 is sick and 公休 official whatever the note says; 事假
# and 其他 are sorted by their note like any other reason.
_ASKED_KIND = {"sick": "sick", "official": "official"}


def _leave_asked(
    rep: TrendReport,
    q: TrendQueries,
    month: Month,
    unit_id: int | None,
    words: list[tuple[str, tuple[str, ...]]],
) -> None:
    days = day_windows(month)
    for i, (start_day, end_day) in enumerate(days):
        counter = rep.leave if i == len(days) - 1 else rep.leave_before
        for _unit, kind, note in q.leave_asked(start_day, end_day, unit_id):
            counter[_ASKED_KIND.get(str(kind)) or leave_kind(str(note or ""), words)] += 1


def day_windows(month: Month) -> list[tuple[str, str]]:
    """The same months as local dates [first day, first day of the next month), oldest first:
    casework keeps only the local day of a request."""
    return [
        (f"{month.shift(-back).label}-01", f"{month.shift(1 - back).label}-01")
        for back in range(BASELINE_MONTHS, -1, -1)
    ]


def windows(month: Month, tz: ZoneInfo) -> list[tuple[str, str]]:
    """[start, end) ISO UTC of the baseline months and this month, oldest first."""
    out = []
    for back in range(BASELINE_MONTHS, -1, -1):
        start, end = month.shift(-back).bounds(tz)
        out.append((iso(start), iso(end)))
    return out


def build(
    q: TrendQueries,
    month: Month,
    tz: ZoneInfo,
    topics: tuple[str, ...],
    unit_id: int | None = None,
    scope: str = "",
) -> TrendReport:
    wins = windows(month, tz)
    labels = [month.shift(-back).label for back in range(BASELINE_MONTHS, -1, -1)]
    cur_start, cur_end = wins[-1]
    rep = TrendReport(month.label, labels, scope, topics)
    units = {name: UnitRow(name) for _, name in q.units(unit_id)}
    words = load_leave_words()

    for i, (start, end) in enumerate(wins):
        current = i == len(wins) - 1
        for unit, n in q.suggestion_counts(start, end, unit_id):
            row = units.setdefault(str(unit), UnitRow(str(unit)))
            if current:
                row.texts += int(str(n))
            else:
                row.texts_before += int(str(n))
        for unit, topic, n in q.suggestion_topics(start, end, unit_id):
            row = units.setdefault(str(unit), UnitRow(str(unit)))
            (row.topics if current else row.topics_before)[str(topic)] += int(str(n))
        for _unit, reason in q.leave_reasons(start, end, unit_id):
            kind = leave_kind(str(reason or ""), words)
            (rep.leave if current else rep.leave_before)[kind] += 1
        site_att = [0, 0]
        for unit, attended, counted in q.attendance(start, end, unit_id):
            row = units.setdefault(str(unit), UnitRow(str(unit)))
            a, c = int(str(attended or 0)), int(str(counted or 0))
            row.attendance[labels[i]] = stats.rate(a, c)
            site_att[0] += a
            site_att[1] += c
        rep.attendance[labels[i]] = stats.rate(site_att[0], site_att[1])
        site_quiz = [0, 0]
        for unit, correct, answered in q.quiz(start, end, unit_id):
            row = units.setdefault(str(unit), UnitRow(str(unit)))
            c, n = int(str(correct or 0)), int(str(answered or 0))
            row.quiz[labels[i]] = stats.rate(c, n)
            site_quiz[0] += c
            site_quiz[1] += n
        rep.quiz[labels[i]] = stats.rate(site_quiz[0], site_quiz[1])

    for row in units.values():
        rep.texts += row.texts
        rep.texts_before += row.texts_before
        rep.by_topic.update(row.topics)
        rep.by_topic_before.update(row.topics_before)
        for label in labels:
            row.attendance.setdefault(label, None)
            row.quiz.setdefault(label, None)
    rep.units = sorted(units.values(), key=lambda r: (-r.texts, r.unit))

    _leave_asked(rep, q, month, unit_id, words)
    rosters = {(str(u), str(t)): int(str(n)) for u, t, n in q.rosters(unit_id)}
    _casework(rep, q, month, unit_id, rosters)

    n_leave, n_leave_before = sum(rep.leave.values()), sum(rep.leave_before.values())
    families: dict[str, stats.Family] = {
        "topics": (rep.by_topic, rep.texts, rep.by_topic_before, rep.texts_before, topics),
        "leave": (rep.leave, n_leave, rep.leave_before, n_leave_before, LEAVE_KINDS),
    }
    n_fb, n_fb_before = sum(rep.feedback_topics.values()), sum(rep.feedback_topics_before.values())
    if n_fb or n_fb_before:
        families["feedback"] = (
            rep.feedback_topics,
            n_fb,
            rep.feedback_topics_before,
            n_fb_before,
            topics,
        )
    if len(rep.units) > 1:
        for row in rep.units:
            families["unit:" + row.unit] = (
                row.topics,
                row.texts,
                row.topics_before,
                row.texts_before,
                topics,
            )
    tested = stats.shifts_many(families)
    rep.topic_shifts = tested["topics"]
    rep.leave_shifts = tested["leave"]
    rep.feedback_shifts = tested.get("feedback", [])
    for row in rep.units:
        row.shifts = tested.get("unit:" + row.unit, [])

    texts = [
        stats.Text(int(str(i)), str(u), f"{u}·{t}", tuple(json.loads(str(kw or "[]"))))
        for i, u, t, kw in q.suggestion_keywords(cur_start, cur_end, unit_id)
    ]
    rep.new_keywords = stats.new_keywords(
        Counter(k for t in texts for k in set(t.keywords)),
        stats.counter_of(
            (str(k), int(str(n))) for k, n in q.keyword_counts(wins[0][0], cur_start, unit_id)
        ),
    )
    clusters = stats.recurring(texts)
    examples = q.examples([c.ids[0] for c in clusters])
    rep.problems = [
        Problem(
            c.keywords,
            len(c.ids),
            len(c.teams),
            len(c.units),
            _clip(examples.get(c.ids[0], "")),
        )
        for c in clusters
    ]

    spoke_now = {
        (str(u), str(t)): int(str(n)) for u, t, n in q.speakers(cur_start, cur_end, unit_id)
    }
    spoke_window = {
        (str(u), str(t)): int(str(n)) for u, t, n in q.speakers(wins[0][0], cur_end, unit_id)
    }
    rep.participation = stats.participation(rosters, spoke_now, spoke_window)
    return rep


def _casework(
    rep: TrendReport,
    q: TrendQueries,
    month: Month,
    unit_id: int | None,
    rosters: dict[tuple[str, str], int],
) -> None:
    """Confidential casework as counts per unit (small units pooled) and feedback by topic,
    this month and in the baseline months. Topics count only from units whose counts may be
    shown (a big unit, or the small units when their pool has MIN_GROUP people): the site's
    topics minus the big units' own reports must not reveal a small unit's."""
    people: Counter[str] = Counter()
    for (unit, _team), n in rosters.items():
        people[unit] += n
    days = day_windows(month)
    now: Counter[tuple[str, str]] = Counter()
    cur_start, cur_end = days[-1]
    for row in q.case_counts(cur_start, cur_end, unit_id):
        now[(str(row[0]), str(row[1]))] += int(str(row[2]))
    names = set(people) | {u for u, _ in now}
    for kind in CASE_KINDS:
        groups = {u: (people.get(u, 0), now.get((u, kind), 0)) for u in names}
        rep.confidential[kind] = stats.confidential_counts(groups)
    small = {u for u in names if people.get(u, 0) < stats.MIN_GROUP}
    pool_shown = sum(people.get(u, 0) for u in small) >= stats.MIN_GROUP
    for i, (start, end) in enumerate(days):
        target = rep.feedback_topics if i == len(days) - 1 else rep.feedback_topics_before
        for row in q.feedback_topics(start, end, unit_id):
            if str(row[0]) not in small or pool_shown:
                target[str(row[1])] += int(str(row[2]))


def _clip(text: str) -> str:
    t = " ".join(text.split())
    return t if len(t) <= EXAMPLE_CHARS else t[: EXAMPLE_CHARS - 1] + "…"
