"""Labour competition rules without a database: figures, weeks, periods, pairs, arena, caps."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import contest as c
from bot.paths import DATA

TEMPLATES = c.load_templates(DATA / "contest" / "metrics.toml")
RULES = c.load_point_rules(DATA / "points" / "rules.toml")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", 1234.0),
        ("1,234.5", 1234.5),
        ("１２３４", 1234.0),
        ("98.5%", 98.5),
        ("98.5％", 98.5),
        ("1234吨", 1234.0),
        (" 0 ", 0.0),
        ("-3", -3.0),
        (".5", 0.5),
    ],
)
def test_figures_as_leaders_type_them(text: str, value: float) -> None:
    assert c.parse_figure(text, "吨") == value


@pytest.mark.parametrize(
    "text", ["约1000", "1e5", "", "一千", "1,23", "12..3", "nan", "inf", "0x10"]
)
def test_what_is_not_a_figure(text: str) -> None:
    assert c.parse_figure(text) is c.FigureProblem.NOT_A_NUMBER


def test_figures_are_bounded_before_use() -> None:
    assert c.parse_figure("9" * 30) is c.FigureProblem.TOO_LONG
    assert c.parse_figure("9" * 20) is c.FigureProblem.OUT_OF_RANGE


def test_plausible_range_per_metric() -> None:
    quality = TEMPLATES["quality_rate"]
    assert c.check_figure(quality, 99.2) is None
    assert c.check_figure(quality, 120) is c.FigureProblem.OUT_OF_RANGE
    assert c.check_figure(TEMPLATES["output"], -5) is c.FigureProblem.OUT_OF_RANGE


def test_a_jump_is_questioned_not_refused() -> None:
    assert c.doubt(1000, 300) is c.Doubt.JUMP_UP
    assert c.doubt(90, 300) is c.Doubt.JUMP_DOWN
    assert c.doubt(800, 300) is None
    assert c.doubt(5, None) is None
    assert c.doubt(5, 0) is None


def test_weeks_start_on_monday() -> None:
    assert c.week_of(date(2026, 12, 2)) == date(2026, 11, 30)
    assert c.week_of(date(2026, 11, 30)) == date(2026, 11, 30)
    assert c.weeks_between(date(2026, 12, 1), date(2026, 12, 14)) == [
        date(2026, 11, 30),
        date(2026, 12, 7),
        date(2026, 12, 14),
    ]


def test_periods() -> None:
    today = date(2026, 11, 18)
    assert c.parse_period("本月", today) == (date(2026, 11, 1), date(2026, 11, 30))
    assert c.parse_period("本季度", today) == (date(2026, 10, 1), date(2026, 12, 31))
    assert c.parse_period("本周", today) == (date(2026, 11, 16), date(2026, 11, 22))
    assert c.parse_period("2026-12-01 至 2026-12-31", today) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )
    assert c.parse_period("2026-12-01~2027-02-28", today) == (date(2026, 12, 1), date(2027, 2, 28))
    assert c.parse_period("2026-12-31 2026-12-01", today) is None  # backwards
    assert c.parse_period("2026-01-01 2027-06-01", today) is None  # over a year
    assert c.parse_period("下个月", today) is None


def test_names_are_cleaned_and_bounded() -> None:
    assert c.check_name("  安全高产百日赛 ") == "安全高产百日赛"
    assert c.check_name("\u200b\u200d") is None
    assert c.check_name("赛" * 41) is None


def test_pairs_and_odd_one_out() -> None:
    assert c.pairs_in_order([1, 2, 3, 4, 5]) == [(1, 2), (3, 4)]


def test_pair_result_ties_at_four_decimals() -> None:
    assert c.pair_result(80.00001, 80.00002) is c.PairResult.TIE
    assert c.pair_result(81, 80) is c.PairResult.A
    assert c.pair_result(None, 10) is c.PairResult.B


def test_arena_holder_defends_on_a_tie() -> None:
    scores = {1: 80.0, 2: 80.0, 3: 79.0}
    assert c.arena_holder(1, scores, [2, 3]) == 1
    assert c.arena_holder(1, {1: 70.0, 2: 75.0, 3: 90.0}, [2, 3]) == 3
    assert c.arena_holder(None, {1: 70.0, 2: 75.0}, []) == 2


def test_points_caps() -> None:
    learned = RULES["preshift_learned"]
    assert c.capped(learned, c.Earned(day=0)) == 1
    assert c.capped(learned, c.Earned(day=3)) == 0
    pledge = RULES["pledge_written"]
    assert c.capped(pledge, c.Earned(year=5)) == 0
    adopted = RULES["suggestion_adopted"]
    assert c.capped(adopted, c.Earned(month=48)) == 2


def test_every_metric_has_texts() -> None:
    from bot.texts import Texts

    texts = Texts()
    for key in TEMPLATES:
        assert texts.has(f"contest.metric.{key}"), key
