"""Chart helpers: each bar carries its value, axes carry their unit."""

from __future__ import annotations

from bot.views.chartkit import bar_chart, chart_style, count, percent, png_bytes, with_unit


def test_percent_and_unit_wording() -> None:
    assert percent(1.0) == "100%"
    assert percent(0.875) == "87.5%"
    assert percent(2 / 3) == "66.7%"
    assert percent(0.0) == "0%"
    assert with_unit("出勤率", "%") == "出勤率（%）"
    assert with_unit("件数", "") == "件数"
    assert count(3.0) == "3"


def test_bars_carry_values_and_axis_its_unit() -> None:
    with chart_style():
        from matplotlib import pyplot as plt

        fig, ax = plt.subplots()
        bar_chart(
            ax,
            ["蒸发一班", "机修班", "化验室"],
            [0.875, None, 1.0],
            fmt=percent,
            value_label=with_unit("出勤率", "%"),
            limit=1.0,
        )
        labels = [t.get_text() for t in ax.texts]
        assert labels == ["87.5%", "—", "100%"]
        assert ax.get_ylabel() == "出勤率（%）"
        assert [t.get_text() for t in ax.get_xticklabels()] == ["蒸发一班", "机修班", "化验室"]
        png = png_bytes(fig, dpi=40)
        plt.close(fig)
    assert png.startswith(b"\x89PNG")


def test_horizontal_bars_label_the_value_axis() -> None:
    with chart_style():
        from matplotlib import pyplot as plt

        fig, ax = plt.subplots()
        bar_chart(
            ax, ["安全", "设备"], [5, 2], fmt=count, value_label="件数（件）", horizontal=True
        )
        assert [t.get_text() for t in ax.texts] == ["5", "2"]
        assert ax.get_xlabel() == "件数（件）"
        plt.close(fig)
