"""Labour competitions (劳动竞赛) as plain rules: kinds, metrics, figure checks, weeks, outcomes.

Standings themselves are computed in SQL (`bot.repos.contest`); what lives here is what needs
no database: whether a figure a leader typed is a number, within the metric's plausible range,
and believable against last week's; which week a day belongs to; who wins a pair or keeps the
arena; how points are capped.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.domain.flowstate import FlowState

# A figure typed in chat is at most this long and this large: anything longer is not a figure,
# and SQLite's REAL keeps 15 significant digits, so larger values would be silently rounded.
MAX_FIGURE_CHARS = 24
MAX_ABS_FIGURE = 1e12
MAX_NAME_CHARS = 40
MAX_METRICS = 8
# A figure this many times last week's (or less than its reciprocal) is questioned, not refused.
JUMP_FACTOR = 3.0


class Kind(StrEnum):
    LEAGUE = "league"  # 联赛: every participant ranked together
    PAIR = "pair"  # 对口赛: fixed pairs, each pair decides its own winner
    CHALLENGE = "challenge"  # 对手赛: a participant challenges another, who accepts
    ARENA = "arena"  # 擂台赛: a holder whom others challenge; beating them takes the title


class Level(StrEnum):
    TEAM = "team"
    UNIT = "unit"
    PERSON = "person"


class Direction(StrEnum):
    HIGHER = "higher"  # 产量, 安全天数: more is better
    LOWER = "lower"  # 能耗: less is better


class Aggregate(StrEnum):
    SUM = "sum"  # 产量: the weeks add up
    LAST = "last"  # 安全天数: the latest figure stands
    AVG = "avg"  # 合格率, 能耗: the weeks' mean


class Source(StrEnum):
    ENTERED = "entered"  # leaders type it in
    ATTENDANCE_RATE = "attendance_rate"  # study sessions: present or late / expected
    LEARNED_RATE = "learned_rate"  # pre-shift prompts: 已学 / members x posts
    SUGGESTIONS_ADOPTED = "suggestions_adopted"  # adopted, implemented or rewarded
    PLEDGES_WRITTEN = "pledges_written"  # members with a pledge for the year, share


class FigureProblem(StrEnum):
    NOT_A_NUMBER = "not_a_number"
    TOO_LONG = "too_long"
    OUT_OF_RANGE = "out_of_range"


class Doubt(StrEnum):
    JUMP_UP = "jump_up"
    JUMP_DOWN = "jump_down"


@dataclass(frozen=True)
class MetricTemplate:
    """A metric as the site's catalogue (data/contest/metrics.toml) offers it."""

    key: str
    source: Source
    unit: str
    direction: Direction
    aggregate: Aggregate
    lo: float
    hi: float
    weight: float = 1.0

    @property
    def entered(self) -> bool:
        return self.source is Source.ENTERED


def load_templates(path: Path) -> dict[str, MetricTemplate]:
    """The metric catalogue, keyed and in file order; a bad entry fails at start, not later."""
    raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, MetricTemplate] = {}
    for key, item in raw.get("metrics", {}).items():
        lo, hi = float(item["lo"]), float(item["hi"])
        if not lo < hi:
            raise ValueError(f"metric {key}: lo must be below hi")
        out[key] = MetricTemplate(
            key=key,
            source=Source(item.get("source", "entered")),
            unit=str(item.get("unit", "")),
            direction=Direction(item.get("direction", "higher")),
            aggregate=Aggregate(item.get("aggregate", "sum")),
            lo=lo,
            hi=hi,
            weight=float(item.get("weight", 1.0)),
        )
    return out


_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_figure(text: str, unit: str = "") -> float | FigureProblem:
    """A figure as leaders type it: '1234', '1,234.5', '１２３４', '98.5%', '1234吨' (the metric's
    own unit may follow). Nothing else is guessed at: '约1000' or '1e5' is not a figure."""
    body = unicodedata.normalize("NFKC", text).translate(_FULLWIDTH).strip()
    if len(body) > MAX_FIGURE_CHARS:
        return FigureProblem.TOO_LONG
    for suffix in (unit, "%", "％"):
        if suffix and body.endswith(suffix):
            body = body[: -len(suffix)].strip()
    body = body.replace(" ", "")
    if _GROUPED.match(body):
        body = body.replace(",", "")
    if not _NUMBER.match(body):
        return FigureProblem.NOT_A_NUMBER
    value = float(body)
    if not math.isfinite(value) or abs(value) > MAX_ABS_FIGURE:
        return FigureProblem.OUT_OF_RANGE
    return value


def check_figure(template: MetricTemplate, value: float) -> FigureProblem | None:
    """Outside the metric's plausible range is refused: 合格率 120% or 产量 -5 is a typing error."""
    if not template.lo <= value <= template.hi:
        return FigureProblem.OUT_OF_RANGE
    return None


def doubt(value: float, previous: float | None) -> Doubt | None:
    """A figure far from last week's is asked about once; the leader confirms or retypes it."""
    if previous is None or previous <= 0 or value < 0:
        return None
    if value > previous * JUMP_FACTOR:
        return Doubt.JUMP_UP
    if value < previous / JUMP_FACTOR:
        return Doubt.JUMP_DOWN
    return None


def week_of(day: date) -> date:
    """The Monday that starts `day`'s week: figures and weekly standings are kept per week."""
    return day - timedelta(days=day.weekday())


def weeks_between(first: date, last: date) -> list[date]:
    """Every week start from the week of `first` to the week of `last`, both included."""
    out, week = [], week_of(first)
    while week <= last:
        out.append(week)
        week += timedelta(days=7)
    return out


def parse_period(text: str, today: date) -> tuple[date, date] | None:
    """'本月', '本季度', '本周', or two dates 'YYYY-MM-DD YYYY-MM-DD' (也可用 '至' or '~')."""
    body = text.strip()
    if body in ("本周", "this week"):
        start = week_of(today)
        return start, start + timedelta(days=6)
    if body in ("本月", "this month"):
        start = today.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    if body in ("本季度", "this quarter"):
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = date(today.year, first_month, 1)
        following = (start + timedelta(days=95)).replace(day=1)
        return start, following - timedelta(days=1)
    parts = re.split(r"\s*(?:至|到|~|～|\s)\s*", body)
    parts = [p for p in parts if p]
    if len(parts) != 2:
        return None
    try:
        first, last = date.fromisoformat(parts[0]), date.fromisoformat(parts[1])
    except ValueError:
        return None
    if last < first or (last - first).days > 366:
        return None
    return first, last


def check_name(text: str) -> str | None:
    """The competition's name, cleaned; None when it is blank-looking or too long."""
    body = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc")).strip()
    if not body or len(body) > MAX_NAME_CHARS:
        return None
    return body


def pairs_in_order(participants: Sequence[int]) -> list[tuple[int, int]]:
    """对口赛 pairs as the participants were listed: first with second, third with fourth; an odd
    one out has no rival and is ranked on its own."""
    return [(participants[i], participants[i + 1]) for i in range(0, len(participants) - 1, 2)]


class PairResult(StrEnum):
    A = "a"
    B = "b"
    TIE = "tie"


def pair_result(score_a: float | None, score_b: float | None) -> PairResult:
    """Scores equal to 4 decimals are a tie: rounding of weights must not pick a winner."""
    a = -1.0 if score_a is None else round(score_a, 4)
    b = -1.0 if score_b is None else round(score_b, 4)
    if a == b:
        return PairResult.TIE
    return PairResult.A if a > b else PairResult.B


def arena_holder(
    holder: int | None, scores: Mapping[int, float], challengers: Iterable[int]
) -> int:
    """擂台赛: the holder keeps the title unless a challenger scored strictly more (a tie defends);
    among several who did, the best. With no holder yet, the week's best takes it."""
    contenders = [c for c in challengers if c in scores]
    if holder is None or holder not in scores:
        pool = contenders or list(scores)
        return max(pool, key=lambda p: (round(scores[p], 4), -p))
    best = max(contenders, key=lambda p: (round(scores[p], 4), -p), default=None)
    if best is not None and round(scores[best], 4) > round(scores[holder], 4):
        return best
    return holder


# ------------------------------------------------------------------ points (积分)


@dataclass(frozen=True)
class PointsRule:
    """Points for one kind of act, with caps so the ledger cannot be farmed (学习强国's lesson)."""

    key: str
    points: int
    daily_cap: int | None = None
    monthly_cap: int | None = None
    yearly_cap: int | None = None


def load_point_rules(path: Path) -> dict[str, PointsRule]:
    raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, PointsRule] = {}
    for key, item in raw.get("rules", {}).items():
        rule = PointsRule(
            key=key,
            points=int(item["points"]),
            daily_cap=item.get("daily_cap"),
            monthly_cap=item.get("monthly_cap"),
            yearly_cap=item.get("yearly_cap"),
        )
        if rule.points < 0:
            raise ValueError(f"points rule {key}: points must not be negative")
        out[key] = rule
    return out


@dataclass(frozen=True)
class Earned:
    """So far booked for one member under one rule: that day, that month, that year."""

    day: int = 0
    month: int = 0
    year: int = 0


def capped(rule: PointsRule, earned: Earned) -> int:
    """Points for one more act, after the caps: 0 once any cap is reached."""
    room = rule.points
    for cap, used in (
        (rule.daily_cap, earned.day),
        (rule.monthly_cap, earned.month),
        (rule.yearly_cap, earned.year),
    ):
        if cap is not None:
            room = min(room, max(0, int(cap) - used))
    return room


# ------------------------------------------------------------------ figures by file

MAX_FILE_ROWS = 2_000
_PARTICIPANT_HEADERS = ("班组", "参赛单位", "单位", "车间", "分场", "team", "participant")
_WEEK_HEADERS = ("周", "日期", "周一", "week", "date")
_UNIT_SUFFIX = re.compile(r"[（(][^）)]*[）)]\s*$")


@dataclass(frozen=True)
class FileFigure:
    row: int
    participant_id: int
    metric_key: str
    value: float
    day: date | None  # the week's day given in the file; None: this week


@dataclass(frozen=True)
class FileProblem:
    row: int
    code: str  # no_header | no_metric_columns | unknown_participant | not_a_number |
    #            out_of_range | bad_date | too_many_rows
    text: str = ""


def _header_key(cell: str) -> str:
    return _UNIT_SUFFIX.sub("", unicodedata.normalize("NFKC", cell)).strip().lower()


def read_figure_rows(
    rows: Sequence[tuple[int, Sequence[str]]],
    metric_names: Mapping[str, str],
    templates: Mapping[str, MetricTemplate],
    participants: Mapping[str, int],
) -> tuple[list[FileFigure], list[FileProblem]]:
    """Figures from a spreadsheet as leaders keep them: a header row (found wherever it is)
    with a 班组 column, one column per metric by its name (a unit in brackets is fine,
    "产量（吨）"), optionally a 周/日期 column. Every problem is listed with its row; the caller
    saves nothing unless there is none. Empty cells are simply not entered."""
    by_name = {
        _header_key(name): key
        for name, key in {**metric_names, **{k: k for k in metric_names.values()}}.items()
    }
    header_at, columns, who_col, week_col = None, {}, None, None
    for index, (_, cells) in enumerate(rows):
        keys = [_header_key(c) for c in cells]
        who = next((i for i, k in enumerate(keys) if k in _PARTICIPANT_HEADERS), None)
        if who is not None:
            header_at, who_col = index, who
            columns = {i: by_name[k] for i, k in enumerate(keys) if k in by_name}
            week_col = next((i for i, k in enumerate(keys) if k in _WEEK_HEADERS), None)
            break
    if header_at is None or who_col is None:
        return [], [FileProblem(rows[0][0] if rows else 1, "no_header")]
    if not columns:
        return [], [FileProblem(rows[header_at][0], "no_metric_columns")]
    body = rows[header_at + 1 :]
    if len(body) > MAX_FILE_ROWS:
        return [], [FileProblem(body[MAX_FILE_ROWS][0], "too_many_rows", str(MAX_FILE_ROWS))]
    figures: list[FileFigure] = []
    problems: list[FileProblem] = []
    for number, cells in body:
        cell = list(cells) + [""] * (max(columns) + 1 - len(cells))
        name = cell[who_col].strip() if who_col < len(cell) else ""
        if not name and not any(c.strip() for c in cell):
            continue
        pid = participants.get(name)
        if pid is None:
            problems.append(FileProblem(number, "unknown_participant", name))
            continue
        day = None
        if week_col is not None and cell[week_col].strip():
            try:
                day = date.fromisoformat(cell[week_col].strip()[:10])
            except ValueError:
                problems.append(FileProblem(number, "bad_date", cell[week_col]))
                continue
        for col, key in columns.items():
            raw = cell[col].strip()
            if not raw:
                continue
            value = parse_figure(raw, templates[key].unit)
            if isinstance(value, FigureProblem):
                problems.append(FileProblem(number, "not_a_number", raw))
            elif check_figure(templates[key], value) is not None:
                problems.append(FileProblem(number, "out_of_range", raw))
            else:
                figures.append(FileFigure(number, pid, key, value, day))
    return figures, problems


# ---- the chat flows' state (bot.domain.flowstate: a stored row that no longer fits ends the
# flow with "start again" instead of being guessed at)


class NewStep(StrEnum):
    NAME = "name"  # typed
    KIND = "kind"  # buttons from here on …
    SCOPE = "scope"  # admins only: the site, units against each other, or one unit
    METRICS = "metrics"
    PERIOD = "period"  # … typed again
    PREVIEW = "preview"


@dataclass(frozen=True)
class NewContest(FlowState, flow="contest_new", version=1):
    """/contest_new's draft as it grows, one field per answer."""

    step: NewStep
    nonce: int
    name: str = ""
    kind: Kind | None = None
    level: Level | None = None
    unit_id: int | None = None  # None: the whole site
    metrics: tuple[str, ...] = ()  # template keys, in the order chosen
    start: str = ""  # ISO dates, inclusive
    end: str = ""

    def toggled(self, key: str) -> NewContest:
        """`key` chosen, or dropped if it was; never more than MAX_METRICS."""
        chosen = (
            [k for k in self.metrics if k != key] if key in self.metrics else [*self.metrics, key]
        )
        return replace(self, metrics=tuple(chosen[:MAX_METRICS]))


class FigureAct(StrEnum):
    """A button of the figures entry (`views.contest.FigurePress`)."""

    OK = "ok"  # the unlikely figure is right
    RETYPE = "re"
    SAVE = "save"
    REDO = "redo"
    CANCEL = "cancel"


class FigureStep(StrEnum):
    VALUE = "value"  # the next metric's figure is typed
    DOUBT = "doubt"  # an unlikely figure waits for ✅ or retyping
    PREVIEW = "preview"  # all typed: save, redo or cancel


@dataclass(frozen=True)
class FigureEntry(FlowState, flow="contest_fig", version=1):
    """/figures for one (contest, participant): the figures typed so far, metric by metric."""

    step: FigureStep
    nonce: int
    contest: int
    participant: int
    index: int = 0  # the metric asked next
    values: tuple[tuple[int, float], ...] = ()  # (metric id, value)
    doubts: tuple[tuple[int, str], ...] = ()  # (metric id, the doubt confirmed)
    pending: float | None = None  # in DOUBT: the unlikely figure and why
    doubt: str | None = None

    def took(self, metric_id: int, value: float, doubt: str | None) -> FigureEntry:
        """The figure kept (a doubt confirmed with it), and on to the next metric."""
        values = {**dict(self.values), metric_id: value}
        doubts = dict(self.doubts)
        if doubt:
            doubts[metric_id] = doubt
        return replace(
            self,
            index=self.index + 1,
            values=tuple(values.items()),
            doubts=tuple(doubts.items()),
            pending=None,
            doubt=None,
        )
