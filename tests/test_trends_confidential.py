"""Confidential casework (帮扶救助 requests, private feedback 意见反映) in the monthly analysis:
counts only, per unit only where a unit has at least 5 people, small units pooled only when the
pool itself has 5, totals that cannot be subtracted into a hidden figure, and feedback topics
only for a scope of 5 or more — in the text, the workbook and the CLI."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.db import Database
from bot.repos.trends import TrendQueries, open_readonly
from bot.services import trends
from bot.services.reports import Month
from bot.tagging.lexicon import load_lexicon
from bot.texts import Texts
from bot.views import trends as view
from tests.trend_data import seed

TZ = ZoneInfo("Asia/Shanghai")
MONTH = Month(2026, 11)
NOW = MONTH.shift(1).bounds(TZ)[0]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    db = tmp_path / "site.db"

    async def migrate() -> None:
        d = Database(str(db))
        await d.open()
        await d.close()

    asyncio.run(migrate())
    seed(str(db), MONTH, TZ)  # 1分场..3分场, 100 people each
    conn = sqlite3.connect(db)
    # Two small units of 3 people each (one team, members 901..906).
    conn.executemany("INSERT INTO units(id, name) VALUES (?, ?)", [(8, "小站甲"), (9, "小站乙")])
    conn.executemany(
        "INSERT INTO teams(id, unit_id, name, invite_code) VALUES (?, ?, ?, ?)",
        [(801, 8, "甲班", "inv801"), (901, 9, "乙班", "inv901")],
    )
    conn.executemany(
        "INSERT INTO members(id, employee_no, name, team_id) VALUES (?, ?, ?, ?)",
        [(900 + i, f"S{i:05d}", f"站员{i}", 801 if i <= 3 else 901) for i in range(1, 7)],
    )
    conn.commit()
    conn.close()
    return db


def add_cases(db: Path, rows: list[tuple[str, int, str, list[str]]]) -> None:
    """(kind, unit id, local day, topics): named requests by a member of that unit."""
    conn = sqlite3.connect(db)
    author = {
        u: conn.execute(
            "SELECT m.id FROM members m JOIN teams t ON t.id = m.team_id WHERE t.unit_id = ?"
            " LIMIT 1",
            (u,),
        ).fetchone()[0]
        for u in {r[1] for r in rows}
    }
    first = conn.execute("SELECT coalesce(max(id), 99999) + 1 FROM case_requests").fetchone()[0]
    for n, (kind, unit, day, topics) in enumerate(rows, start=first):
        conn.execute(
            "INSERT INTO case_requests(id, kind, category, unit_id, anonymous, author_member_id,"
            " topics, created_on) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
            (
                n,
                kind,
                "other",
                unit,
                author[unit],
                json.dumps(topics, ensure_ascii=False),
                day,
            ),
        )
    conn.commit()
    conn.close()


def build(db: Path, unit_id: int | None = None, name: str = "") -> trends.TrendReport:
    conn = open_readonly(str(db))
    try:
        return trends.build(TrendQueries(conn), MONTH, TZ, load_lexicon().topics, unit_id, name)
    finally:
        conn.close()


def rendered(rep: trends.TrendReport) -> view.Rendered:
    return view.render(rep, Texts(), "zh-CN", TZ, NOW)


def sheet_rows(out: view.Rendered, name: str) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(out.xlsx))
    return [r for r in book[name].iter_rows(min_row=4, values_only=True) if r[0] is not None]


def test_big_units_counted_a_small_one_pooled_out_of_sight(site: Path) -> None:
    add_cases(
        site,
        [
            ("feedback", 1, "2026-11-03", ["安全"]),
            ("feedback", 1, "2026-11-20", ["安全"]),
            ("feedback", 1, "2026-11-30", ["生活福利"]),
            ("assist", 1, "2026-11-12", []),
            ("feedback", 2, "2026-11-01", ["管理"]),
            ("feedback", 1, "2026-12-01", ["安全"]),  # next month: not counted
            ("feedback", 1, "2026-10-31", ["安全"]),  # last month: baseline only
            ("feedback", 8, "2026-11-15", ["生活福利"]),  # 小站甲: 3 people
            ("feedback", 8, "2026-11-16", ["生活福利"]),
        ],
    )
    rep = build(site)
    shown = {g.group: g.count for g in rep.confidential["feedback"][0]}
    assert shown["1分场"] == 3 and shown["2分场"] == 1 and shown["3分场"] == 0
    assert shown["小站甲"] is None and shown["小站乙"] is None
    # 小站甲 + 小站乙 hold 6 people: the pool is shown, and counts 小站甲's two.
    assert rep.confidential["feedback"][1] == 2
    assert rep.confidential_total("feedback") == 6 and rep.confidential_total("assist") == 1
    assert rep.feedback_topics["安全"] == 2 and rep.feedback_topics_before["安全"] == 1
    out = rendered(rep)
    assert "意见反映 6 条，帮扶救助 1 件" in out.text
    assert "1分场 意见反映 3、帮扶救助 1" in out.text
    assert "不足 5 人的单位合并：意见反映 2、帮扶救助 0" in out.text
    assert "小站甲 意见反映" not in out.text  # a small unit is never named with a count
    assert "<b>意见反映的话题</b>" in out.text and "安全 2" in out.text
    rows = {r[0]: r[1:] for r in sheet_rows(out, "保密诉求合计")}
    assert rows["1分场"] == (100, 3, 1) and rows["小站甲"] == (3, None, None)
    assert rows["不足 5 人的单位（合并）"] == (6, 2, 0)
    assert "意见反映话题" in openpyxl.load_workbook(io.BytesIO(out.xlsx)).sheetnames


def test_a_pool_under_five_is_hidden_and_not_in_the_total(site: Path) -> None:
    conn = sqlite3.connect(site)  # 小站乙 loses its people: the pool is 小站甲's 3 alone
    conn.execute("UPDATE members SET active = 0 WHERE team_id = 901")
    conn.commit()
    conn.close()
    add_cases(
        site,
        [("feedback", 1, "2026-11-03", ["安全"]), ("feedback", 8, "2026-11-15", ["生活福利"])],
    )
    rep = build(site)
    assert rep.confidential["feedback"][1] == 0
    # The total leaves the hidden pool out: total minus the shown units gives nothing away.
    assert rep.confidential_total("feedback") == 1
    out = rendered(rep)
    assert "意见反映 1 条" in out.text and "合起来也不足 5 人，不计入" in out.text
    rows = {r[0]: r[1:] for r in sheet_rows(out, "保密诉求合计")}
    assert rows["不足 5 人的单位（合并）"] == (3, None, None)
    # Nor do its topics count: the site's topics minus the big units' would give them away.
    assert rep.feedback_topics == {"安全": 1}


def test_a_small_unit_report_shows_no_count_and_no_topics(site: Path) -> None:
    add_cases(site, [("feedback", 8, "2026-11-15", ["生活福利"]), ("assist", 8, "2026-11-15", [])])
    rep = build(site, 8, "小站甲")
    assert rep.confidential_total("feedback") == 0 and rep.confidential_total("assist") == 0
    assert not rep.feedback_topics  # 3 people: a topic would point at its author
    # Nothing else happened there this month: no analysis at all, so no figure either.
    out = rendered(rep)
    assert out.empty and "意见反映" not in out.text
    # A big unit's report counts its own requests only.
    add_cases(site, [("feedback", 2, "2026-11-05", ["质量"])])
    big = build(site, 2, "2分场")
    assert big.confidential_total("feedback") == 1 and big.feedback_topics["质量"] == 1
