"""The attendance report's chart: the month's rate per team (per unit when there are many
teams) with each value written on its bar, and the rate over recent months.

Drawn with the CJK font shipped in `data/fonts/` (see `bot.views.chartkit`), so the labels are
Chinese on any machine. A team that had no study in the month has no bar but is named, with
"无学习" where its value would be — those are the teams admins look for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.attendance import rate
from bot.views.chartkit import BLUE, RED, bar_chart, chart_style, percent, png_bytes, with_unit

if TYPE_CHECKING:
    from bot.outcomes.reports import Month, Report
    from bot.texts import Texts

MAX_BARS = 40


def attendance_chart(report: Report, texts: Texts, lang: str) -> bytes:
    """PNG of the month's rates and the trend."""
    names, values = bars(report)
    g = texts.get
    with chart_style():
        from matplotlib import pyplot as plt
        from matplotlib.ticker import FuncFormatter

        width = min(16.0, 6.0 + 0.35 * len(names))
        fig, (left, right) = plt.subplots(
            1, 2, figsize=(width + 4.5, 5.0), gridspec_kw={"width_ratios": [width, 4.5]}
        )
        try:
            value_label = with_unit(g("attendance.report.chart_rate", lang), "%")
            bar_chart(
                left, names, values, fmt=percent, value_label=value_label, limit=1.0,
                color=BLUE, empty=g("attendance.report.chart_none", lang),
            )  # fmt: skip
            left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}"))
            left.set_title(
                g("attendance.report.chart_title", lang, month=_month(report.month, lang)),
                fontsize=12,
            )
            zh = lang.startswith("zh")
            months = [f"{m.month}月" if zh else m.label[2:] for m, _ in report.trend]
            trend = [r for _, r in report.trend]
            xs = list(range(len(months)))
            right.plot(xs, [float("nan") if r is None else r for r in trend], marker="o", color=RED)
            for x, r in zip(xs, trend, strict=True):
                if r is not None:
                    right.annotate(
                        percent(r), (x, r), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8,
                    )  # fmt: skip
            right.set_xticks(xs, months, fontsize=8)
            right.set_ylim(0, 1.15)
            right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}"))
            right.set_ylabel(value_label)
            right.set_title(
                g("attendance.report.chart_trend", lang, n=len(report.trend)), fontsize=12
            )
            right.grid(alpha=0.3)
            fig.tight_layout()
            return png_bytes(fig, dpi=110)
        finally:
            plt.close(fig)


def _month(month: Month, lang: str) -> str:
    return f"{month.year}年{month.month}月" if lang.startswith("zh") else month.label


def bars(report: Report) -> tuple[list[str], list[float | None]]:
    """Names and rates of the bars: one per team, or one per unit when there are more than
    MAX_BARS teams. None for a bar with nobody expected (no study that month)."""
    per_unit = len(report.teams) > MAX_BARS
    groups: dict[str, list[int]] = {}
    for r in report.teams:
        key = r.unit if per_unit else r.team
        if not per_unit and any(o.team == r.team and o.unit != r.unit for o in report.teams):
            key = f"{r.unit}·{r.team}"  # two units have a team of that name
        acc = groups.setdefault(key, [0, 0, 0, 0])
        acc[0] += r.present
        acc[1] += r.late
        acc[2] += r.leave
        acc[3] += r.total
    names = list(groups)
    values = [rate(p, late, leave, total) for p, late, leave, total in groups.values()]
    return names, values
