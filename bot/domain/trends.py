"""The statistics of the monthly thought-trend analysis (思想动态分析): plain functions on counts,
no I/O.

- What rose or fell: a topic's share of this month's texts against its share of the previous
  months, by a two-proportion z-test, with the Benjamini–Hochberg correction over all topics
  tested in one report (ten topics tested at 5 % would flag one by chance every other month).
- New keywords: frequent this month, absent before.
- Recurring problems: pairs of keywords that suggestions from several teams share (the same
  problem raised independently), counted in one pass over the month's keyword lists.
- Participation: per team, how many members spoke up this month and how many said nothing in
  the whole window — counts only, never names.
- Confidential requests: counted only for groups of at least MIN_GROUP people, so no count
  can point at a person.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

ALPHA = 0.05  # false discovery rate of the rose/fell flags in one report
MIN_TESTED = 5  # a topic needs this many texts (now + before) to be tested at all
MIN_GROUP = 5  # confidential requests are shown only for groups of at least this many people
NEW_KEYWORD_MIN = 3  # a new keyword must appear this often this month
CLUSTER_MIN_TEAMS = 2  # a recurring problem is raised by at least this many teams
CLUSTER_MIN_TEXTS = 3
TOP_CLUSTERS = 10


# ------------------------------------------------------------------ significance


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def two_proportion_z(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float]:
    """z and the two-sided p of H0 "k1/n1 and k0/n0 have one common proportion" (pooled).
    (0, 1) when either side has no texts or the pooled proportion is 0 or 1."""
    if n1 <= 0 or n0 <= 0:
        return 0.0, 1.0
    pooled = (k1 + k0) / (n1 + n0)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n0)
    if var <= 0:
        return 0.0, 1.0
    z = (k1 / n1 - k0 / n0) / math.sqrt(var)
    return z, min(1.0, 2 * normal_sf(abs(z)))


def benjamini_hochberg(pvalues: Sequence[float]) -> list[float]:
    """BH-adjusted p values (q values), in the order given."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    out = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        out[i] = min(1.0, running)
    return out


@dataclass(frozen=True)
class Shift:
    """One category's count this month against the baseline months."""

    category: str
    now: int
    before: int
    share_now: float
    share_before: float
    z: float
    p: float
    q: float
    tested: bool

    @property
    def direction(self) -> str:
        """'rose', 'fell' or '' (not significant after the correction, or not tested)."""
        if not self.tested or self.q >= ALPHA:
            return ""
        return "rose" if self.z > 0 else "fell"


Family = tuple[Mapping[str, int], int, Mapping[str, int], int, Sequence[str] | None]


def shifts(
    now: Mapping[str, int],
    n_now: int,
    before: Mapping[str, int],
    n_before: int,
    categories: Iterable[str] | None = None,
) -> list[Shift]:
    """Each category's share now vs before. `n_now`/`n_before` are the numbers of texts (a text
    with two topics counts in both, so shares need not add up to 1)."""
    cats = list(categories) if categories is not None else None
    return shifts_many({"": (now, n_now, before, n_before, cats)})[""]


def shifts_many(families: Mapping[str, Family]) -> dict[str, list[Shift]]:
    """`shifts` for several families at once (the site and each unit, topics and leave
    reasons), corrected together: the false discovery rate holds for the whole report."""
    raw: dict[str, list[tuple[str, int, int, float, float, bool]]] = {}
    for name, (now, n_now, before, n_before, categories) in families.items():
        cats = list(categories) if categories is not None else sorted({*now, *before})
        rows = []
        for c in cats:
            k1, k0 = now.get(c, 0), before.get(c, 0)
            tested = k1 + k0 >= MIN_TESTED and n_now > 0 and n_before > 0
            z, p = two_proportion_z(k1, n_now, k0, n_before) if tested else (0.0, 1.0)
            rows.append((c, k1, k0, z, p, tested))
        raw[name] = rows
    qs = iter(benjamini_hochberg([r[4] for rows in raw.values() for r in rows if r[5]]))
    out: dict[str, list[Shift]] = {}
    for name, rows in raw.items():
        _, n_now, _, n_before, _ = families[name]
        out[name] = [
            Shift(
                c,
                k1,
                k0,
                k1 / n_now if n_now else 0.0,
                k0 / n_before if n_before else 0.0,
                z,
                p,
                next(qs) if tested else 1.0,
                tested,
            )
            for c, k1, k0, z, p, tested in rows
        ]
    return out


# ------------------------------------------------------------------ keywords and clusters


def new_keywords(
    now: Mapping[str, int], before: Mapping[str, int], minimum: int = NEW_KEYWORD_MIN
) -> list[tuple[str, int]]:
    """Keywords seen at least `minimum` times this month and never in the baseline months."""
    fresh = [(k, n) for k, n in now.items() if n >= minimum and not before.get(k)]
    return sorted(fresh, key=lambda kn: (-kn[1], kn[0]))


@dataclass(frozen=True)
class Text:
    """One analysed text: its id, where it came from and its keywords."""

    id: int
    unit: str
    team: str
    keywords: tuple[str, ...]


@dataclass
class Cluster:
    """A problem several teams raise independently: texts sharing a pair of keywords."""

    keywords: tuple[str, str]
    ids: list[int] = field(default_factory=list)
    teams: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)


def recurring(
    texts: Iterable[Text],
    min_teams: int = CLUSTER_MIN_TEAMS,
    min_texts: int = CLUSTER_MIN_TEXTS,
    top: int = TOP_CLUSTERS,
) -> list[Cluster]:
    """Keyword pairs shared by texts of at least `min_teams` teams, most teams first. A text
    belongs to the first (largest) cluster it is in only, so one suggestion is not listed as
    three problems."""
    pairs: dict[tuple[str, str], Cluster] = {}
    for t in texts:
        kws = sorted(set(t.keywords))
        for a, b in combinations(kws, 2):
            c = pairs.get((a, b))
            if c is None:
                c = pairs[(a, b)] = Cluster((a, b))
            c.ids.append(t.id)
            c.teams.add(t.team)
            c.units.add(t.unit)
    ranked = sorted(
        (c for c in pairs.values() if len(c.teams) >= min_teams and len(c.ids) >= min_texts),
        key=lambda c: (-len(c.teams), -len(c.ids), c.keywords),
    )
    used: set[int] = set()
    out = []
    for c in ranked:
        fresh = [i for i in c.ids if i not in used]
        if len(fresh) < min_texts:
            continue
        used.update(c.ids)
        out.append(c)
        if len(out) == top:
            break
    return out


# ------------------------------------------------------------------ participation


@dataclass(frozen=True)
class Participation:
    unit: str
    team: str
    members: int
    spoke: int  # spoke up this month
    silent: int  # said nothing in the whole window

    @property
    def share(self) -> float:
        return self.spoke / self.members if self.members else 0.0


def participation(
    rosters: Mapping[tuple[str, str], int],
    spoke_now: Mapping[tuple[str, str], int],
    spoke_window: Mapping[tuple[str, str], int],
) -> list[Participation]:
    """Per (unit, team): active members, how many spoke up this month, how many were silent
    over the whole window; least participation first."""
    rows = [
        Participation(
            u,
            t,
            n,
            min(n, spoke_now.get((u, t), 0)),
            max(0, n - spoke_window.get((u, t), 0)),
        )
        for (u, t), n in rosters.items()
        if n > 0
    ]
    return sorted(rows, key=lambda r: (r.share, -r.silent, r.unit, r.team))


# ------------------------------------------------------------------ confidential requests


@dataclass(frozen=True)
class GroupCount:
    group: str
    people: int
    count: int | None  # None: the group is too small to show


def confidential_counts(
    groups: Mapping[str, tuple[int, int]], min_group: int = MIN_GROUP
) -> tuple[list[GroupCount], int]:
    """`groups` maps a group to (people in it, confidential requests from it). Groups of fewer
    than `min_group` people are shown without a count; their requests go only into one pooled
    figure, returned second, and only when the pool itself has `min_group` people (else 0 is
    reported and the pooled requests are not shown at all)."""
    shown, pooled_people, pooled = [], 0, 0
    for g, (people, count) in sorted(groups.items()):
        if people >= min_group:
            shown.append(GroupCount(g, people, count))
        else:
            shown.append(GroupCount(g, people, None))
            pooled_people += people
            pooled += count
    return shown, pooled if pooled_people >= min_group else 0


def pooled_people(shown: Sequence[GroupCount]) -> int:
    """How many people the hidden (too small) groups hold together."""
    return sum(g.people for g in shown if g.count is None)


def confidential_total(shown: Sequence[GroupCount], pooled: int) -> int:
    """What may be added up and shown: the shown groups and the pooled figure. A hidden pool
    stays out, or the total minus the shown groups would give it away."""
    return sum(g.count or 0 for g in shown) + pooled


# ------------------------------------------------------------------ rates over months


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def month_keys(year: int, month: int, back: int) -> list[str]:
    """'YYYY-MM' of this month and the `back` months before it, oldest first."""
    out = []
    y, m = year, month
    for _ in range(back + 1):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def counter_of(pairs: Iterable[tuple[str, int]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for k, n in pairs:
        out[k] += n
    return out


def by_key(rows: Iterable[tuple[str, str, int]]) -> dict[str, Counter[str]]:
    """(scope, category, n) rows to scope -> Counter."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for scope, cat, n in rows:
        out[scope][cat] += n
    return dict(out)
