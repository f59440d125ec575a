"""Leave asked ahead: types and day ranges as workers write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.conversation import Conversation
from bot.domain.flowstate import StaleState, dump, load
from bot.domain.leave import Draft, Refusal, RefuseStep, Step
from bot.domain.leave_rules import (
    LeaveError,
    LeaveStatus,
    LeaveType,
    cancellable,
    covers,
    local_day,
    overlaps,
    parse_days,
    parse_type,
    utc_bounds,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("今天", date(2026, 12, 2), date(2026, 12, 2)),
        ("明天", date(2026, 12, 3), date(2026, 12, 3)),
        ("后天", date(2026, 12, 4), date(2026, 12, 4)),
        ("12-05", date(2026, 12, 5), date(2026, 12, 5)),
        ("2026-12-05", date(2026, 12, 5), date(2026, 12, 5)),
        ("12月5日", date(2026, 12, 5), date(2026, 12, 5)),
        ("5号", date(2026, 12, 5), date(2026, 12, 5)),
        ("12-05至12-07", date(2026, 12, 5), date(2026, 12, 7)),
        ("12月5日到7日", date(2026, 12, 5), date(2026, 12, 7)),
        ("12-05 ~ 12-07", date(2026, 12, 5), date(2026, 12, 7)),
        ("明天到后天", date(2026, 12, 3), date(2026, 12, 4)),
        ("12-30至01-02", date(2026, 12, 30), date(2027, 1, 2)),
        ("01-03", date(2027, 1, 3), date(2027, 1, 3)),
        ("１２－０５", date(2026, 12, 5), date(2026, 12, 5)),
    ],
)
def test_days(text: str, first: date, last: date) -> None:
    assert parse_days(text, TODAY) == (first, last)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("昨天", "bad_date"),
        ("13-01", "bad_date"),
        ("02-30", "bad_date"),
        ("下礼拜", "bad_date"),
        ("2026-11-30", "past"),
        ("12-07至2026-12-05", "reversed"),
        ("12-07至12-05", "reversed"),
        ("12月7日到5日", "reversed"),
        ("12-01至12-05", "past"),
        ("12-03至2027-03-01", "too_long"),
    ],
)
def test_bad_days(text: str, code: str) -> None:
    with pytest.raises(LeaveError) as err:
        parse_days(text, TODAY)
    assert err.value.code == code


def test_types() -> None:
    assert parse_type("病假") is LeaveType.SICK
    assert parse_type(" 事假 ") is LeaveType.PERSONAL
    assert parse_type("公休") is LeaveType.OFFICIAL
    assert parse_type("其他") is LeaveType.OTHER
    assert parse_type("sick") is LeaveType.SICK
    with pytest.raises(LeaveError) as err:
        parse_type("旷工")
    assert err.value.code == "bad_type"


def test_covers() -> None:
    assert covers(date(2026, 12, 5), date(2026, 12, 7), date(2026, 12, 7))
    assert not covers(date(2026, 12, 5), date(2026, 12, 7), date(2026, 12, 8))


def test_overlaps_share_a_day() -> None:
    d = date
    assert overlaps((d(2026, 12, 5), d(2026, 12, 7)), (d(2026, 12, 7), d(2026, 12, 9)))
    assert not overlaps((d(2026, 12, 5), d(2026, 12, 7)), (d(2026, 12, 8), d(2026, 12, 9)))
    assert overlaps((d(2026, 12, 1), d(2026, 12, 30)), (d(2026, 12, 8), d(2026, 12, 9)))


def test_cancellable_only_before_the_first_day_and_while_in_force() -> None:
    first = date(2026, 12, 5)
    assert cancellable(LeaveStatus.PENDING, first, date(2026, 12, 4))
    assert cancellable(LeaveStatus.APPROVED, first, date(2026, 12, 4))
    assert not cancellable(LeaveStatus.APPROVED, first, first)
    assert not cancellable(LeaveStatus.REFUSED, first, date(2026, 12, 1))
    assert not cancellable(LeaveStatus.CANCELLED, first, date(2026, 12, 1))


def test_local_days_and_their_utc_bounds() -> None:
    # 23:30 UTC on the 4th is 07:30 on the 5th in Shanghai
    assert local_day(datetime(2026, 12, 4, 23, 30, tzinfo=UTC), SHANGHAI) == date(2026, 12, 5)
    start, end = utc_bounds(date(2026, 12, 5), date(2026, 12, 6), SHANGHAI)
    assert start == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 6, 16, 0, tzinfo=UTC)


def test_draft_round_trips_and_refuses_shapes_it_cannot_be() -> None:
    draft = Draft(Step.CONFIRM, "2026-12-05", "2026-12-06", LeaveType.SICK, "发烧", "F1")
    conv = Conversation(1, 1, *dump(draft))
    assert load(Draft, conv) == draft and draft.usable()
    assert draft.first_day == date(2026, 12, 5) and draft.last_day == date(2026, 12, 6)
    assert isinstance(
        load(Draft, Conversation(1, 1, "leave_ahead", "nonsense", conv.data)), StaleState
    )
    assert isinstance(
        load(Draft, Conversation(1, 1, "leave_ahead", "note", {**conv.data, "kind": "旷工"})),
        StaleState,
    )
    assert isinstance(
        load(Draft, Conversation(1, 1, "leave_ahead", "note", {"first": 5, "v": 1})), StaleState
    )
    # Types fit, but the step lacks what it relies on: not usable (ended by the handler).
    assert not Draft(Step.CONFIRM, "2026-12-05", "2026-12-06").usable()  # no type yet
    assert not Draft(Step.TYPE).usable()
    assert not Draft(Step.TYPE, "12月5日", "2026-12-06").usable()
    assert Draft().usable()
    refusal = Refusal(RefuseStep.REASON, 7, 100, 5, photo=True)
    assert load(Refusal, Conversation(1, 1, *dump(refusal))) == refusal
    assert isinstance(
        load(
            Refusal,
            Conversation(
                1,
                1,
                "leave_refuse",
                "reason",
                {"v": 1, "leave_id": "x", "chat_id": 1, "message_id": 2},
            ),
        ),
        StaleState,
    )


def test_a_file_in_the_leave_flow() -> None:
    """What a photo, a document or a too-big photo does at each step (the rule file_step uses)."""
    from bot.domain.leave import MAX_PHOTO_MB, Draft, Problem, Step, with_file

    photo = ("file-1", 1000)
    assert with_file(Draft(), photo, None) == Problem("leave.bad.photo_days", {})
    assert with_file(Draft().at(Step.TYPE), photo, None) == Problem("leave.bad.photo_type", {})
    note = Draft().at(Step.NOTE, note="发烧")
    assert with_file(note, None, None) == Problem("leave.bad.document", {})
    big = ("file-2", MAX_PHOTO_MB * 1024 * 1024 + 1)
    assert with_file(note, big, None) == Problem("leave.bad.photo_big", {"mb": MAX_PHOTO_MB})
    kept = with_file(note, photo, "   ")
    assert isinstance(kept, Draft) and kept.note == "发烧" and kept.photo == "file-1"
    assert kept.step is Step.CONFIRM
    captioned = with_file(note, photo, " 病假条 ")
    assert isinstance(captioned, Draft) and captioned.note == "病假条"
    too_long = with_file(note, photo, "字" * 1000)
    assert isinstance(too_long, Problem) and too_long.key == "leave.bad.note_long"
