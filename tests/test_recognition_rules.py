"""Rules of recognition and 民主评议: periods, selections in callback data, the tally with
ties at the quota's edge, year-end sums, and comment screening."""

from __future__ import annotations

import pytest

from bot.domain import recognition as r
from bot.domain.recognition import Grade


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026Q4", "2026Q4"),
        ("2026-q1", "2026Q1"),
        ("2026年第四季度", "2026Q4"),
        ("2026年3季度", "2026Q3"),
        ("2026H2", "2026H2"),
        ("2026年上半年", "2026H1"),
        ("2026", "2026"),
        ("2026年度", "2026"),
    ],
)
def test_periods(text: str, key: str) -> None:
    assert r.parse_period(text) == key


@pytest.mark.parametrize("text", ["", "2026Q5", "Q4", "下季度", "2026H3", "26Q1", "2026-13"])
def test_unknown_periods_are_refused(text: str) -> None:
    assert r.parse_period(text) is None


def test_period_labels() -> None:
    assert r.period_label("2026Q4", "zh-CN") == "2026年第四季度"
    assert r.period_label("2026H1", "zh-CN") == "2026年上半年"
    assert r.period_label("2026", "en") == "2026"


def test_selection_round_trip_and_bounds() -> None:
    for chosen in [set(), {1}, {1, 48}, set(range(1, 49))]:
        text = r.encode_selection(chosen)
        assert len(text) == 12 and r.decode_selection(text) == frozenset(chosen)
    assert r.decode_selection("zz0000000000") is None
    assert r.decode_selection("0" * 11) is None
    with pytest.raises(ValueError):
        r.encode_selection({49})


def test_toggle_respects_the_quota() -> None:
    s, full = r.toggle(frozenset({1, 2}), 3, quota=2)
    assert full and s == {1, 2}
    s, full = r.toggle(frozenset({1, 2}), 2, quota=2)
    assert not full and s == {1}
    assert r.check_ballot(frozenset({1, 2, 3}), 5, 2) is r.BallotProblem.TOO_MANY
    assert r.check_ballot(frozenset({6}), 5, 2) is r.BallotProblem.UNKNOWN
    assert r.check_ballot(frozenset(), 5, 2) is None


def test_tally_elects_the_top_and_flags_a_tie_at_the_edge() -> None:
    candidates = {1: 101, 2: 102, 3: 103, 4: 104}
    standings = r.tally([1, 1, 1, 2, 2, 3, 3], candidates, quota=2)
    by = {s.nominee_id: s for s in standings}
    assert by[101].elected and not by[101].tie and by[101].votes == 3
    assert by[102].tie and by[103].tie and not by[102].elected  # 2 : 2 for the last seat
    assert by[104].votes == 0 and not by[104].elected
    clear = {s.nominee_id: s for s in r.tally([1, 1, 2, 2, 3], candidates, quota=2)}
    assert (
        clear[101].elected and clear[102].elected and not clear[103].elected and not clear[103].tie
    )
    assert not any(s.elected for s in r.tally([], candidates, quota=2))


def test_year_end_sums_the_quarters() -> None:
    rows = [("2026Q1", 7, 5, True), ("2026Q2", 7, 3, False), ("2026Q2", 8, 9, True)]
    totals = r.year_totals(rows)
    assert [(t.nominee_id, t.times_elected, t.votes) for t in totals] == [(8, 1, 9), (7, 1, 8)]
    assert totals[1].periods == ("2026Q1", "2026Q2")


def test_comments_are_screened_for_raters_names() -> None:
    text = "我是王秀兰，和陈志强都觉得班长很好。王秀说得对。"
    screened = r.screen_comment(text, ["王秀兰", "陈志强", "王秀", "周"])
    assert "王秀兰" not in screened and "陈志强" not in screened and "王秀" not in screened
    assert "班长很好" in screened and "周" not in text  # one-character names are not masked


def test_results_only_for_five_raters_and_approval() -> None:
    assert not r.results_visible(4) and r.results_visible(5)
    counts = r.grade_counts(["excellent", "competent", "basic", "competent"])
    assert counts[Grade.COMPETENT] == 2 and counts[Grade.INCOMPETENT] == 0
    assert r.approval(counts) == 0.75


def test_receipts_need_the_key() -> None:
    k1, k2 = r.ballot_key("token-a"), r.ballot_key("token-b")
    assert r.receipt(k1, 1, "t") != r.receipt(k2, 1, "t")
    assert r.receipt(k1, 1, "t") != r.receipt(k1, 2, "t")
    assert len(r.receipt(k1, 1, "t")) == 32
