"""Splitting a Telegram-HTML text into messages without cutting a tag or an entity.

Telegram limits a message to 4,096 characters of text *after* the markup is parsed, counted
in UTF-16 code units. `split_html` counts the same way, cuts at a line break where it can
(else a space, else between characters, never inside `&amp;` or a surrogate pair), closes
the tags open at the cut and opens them again at the start of the next piece, so bold text
or a link that spans the cut stays bold or a link in both messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TELEGRAM_LIMIT", "split_html", "visible_length"]

TELEGRAM_LIMIT = 4096
_TOKEN = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Tag:
    name: str
    opening: str


def _tag_name(tag: str) -> str:
    m = re.match(r"</?\s*([a-zA-Z0-9-]+)", tag)
    return m.group(1).lower() if m else ""


def visible_length(html: str) -> int:
    """The length Telegram counts: text and entities, tags not counted, in UTF-16 units."""
    n = 0
    for tok in _TOKEN.findall(html):
        if tok.startswith("<") and len(tok) > 1:
            continue
        n += 1 if tok.startswith("&") else _units(tok)
    return n


def _cut_point(text: str, budget: int) -> int:
    """Index in `text` to cut before, fitting `budget` UTF-16 units: after the last line
    break, else the last space, else as many characters as fit (0 if none does)."""
    fit = 0
    used = 0
    for i, ch in enumerate(text):
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > budget:
            break
        used += size
        fit = i + 1
    if fit == len(text):
        return fit
    for sep in ("\n", " "):
        at = text.rfind(sep, 0, fit)
        if at > 0:
            return at + 1
    return fit


def split_html(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of `html` each with at most `limit` visible characters and balanced tags."""
    if visible_length(html) <= limit:
        return [html]
    pieces: list[str] = []
    stack: list[_Tag] = []
    current: list[str] = []
    used = 0

    def flush() -> None:
        nonlocal current, used
        closing = "".join(f"</{t.name}>" for t in reversed(stack))
        body = "".join(current).rstrip("\n")
        if visible_length(body) and body.strip():
            pieces.append(body + closing)
        current = [t.opening for t in stack]
        used = 0

    for tok in _TOKEN.findall(html):
        if tok.startswith("<") and len(tok) > 1:
            name = _tag_name(tok)
            if tok.startswith("</"):
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i].name == name:
                        del stack[i]
                        break
            elif not tok.endswith("/>"):
                stack.append(_Tag(name, tok))
            current.append(tok)
            continue
        if tok.startswith("&") and len(tok) > 1:
            if used + 1 > limit:
                flush()
            current.append(tok)
            used += 1
            continue
        text = tok
        while text:
            room = limit - used
            size = _units(text)
            if size <= room:
                current.append(text)
                used += size
                break
            cut = _cut_point(text, room)
            if cut == 0 and used == 0:
                cut = 1  # a single character wider than the limit: never loop forever
            current.append(text[:cut])
            text = text[cut:]
            flush()
            text = text.lstrip("\n")
    flush()
    return pieces
