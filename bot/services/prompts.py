"""Pre-shift learning content (班前学习): load `data/prompts/*.toml`, pick the next item per team.

Rotation without stored state: a team's order is a deterministic shuffle of the catalogue
seeded by its id (categories interleaved, so consecutive prompts rarely share a topic), and the
next item is the first one in that order never shown to the team, else the one shown longest
ago. With a fixed catalogue that is a round-robin: every item once per cycle, no repeat within
a cycle, the same order each cycle. The only input is what was actually posted (the team's
history), so there is no second record that could disagree with it after a crash; a new item
added to the catalogue comes before any repeat; a removed one is simply never picked again.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

from bot.domain.prompts import Prompt as Prompt  # re-exported: the runner and tests
from bot.paths import DATA

PROMPTS = DATA / "prompts"
CATEGORIES = ("安全生产", "规章制度", "形势任务", "职业道德", "技能")
MAX_TITLE = 40
MAX_BODY = 300
MAX_QUESTION = 120
_ID = re.compile(r"^[a-z]{2}-\d{2,4}$")
_KEYS = {"id", "title", "body", "question"}


class PromptError(ValueError):
    """The prompt files are malformed; the message names file and item."""


def load_prompts(folder: Path = PROMPTS) -> tuple[Prompt, ...]:
    """Every prompt in `folder`, sorted by id; raises PromptError naming the first problem."""
    items: dict[str, Prompt] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise PromptError(f"{path.name}: not valid TOML: {exc}") from exc
        category = data.get("category")
        if category not in CATEGORIES:
            raise PromptError(f"{path.name}: category must be one of {', '.join(CATEGORIES)}")
        extra = set(data) - {"category", "prompt"}
        if extra:
            raise PromptError(f"{path.name}: unknown keys {', '.join(sorted(extra))}")
        for n, raw in enumerate(data.get("prompt", []), start=1):
            item = _check(path.name, n, category, raw)
            if item.id in items:
                raise PromptError(f"{path.name}: prompt #{n}: id {item.id} is used twice")
            items[item.id] = item
    if not items:
        raise PromptError(f"no prompts found in {folder}")
    return tuple(sorted(items.values(), key=lambda p: p.id))


def _check(file: str, n: int, category: str, raw: object) -> Prompt:
    where = f"{file}: prompt #{n}"
    if not isinstance(raw, dict):
        raise PromptError(f"{where}: must be a table")
    unknown = set(raw) - _KEYS
    if unknown:
        raise PromptError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    for key in ("id", "title", "body"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise PromptError(f"{where}: `{key}` is missing or empty")
    question = raw.get("question")
    if question is not None and (not isinstance(question, str) or not question.strip()):
        raise PromptError(f"{where}: `question` must be text")
    item = Prompt(
        id=raw["id"].strip(),
        category=category,
        title=raw["title"].strip(),
        body=raw["body"].strip(),
        question=question.strip() if question else None,
    )
    if not _ID.match(item.id):
        raise PromptError(f"{where}: id {item.id!r} must look like aq-01")
    for key, limit in (("title", MAX_TITLE), ("body", MAX_BODY), ("question", MAX_QUESTION)):
        value = getattr(item, key)
        if value is not None and len(value) > limit:
            raise PromptError(f"{where} ({item.id}): `{key}` longer than {limit} characters")
    return item


def team_order(prompts: Sequence[Prompt], team_id: int) -> list[Prompt]:
    """The team's fixed order: categories shuffled and spread evenly through the cycle."""
    rng = random.Random(f"banzu-prompts:{team_id}")  # str seeds are stable across runs
    by_category: dict[str, list[Prompt]] = {}
    for item in sorted(prompts, key=lambda p: p.id):
        by_category.setdefault(item.category, []).append(item)
    categories = sorted(by_category)
    rng.shuffle(categories)
    keyed: list[tuple[float, int, Prompt]] = []
    for rank, category in enumerate(categories):
        items = by_category[category]
        rng.shuffle(items)
        # Item i of a category of n sits at (i + 0.5) / n of the cycle: each topic evenly
        # spaced, whatever the category sizes.
        keyed += [((i + 0.5) / len(items), rank, item) for i, item in enumerate(items)]
    return [item for _, _, item in sorted(keyed, key=lambda k: (k[0], k[1]))]


def next_prompt(team_id: int, history: Sequence[str], prompts: Sequence[Prompt]) -> Prompt:
    """The item to post next to a team, given the ids already posted to it, oldest first.

    `history` needs to hold at least the team's last len(prompts) posts for the no-repeat
    guarantee; more is harmless.
    """
    if not prompts:
        raise PromptError("no prompts to choose from")
    last_seen = {pid: i for i, pid in enumerate(history)}
    order = team_order(prompts, team_id)
    for item in order:
        if item.id not in last_seen:
            return item
    return min(order, key=lambda p: last_seen[p.id])
