"""Typed conversation state: round trip, and every stale shape refused (never half-filled)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.db import Database
from bot.domain.conversation import Conversation
from bot.domain.flowstate import FlowState, StaleState, dump, load
from bot.repos.conversations import ConversationsRepo


class Step(StrEnum):
    TEXT = "text"
    PREVIEW = "preview"


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Inner:
    a: int
    b: str | None = None


@dataclass(frozen=True)
class Draft(FlowState, flow="test_draft", version=2):
    step: Step
    nonce: int
    text: str = ""
    photos: tuple[str, ...] = ()
    pair: tuple[int, int] | None = None
    ratio: float = 0.0
    pin: bool = False
    colour: Colour | None = None
    inner: Inner | None = None
    tags: dict[str, int] | None = None


def row(state: FlowState) -> Conversation:
    flow, step, data = dump(state)
    # through JSON, as the table stores it
    return Conversation(1, 1, flow, step, json.loads(json.dumps(data)))


def test_round_trip_of_every_field_type() -> None:
    d = Draft(
        Step.PREVIEW,
        7,
        "建议",
        ("p1", "p2"),
        (3, 4),
        0.5,
        True,
        Colour.RED,
        Inner(1, "x"),
        {"k": 2},
    )
    assert load(Draft, row(d)) == d
    assert load(Draft, row(Draft(Step.TEXT, 1))) == Draft(Step.TEXT, 1)


def test_stored_shape() -> None:
    flow, step, data = dump(Draft(Step.TEXT, 5, photos=("a",)))
    assert (flow, step) == ("test_draft", "text")
    assert data["v"] == 2 and data["photos"] == ["a"] and data["nonce"] == 5


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"v": 1}, "another version"),
        ({"v": None}, "another version"),
        ({"extra": 1}, "unknown fields"),
        ({"nonce": "5"}, "nonce"),
        ({"nonce": True}, "nonce"),
        ({"pin": 1}, "pin"),
        ({"photos": "abc"}, "photos"),
        ({"photos": [1]}, "photos"),
        ({"pair": [1, 2, 3]}, "pair"),
        ({"colour": "blue"}, "colour"),
        ({"inner": {"a": "x"}}, "inner"),
        ({"inner": {"a": 1, "zz": 2}}, "inner"),
        ({"tags": {"k": "v"}}, "tags"),
        ({"text": None}, "text"),
    ],
)
def test_a_stale_shape_is_refused(change: dict[str, object], reason: str) -> None:
    conv = row(Draft(Step.TEXT, 5))
    broken = Conversation(1, 1, conv.flow, conv.step, {**conv.data, **change})
    got = load(Draft, broken)
    assert isinstance(got, StaleState)
    assert reason in got.reason


def test_missing_required_field_unknown_step_and_other_flow() -> None:
    conv = row(Draft(Step.TEXT, 5))
    no_nonce = {k: v for k, v in conv.data.items() if k != "nonce"}
    assert isinstance(load(Draft, Conversation(1, 1, conv.flow, "text", no_nonce)), StaleState)
    assert isinstance(load(Draft, Conversation(1, 1, conv.flow, "gone", conv.data)), StaleState)
    assert isinstance(load(Draft, Conversation(1, 1, "other", "text", conv.data)), StaleState)
    # a pre-typed row (no "v") is stale, not guessed at
    assert isinstance(load(Draft, Conversation(1, 1, conv.flow, "text", {"nonce": 5})), StaleState)


@given(st.dictionaries(st.text(max_size=8), st.none() | st.integers() | st.text(max_size=8)))
def test_load_never_raises(data: dict[str, object]) -> None:
    got = load(Draft, Conversation(1, 1, "test_draft", "text", {"v": 2, **data}))
    assert isinstance(got, Draft | StaleState)


def test_a_class_needs_an_enum_step() -> None:
    @dataclass(frozen=True)
    class NoEnum(FlowState, flow="bad"):
        step: str

    with pytest.raises(TypeError):
        load(NoEnum, Conversation(1, 1, "bad", "x", {"v": 1}))


async def test_repo_put_state_and_a_stale_row_is_ended(tmp_path: Path) -> None:
    db = Database(tmp_path / "t.db")
    await db.open()
    try:
        repo = ConversationsRepo(db)
        await repo.put(5, 5, Draft(Step.TEXT, 9, "x"))
        assert await repo.state(5, 5, Draft) == Draft(Step.TEXT, 9, "x")
        # the same flow, stored by older code: ended, not read
        await repo.set(5, 5, "test_draft", "text", {"nonce": 9})
        assert await repo.state(5, 5, Draft) is None
        assert await repo.get(5, 5) is None
        fresh = ConversationsRepo(db)  # and gone from the table, not only the cache
        assert await fresh.get(5, 5) is None
        # another flow in progress is not touched
        await repo.set(5, 5, "other", "s", {})
        assert await repo.state(5, 5, Draft) is None
        assert await repo.get(5, 5) is not None
    finally:
        await db.close()
