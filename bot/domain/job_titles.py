"""职务 (an HR job title) → the roles and tags it implies, from `data/org/job_titles.toml`.

HR rosters say what a person *is* ("综采一队队长", "蒸发一班副班长"), not what they may do in
Banzu. A title maps when it equals a known word or ends with one; the longest match wins
("工会小组长" is union staff, not a team leader through "组长"). Unknown titles mean worker:
the title column is free text, so an unknown word is not an error.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.domain.text import visible
from bot.paths import DATA

JOB_TITLES = DATA / "org" / "job_titles.toml"

StaffAs = Literal["tag", "admin"]

_SPLIT = re.compile(r"[;；、,，/／|\s]|兼")
# "（主持工作）", "(代)", "[见习]" qualify a title without changing it.
_QUALIFIER = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")


@dataclass(frozen=True)
class TitleMap:
    roles: dict[str, str]  # word → role code
    staff: dict[str, str]  # word → tag
    # staff tags that make their holder an admin where the site says so (书记, 政工 — not 安全员)
    admin_tags: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path = JOB_TITLES) -> TitleMap:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        roles = {word: role for role, words in raw.get("roles", {}).items() for word in words}
        admin_tags = frozenset(raw.get("staff_admins", {}).get("tags", []))
        return cls(roles=roles, staff=dict(raw.get("staff", {})), admin_tags=admin_tags)


@dataclass(frozen=True)
class TitleMeaning:
    roles: frozenset[str]
    tags: tuple[str, ...]


def _words(title: str) -> list[str]:
    text = unicodedata.normalize("NFKC", visible(title))
    text = _QUALIFIER.sub("", text)
    return [w for w in (visible(p) for p in _SPLIT.split(text)) if w]


def _match(word: str, table: dict[str, str]) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for known, value in table.items():
        if word.endswith(known) and (best is None or len(known) > best[0]):
            best = (len(known), value)
    return best


def meaning(title: str, titles: TitleMap, staff_as: StaffAs = "tag") -> TitleMeaning:
    """Roles and tags a 职务 cell implies; worker when nothing matches.

    A cell may hold several titles ("班长兼安全员", "书记、主任"): each counts.
    """
    roles: set[str] = set()
    tags: list[str] = []
    for word in _words(title):
        role = _match(word, titles.roles)
        staff = _match(word, titles.staff)
        if staff is not None and (role is None or staff[0] >= role[0]):
            if staff_as == "admin" and staff[1] in titles.admin_tags:
                roles.add("admin")
            if staff[1] not in tags:
                tags.append(staff[1])
        elif role is not None:
            roles.add(role[1])
    return TitleMeaning(frozenset(roles or {"worker"}), tuple(tags))
