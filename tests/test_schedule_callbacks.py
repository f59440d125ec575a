"""The schedule buttons (sch, schf) and the pre-shift buttons (pre) as typed Callbacks: every
button keeps the exact string it had as positional data, so buttons already in chats still
work, and anything else — an unknown action or purpose, a 0 or too-large id, a nonce out of
range, a part too many or too few, data over 64 bytes — is Stale. The creation flow's draft
stores and loads typed, and a draft stored before keeps loading."""

from __future__ import annotations

import pytest

from bot.callbacks import Callback, Stale, parse
from bot.domain.conversation import Conversation
from bot.domain.flowstate import StaleState, dump, load
from bot.domain.schedules import Purpose, ScheduleDraft, ScheduleStep, Scope
from bot.texts import Texts
from bot.views import preshift as pv
from bot.views import schedules as v

BIG = 2**63 - 1
HUGE = "99999999999999999999999"

# (the press, the string its button always carried)
OLD_STRINGS: list[tuple[Callback, str]] = [
    (v.NewSchedule(), "sch:v1:new:0"),
    (v.ListPage(0), "sch:v1:page:0"),
    (v.ListPage(3), "sch:v1:page:3"),
    (v.SchedulePress(v.AdminAct.PAUSE, 7), "sch:v1:pause:7"),
    (v.SchedulePress(v.AdminAct.RESUME, 7), "sch:v1:resume:7"),
    (v.SchedulePress(v.AdminAct.DELETE, 7), "sch:v1:del:7"),
    (v.SchedulePress(v.AdminAct.CONFIRM_DELETE, BIG), f"sch:v1:delok:{BIG}"),
    *[(v.PurposePress(4242, p), f"schf:v1:4242:purpose:{p.value}") for p in Purpose],
    (v.FlowPress(4242, v.FlowAct.SKIP), "schf:v1:4242:skip:0"),
    (v.FlowPress(1, v.FlowAct.SAVE), "schf:v1:1:save:0"),
    (v.FlowPress(999_999, v.FlowAct.CANCEL), "schf:v1:999999:cancel:0"),
    (pv.PreshiftPress(pv.PreAct.ACK, 12, 3), "pre:v1:ack:12:3"),
    (pv.PreshiftPress(pv.PreAct.WHO, 12, 3), "pre:v1:who:12:3"),
    (pv.PreshiftPress(pv.PreAct.NUDGE, BIG, BIG), f"pre:v1:nudge:{BIG}:{BIG}"),
]
KINDS: dict[str, tuple[type[Callback], ...]] = {
    "sch": v.ADMIN_PRESSES,
    "schf": v.FLOW_PRESSES,
    "pre": (pv.PreshiftPress,),
}


@pytest.mark.parametrize(("press", "old"), OLD_STRINGS, ids=[o for _, o in OLD_STRINGS])
def test_each_button_keeps_its_old_string_and_decodes_back(press: Callback, old: str) -> None:
    assert press.encode() == old
    assert parse(old, *KINDS[press.ns]) == press


@pytest.mark.parametrize(
    "forged",
    [
        "sch:v1:zap:1",  # no such action
        "sch:v1:pause:0",  # row ids start at 1
        "sch:v1:del:-3",
        f"sch:v1:del:{HUGE}",  # beyond what SQLite stores
        "sch:v1:delok:007",
        "sch:v1:page:-1",
        "sch:v1:page:10000",
        "sch:v1:new:1",  # ➕ carries a 0
        "sch:v1:new",
        "sch:v1:pause:7:8",  # a part too many
        "sch:v2:pause:7",
        "schf:v1:0:save:0",  # nonces are 1 … 999999
        "schf:v1:1000000:save:0",
        f"schf:v1:{HUGE}:save:0",
        "schf:v1:5:purpose:bogus",
        "schf:v1:5:purpose:0",
        "schf:v1:5:save:1",
        "schf:v1:5:save",
        "schf:v1:5:zap:0",
        "schf:v1:x:skip:0",
        "pre:v1:zap:1:1",
        "pre:v1:ack:0:1",
        f"pre:v1:ack:{HUGE}:1",
        f"pre:v1:who:1:{HUGE}",
        "pre:v1:ack:1",
        "pre:v1:ack:1:1:1",
        "pre:v2:ack:1:1",
        "sch:v1:page:" + "1" * 60,  # over 64 bytes
        "schf:v1:5:purpose:" + "x" * 60,
        "pre:v1:ack:1:" + "1" * 60,
        "",
        None,
    ],
)
def test_a_forged_press_is_stale(forged: str | None) -> None:
    for kinds in KINDS.values():
        assert isinstance(parse(forged, *kinds), Stale), forged


def test_the_post_buttons_decode() -> None:
    """The keyboards build only data their handler reads back (the largest ids)."""
    texts = Texts()
    rows = pv.markup(texts, BIG, BIG, group=True)["inline_keyboard"]
    data = [b["callback_data"] for row in rows for b in row]
    data += [
        str(b.callback_data)
        for row in pv.nudge_markup(texts, "zh-CN", BIG, BIG).inline_keyboard
        for b in row
    ]
    assert len(data) == 3
    for d in data:
        assert isinstance(parse(d, pv.PreshiftPress), pv.PreshiftPress), d


def test_the_draft_stores_and_loads_typed() -> None:
    d = ScheduleDraft(ScheduleStep.CONFIRM, 77, Purpose.MEETING, Scope.TEAM, None, 3,
                      "weekly tue 14:00", "例会", "")  # fmt: skip
    flow, step, data = dump(d)
    assert (flow, step, data["v"], data["purpose"]) == ("schedule", "confirm", 1, "meeting")
    assert load(ScheduleDraft, Conversation(1, 1, flow, step, data)) == d


def test_a_draft_stored_before_still_loads() -> None:
    """The row as the code stored it before this move: same flow, version and fields."""
    row = {"v": 1, "nonce": 5, "purpose": "preshift", "scope": "unit", "unit_id": 2,
           "team_id": None, "rule": "daily 07:30", "title": "", "body": ""}  # fmt: skip
    loaded = load(ScheduleDraft, Conversation(1, 1, "schedule", "rule", row))
    assert loaded == ScheduleDraft(ScheduleStep.RULE, 5, Purpose.PRESHIFT, Scope.UNIT, 2,
                                   None, "daily 07:30")  # fmt: skip


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("rule", {"nonce": 5, "purpose": "meeting", "scope": "all"}),  # untyped: no version
        ("rule", {"v": 1, "nonce": 5, "purpose": "lecture"}),  # no such purpose
        ("done", {"v": 1, "nonce": 5}),  # no such step
        ("rule", {"v": 1, "nonce": "5"}),
        ("rule", {"v": 1, "nonce": 5, "extra": 1}),
        ("rule", {"v": 2, "nonce": 5}),
    ],
)
def test_a_row_that_does_not_fit_is_stale(step: str, data: dict[str, object]) -> None:
    conv = Conversation(1, 1, "schedule", step, dict(data))
    assert isinstance(load(ScheduleDraft, conv), StaleState)
