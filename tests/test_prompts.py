"""Pre-shift prompts: the shipped content is valid, malformed files are refused, and the
rotation never repeats an item within a cycle."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.prompts import (
    CATEGORIES,
    MAX_BODY,
    Prompt,
    PromptError,
    load_prompts,
    next_prompt,
    team_order,
)

PROMPTS = load_prompts()


def run(team_id: int, prompts: tuple[Prompt, ...] | list[Prompt], n: int,
        history: list[str] | None = None, window: int | None = None) -> list[str]:  # fmt: skip
    """Post n prompts to a team, feeding back what was posted (optionally only the last
    `window` posts, as the repository would)."""
    history = list(history or [])
    for _ in range(n):
        shown = history[-window:] if window else history
        history.append(next_prompt(team_id, shown, prompts).id)
    return history


def test_shipped_content() -> None:
    assert len(PROMPTS) >= 60
    per_category = Counter(p.category for p in PROMPTS)
    assert set(per_category) == set(CATEGORIES)
    assert min(per_category.values()) >= 12
    assert len({p.id for p in PROMPTS}) == len(PROMPTS)
    assert len({p.body for p in PROMPTS}) == len(PROMPTS)
    for p in PROMPTS:
        assert p.title and p.body and len(p.body) <= MAX_BODY
        assert any("\u4e00" <= ch <= "\u9fff" for ch in p.body)  # written in Chinese


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


ITEM = '[[prompt]]\nid = "aq-01"\ntitle = "标题"\nbody = "内容。"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('category = "安全"\n' + ITEM, "category must be one of"),
        ('category = "安全生产"\n' + ITEM + ITEM, "used twice"),
        ('category = "安全生产"\n[[prompt]]\nid = "aq-01"\ntitle = "t"\n', "`body` is missing"),
        (
            'category = "安全生产"\n[[prompt]]\nid = "x1"\ntitle = "t"\nbody = "b"\n',
            "must look like",
        ),
        ('category = "安全生产"\n' + ITEM + 'answer = "x"\n', "unknown keys answer"),
        ('category = "安全生产"\n' + ITEM.replace("内容。", "长" * 301), "longer than 300"),
        ('category = "安全生产"\nprompts = []\n', "unknown keys prompts"),
        ('category = "安全生产"\n[[prompt]\n', "not valid TOML"),
        ('category = "安全生产"\n', "no prompts found"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "a.toml", text)
    with pytest.raises(PromptError, match=re.escape(message)):
        load_prompts(tmp_path)


def test_id_unique_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", 'category = "安全生产"\n' + ITEM)
    write(tmp_path, "b.toml", 'category = "技能"\n' + ITEM)
    with pytest.raises(PromptError, match=r"b\.toml.*used twice"):
        load_prompts(tmp_path)


def test_order_interleaves_categories_and_differs_by_team() -> None:
    orders = [team_order(PROMPTS, team) for team in range(1, 41)]
    for order in orders:
        assert sorted(p.id for p in order) == sorted(p.id for p in PROMPTS)
        cats = [p.category for p in order]
        assert all(a != b for a, b in itertools.pairwise(cats))
    assert len({tuple(p.id for p in o) for o in orders}) == len(orders)
    assert team_order(PROMPTS, 7) == team_order(tuple(reversed(PROMPTS)), 7)  # stable


def test_full_cycle_without_repeat_then_same_order() -> None:
    n = len(PROMPTS)
    shown = run(3, PROMPTS, 3 * n)
    assert len(set(shown[:n])) == n
    assert shown[n : 2 * n] == shown[:n] == shown[2 * n :]


def test_new_item_comes_before_any_repeat() -> None:
    base = PROMPTS[:20]
    shown = run(5, base, 12)
    new = Prompt("zz-01", "技能", "新内容", "新加的一条。")
    more = run(5, (*base, new), 9, history=shown)[12:]
    assert "zz-01" in more and len(set(more)) == 9 and not set(more) & set(shown)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 10_000),
    st.sets(st.integers(0, len(PROMPTS) - 1), min_size=1, max_size=30),
    st.integers(0, 40),
)
def test_no_repeat_within_a_cycle(team_id: int, picks: set[int], extra: int) -> None:
    prompts = [PROMPTS[i] for i in sorted(picks)]
    n = len(prompts)
    shown = run(team_id, prompts, 2 * n + extra, window=n)  # the repo gives the last n posts
    for start in range(len(shown) - n + 1):
        assert len(set(shown[start : start + n])) == n  # any n in a row: all different


def test_removed_item_is_not_picked() -> None:
    shown = run(9, PROMPTS, 5)
    rest = tuple(p for p in PROMPTS if p.id != shown[0])
    assert all(pid != shown[0] for pid in run(9, rest, len(rest), history=shown)[5:])


def test_empty_catalogue() -> None:
    with pytest.raises(PromptError):
        next_prompt(1, [], [])
