"""A page of a longer list: the items shown, which page it is of how many, and how many items
there are in all. Pure data, so that a use case can return one (the /pledges overview) without
its outcome depending on the pickers of `bot.views.paging` that render it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True)
class Page(Generic[T_co]):
    items: tuple[T_co, ...]
    number: int  # 0-based, always within 0 … pages - 1
    pages: int
    total: int
