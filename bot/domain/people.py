"""A roster member as the bot knows them: who, where, which roles and tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain.auth import Role


class Row(Protocol):
    """A database row read by column name (sqlite3.Row, aiosqlite.Row)."""

    def __getitem__(self, key: str) -> Any: ...


@dataclass(frozen=True)
class Person:
    member_id: int
    employee_no: str
    name: str
    team_id: int
    team_name: str
    unit_id: int
    unit_name: str
    tg_user_id: int | None
    active: bool
    roles: frozenset[Role]
    tags: tuple[str, ...]

    @classmethod
    def from_row(cls, row: Row) -> Person:
        return cls(
            member_id=row["id"],
            employee_no=row["employee_no"],
            name=row["name"],
            team_id=row["team_id"],
            team_name=row["team_name"],
            unit_id=row["unit_id"],
            unit_name=row["unit_name"],
            tg_user_id=row["tg_user_id"],
            active=bool(row["active"]),
            roles=frozenset(Role(r) for r in (row["roles"] or "").split(",") if r),
            tags=tuple(sorted(t for t in (row["tags"] or "").split(",") if t)),
        )
