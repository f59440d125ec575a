"""Pickers that stay usable at any size: a page of at most `PAGE_SIZE` rows, ◀ n/m ▶ under it,
and a "search by name" step where the person types part of a name.

Telegram refuses a keyboard of more than 100 buttons ("reply markup is too long") and a phone
shows about ten rows at once; a salt works has 150 teams. Every picker that can grow with the
site (teams, units, tags, people) renders through `keyboard`, so its size is bounded by the
page, never by the site. The caller owns the callback data: `nav(n)` is the data of "show page
n", `search` the data of "search by name", `clear` the data of "show all again" — typed
callbacks of the caller's namespace, so a forged page number is the codec's business."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.paging import Page as Page  # re-exported: callers of paginate import it here
from bot.domain.text import visible
from bot.texts import Texts

PAGE_SIZE = 8
# a page number in callback data is bounded by the codec; this keeps it in that range
MAX_PAGE = 9999
QUERY_MAX = 30  # characters of a search kept (a name is short; never echo unbounded input)

T = TypeVar("T")
Button = InlineKeyboardButton


@dataclass(frozen=True)
class Option:
    """One row of a picker: what it shows and the callback data of choosing it."""

    label: str
    data: str


def paginate(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page `number` of `items`; a number past either end shows the nearest page (a list can
    shrink between the page being shown and its ▶ being pressed)."""
    pages = max(1, -(-len(items) // size))
    number = min(max(number, 0), pages - 1, MAX_PAGE)
    start = number * size
    return Page(tuple(items[start : start + size]), number, pages, len(items))


def fold(text: str) -> str:
    """A name as a search compares it: full-width → half-width, case and invisible
    characters, spaces and the separators people leave out ("一分场·蒸发一班") dropped."""
    folded = unicodedata.normalize("NFKC", visible(text)).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "·・.-_/、，,")


def clean_query(text: str) -> str:
    """What a person typed as a search, bounded; empty if nothing visible."""
    return visible(text).strip()[:QUERY_MAX]


def matching(items: Iterable[T], query: str, name: Callable[[T], str]) -> list[T]:
    """The items whose name contains every word of `query` (in any order)."""
    words = [fold(w) for w in query.split()]
    words = [w for w in words if w]
    if not words:
        return list(items)
    return [item for item in items if all(w in fold(name(item)) for w in words)]


def caption(texts: Texts, lang: str | None, page: Page[object], query: str = "") -> str:
    """The line above a picker: which page of how many, or what a search found."""
    if query:
        if not page.total:
            return texts.get("paging.no_match", lang, query=query)
        return texts.get(
            "paging.found", lang, query=query, total=page.total, page=page.number + 1,
            pages=page.pages,
        )  # fmt: skip
    if page.pages == 1:
        return texts.get("paging.all", lang, total=page.total)
    return texts.get("paging.page", lang, page=page.number + 1, pages=page.pages, total=page.total)


def keyboard(
    texts: Texts,
    lang: str | None,
    options: Sequence[Option],
    page: Page[object],
    *,
    nav: Callable[[int], str],
    search: str | None = None,
    clear: str | None = None,
    query: str = "",
    tail: Sequence[Sequence[InlineKeyboardButton]] = (),
) -> InlineKeyboardMarkup:
    """The page's options, one per row, then ◀ n/m ▶ (wrapping round, so no button is ever
    dead), then "search by name" (or "show all" while a search is shown), then `tail`."""
    if len(options) > PAGE_SIZE:
        raise ValueError(f"{len(options)} options on one page (at most {PAGE_SIZE})")
    rows: list[list[InlineKeyboardButton]] = [
        [Button(o.label, callback_data=o.data)] for o in options
    ]
    if page.pages > 1:
        last = page.pages - 1
        rows.append([
            Button("◀", callback_data=nav(page.number - 1 if page.number else last)),
            Button(f"{page.number + 1}/{page.pages}", callback_data=nav(page.number)),
            Button("▶", callback_data=nav(page.number + 1 if page.number < last else 0)),
        ])  # fmt: skip
    if query and clear is not None:
        rows.append([Button(texts.plain("paging.clear", lang), callback_data=clear)])
    if search is not None and (page.pages > 1 or query):
        rows.append([Button(texts.plain("paging.search", lang), callback_data=search)])
    rows.extend(list(r) for r in tail)
    return InlineKeyboardMarkup(rows)
