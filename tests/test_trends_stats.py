"""Unit tests of the thought-trend statistics (bot/domain/trends.py)."""

from __future__ import annotations

import math

import pytest

from bot.domain import trends as t


def test_two_proportion_z_matches_a_hand_computation() -> None:
    # 30/100 vs 15/100: pooled 0.225, se = sqrt(.225*.775*.02) = 0.05906, z = 2.540
    z, p = t.two_proportion_z(30, 100, 15, 100)
    assert z == pytest.approx(2.540, abs=1e-3)
    assert p == pytest.approx(0.01108, abs=1e-4)
    assert t.two_proportion_z(0, 0, 5, 10) == (0.0, 1.0)
    assert t.two_proportion_z(0, 10, 0, 10) == (0.0, 1.0)


def test_benjamini_hochberg() -> None:
    q = t.benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
    assert q == pytest.approx([0.04, 0.05333, 0.05333, 0.5], abs=1e-4)
    assert t.benjamini_hochberg([]) == []


def test_a_real_rise_is_flagged_and_noise_is_not() -> None:
    before = {"安全": 40, "设备": 100, "生活福利": 60}
    now = {"安全": 45, "设备": 35, "生活福利": 20}
    out = {s.category: s for s in t.shifts(now, 100, before, 200)}
    assert out["安全"].direction == "rose"  # 45 % against 20 %
    assert out["设备"].direction == "fell"  # 35 % against 50 %: p≈0.014, q≈0.021
    assert out["生活福利"].direction == ""  # 20 % against 30 %: p≈0.065


def test_correction_stops_one_chance_hit_among_many() -> None:
    # One topic at p≈0.049 among ten: significant alone, not after the correction.
    before = {f"c{i}": 20 for i in range(10)}
    now = {f"c{i}": 10 for i in range(10)}
    now["c0"] = 18
    out = {s.category: s for s in t.shifts(now, 100, before, 200)}
    assert out["c0"].p < 0.05
    assert out["c0"].direction == ""


def test_small_counts_are_not_tested() -> None:
    out = t.shifts({"管理": 3}, 10, {"管理": 0}, 10)
    assert not out[0].tested and out[0].direction == ""


def test_new_keywords() -> None:
    now = {"澡堂": 4, "皮带": 5, "热水": 2}
    before = {"皮带": 9}
    assert t.new_keywords(now, before) == [("澡堂", 4)]


def test_recurring_problem_needs_several_teams() -> None:
    texts = [
        t.Text(1, "一分场", "一班", ("澡堂", "热水", "不够")),
        t.Text(2, "一分场", "二班", ("澡堂", "热水")),
        t.Text(3, "二分场", "五班", ("热水", "澡堂", "晚上")),
        t.Text(4, "一分场", "一班", ("皮带", "跑偏")),
        t.Text(5, "一分场", "一班", ("皮带", "跑偏")),
        t.Text(6, "一分场", "一班", ("皮带", "跑偏")),
    ]
    out = t.recurring(texts)
    assert [c.keywords for c in out] == [tuple(sorted(("澡堂", "热水")))]
    assert out[0].teams == {"一班", "二班", "五班"} and out[0].units == {"一分场", "二分场"}
    assert sorted(out[0].ids) == [1, 2, 3]


def test_participation_counts_by_team() -> None:
    rows = t.participation(
        {("一分场", "一班"): 10, ("一分场", "二班"): 8, ("二分场", "空班"): 0},
        {("一分场", "一班"): 6, ("一分场", "二班"): 1},
        {("一分场", "一班"): 9, ("一分场", "二班"): 2},
    )
    assert [(r.team, r.members, r.spoke, r.silent) for r in rows] == [
        ("二班", 8, 1, 6),
        ("一班", 10, 6, 1),
    ]
    assert math.isclose(rows[1].share, 0.6)


def test_confidential_counts_hide_small_groups() -> None:
    shown, pooled = t.confidential_counts({"一班": (12, 3), "二班": (3, 2), "三班": (4, 1)})
    assert shown == [
        t.GroupCount("一班", 12, 3),
        t.GroupCount("三班", 4, None),
        t.GroupCount("二班", 3, None),
    ]
    assert pooled == 3  # 二班 + 三班 have 7 people together
    shown, pooled = t.confidential_counts({"一班": (12, 3), "二班": (3, 2)})
    assert pooled == 0  # a pool of 3 people would point at them


def test_month_keys() -> None:
    assert t.month_keys(2026, 2, 3) == ["2025-11", "2025-12", "2026-01", "2026-02"]
