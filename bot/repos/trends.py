"""SQL of the monthly thought-trend analysis (思想动态分析), on a read-only connection (the
analysis of a large site reads tens of thousands of rows and must not hold the bot's writer).

Every query takes a half-open window [start, end) of ISO UTC instants and an optional unit id,
and returns plain tuples; the statistics are in `bot.domain.trends`. `bare_sql` runs exactly
these queries and nothing else: the baseline of `bench/trends.py`.

Confidential casework (`case_requests`: 帮扶救助 requests and private feedback 意见反映) is read
as counts only — per unit and kind, and feedback's tagger topics — never an author or a text;
its windows are local dates ('YYYY-MM-DD'), the only time casework keeps. What may be shown is
decided by `bot.domain.trends.confidential_counts` (groups of fewer than 5 people pooled).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from bot.clock import iso
from bot.db import Database
from bot.repos.outbox import OutboxRepo, OutMessage

Row = tuple[object, ...]


def open_readonly(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def _unit(unit_id: int | None, column: str) -> tuple[str, tuple[object, ...]]:
    return ("", ()) if unit_id is None else (f" AND {column} = ?", (unit_id,))


class TrendQueries:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _all(self, sql: str, params: Sequence[object]) -> list[Row]:
        return [tuple(r) for r in self.conn.execute(sql, tuple(params)).fetchall()]

    def units(self, unit_id: int | None = None) -> list[tuple[int, str]]:
        where, p = _unit(unit_id, "id")
        return [
            (int(str(i)), str(n))
            for i, n in self._all(f"SELECT id, name FROM units WHERE 1=1{where} ORDER BY id", p)
        ]

    def unit_by_name(self, name: str) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM units WHERE name = ? OR CAST(id AS TEXT) = ?", (name, name)
        ).fetchone()
        return None if row is None else int(row[0])

    # ------------------------------------------------------------------ suggestions

    def suggestion_counts(self, start: str, end: str, unit_id: int | None) -> list[Row]:
        """(unit name, suggestions) in the window; merged duplicates are not counted twice."""
        where, p = _unit(unit_id, "s.unit_id")
        return self._all(
            "SELECT u.name, count(*) FROM suggestions s JOIN units u ON u.id = s.unit_id"
            " WHERE s.created_at >= ? AND s.created_at < ? AND s.state != 'merged'"
            f"{where} GROUP BY u.name",
            (start, end, *p),
        )

    def suggestion_topics(self, start: str, end: str, unit_id: int | None) -> list[Row]:
        """(unit name, topic, suggestions with that topic)."""
        where, p = _unit(unit_id, "s.unit_id")
        return self._all(
            "SELECT u.name, j.value, count(*) FROM suggestions s"
            " JOIN units u ON u.id = s.unit_id, json_each(s.topics) j"
            " WHERE s.created_at >= ? AND s.created_at < ? AND s.state != 'merged'"
            f"{where} GROUP BY u.name, j.value",
            (start, end, *p),
        )

    def keyword_counts(self, start: str, end: str, unit_id: int | None) -> list[Row]:
        """(keyword, suggestions with it)."""
        where, p = _unit(unit_id, "s.unit_id")
        return self._all(
            "SELECT j.value, count(*) FROM suggestions s, json_each(s.keywords) j"
            " WHERE s.created_at >= ? AND s.created_at < ? AND s.state != 'merged'"
            f"{where} GROUP BY j.value",
            (start, end, *p),
        )

    def suggestion_keywords(self, start: str, end: str, unit_id: int | None) -> list[Row]:
        """(id, unit name, team name, keywords as JSON) of each suggestion in the window."""
        where, p = _unit(unit_id, "s.unit_id")
        return self._all(
            "SELECT s.id, u.name, t.name, s.keywords FROM suggestions s"
            " JOIN units u ON u.id = s.unit_id JOIN teams t ON t.id = s.team_id"
            " WHERE s.created_at >= ? AND s.created_at < ? AND s.state != 'merged'"
            f"{where}",
            (start, end, *p),
        )

    def examples(self, ids: Sequence[int]) -> dict[int, str]:
        """The text of these suggestions (a recurring problem's examples)."""
        rows = self._all(
            "SELECT id, text FROM suggestions WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        return {int(str(i)): str(t) for i, t in rows}

    # ------------------------------------------------------------------ leave and absence

    def leave_reasons(self, start: str, end: str, unit_id: int | None) -> list[Row]:
        """(unit name, reason) of leave asked for sessions in the window, and of absences with
        a note (the reason a leader wrote down)."""
        where, p = _unit(unit_id, "ss.unit_id")
        return self._all(
            "SELECT u.name, r.reason FROM attendance_requests r"
            " JOIN study_sessions ss ON ss.id = r.session_id JOIN units u ON u.id = ss.unit_id"
            " WHERE r.kind = 'leave' AND ss.starts_at >= ? AND ss.starts_at < ?"
            f"{where}"
            " UNION ALL "
            "SELECT u.name, a.note FROM attendance a"
            " JOIN study_sessions ss ON ss.id = a.session_id JOIN units u ON u.id = ss.unit_id"
            " WHERE a.status = 'absent' AND a.note IS NOT NULL AND a.note != ''"
            f" AND ss.starts_at >= ? AND ss.starts_at < ?{where}",
            (start, end, *p, start, end, *p),
        )

    def leave_asked(self, start_day: str, end_day: str, unit_id: int | None) -> list[Row]:
        """(unit name, leave type, note) of approved leave asked ahead (`leave_requests`)
        whose first day is a local day in [start_day, end_day): each request once, in the
        month it begins. Its days are 请假 on the roll, not absences with a note, so
        `leave_reasons` does not see it."""
        where, p = _unit(unit_id, "t.unit_id")
        return self._all(
            "SELECT u.name, l.kind, l.note FROM leave_requests l"
            " JOIN teams t ON t.id = l.team_id JOIN units u ON u.id = t.unit_id"
            " WHERE l.status = 'approved' AND l.first_day >= ? AND l.first_day < ?"
            f"{where}",
            (start_day, end_day, *p),
        )

    # ------------------------------------------------------------------ participation

    def rosters(self, unit_id: int | None) -> list[Row]:
        """(unit name, team name, active members)."""
        where, p = _unit(unit_id, "t.unit_id")
        return self._all(
            "SELECT u.name, t.name, count(m.id) FROM teams t JOIN units u ON u.id = t.unit_id"
            " LEFT JOIN members m ON m.team_id = t.id AND m.active = 1"
            f" WHERE 1=1{where} GROUP BY t.id",
            p,
        )

    def speakers(self, start: str, end: str, unit_id: int | None) -> list[Row]:
        """(unit name, team name, distinct members who made a suggestion in the window).
        Anonymous suggestions are left out: a count per team must not tell who wrote one."""
        where, p = _unit(unit_id, "s.unit_id")
        return self._all(
            "SELECT u.name, t.name, count(DISTINCT s.author_member_id) FROM suggestions s"
            " JOIN units u ON u.id = s.unit_id JOIN teams t ON t.id = s.team_id"
            " WHERE s.created_at >= ? AND s.created_at < ? AND s.anonymous = 0"
            f"{where} GROUP BY s.team_id",
            (start, end, *p),
        )

    # ------------------------------------------------------------------ casework (counts)

    def case_counts(self, start_day: str, end_day: str, unit_id: int | None) -> list[Row]:
        """(unit name, kind, requests) created on local days [start_day, end_day)."""
        where, p = _unit(unit_id, "c.unit_id")
        return self._all(
            "SELECT coalesce(u.name, ''), c.kind, count(*) FROM case_requests c"
            " LEFT JOIN units u ON u.id = c.unit_id"
            f" WHERE c.created_on >= ? AND c.created_on < ?{where} GROUP BY 1, 2",
            (start_day, end_day, *p),
        )

    def feedback_topics(self, start_day: str, end_day: str, unit_id: int | None) -> list[Row]:
        """(unit name, topic, feedback items) of private feedback created on local days
        [start_day, end_day)."""
        where, p = _unit(unit_id, "c.unit_id")
        return self._all(
            "SELECT coalesce(u.name, ''), j.value, count(*)"
            " FROM case_requests c JOIN json_each(c.topics) j LEFT JOIN units u ON u.id = c.unit_id"
            " WHERE c.kind = 'feedback' AND c.created_on >= ? AND c.created_on < ?"
            f"{where} GROUP BY 1, 2",
            (start_day, end_day, *p),
        )

    # ------------------------------------------------------------------ attendance

    def attendance(self, start: str, end: str, unit_id: int | None) -> list[Row]:
        """(unit name, attended, counted) for sessions starting in the window: attended =
        present, late or made up; counted = every settled record but leave (pending ones are
        not settled). Approved leave is leave, not absence, as in /report's 出勤率 = 实到 /
        (应到 − 请假): a month of sick leave must not read as a month of staying away."""
        where, p = _unit(unit_id, "ss.unit_id")
        return self._all(
            "SELECT u.name,"
            " sum(a.status IN ('present','late','makeup')),"
            " sum(a.status NOT IN ('pending','leave'))"
            " FROM attendance a JOIN study_sessions ss ON ss.id = a.session_id"
            " JOIN units u ON u.id = ss.unit_id"
            f" WHERE ss.starts_at >= ? AND ss.starts_at < ?{where} GROUP BY u.name",
            (start, end, *p),
        )

    def quiz(self, start: str, end: str, unit_id: int | None) -> list[Row]:
        """(unit name, correct answers, counted answers) of quiz answers in the window (the quiz
        engineer's `quiz_answers`; late and outsiders' answers are not counted)."""
        where, p = _unit(unit_id, "t.unit_id")
        return self._all(
            "SELECT u.name, sum(a.correct = 1), count(*) FROM quiz_answers a"
            " JOIN teams t ON t.id = a.team_id JOIN units u ON u.id = t.unit_id"
            " WHERE a.state = 'counted' AND a.answered_at >= ? AND a.answered_at < ?"
            f"{where} GROUP BY u.name",
            (start, end, *p),
        )


def bare_sql(
    q: TrendQueries,
    windows: Sequence[tuple[str, str]],
    unit_id: int | None = None,
    days: Sequence[tuple[str, str]] = (),
) -> int:
    """Every query the analysis needs, for these month windows (current month last; `days` the
    same months as local dates), with the rows fetched and nothing computed: the benchmark's
    baseline. Returns the row count."""
    n = len(q.units(unit_id)) + len(q.rosters(unit_id))
    for start_day, end_day in days:
        n += len(q.leave_asked(start_day, end_day, unit_id))
        n += len(q.case_counts(start_day, end_day, unit_id))
        n += len(q.feedback_topics(start_day, end_day, unit_id))
    cur_start, cur_end = windows[-1]
    n += len(q.suggestion_keywords(cur_start, cur_end, unit_id))
    for start, end in windows:
        n += len(q.suggestion_counts(start, end, unit_id))
        n += len(q.suggestion_topics(start, end, unit_id))
        n += len(q.leave_reasons(start, end, unit_id))
        n += len(q.attendance(start, end, unit_id))
        n += len(q.quiz(start, end, unit_id))
    window_start = windows[0][0]
    n += len(q.keyword_counts(window_start, cur_start, unit_id))
    n += len(q.speakers(cur_start, cur_end, unit_id))
    n += len(q.speakers(window_start, cur_end, unit_id))
    return n


class TrendLedger:
    """Which monthly analyses were handed to the outbox (table trend_reports)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def sent(self, period: str, scope: str) -> bool:
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM trend_reports WHERE period = ? AND scope = ?", (period, scope)
            )
        )

    async def claim(
        self, period: str, scope: str, at: datetime, messages: Sequence[OutMessage] = ()
    ) -> bool:
        """Record the analysis of (period, scope) as sent and hand its messages to the outbox,
        in one transaction. False if it already was."""

        def claim(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "INSERT OR IGNORE INTO trend_reports(period, scope, sent_at) VALUES (?, ?, ?)",
                (period, scope, iso(at)),
            )
            if cur.rowcount != 1:
                return False
            OutboxRepo.enqueue_sync(conn, messages)
            return True

        return await self.db.write(claim)
