"""Notice buttons are typed and keep the strings they always had: a button already in a chat
(收到 on a notice sent last month, an author's status card) still works, and anything that
does not fit exactly is Stale, never guessed at."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.callbacks import Stale, parse
from bot.services.notices import batch_notice, notice_batch
from bot.views import notices as view
from bot.views.notices import AfterOp, ComposeAct, ComposePress, NoticeOp, NoticePage, PageOp


@pytest.mark.parametrize("act", list(ComposeAct))
def test_compose_presses_keep_their_strings(act: ComposeAct) -> None:
    old = callbacks.encode("ntc", 1, "c", "a1B2c3", act.value, 7)
    assert view.compose("a1B2c3", act, 7) == old
    assert parse(old, ComposePress, NoticeOp) == ComposePress("c", "a1B2c3", act, "7")


def test_the_where_step_carries_its_target() -> None:
    data = view.compose("n0nce", ComposeAct.WHERE, "both")
    assert data == "ntc:v1:c:n0nce:w:both"
    press = parse(data, ComposePress)
    assert isinstance(press, ComposePress) and press.arg == "both"


@pytest.mark.parametrize("op", list(AfterOp))
def test_after_sending_presses_keep_their_strings(op: AfterOp) -> None:
    old = callbacks.encode("ntc", 1, op.value, 42)
    assert view.after(op, 42) == old
    assert parse(old, ComposePress, NoticeOp) == NoticeOp(op, 42)


def test_picker_pages_are_not_taken_for_compose_presses() -> None:
    data = view.page("n0nce", PageOp.GO, "t", 3)
    assert data == "ntc:v1:c:n0nce:pg:t:3"
    assert isinstance(parse(data, ComposePress, NoticeOp), Stale)
    assert parse(data, NoticePage) == NoticePage("c", "n0nce", PageOp.GO, "t", 3)


@pytest.mark.parametrize(
    "data",
    [
        "ntc:v1:c:n0nce:zz:0",  # unknown act
        "ntc:v1:c:n0nce:ok",  # a part short
        "ntc:v1:c:n0nce:ok:0:1",  # a part too many
        "ntc:v2:c:n0nce:ok:0",  # a version this code does not know
        "ntc:v1:ack:0",  # no notice 0
        "ntc:v1:ack:-3",
        "ntc:v1:ack:99999999999999999999",  # beyond SQLite's integers
        "ntc:v1:drop:5",  # unknown operation
        "ntc:v1:st:5:6",
        "ntc:v1:c:" + "x" * 60 + ":ok:0",  # over 64 bytes
        "ntc:v1:c:n<b>:ok:0",  # not a plain token
        "",
        None,
    ],
)
def test_forged_or_stale_data_is_stale(data: str | None) -> None:
    assert isinstance(parse(data, ComposePress, NoticeOp), Stale)


def test_a_notice_batch_names_its_notice_and_nothing_else() -> None:
    assert notice_batch(12) == "notice:12"
    assert batch_notice("notice:12") == 12
    assert batch_notice("quiz:12") is None
    assert batch_notice("notice:") is None and batch_notice("notice:x") is None
