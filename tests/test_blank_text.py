"""Blank-looking text counts as empty: zero-width, format characters and fillers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import is_blank, visible

BLANK_LOOKING = [
    "",
    "   ",
    "\u200b\u200b",  # zero-width space
    "\u200c\u200d\u2060",  # ZWNJ, ZWJ, word joiner
    "\ufeff",  # BOM
    "\u200e\u200f\u202a\u202c",  # bidi marks and embeddings
    "\u3000\u00a0\u2007",  # ideographic, no-break, figure spaces
    "\u3164\uffa0\u115f",  # Hangul fillers
    "\u2800",  # Braille blank
    "\u180e\u034f",  # Mongolian vowel separator, combining grapheme joiner
    "\U000e0041\U000e007f",  # tag characters
    "\t\r\n\x00",
]


@pytest.mark.parametrize("text", BLANK_LOOKING)
def test_blank_looking_is_blank(text: str) -> None:
    assert is_blank(text)
    assert visible(text) == ""


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\u200b 安全第一 \u200b", "安全第一"),
        ("王\u200b伟", "王\u200b伟"),  # inside: kept as written
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # ZWJ inside an emoji sequence
        ("。", "。"),
        ("0", "0"),
    ],
)
def test_visible_trims_only_the_ends(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert not is_blank(text)


def test_none_is_blank() -> None:
    assert is_blank(None) and visible(None) == ""


@given(st.text())
def test_visible_is_blank_iff_is_blank(text: str) -> None:
    assert (visible(text) == "") == is_blank(text)
    assert visible(visible(text)) == visible(text)
