"""The organisation's shape: units (分场, 车间) and their teams (班组)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.people import Row


@dataclass(frozen=True)
class Unit:
    id: int
    name: str


@dataclass(frozen=True)
class Team:
    id: int
    unit_id: int
    unit_name: str
    name: str
    invite_code: str

    @classmethod
    def from_row(cls, row: Row) -> Team:
        return cls(row["id"], row["unit_id"], row["unit_name"], row["name"], row["invite_code"])
