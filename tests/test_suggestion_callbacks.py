"""Suggestion buttons are typed and keep the strings they always had (a preview or a
reviewer's card already in a chat still works); anything that does not fit is Stale."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.callbacks import Stale, parse
from bot.services.suggestions import Move
from bot.views.suggestions import (
    OPEN,
    SAVE,
    DraftAct,
    DraftPress,
    OpenCard,
    ReviewPress,
    TopicPress,
)


@pytest.mark.parametrize("act", list(DraftAct))
def test_preview_buttons_keep_their_strings(act: DraftAct) -> None:
    arg = 3 if act is DraftAct.TOPIC else 0
    old = callbacks.encode("sgs", 1, 123456, act.value, arg)
    assert DraftPress(123456, act, arg).encode() == old
    assert parse(old, DraftPress) == DraftPress(123456, act, arg)


@pytest.mark.parametrize("move", list(Move))
def test_review_buttons_keep_their_strings(move: Move) -> None:
    old = callbacks.encode("sg", 1, 42, move.value, 0)
    assert ReviewPress(42, move).encode() == old
    assert parse(old, ReviewPress, OpenCard) == ReviewPress(42, move)


def test_a_duplicate_names_the_earlier_suggestion_and_open_asks_for_the_card() -> None:
    assert ReviewPress(42, Move.DUPLICATE, 7).encode() == "sg:v1:42:dup:7"
    assert OpenCard(42).encode() == "sg:v1:42:open:0"
    assert parse("sg:v1:42:open:0", ReviewPress, OpenCard) == OpenCard(42)
    assert TopicPress(42, 5, SAVE).encode() == "sgt:v1:42:5:99"
    assert TopicPress(42, 5, OPEN).encode() == "sgt:v1:42:5:98"


@pytest.mark.parametrize(
    "data",
    [
        "sgs:v1:0:submit:0",  # no nonce 0
        "sgs:v1:1000000:submit:0",  # beyond the nonces drafts are given
        "sgs:v1:5:publish:0",  # unknown act
        "sgs:v1:5:t:-1",  # a negative topic index
        "sgs:v1:5:t:100",
        "sgs:v1:5:submit",  # a part short
        "sgs:v2:5:submit:0",  # a version this code does not know
        "sgs:v1:5:submit:0:0",
        "sgs:v1:" + "9" * 70,
        None,
    ],
)
def test_forged_preview_presses_are_stale(data: str | None) -> None:
    assert isinstance(parse(data, DraftPress), Stale)


@pytest.mark.parametrize(
    "data",
    ["sg:v1:0:take:0", "sg:v1:42:steal:0", "sg:v1:42:open:1", "sg:v1:42:take:-1", "sg:v1:42:take"],
)
def test_forged_review_presses_are_stale(data: str) -> None:
    assert isinstance(parse(data, ReviewPress, OpenCard), Stale)
