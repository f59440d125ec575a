"""Rules of recognition (评先树优) and democratic evaluation (民主评议). Pure: no I/O.

Ballot secrecy is a property of the data model (migration 0013), which these rules serve:

* "has voted" (award_voters: campaign, member) and the ballot (award_receipts/award_choices:
  campaign, receipt, position) share nothing but the campaign. No time column, and the
  tables are WITHOUT ROWID keyed by the receipt, a keyed hash of a random token: neither a
  row id nor the storage order follows the order of voting.
* The token exists only in the callback data of the buttons in the voter's private chat;
  the database keeps `receipt(key, campaign, token)`, the key is derived from a secret that
  is not in the database (the bot token). With the token the voter sees and changes their
  ballot while the vote is open; without it nobody can find which ballot is whose.
* A draft ballot (choices not yet cast) lives in the buttons too (`encode_selection`), never
  in a conversation row, so nothing keyed by the voter ever holds a choice.
* Counts are computed and shown only once the vote is closed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.flowstate import FlowState

MAX_CANDIDATES = 48  # the selection travels in callback data as 12 hex digits
MAX_QUOTA = MAX_CANDIDATES
MAX_REASON = 500
MAX_COMMENT = 500
MIN_RATERS = 5  # results of a rating are shown only for groups at least this large
TOKEN_BYTES = 16


class Stage(StrEnum):
    NOMINATION = "nomination"
    REVIEW = "review"
    VOTE = "vote"
    CLOSED = "closed"
    ARCHIVED = "archived"


NEXT_STAGE: dict[Stage, Stage] = {
    Stage.NOMINATION: Stage.REVIEW,
    Stage.REVIEW: Stage.VOTE,
    Stage.VOTE: Stage.CLOSED,
    Stage.CLOSED: Stage.ARCHIVED,
}


class NomineeKind(StrEnum):
    MEMBER = "member"
    TEAM = "team"
    UNIT = "unit"


@dataclass(frozen=True)
class Category:
    name: str
    kind: NomineeKind
    quota: int
    nominee_role: str | None = None
    nominators: str = "members"  # members | leaders


# The seed's three (盐场: 10 个文明工区（车间）, 10 名模范职工, 20 名优秀班组长); any other name is
# a site's own category of people.
PRESETS: dict[str, Category] = {
    "文明工区": Category("文明工区", NomineeKind.UNIT, 10, nominators="leaders"),
    "模范职工": Category("模范职工", NomineeKind.MEMBER, 10),
    "优秀班组长": Category("优秀班组长", NomineeKind.MEMBER, 20, nominee_role="team_leader"),
}


def category(name: str, quota: int | None = None) -> Category:
    preset = PRESETS.get(name) or Category(name, NomineeKind.MEMBER, 10)
    if quota is None:
        return preset
    return Category(preset.name, preset.kind, quota, preset.nominee_role, preset.nominators)


# ------------------------------------------------------------------ periods

_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$|^(\d{4})年第?([一二三四1-4])季度$")
_HALF = re.compile(r"^(\d{4})\s*[-/ ]?\s*[Hh]([12])$|^(\d{4})年(上|下)半年$")
_YEAR = re.compile(r"^(\d{4})年?(?:度)?$")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "上": 1, "下": 2}


def parse_period(text: str) -> str | None:
    """Canonical period key ('2026Q4', '2026H2', '2026') of what an admin wrote, or None."""
    t = text.strip()
    if m := _QUARTER.match(t):
        year, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return f"{year}Q{_CN.get(n) or int(n)}"
    if m := _HALF.match(t):
        year, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return f"{year}H{_CN.get(n) or int(n)}"
    if m := _YEAR.match(t):
        return m.group(1)
    return None


def period_year(period: str) -> int:
    return int(period[:4])


def is_half_year(period: str) -> bool:
    return len(period) == 6 and period[4] == "H"


def period_label(period: str, lang: str) -> str:
    year = period[:4]
    if len(period) == 4:
        return f"{year}年度" if lang != "en" else year
    kind, n = period[4], int(period[5])
    if lang == "en":
        return f"{year} {kind}{n}"
    if kind == "Q":
        return f"{year}年第{'一二三四'[n - 1]}季度"
    return f"{year}年{'上下'[n - 1]}半年"


# ------------------------------------------------------------------ ballots


def receipt(key: bytes, campaign_id: int, token: str) -> bytes:
    """What the database keeps of a voter's token: useless without the key, which is not in
    the database, so a token seen elsewhere cannot be matched to a ballot by the database."""
    return hmac.new(key, f"{campaign_id}:{token}".encode(), hashlib.sha256).digest()


def ballot_key(secret: str) -> bytes:
    return hashlib.sha256(b"banzu-ballot-key\0" + secret.encode()).digest()


def encode_selection(positions: Iterable[int]) -> str:
    """Chosen candidate positions (1..MAX_CANDIDATES) as 12 hex digits for callback data."""
    bits = 0
    for p in positions:
        if not 1 <= p <= MAX_CANDIDATES:
            raise ValueError(f"position out of range: {p}")
        bits |= 1 << (p - 1)
    return f"{bits:012x}"


def decode_selection(text: str) -> frozenset[int] | None:
    if len(text) != 12 or not re.fullmatch(r"[0-9a-f]{12}", text):
        return None
    bits = int(text, 16)
    return frozenset(p for p in range(1, MAX_CANDIDATES + 1) if bits >> (p - 1) & 1)


class BallotProblem(StrEnum):
    TOO_MANY = "too_many"
    UNKNOWN = "unknown_candidate"


def check_ballot(choices: frozenset[int], candidates: int, quota: int) -> BallotProblem | None:
    if any(not 1 <= c <= candidates for c in choices):
        return BallotProblem.UNKNOWN
    if len(choices) > quota:
        return BallotProblem.TOO_MANY
    return None


def toggle(choices: frozenset[int], position: int, quota: int) -> tuple[frozenset[int], bool]:
    """The selection after pressing `position`, and whether the press was refused (full)."""
    if position in choices:
        return choices - {position}, False
    if len(choices) >= quota:
        return choices, True
    return choices | {position}, False


@dataclass(frozen=True)
class Standing:
    nominee_id: int
    votes: int
    elected: bool
    tie: bool  # tied at the edge of the quota: who is elected is for the admins to decide


def tally(positions: Iterable[int], candidates: Mapping[int, int], quota: int) -> list[Standing]:
    """Counts per candidate (position -> nominee) from every chosen position of every ballot;
    the top `quota` with at least one vote are elected, ties at the edge are flagged."""
    counts = Counter(positions)
    ranked = sorted(candidates.items(), key=lambda pn: (-counts.get(pn[0], 0), pn[0]))
    votes = [counts.get(pos, 0) for pos, _ in ranked]
    edge = votes[quota - 1] if len(votes) >= quota else None
    over = edge is not None and len(votes) > quota and votes[quota] == edge
    out = []
    for i, (pos, nominee) in enumerate(ranked):
        v = counts.get(pos, 0)
        tie = over and v == edge and v > 0
        elected = v > 0 and i < quota and not tie
        out.append(Standing(nominee, v, elected, tie))
    return out


@dataclass(frozen=True)
class YearTotal:
    nominee_id: int
    votes: int
    times_elected: int
    periods: tuple[str, ...]


def year_totals(rows: Iterable[tuple[str, int, int, bool]]) -> list[YearTotal]:
    """The year-end overall evaluation: (period, nominee, votes, elected) of the year's
    closed quarters summed per nominee, most elected first, then most votes."""
    votes: Counter[int] = Counter()
    elected: Counter[int] = Counter()
    periods: dict[int, set[str]] = {}
    for period, nominee, v, won in rows:
        votes[nominee] += v
        elected[nominee] += int(won)
        periods.setdefault(nominee, set()).add(period)
    return sorted(
        (YearTotal(n, votes[n], elected[n], tuple(sorted(periods[n]))) for n in votes),
        key=lambda t: (-t.times_elected, -t.votes, t.nominee_id),
    )


# ------------------------------------------------------------------ 民主评议


class Grade(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    COMPETENT = "competent"  # 称职
    BASIC = "basic"  # 基本称职
    INCOMPETENT = "incompetent"  # 不称职


GRADES: tuple[Grade, ...] = tuple(Grade)


def results_visible(raters: int) -> bool:
    """Fewer raters than MIN_RATERS would let a leader guess who said what."""
    return raters >= MIN_RATERS


MASK = "＊＊"


def screen_comment(comment: str, names: Iterable[str]) -> str:
    """The comment with every name of the rater group masked, longest first (so 王秀兰 goes
    before a 王秀 that might be in the list); two-character names too, as Chinese names are."""
    out = comment
    for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
        out = out.replace(name, MASK)
    return out


def grade_counts(grades: Sequence[str]) -> dict[Grade, int]:
    c = Counter(grades)
    return {g: c.get(g.value, 0) for g in GRADES}


def approval(counts: Mapping[Grade, int]) -> float:
    """Share rated 优秀 or 称职 (满意率 as the seed's reports count it)."""
    total = sum(counts.values())
    return 0.0 if total == 0 else (counts[Grade.EXCELLENT] + counts[Grade.COMPETENT]) / total


# ------------------------------------------------------------------ conversations


class NominateStep(StrEnum):
    NOMINEE = "nominee"  # a member campaign: who (employee number or name)
    REASON = "reason"  # why


@dataclass(frozen=True)
class Nomination(FlowState, flow="award_nominate", version=1):
    """/nominate between messages: the campaign, then the nominee found, then the reason."""

    step: NominateStep
    cid: int
    nid: int = 0
    name: str = ""


class CommentStep(StrEnum):
    COMMENT = "comment"


@dataclass(frozen=True)
class RatingComment(FlowState, flow="rating_comment", version=1):
    """After a grade: whom the optional comment is about, never the grade just given."""

    step: CommentStep
    round: int
    ratee: int
