"""What counts as text a person actually wrote.

A modified client, a copy from a web page or an IME can produce strings that look empty but are
not: zero-width spaces, joiners, BOMs, bidi marks, Hangul fillers, Braille blanks. A notice or a
pledge made only of those would go out blank, and a name made of them would be unreadable in
every list. Every entry point asks `is_blank` (or uses `visible`) instead of `str.strip()`.
"""

from __future__ import annotations

import unicodedata

# Characters that render as nothing or as a blank but are not Unicode whitespace or
# format characters (category Cf): fillers used exactly to fake an empty name.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")


def _invisible(ch: str) -> bool:
    if ch.isspace() or ch in _BLANK_LOOKING:
        return True
    category = unicodedata.category(ch)
    # Cf: format (ZWSP, ZWJ, BOM, bidi marks, tags); Cc: controls; Zs/Zl/Zp: separators that
    # str.isspace misses; Mn alone cannot be seen (a lone combining mark on nothing).
    return category in ("Cf", "Cc", "Zs", "Zl", "Zp")


def is_blank(text: str | None) -> bool:
    """True when nothing in the text would be visible to a reader."""
    return text is None or all(_invisible(ch) for ch in text)


def visible(text: str | None) -> str:
    """The text without invisible characters at its ends; "" when it is blank-looking.

    Only the ends are trimmed: inside a word a ZWJ can be part of an emoji, and the text is
    stored as the person wrote it.
    """
    if text is None:
        return ""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]
