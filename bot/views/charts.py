"""PNG charts with matplotlib (Agg, no display).

Chinese labels need a CJK font (Debian: `fonts-noto-cjk` or `fonts-wqy-microhei`). When none
is installed, the chart uses English titles and short labels (T1, T2… for teams, U1… for
units) and returns a legend for the text message, so it stays legible instead of showing
empty boxes. The font detection and chart style here serve every chart (attendance
reports, suggestion summaries).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

from bot.domain.attendance import rate

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bot.services.reports import Report
    from bot.texts import Texts

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK",
    "Noto Sans SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "AR PL UMing CN",
)
MAX_BARS = 40


@cache
def cjk_font() -> str | None:
    """The first installed font family that can show Chinese, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return next((n for n in sorted(installed) if "CJK" in n or "Hei" in n), None)


@contextmanager
def chart_style(font: str | None) -> Iterator[None]:
    """Headless matplotlib with `font` (from `cjk_font()`) first in line, for drawing and
    saving inside the block; matplotlib's global settings are left as they were."""
    import matplotlib

    matplotlib.use("Agg")
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": families}):
        yield


def png_bytes(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure as PNG, at `dpi` or else the figure's own resolution."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi="figure" if dpi is None else dpi)
    return buf.getvalue()


def attendance_chart(report: Report, texts: Texts) -> tuple[bytes, list[str]]:
    """Rate per team (per unit when there are many teams) and the trend over months.
    Returns the PNG and the label legend (empty when Chinese labels could be used)."""
    font = cjk_font()
    lang = "zh-CN" if font else "en"
    names, rates, legend = _bars(report, chinese=font is not None)
    with chart_style(font):
        from matplotlib import pyplot as plt

        fig, (left, right) = plt.subplots(
            1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [3, 2]}
        )
        try:
            xs = range(len(names))
            left.bar(xs, [r * 100 for r in rates], color="#2F75B5")
            left.set_xticks(list(xs), names, rotation=60 if len(names) > 8 else 0, fontsize=8)
            left.set_ylim(0, 105)
            left.set_ylabel(texts.get("attendance.report.chart_rate", lang))
            left.set_title(
                texts.get("attendance.report.chart_title", lang, month=report.month.label)
            )
            months = [m.label[2:] for m, _ in report.trend]
            values = [None if r is None else r * 100 for _, r in report.trend]
            right.plot(
                months,
                [v if v is not None else float("nan") for v in values],
                marker="o",
                color="#C00000",
            )
            right.set_ylim(0, 105)
            right.set_title(texts.get("attendance.report.chart_trend", lang, n=len(report.trend)))
            right.grid(alpha=0.3)
            fig.tight_layout()
            png = png_bytes(fig, dpi=110)
        finally:
            plt.close(fig)
    return png, legend


def _bars(report: Report, *, chinese: bool) -> tuple[list[str], list[float], list[str]]:
    per_unit = len(report.teams) > MAX_BARS
    groups: dict[str, list[int]] = {}
    for r in report.teams:
        key = r.unit if per_unit else f"{r.unit}·{r.team}"
        acc = groups.setdefault(key, [0, 0, 0, 0])
        acc[0] += r.present
        acc[1] += r.late
        acc[2] += r.leave
        acc[3] += r.total
    names, rates, legend = [], [], []
    for i, (key, (present, late, leave, total)) in enumerate(groups.items(), start=1):
        label = key.split("·")[-1] if chinese else f"{'U' if per_unit else 'T'}{i}"
        if not chinese:
            legend.append(f"{label} {key}")
        names.append(label)
        rates.append(rate(present, late, leave, total) or 0.0)
    return names, rates, legend
