"""SQL of recognition campaigns, secret ballots and democratic evaluation (migration 0013).

Why the tables look as they do is in `bot/domain/recognition.py`. Two rules for every query
here: nothing ever joins award_voters with award_receipts/award_choices (or rating_done with
rating_grades/rating_comments), and no ballot is read except by its receipt or, after the
close, counted as a whole.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import iso, parse_iso
from bot.db import Database
from bot.domain import recognition as rules
from bot.domain.recognition import Grade, NomineeKind, Stage

_CAMPAIGN = (
    "SELECT c.id, c.category, c.nominee_kind, c.period, c.quota, c.unit_id, u.name AS unit_name,"
    " c.nominee_role, c.nominators, c.voter_role, c.stage, c.vote_ends_at, c.created_by"
    " FROM award_campaigns c LEFT JOIN units u ON u.id = c.unit_id"
)
# Name of a nominee by the campaign's kind: a member (with team), a team, or a unit.
_NOMINEE_NAME = (
    "CASE c.nominee_kind"
    " WHEN 'member' THEN (SELECT m.name || '（' || t.name || '）' FROM members m"
    "   JOIN teams t ON t.id = m.team_id WHERE m.id = {col})"
    " WHEN 'team' THEN (SELECT t.name FROM teams t WHERE t.id = {col})"
    " ELSE (SELECT u.name FROM units u WHERE u.id = {col}) END"
)
# Active members who may vote in a campaign (its unit or all; its role if any).
_VOTERS = (
    "SELECT m.id, m.tg_user_id FROM members m JOIN teams t ON t.id = m.team_id"
    " WHERE m.active = 1 AND (:unit IS NULL OR t.unit_id = :unit)"
    " AND (:role IS NULL OR EXISTS (SELECT 1 FROM member_roles r"
    "      WHERE r.member_id = m.id AND r.role = :role))"
)


@dataclass(frozen=True)
class Campaign:
    id: int
    category: str
    kind: NomineeKind
    period: str
    quota: int
    unit_id: int | None
    unit_name: str | None
    nominee_role: str | None
    nominators: str
    voter_role: str | None
    stage: Stage
    vote_ends_at: datetime | None
    created_by: int


def _campaign(r: sqlite3.Row) -> Campaign:
    ends = r["vote_ends_at"]
    return Campaign(
        r["id"],
        r["category"],
        NomineeKind(r["nominee_kind"]),
        r["period"],
        r["quota"],
        r["unit_id"],
        r["unit_name"],
        r["nominee_role"],
        r["nominators"],
        r["voter_role"],
        Stage(r["stage"]),
        parse_iso(ends) if ends else None,
        r["created_by"],
    )


@dataclass(frozen=True)
class Nominee:
    """A nominee with everyone who proposed them and why."""

    nominee_id: int
    name: str
    reasons: tuple[str, ...]
    shortlisted: bool


@dataclass(frozen=True)
class Candidate:
    position: int
    nominee_id: int
    name: str


@dataclass(frozen=True)
class Result:
    nominee_id: int
    name: str
    votes: int
    elected: bool
    tie: bool


class Cast(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    ALREADY = "already_voted"  # a new ballot from someone who has one: use the receipt
    CLOSED = "closed"
    NOT_ELIGIBLE = "not_eligible"
    INVALID = "invalid"


@dataclass(frozen=True)
class Evidence:
    """What the bot's own records say of a nominee in the campaign's period."""

    sessions: int
    attended: int
    suggestions_adopted: int
    quiz_points: int | None  # None when the quiz tables are not there


@dataclass(frozen=True)
class Round:
    id: int
    period: str
    unit_id: int | None
    state: str
    ends_at: datetime | None


@dataclass(frozen=True)
class Ratee:
    member_id: int
    name: str
    place: str  # the team or unit they lead
    done: bool


@dataclass(frozen=True)
class RateeResult:
    member_id: int
    name: str
    place: str
    eligible: int
    raters: int
    grades: dict[Grade, int]
    comments: tuple[str, ...]  # already screened; empty when the group is too small


class Rated(StrEnum):
    OK = "ok"
    ALREADY = "already"
    NOT_ELIGIBLE = "not_eligible"
    CLOSED = "closed"


class RecognitionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------ campaigns

    async def create_campaign(
        self,
        cat: rules.Category,
        period: str,
        unit_id: int | None,
        created_by: int,
        voter_role: str | None = None,
    ) -> int:
        return await self.db.execute(
            "INSERT INTO award_campaigns(category, nominee_kind, period, quota, unit_id,"
            " nominee_role, nominators, voter_role, created_by) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                cat.name,
                cat.kind.value,
                period,
                cat.quota,
                unit_id,
                cat.nominee_role,
                cat.nominators,
                voter_role,
                created_by,
            ),
        )

    async def campaign(self, campaign_id: int) -> Campaign | None:
        row = await self.db.fetchone(_CAMPAIGN + " WHERE c.id = ?", (campaign_id,))
        return _campaign(row) if row else None

    async def campaigns(self, stages: tuple[Stage, ...] = tuple(Stage)) -> list[Campaign]:
        marks = ",".join("?" * len(stages))
        rows = await self.db.fetchall(
            _CAMPAIGN + f" WHERE c.stage IN ({marks}) ORDER BY c.id DESC", [s.value for s in stages]
        )
        return [_campaign(r) for r in rows]

    async def advance(self, campaign_id: int, frm: Stage, to: Stage) -> bool:
        """Move a campaign one stage on, only from `frm` (a second press of a stale button
        changes nothing)."""
        return (
            await self.db.execute_count(
                "UPDATE award_campaigns SET stage = ? WHERE id = ? AND stage = ?",
                (to.value, campaign_id, frm.value),
            )
            == 1
        )

    async def open_vote(self, campaign_id: int, ends_at: datetime) -> int | None:
        """Review → vote: the shortlist gets its ballot positions (in name order). None if the
        campaign was not in review or the shortlist is empty; else the number of candidates."""

        def run(conn: sqlite3.Connection) -> int | None:
            stage = conn.execute(
                "SELECT stage FROM award_campaigns WHERE id = ?", (campaign_id,)
            ).fetchone()
            if stage is None or stage[0] != Stage.REVIEW.value:
                return None
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT a.nominee_id, " + _NOMINEE_NAME.format(col="a.nominee_id") + " AS n"
                    " FROM award_candidates a JOIN award_campaigns c ON c.id = a.campaign_id"
                    " WHERE a.campaign_id = ? ORDER BY n, a.nominee_id",
                    (campaign_id,),
                )
            ]
            if not ids or len(ids) > rules.MAX_CANDIDATES:
                return None
            for pos, nominee in enumerate(ids, start=1):
                conn.execute(
                    "UPDATE award_candidates SET position = ? WHERE campaign_id = ?"
                    " AND nominee_id = ?",
                    (pos, campaign_id, nominee),
                )
            conn.execute(
                "UPDATE award_campaigns SET stage = 'vote', vote_ends_at = ? WHERE id = ?",
                (iso(ends_at), campaign_id),
            )
            return len(ids)

        return await self.db.write(run)

    # ------------------------------------------------------------ nominations

    async def nominate(self, campaign_id: int, nominee_id: int, by: int, reason: str) -> bool:
        """False if this person had already nominated this nominee (the reason is replaced)."""

        def run(conn: sqlite3.Connection) -> bool:
            known = conn.execute(
                "SELECT 1 FROM award_nominations WHERE campaign_id = ? AND nominee_id = ?"
                " AND nominated_by = ?",
                (campaign_id, nominee_id, by),
            ).fetchone()
            conn.execute(
                "INSERT INTO award_nominations(campaign_id, nominee_id, nominated_by, reason)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(campaign_id, nominee_id, nominated_by)"
                " DO UPDATE SET reason = excluded.reason",
                (campaign_id, nominee_id, by, reason),
            )
            return known is None

        return await self.db.write(run)

    async def nominees(self, campaign_id: int) -> list[Nominee]:
        rows = await self.db.fetchall(
            "SELECT n.nominee_id, " + _NOMINEE_NAME.format(col="n.nominee_id") + " AS name,"
            " group_concat(n.reason, char(31)) AS reasons,"
            " EXISTS (SELECT 1 FROM award_candidates a WHERE a.campaign_id = n.campaign_id"
            "   AND a.nominee_id = n.nominee_id) AS short"
            " FROM award_nominations n JOIN award_campaigns c ON c.id = n.campaign_id"
            " WHERE n.campaign_id = ? GROUP BY n.nominee_id ORDER BY name, n.nominee_id",
            (campaign_id,),
        )
        return [
            Nominee(
                r["nominee_id"],
                r["name"] or "?",
                tuple((r["reasons"] or "").split("\x1f")),
                bool(r["short"]),
            )
            for r in rows
        ]

    async def toggle_shortlist(self, campaign_id: int, nominee_id: int) -> bool | None:
        """Shortlisted after the toggle; None unless the campaign is in review and the
        nominee was nominated."""

        def run(conn: sqlite3.Connection) -> bool | None:
            ok = conn.execute(
                "SELECT 1 FROM award_campaigns c JOIN award_nominations n"
                " ON n.campaign_id = c.id WHERE c.id = ? AND c.stage = 'review'"
                " AND n.nominee_id = ?",
                (campaign_id, nominee_id),
            ).fetchone()
            if ok is None:
                return None
            gone = conn.execute(
                "DELETE FROM award_candidates WHERE campaign_id = ? AND nominee_id = ?",
                (campaign_id, nominee_id),
            ).rowcount
            if gone:
                return False
            conn.execute(
                "INSERT INTO award_candidates(campaign_id, nominee_id) VALUES (?, ?)",
                (campaign_id, nominee_id),
            )
            return True

        return await self.db.write(run)

    async def candidates(self, campaign_id: int) -> list[Candidate]:
        rows = await self.db.fetchall(
            "SELECT a.position, a.nominee_id, "
            + _NOMINEE_NAME.format(col="a.nominee_id")
            + " AS name FROM award_candidates a JOIN award_campaigns c ON c.id = a.campaign_id"
            " WHERE a.campaign_id = ? AND a.position IS NOT NULL ORDER BY a.position",
            (campaign_id,),
        )
        return [Candidate(r["position"], r["nominee_id"], r["name"] or "?") for r in rows]

    async def evidence(self, kind: NomineeKind, nominee_id: int, since: str) -> Evidence:
        """Attendance, adopted suggestions (and quiz points where that table exists) of a
        member, or of everyone of a team or unit, since `since` (UTC ISO)."""
        people = {
            NomineeKind.MEMBER: "SELECT ? AS id",
            NomineeKind.TEAM: "SELECT id FROM members WHERE team_id = ?",
            NomineeKind.UNIT: "SELECT m.id FROM members m JOIN teams t ON t.id = m.team_id"
            " WHERE t.unit_id = ?",
        }[kind]
        att = await self.db.fetchone(
            f"SELECT count(*) AS n, sum(a.status IN ('present','late','makeup')) AS ok"
            f" FROM attendance a JOIN study_sessions s ON s.id = a.session_id"
            f" WHERE a.member_id IN ({people}) AND s.starts_at >= ? AND a.status != 'pending'",
            (nominee_id, since),
        )
        adopted = await self.db.fetchval(
            f"SELECT count(*) FROM suggestions WHERE author_member_id IN ({people})"
            " AND state IN ('adopted','implemented','rewarded') AND created_at >= ?",
            (nominee_id, since),
        )
        quiz = None
        cols = await self.db.fetchall("SELECT name FROM pragma_table_info('quiz_answers')")
        names = {r[0] for r in cols}
        if {"member_id", "points"} <= names:
            quiz = await self.db.fetchval(
                f"SELECT coalesce(sum(points), 0) FROM quiz_answers WHERE member_id IN ({people})",
                (nominee_id,),
            )
        return Evidence(
            int(att["n"] or 0) if att else 0,
            int(att["ok"] or 0) if att else 0,
            int(adopted or 0),
            None if quiz is None else int(quiz),
        )

    # ------------------------------------------------------------ voting

    async def may_vote(self, c: Campaign, member_id: int) -> bool:
        row = await self.db.fetchone(
            _VOTERS + " AND m.id = :member",
            {"unit": c.unit_id, "role": c.voter_role, "member": member_id},
        )
        return row is not None

    async def has_voted(self, campaign_id: int, member_id: int) -> bool:
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM award_voters WHERE campaign_id = ? AND member_id = ?",
                (campaign_id, member_id),
            )
        )

    async def ballot(self, campaign_id: int, receipt: bytes) -> frozenset[int] | None:
        """The ballot a receipt names (None: no such ballot)."""
        if not await self.db.fetchval(
            "SELECT 1 FROM award_receipts WHERE campaign_id = ? AND receipt = ?",
            (campaign_id, receipt),
        ):
            return None
        rows = await self.db.fetchall(
            "SELECT position FROM award_choices WHERE campaign_id = ? AND receipt = ?",
            (campaign_id, receipt),
        )
        return frozenset(r[0] for r in rows)

    async def cast(
        self, c: Campaign, member_id: int, receipt: bytes, choices: frozenset[int]
    ) -> Cast:
        """Record or change a ballot, in one transaction. A new receipt from a member who has
        voted is refused, so there is one ballot per person; a known receipt changes that
        ballot. "Has voted" and the ballot are written to tables that share no key."""
        if not await self.may_vote(c, member_id):
            return Cast.NOT_ELIGIBLE

        def run(conn: sqlite3.Connection) -> Cast:
            row = conn.execute(
                "SELECT stage, vote_ends_at, quota,"
                " (SELECT count(*) FROM award_candidates WHERE campaign_id = c.id"
                "  AND position IS NOT NULL) FROM award_campaigns c WHERE id = ?",
                (c.id,),
            ).fetchone()
            if row is None or row[0] != Stage.VOTE.value:
                return Cast.CLOSED
            if rules.check_ballot(choices, row[3], row[2]) is not None:
                return Cast.INVALID
            known = conn.execute(
                "SELECT 1 FROM award_receipts WHERE campaign_id = ? AND receipt = ?",
                (c.id, receipt),
            ).fetchone()
            if known:
                conn.execute(
                    "DELETE FROM award_choices WHERE campaign_id = ? AND receipt = ?",
                    (c.id, receipt),
                )
                outcome = Cast.CHANGED
            else:
                voted = conn.execute(
                    "INSERT INTO award_voters(campaign_id, member_id) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (c.id, member_id),
                ).rowcount
                if not voted:
                    return Cast.ALREADY
                conn.execute(
                    "INSERT INTO award_receipts(campaign_id, receipt) VALUES (?, ?)",
                    (c.id, receipt),
                )
                outcome = Cast.NEW
            conn.executemany(
                "INSERT INTO award_choices(campaign_id, receipt, position) VALUES (?, ?, ?)",
                [(c.id, receipt, p) for p in sorted(choices)],
            )
            return outcome

        return await self.db.write(run)

    async def turnout(self, c: Campaign) -> tuple[int, int]:
        """(have voted, may vote): counts only, never names."""
        eligible = await self.db.fetchval(
            f"SELECT count(*) FROM ({_VOTERS})", {"unit": c.unit_id, "role": c.voter_role}
        )
        voted = await self.db.fetchval(
            "SELECT count(*) FROM award_voters WHERE campaign_id = ?", (c.id,)
        )
        return int(voted or 0), int(eligible or 0)

    async def due_to_close(self, now: datetime) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM award_campaigns WHERE stage = 'vote' AND vote_ends_at <= ?",
            (iso(now),),
        )
        return [r[0] for r in rows]

    async def close(self, campaign_id: int, now: datetime) -> bool:
        """Vote → closed, the tally frozen into award_results, in one transaction. False if
        the campaign was not open for votes (closed already, e.g. by the other path)."""

        def run(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT quota FROM award_campaigns WHERE id = ? AND stage = 'vote'",
                (campaign_id,),
            ).fetchone()
            if row is None:
                return False
            candidates = {
                r[0]: r[1]
                for r in conn.execute(
                    "SELECT position, nominee_id FROM award_candidates WHERE campaign_id = ?"
                    " AND position IS NOT NULL",
                    (campaign_id,),
                )
            }
            positions = [
                r[0]
                for r in conn.execute(
                    "SELECT position FROM award_choices WHERE campaign_id = ?", (campaign_id,)
                )
            ]
            for s in rules.tally(positions, candidates, row[0]):
                conn.execute(
                    "INSERT INTO award_results(campaign_id, nominee_id, votes, elected, tie)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (campaign_id, s.nominee_id, s.votes, int(s.elected), int(s.tie)),
                )
            conn.execute(
                "UPDATE award_campaigns SET stage = 'closed', closed_at = ? WHERE id = ?",
                (iso(now), campaign_id),
            )
            return True

        return await self.db.write(run)

    async def results(self, campaign_id: int) -> list[Result]:
        rows = await self.db.fetchall(
            "SELECT r.nominee_id, " + _NOMINEE_NAME.format(col="r.nominee_id") + " AS name,"
            " r.votes, r.elected, r.tie FROM award_results r"
            " JOIN award_campaigns c ON c.id = r.campaign_id WHERE r.campaign_id = ?"
            " ORDER BY r.votes DESC, name",
            (campaign_id,),
        )
        return [
            Result(
                r["nominee_id"], r["name"] or "?", r["votes"], bool(r["elected"]), bool(r["tie"])
            )
            for r in rows
        ]

    async def ballots_cast(self, campaign_id: int) -> int:
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM award_receipts WHERE campaign_id = ?", (campaign_id,)
            )
            or 0
        )

    async def year_rows(self, category: str, year: int) -> list[tuple[str, int, int, bool]]:
        """(period, nominee, votes, elected) of the closed or archived quarters of a year."""
        rows = await self.db.fetchall(
            "SELECT c.period, r.nominee_id, r.votes, r.elected FROM award_results r"
            " JOIN award_campaigns c ON c.id = r.campaign_id WHERE c.category = ?"
            " AND c.period LIKE ? AND c.period GLOB '????Q?' AND c.stage IN ('closed','archived')",
            (category, f"{year}%"),
        )
        return [(r[0], r[1], r[2], bool(r[3])) for r in rows]

    async def nominee_names(self, kind: NomineeKind, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        sql = {
            NomineeKind.MEMBER: "SELECT m.id, m.name || '（' || t.name || '）' FROM members m"
            f" JOIN teams t ON t.id = m.team_id WHERE m.id IN ({marks})",
            NomineeKind.TEAM: f"SELECT id, name FROM teams WHERE id IN ({marks})",
            NomineeKind.UNIT: f"SELECT id, name FROM units WHERE id IN ({marks})",
        }[kind]
        return {r[0]: r[1] for r in await self.db.fetchall(sql, ids)}

    # ------------------------------------------------------------ reminders

    async def not_voted_reachable(self, c: Campaign, day: str) -> list[tuple[int, int]]:
        """(member, Telegram id) of those who may vote, have not, can be written to
        privately, and were not reminded on `day`."""
        rows = await self.db.fetchall(
            "SELECT v.id, v.tg_user_id FROM (" + _VOTERS + ") v"
            " JOIN tg_users u ON u.user_id = v.tg_user_id AND u.private_ok = 1"
            " WHERE NOT EXISTS (SELECT 1 FROM award_voters w WHERE w.campaign_id = :c"
            "   AND w.member_id = v.id)"
            " AND NOT EXISTS (SELECT 1 FROM civic_reminders r WHERE r.subject = :subject"
            "   AND r.member_id = v.id AND r.day = :day) ORDER BY v.id",
            {
                "unit": c.unit_id,
                "role": c.voter_role,
                "c": c.id,
                "subject": f"award:{c.id}",
                "day": day,
            },
        )
        return [(r[0], r[1]) for r in rows]

    # ------------------------------------------------------------ 民主评议

    async def create_round(
        self, period: str, unit_id: int | None, by: int, ends_at: datetime
    ) -> tuple[int, int]:
        """A round and who may rate whom, from today's roster: a team leader is rated by
        their team, a unit leader by their unit. Returns (round id, leaders to be rated)."""

        def run(conn: sqlite3.Connection) -> tuple[int, int]:
            cur = conn.execute(
                "INSERT INTO rating_rounds(period, unit_id, created_by, ends_at)"
                " VALUES (?, ?, ?, ?)",
                (period, unit_id, by, iso(ends_at)),
            )
            rid = int(cur.lastrowid or 0)
            conn.execute(
                "INSERT OR IGNORE INTO rating_eligible(round_id, ratee_id, rater_id)"
                " SELECT ?, l.id, m.id FROM members l JOIN teams lt ON lt.id = l.team_id"
                " JOIN member_roles r ON r.member_id = l.id"
                " JOIN members m ON m.active = 1 AND m.id != l.id"
                " JOIN teams mt ON mt.id = m.team_id"
                " WHERE l.active = 1 AND (? IS NULL OR lt.unit_id = ?) AND ("
                "  (r.role = 'team_leader' AND m.team_id = l.team_id) OR"
                "  (r.role = 'unit_leader' AND mt.unit_id = lt.unit_id))",
                (rid, unit_id, unit_id),
            )
            n = conn.execute(
                "SELECT count(DISTINCT ratee_id) FROM rating_eligible WHERE round_id = ?",
                (rid,),
            ).fetchone()[0]
            return rid, int(n)

        return await self.db.write(run)

    async def round(self, round_id: int) -> Round | None:
        r = await self.db.fetchone(
            "SELECT id, period, unit_id, state, ends_at FROM rating_rounds WHERE id = ?",
            (round_id,),
        )
        if r is None:
            return None
        ends = r["ends_at"]
        return Round(
            r["id"], r["period"], r["unit_id"], r["state"], parse_iso(ends) if ends else None
        )

    async def rounds(self, state: str | None = None) -> list[Round]:
        rows = await self.db.fetchall(
            "SELECT id FROM rating_rounds WHERE ? IS NULL OR state = ? ORDER BY id DESC",
            (state, state),
        )
        out = [await self.round(r[0]) for r in rows]
        return [r for r in out if r is not None]

    async def ratees(self, round_id: int, rater_id: int) -> list[Ratee]:
        rows = await self.db.fetchall(
            "SELECT l.id, l.name, CASE WHEN EXISTS (SELECT 1 FROM member_roles r"
            "  WHERE r.member_id = l.id AND r.role = 'unit_leader') THEN u.name ELSE t.name END"
            " AS place, EXISTS (SELECT 1 FROM rating_done d WHERE d.round_id = e.round_id"
            "  AND d.ratee_id = e.ratee_id AND d.rater_id = e.rater_id) AS done"
            " FROM rating_eligible e JOIN members l ON l.id = e.ratee_id"
            " JOIN teams t ON t.id = l.team_id JOIN units u ON u.id = t.unit_id"
            " WHERE e.round_id = ? AND e.rater_id = ? ORDER BY l.name",
            (round_id, rater_id),
        )
        return [Ratee(r["id"], r["name"], r["place"], bool(r["done"])) for r in rows]

    async def rate(self, round_id: int, ratee_id: int, rater_id: int, grade: Grade) -> Rated:
        """Record that `rater` rated `ratee` and, under a random key of its own, the grade."""

        def run(conn: sqlite3.Connection) -> Rated:
            state = conn.execute(
                "SELECT state FROM rating_rounds WHERE id = ?", (round_id,)
            ).fetchone()
            if state is None or state[0] != "open":
                return Rated.CLOSED
            if not conn.execute(
                "SELECT 1 FROM rating_eligible WHERE round_id = ? AND ratee_id = ?"
                " AND rater_id = ?",
                (round_id, ratee_id, rater_id),
            ).fetchone():
                return Rated.NOT_ELIGIBLE
            if not conn.execute(
                "INSERT INTO rating_done(round_id, ratee_id, rater_id) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (round_id, ratee_id, rater_id),
            ).rowcount:
                return Rated.ALREADY
            conn.execute(
                "INSERT INTO rating_grades(round_id, ratee_id, token, grade) VALUES (?,?,?,?)",
                (round_id, ratee_id, os.urandom(rules.TOKEN_BYTES), grade.value),
            )
            return Rated.OK

        return await self.db.write(run)

    async def comment(self, round_id: int, ratee_id: int, text: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            state = conn.execute(
                "SELECT state FROM rating_rounds WHERE id = ?", (round_id,)
            ).fetchone()
            if state is None or state[0] != "open":
                return False
            conn.execute(
                "INSERT INTO rating_comments(round_id, ratee_id, token, comment)"
                " VALUES (?, ?, ?, ?)",
                (round_id, ratee_id, os.urandom(rules.TOKEN_BYTES), text),
            )
            return True

        return await self.db.write(run)

    async def close_round(self, round_id: int, now: datetime) -> bool:
        return (
            await self.db.execute_count(
                "UPDATE rating_rounds SET state = 'closed', closed_at = ? WHERE id = ?"
                " AND state = 'open'",
                (iso(now), round_id),
            )
            == 1
        )

    async def rounds_due(self, now: datetime) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM rating_rounds WHERE state = 'open' AND ends_at <= ?", (iso(now),)
        )
        return [r[0] for r in rows]

    async def round_results(self, round_id: int) -> list[RateeResult]:
        leaders = await self.db.fetchall(
            "SELECT l.id, l.name, CASE WHEN EXISTS (SELECT 1 FROM member_roles r"
            "  WHERE r.member_id = l.id AND r.role = 'unit_leader') THEN u.name ELSE t.name END"
            " AS place, (SELECT count(*) FROM rating_eligible e WHERE e.round_id = ?"
            "  AND e.ratee_id = l.id) AS eligible,"
            " (SELECT count(*) FROM rating_done d WHERE d.round_id = ? AND d.ratee_id = l.id)"
            " AS raters FROM members l JOIN teams t ON t.id = l.team_id"
            " JOIN units u ON u.id = t.unit_id WHERE l.id IN"
            " (SELECT ratee_id FROM rating_eligible WHERE round_id = ?) ORDER BY u.name, l.name",
            (round_id, round_id, round_id),
        )
        out: list[RateeResult] = []
        for r in leaders:
            raters = int(r["raters"])
            if not rules.results_visible(raters):
                out.append(
                    RateeResult(r["id"], r["name"], r["place"], r["eligible"], raters, {}, ())
                )
                continue
            grades = await self.db.fetchall(
                "SELECT grade FROM rating_grades WHERE round_id = ? AND ratee_id = ?",
                (round_id, r["id"]),
            )
            comments = await self.db.fetchall(
                "SELECT comment FROM rating_comments WHERE round_id = ? AND ratee_id = ?"
                " ORDER BY token",
                (round_id, r["id"]),
            )
            names = await self.db.fetchall(
                "SELECT m.name FROM rating_eligible e JOIN members m ON m.id = e.rater_id"
                " WHERE e.round_id = ? AND e.ratee_id = ?",
                (round_id, r["id"]),
            )
            group = [n[0] for n in names]
            out.append(
                RateeResult(
                    r["id"],
                    r["name"],
                    r["place"],
                    r["eligible"],
                    raters,
                    rules.grade_counts([g[0] for g in grades]),
                    tuple(rules.screen_comment(c[0], group) for c in comments),
                )
            )
        return out

    async def not_rated_reachable(self, round_id: int, day: str) -> list[tuple[int, int]]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT m.id, m.tg_user_id FROM rating_eligible e"
            " JOIN members m ON m.id = e.rater_id"
            " JOIN tg_users u ON u.user_id = m.tg_user_id AND u.private_ok = 1"
            " WHERE e.round_id = :r AND NOT EXISTS (SELECT 1 FROM rating_done d"
            "  WHERE d.round_id = e.round_id AND d.ratee_id = e.ratee_id"
            "  AND d.rater_id = e.rater_id)"
            " AND NOT EXISTS (SELECT 1 FROM civic_reminders c WHERE c.subject = :s"
            "  AND c.member_id = m.id AND c.day = :day) ORDER BY m.id",
            {"r": round_id, "s": f"rating:{round_id}", "day": day},
        )
        return [(r[0], r[1]) for r in rows]

    async def record_reminders(self, subject: str, member_ids: list[int], day: str) -> None:
        await self.db.executemany(
            "INSERT OR IGNORE INTO civic_reminders(subject, member_id, day) VALUES (?, ?, ?)",
            [(subject, m, day) for m in member_ids],
        )

    async def unit_id_by_name(self, name: str) -> int | None:
        v = await self.db.fetchval("SELECT id FROM units WHERE name = ?", (name,))
        return int(v) if v is not None else None

    async def group_chats(self, unit_id: int | None) -> list[int]:
        """Bound team groups of a unit (or of the whole site), where results are published."""
        rows = await self.db.fetchall(
            "SELECT g.chat_id FROM group_bindings g JOIN teams t ON t.id = g.team_id"
            " WHERE g.active = 1 AND (? IS NULL OR t.unit_id = ?) ORDER BY g.chat_id",
            (unit_id, unit_id),
        )
        return [r[0] for r in rows]

    async def find_member(self, text: str, unit_id: int | None) -> list[tuple[int, str, str]]:
        """Active members whose employee number or name is `text`, within the unit if given:
        (member id, name, team), so a nominator can type either."""
        rows = await self.db.fetchall(
            "SELECT m.id, m.name, t.name FROM members m JOIN teams t ON t.id = m.team_id"
            " WHERE m.active = 1 AND (m.employee_no = :q OR m.name = :q)"
            " AND (:unit IS NULL OR t.unit_id = :unit) ORDER BY m.id LIMIT 10",
            {"q": text, "unit": unit_id},
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def member_has_role(self, member_id: int, role: str) -> bool:
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM member_roles WHERE member_id = ? AND role = ?", (member_id, role)
            )
        )

    async def places(self, kind: NomineeKind, unit_id: int | None) -> list[tuple[int, str]]:
        """Teams or units that may be nominated, within the unit if given."""
        if kind is NomineeKind.TEAM:
            rows = await self.db.fetchall(
                "SELECT id, name FROM teams WHERE ? IS NULL OR unit_id = ? ORDER BY name",
                (unit_id, unit_id),
            )
        else:
            rows = await self.db.fetchall(
                "SELECT id, name FROM units WHERE ? IS NULL OR id = ? ORDER BY name",
                (unit_id, unit_id),
            )
        return [(r[0], r[1]) for r in rows]
