"""The shipped chart font: licensed, small, holds what charts show, used by its path."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont

from bot.paths import DATA
from bot.views import fonts


@pytest.fixture(scope="module")
def cmap() -> set[str]:
    font = TTFont(str(fonts.CHART_FONT))
    return {chr(cp) for cp in font.getBestCmap()}


def test_font_is_the_renamed_ofl_subset() -> None:
    font = TTFont(str(fonts.CHART_FONT))
    assert font["name"].getDebugName(1) == fonts.FAMILY
    assert "Open Font License" in (font["name"].getDebugName(13) or "")
    assert "SIL OPEN FONT LICENSE Version 1.1" in (DATA / "fonts" / "OFL.txt").read_text()
    assert fonts.CHART_FONT.stat().st_size < 2_000_000


def test_font_holds_level1_characters(cmap: set[str]) -> None:
    level1 = set(fonts.LEVEL1.read_text(encoding="utf-8").strip())
    assert len(level1) == 3500
    assert level1 <= cmap


def test_font_holds_every_character_of_the_texts(cmap: set[str]) -> None:
    # A text added with a character outside the subset fails here: rebuild the font
    # (python -m bot.views.fonts …, see data/fonts/SOURCE.md).
    needed = fonts.cjk_in(fonts.data_texts())
    missing = "".join(sorted(needed - cmap))
    assert not missing, f"chart font lacks {missing}; rebuild it (data/fonts/SOURCE.md)"
    assert set("，。（）%：·—") <= cmap


def test_matplotlib_draws_chinese_with_the_shipped_font_only() -> None:
    import warnings

    from matplotlib import font_manager

    from bot.views.chartkit import chart_style, png_bytes

    family = fonts.chart_font_family()
    assert family == fonts.FAMILY
    with chart_style():
        from matplotlib import pyplot as plt

        fig, ax = plt.subplots()
        ax.set_title("出勤率（蒸发一班）")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph … missing from font" is a warning
            png = png_bytes(fig, dpi=50)
        plt.close(fig)
        found = font_manager.findfont(font_manager.FontProperties(family=family))
    assert found == str(fonts.CHART_FONT)
    assert png.startswith(b"\x89PNG")
    assert io.BytesIO(png).getbuffer().nbytes > 1000
