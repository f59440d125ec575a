"""The typed callback codec: round trips, limits, and forged data always decoding to Stale."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Annotated, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks
from bot.callbacks import INT64_MAX, Callback, Id, Int64, Mask, Range, Stale, Token, parse


class Act(StrEnum):
    IN = "in"
    LEAVE = "leave"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


@dataclass(frozen=True)
class Press(Callback, ns="tp", version=1):
    session: Id
    action: Act


@dataclass(frozen=True)
class Pick(Callback, ns="tq", version=2):
    item: Id
    mask: Annotated[int, Mask(10)]
    level: Level
    flag: bool
    delta: Int64
    page: Annotated[int, Range(0, 99)]
    nonce: Token


@dataclass(frozen=True)
class Merge(Callback, ns="tm", version=1):
    source: Id
    tag: Literal["dup"]
    target: Id


@dataclass(frozen=True)
class Open(Callback, ns="tm", version=1):
    source: Id
    tag: Literal["open"]
    arg: Annotated[int, Range(0, 0)]


def test_roundtrip_and_wire_format() -> None:
    press = Press(7, Act.IN)
    assert press.encode() == "tp:v1:7:in"
    assert parse("tp:v1:7:in", Press) == press
    pick = Pick(INT64_MAX, 1023, Level.HIGH, True, -5, 99, "a1")
    assert parse(pick.encode(), Pick) == pick


def test_the_first_fitting_kind_wins() -> None:
    assert parse("tm:v1:3:dup:4", Merge, Open) == Merge(3, "dup", 4)
    assert parse("tm:v1:3:open:0", Merge, Open) == Open(3, "open", 0)
    assert isinstance(parse("tm:v1:3:close:0", Merge, Open), Stale)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "tp",
        "tp:v2:7:in",  # an older or newer version is stale, not misread
        "tp:v1:7",
        "tp:v1:7:in:1",
        "xx:v1:7:in",
        "tp:v1:0:in",  # ids start at 1
        "tp:v1:-1:in",
        "tp:v1:99999999999999999999999:in",  # beyond SQLite's int64: never reaches a query
        "tp:v1:9223372036854775808:in",
        "tp:v1:007:in",
        "tp:v1:+7:in",
        "tp:v1: 7:in",
        "tp:v1:7:out",
        "tp:v1:7:IN",
    ],
)
def test_forged_or_stale_press(data: str | None) -> None:
    assert isinstance(parse(data, Press), Stale)


@pytest.mark.parametrize(
    "data",
    [
        "tq:v2:1:1024:1:1:0:0:a",  # mask beyond ten topics
        "tq:v2:1:-1:1:1:0:0:a",  # the forged "all topics" mask
        "tq:v2:1:1:3:1:0:0:a",  # no such level
        "tq:v2:1:1:1:2:0:0:a",  # bool is 0 or 1
        "tq:v2:1:1:1:1:0:100:a",  # page out of range
        "tq:v2:1:1:1:1:0:0:<b>",
    ],
)
def test_out_of_range_fields(data: str) -> None:
    assert isinstance(parse(data, Pick), Stale)


def test_encode_checks_length_and_ranges() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Pick(INT64_MAX, 1023, Level.HIGH, True, -(2**63), 99, "a" * 32).encode()
    with pytest.raises(ValueError):
        Press(0, Act.IN).encode()
    with pytest.raises(ValueError):
        Pick(1, 1024, Level.LOW, False, 0, 0, "a").encode()
    with pytest.raises(ValueError):
        Merge(1, "open", 2).encode()  # type: ignore[arg-type]


def test_mask_fits() -> None:
    assert Mask(3).fits(7) and not Mask(3).fits(8) and not Mask(3).fits(-1)


def test_unsupported_field_types_fail_at_first_use() -> None:
    @dataclass(frozen=True)
    class Bad(Callback, ns="tb"):
        value: float

    with pytest.raises(TypeError):
        Bad(1.0).encode()


@given(st.text(max_size=80))
def test_arbitrary_text_never_raises(data: str) -> None:
    for kinds in [(Press,), (Pick,), (Merge, Open)]:
        result = parse(data, *kinds)
        assert isinstance(result, Stale) or parse(result.encode(), *kinds) == result


@given(st.integers(), st.integers())
def test_arbitrary_ints_in_positions(session: int, other: int) -> None:
    result = parse(f"tm:v1:{session}:dup:{other}", Merge)
    in_range = 1 <= session <= INT64_MAX and 1 <= other <= INT64_MAX
    assert (result == Merge(session, "dup", other)) if in_range else isinstance(result, Stale)


def test_positional_int_part_is_range_checked() -> None:
    data = callbacks.decode("att:v1:99999999999999999999999:in", "att", 1, 2)
    assert data is not None and data.int_part(0) is None
    assert callbacks.decode("att:v1:42:in", "att", 1, 2).int_part(0) == 42  # type: ignore[union-attr]


def test_limits_are_telegrams_own() -> None:
    """The pure splitters cannot import Telegram (bot.domain stays pure): they must still use
    the limits PTB publishes, so a change there shows here."""
    from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

    from bot.domain import htmlsplit, textsplit
    from bot.services import notices

    assert textsplit.TELEGRAM_LIMIT == htmlsplit.TELEGRAM_LIMIT == MessageLimit.MAX_TEXT_LENGTH
    assert notices.CAPTION_LIMIT == MessageLimit.CAPTION_LENGTH
    assert callbacks.MAX_BYTES == InlineKeyboardButtonLimit.MAX_CALLBACK_DATA


def test_attendance_buttons_keep_their_wire_strings() -> None:
    """Buttons already in chats were written by the positional codec: the typed classes read
    and write exactly those strings, and a forged part is Stale."""
    from bot.callbacks import Stale, parse
    from bot.domain.attendance import Status
    from bot.views import attendance as v

    assert v.SessionPress(7, v.SessionAction.IN).encode() == "att:v1:7:in"
    assert parse("att:v1:7:leave", v.SessionPress) == v.SessionPress(7, v.SessionAction.LEAVE)
    assert parse("roll:v1:7:12", v.RollName, v.RollClose) == v.RollName(7, 12)
    assert parse("roll:v1:7:close", v.RollName, v.RollClose) == v.RollClose(7)
    assert v.PickStatus(7, 12, Status.LEAVE).encode() == "rollset:v1:7:12:leave"
    assert parse("rollset:v1:7:12:back", v.PickStatus, v.PickBack) == v.PickBack(7, 12)
    assert v.MakeupDecision(3, "y").encode() == "mk:v1:3:y"
    assert parse("lv:v1:3:n", v.LeaveDecision) == v.LeaveDecision(3, "n")
    for forged in ("roll:v1:7:0", "rollset:v1:7:12:gone", "lv:v1:-3:y", "att:v1:7:out"):
        kinds = (v.RollName, v.RollClose, v.PickStatus, v.PickBack, v.LeaveDecision, v.SessionPress)
        assert isinstance(parse(forged, *kinds), Stale), forged
