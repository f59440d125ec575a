"""Knowledge-quiz rules (知识征答), pure: checking an item, drawing questions, scoring.

Telegram's limits for a quiz poll decide what an item may look like, so a question that passes
`check_item` can always be sent: question 1–300 characters, 2–12 options of 1–100 characters
(we take A–F), an explanation of at most 200 characters with at most 2 line feeds.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

STEM_MAX = 300
OPTION_MAX = 100
OPTIONS_MIN, OPTIONS_MAX = 2, 6  # A–F; Telegram allows 12, training files use A–D
EXPLANATION_MAX = 200
EXPLANATION_MAX_LF = 2
OPEN_PERIOD_MIN, OPEN_PERIOD_MAX = 5, 600  # what we send; Telegram's own floor is 5 s
LETTERS = "ABCDEF"
JUDGE_OPTIONS = ("正确", "错误")
_TRUE = {"对", "正确", "√", "✓", "T", "TRUE", "Y", "是"}
_FALSE = {"错", "错误", "×", "✗", "X", "F", "FALSE", "N", "否"}
TOPICS = ("安全生产", "规章制度", "形势任务")
DIFFICULTY_NAMES = {"易": 1, "简单": 1, "中": 2, "中等": 2, "一般": 2, "难": 3, "困难": 3}
# An answer a few seconds past the timer is still the person's (clocks and the network);
# one later than that was given after the poll closed and counts for nothing.
LATE_GRACE = timedelta(seconds=3)


class Kind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    JUDGE = "judge"


class Mode(StrEnum):
    DAILY = "daily"  # 每日一题 in a team group
    SESSION = "session"  # a few questions at the end of a study session, in the group
    EXAM = "exam"  # 专题考试: N questions by topic proportion
    CHALLENGE = "challenge"  # 挑战答题: until the first wrong answer


@dataclass(frozen=True)
class Item:
    """A question as the bank holds it; `answer` are 0-based option indices, ascending."""

    code: str
    kind: Kind
    stem: str
    options: tuple[str, ...]
    answer: tuple[int, ...]
    explanation: str
    topic: str
    difficulty: int = 2
    source: str = ""


# ------------------------------------------------------------------ checking


def parse_answer(text: str, kind: Kind | None, n_options: int) -> tuple[Kind, tuple[int, ...]]:
    """(kind, indices) from what a spreadsheet says: "B", "A,C,D", "ACD", "对", "×".
    `kind` None: judge if the cell is a true/false word, multiple if several letters.
    Raises ValueError("answer") when the cell cannot be an answer to this item."""
    raw = text.strip().upper().replace("，", ",").replace("、", ",").replace(" ", "")
    if raw in _TRUE or raw in _FALSE:
        if kind not in (None, Kind.JUDGE) or n_options not in (0, 2):
            raise ValueError("answer")
        return Kind.JUDGE, (0,) if raw in _TRUE else (1,)
    letters = raw.replace(",", "").replace(";", "")
    if not letters or any(c not in LETTERS[:n_options] for c in letters):
        raise ValueError("answer")
    if len(set(letters)) != len(letters):
        raise ValueError("answer")
    indices = tuple(sorted(LETTERS.index(c) for c in letters))
    found = Kind.MULTIPLE if len(indices) > 1 else Kind.SINGLE
    if kind is Kind.JUDGE:
        raise ValueError("answer")
    if kind is Kind.SINGLE and found is Kind.MULTIPLE:
        raise ValueError("answer")
    if kind is Kind.MULTIPLE and len(indices) < 2:
        raise ValueError("answer")  # a 多选 item with one right option is a mistake
    return (kind or found), indices


def check_item(item: Item) -> list[str]:
    """Problems of an item, as codes (texts: quiz.import.problem.<code>); empty = sendable."""
    problems: list[str] = []
    if not item.code or len(item.code) > 32:
        problems.append("code")
    stem = item.stem.strip()
    if not stem:
        problems.append("stem_empty")
    elif len(stem) > STEM_MAX:
        problems.append("stem_long")
    options = item.options
    if not OPTIONS_MIN <= len(options) <= OPTIONS_MAX:
        problems.append("options_count")
    if any(not o.strip() for o in options):
        problems.append("option_empty")
    if any(len(o) > OPTION_MAX for o in options):
        problems.append("option_long")
    if len({o.strip() for o in options}) != len(options):
        problems.append("option_repeated")
    if not _answer_fits(item):
        problems.append("answer")
    if item.kind is Kind.JUDGE and options != JUDGE_OPTIONS:
        problems.append("judge_options")
    if len(item.explanation) > EXPLANATION_MAX:
        problems.append("explanation_long")
    if item.explanation.count("\n") > EXPLANATION_MAX_LF:
        problems.append("explanation_lines")
    if not item.topic.strip() or len(item.topic) > 20:
        problems.append("topic")
    if item.difficulty not in (1, 2, 3):
        problems.append("difficulty")
    return problems


def _answer_fits(item: Item) -> bool:
    a = item.answer
    if not a or any(not 0 <= i < len(item.options) for i in a) or list(a) != sorted(set(a)):
        return False
    return len(a) >= 2 if item.kind is Kind.MULTIPLE else len(a) == 1


def parse_difficulty(text: str) -> int:
    raw = text.strip()
    if not raw:
        return 2
    if raw in DIFFICULTY_NAMES:
        return DIFFICULTY_NAMES[raw]
    if raw in ("1", "2", "3"):
        return int(raw)
    raise ValueError("difficulty")


# ------------------------------------------------------------------ drawing


@dataclass(frozen=True)
class Candidate:
    id: int
    topic: str


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """How many of `n` questions each topic gets, in proportion to its share of the bank
    (largest remainder; ties go to the bigger topic, then by name), never more than it has."""
    total = sum(sizes.values())
    n = min(n, total)
    if n <= 0:
        return dict.fromkeys(sizes, 0)
    exact = {t: n * s / total for t, s in sizes.items()}
    out = {t: int(v) for t, v in exact.items()}
    order = sorted(sizes, key=lambda t: (-(exact[t] - out[t]), -sizes[t], t))
    for t in order:
        if sum(out.values()) >= n:
            break
        if out[t] < sizes[t]:
            out[t] += 1
    return out


def draw(
    bank: Sequence[Candidate],
    used: Mapping[int, int],
    n: int,
    rng: random.Random,
    topic: str | None = None,
) -> list[int]:
    """`n` question ids for one audience: by topic proportion of the bank (or from `topic`
    only), none twice, and only from the least-used questions of that audience, so nothing
    repeats until every question has been drawn once; the result is shuffled."""
    pool = [c for c in bank if topic is None or c.topic == topic]
    if not pool or n <= 0:
        return []
    n = min(n, len(pool))
    picked: list[int] = []
    taken: set[int] = set()
    while len(picked) < n:
        rest = [c for c in pool if c.id not in taken]
        low = min(used.get(c.id, 0) for c in rest)
        fresh = [c for c in rest if used.get(c.id, 0) == low]
        want = n - len(picked)
        if len(fresh) <= want:
            chosen = list(fresh)
        else:
            sizes = Counter(c.topic for c in pool)
            share = allocate(sizes, n)
            # What each topic still needs, capped by what is fresh in it; the remainder
            # is filled from the other topics' fresh questions.
            need = {
                t: max(share[t] - sum(1 for i in picked if _topic(pool, i) == t), 0) for t in sizes
            }
            by_topic: dict[str, list[Candidate]] = {}
            for c in fresh:
                by_topic.setdefault(c.topic, []).append(c)
            chosen = []
            for t in sorted(by_topic):
                group = by_topic[t]
                rng.shuffle(group)
                chosen.extend(group[: min(need.get(t, 0), len(group))])
            left = [c for c in fresh if c not in chosen]
            rng.shuffle(left)
            chosen.extend(left[: want - len(chosen)])
            chosen = chosen[:want]
        for c in chosen:
            taken.add(c.id)
            picked.append(c.id)
    rng.shuffle(picked)
    return picked


def _topic(pool: Sequence[Candidate], qid: int) -> str:
    return next(c.topic for c in pool if c.id == qid)


# ------------------------------------------------------------------ answering and scoring


def points_for(difficulty: int) -> int:
    """Points of a correct answer: 1, or 2 for a hard (难) question."""
    return 2 if difficulty >= 3 else 1


def award(points: int, earned_today: int, daily_cap: int) -> int:
    """What a correct answer adds today: no more than is left under the daily cap, so
    answering more questions than the cap allows cannot be farmed (学习强国 does the same)."""
    return max(0, min(points, daily_cap - earned_today))


def is_correct(chosen: Iterable[int], answer: Iterable[int]) -> bool:
    return sorted(set(chosen)) == sorted(set(answer))


def is_late(answered_at: datetime, sent_at: datetime, open_period: int) -> bool:
    return answered_at > sent_at + timedelta(seconds=open_period) + LATE_GRACE


def expired(sent_at: datetime, open_period: int, now: datetime) -> bool:
    """The poll's timer has run out (with the same grace as a late answer)."""
    return now > sent_at + timedelta(seconds=open_period) + LATE_GRACE


@dataclass(frozen=True)
class Step:
    """What a sequential (private) round does after one of its questions was settled."""

    finish: bool
    next_position: int


def next_step(mode: Mode, position: int, size: int, correct: bool | None) -> Step:
    """`correct` None: the timer ran out unanswered. A challenge ends at the first wrong or
    missing answer (or when the questions run out); an exam goes on to its last question."""
    if mode is Mode.CHALLENGE and not correct:
        return Step(True, position)
    if position + 1 >= size:
        return Step(True, position)
    return Step(False, position + 1)


def clamp_open_period(seconds: int) -> int:
    return max(OPEN_PERIOD_MIN, min(OPEN_PERIOD_MAX, seconds))


# ------------------------------------------------------------------ standings


@dataclass(frozen=True)
class TeamScore:
    team_id: int
    name: str
    members: int
    participants: int
    points: int
    answers: int
    correct: int

    @property
    def participation(self) -> float:
        return self.participants / self.members if self.members else 0.0

    @property
    def per_member(self) -> float:
        return self.points / self.members if self.members else 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


def rank_teams(teams: Iterable[TeamScore]) -> list[TeamScore]:
    """Teams by points per member (a big team does not win by size), then participation,
    then accuracy, then name: the order a leaderboard shows."""
    return sorted(teams, key=lambda t: (-t.per_member, -t.participation, -t.accuracy, t.name))
