"""What every chart shares: the shipped CJK font, values on bars, units in axis labels.

Charts are drawn headless (Agg) inside `chart_style()`, which puts the font shipped in
`data/fonts/` first by path (see `bot.views.fonts`), so labels are Chinese on a machine with no
CJK font at all and matplotlib's global settings are left as they were.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from bot.views.fonts import chart_font_family

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer
    from matplotlib.figure import Figure

BLUE = "#2F75B5"
RED = "#C00000"
GREY = "#7F7F7F"


@contextmanager
def chart_style() -> Iterator[None]:
    """Headless matplotlib with the shipped CJK font first, for drawing and saving inside
    the block."""
    import matplotlib

    matplotlib.use("Agg")
    family = chart_font_family()
    settings: dict[Any, Any] = {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        # The CJK font has no U+2212 minus sign at the size it draws digits; the ASCII one
        # matches the digits.
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(settings):
        yield


def png_bytes(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure as PNG, at `dpi` or else the figure's own resolution."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi="figure" if dpi is None else dpi)
    return buf.getvalue()


def with_unit(label: str, unit: str) -> str:
    """An axis label with its unit in the Chinese way: 出勤率（%）, 件数（件）."""
    return f"{label}（{unit}）" if unit else label


def percent(value: float) -> str:
    """A share in 0..1 as it is written on a bar: 87.5%, 100%."""
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def count(value: float) -> str:
    return f"{value:.0f}"


def label_bars(
    ax: Axes,
    bars: BarContainer,
    values: Sequence[float | None],
    fmt: Callable[[float], str],
    *,
    empty: str = "—",
) -> None:
    """Writes each bar's value at its end (`empty` where there is no value, e.g. a team that
    had no session), so a reader need not guess from the axis."""
    labels = [empty if v is None or math.isnan(v) else fmt(v) for v in values]
    ax.bar_label(bars, labels=labels, padding=2, fontsize=8)


def bar_chart(
    ax: Axes,
    names: Sequence[str],
    values: Sequence[float | None],
    *,
    fmt: Callable[[float], str],
    value_label: str,
    limit: float | None = None,
    horizontal: bool = False,
    color: str = BLUE,
    empty: str = "—",
) -> BarContainer:
    """Bars with their values written on them and the value axis labelled with its unit.
    A value of None draws no bar but still shows "—" (a team with nothing to count)."""
    heights = [0.0 if v is None else v for v in values]
    positions = list(range(len(names)))
    if horizontal:
        bars = ax.barh(positions, heights, color=color)
        ax.set_yticks(positions, list(names), fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(value_label)
        top = max([h for h in heights if h] or [1.0])
        ax.set_xlim(0, (limit or top) * 1.15)
    else:
        bars = ax.bar(positions, heights, color=color)
        rotate = 45 if len(names) > 8 or max((len(n) for n in names), default=0) > 6 else 0
        ax.set_xticks(
            positions, list(names), rotation=rotate, ha="right" if rotate else "center", fontsize=8
        )
        ax.set_ylabel(value_label)
        top = max([h for h in heights if h] or [1.0])
        ax.set_ylim(0, (limit or top) * 1.15)
    label_bars(ax, bars, values, fmt, empty=empty)
    return bars
