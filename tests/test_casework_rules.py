"""The one access rule of confidential requests, as a table; states; the author's stand-ins."""

from __future__ import annotations

import secrets
from datetime import date

import pytest

from bot.domain.auth import Role
from bot.domain.casework import (
    Act,
    Facts,
    State,
    Viewer,
    after_assignment,
    author_tag,
    can_move,
    case_key,
    may,
    seal,
    unseal,
)
from bot.domain.talks import TalkCategory, TalkError, TalkProblem, due_for_reminder, parse_talk

ME = 42
W, TL, UL, AD = Role.WORKER, Role.TEAM_LEADER, Role.UNIT_LEADER, Role.ADMIN
UNION = frozenset({"工会"})

# (who, roles, tags, assigned?, author?) -> the acts allowed; every act not listed is refused.
CONTENT = {Act.SEE_CONTENT, Act.REPLY, Act.MOVE}
ADMIN_ONLY = {Act.SEE_META, Act.ASSIGN, Act.SEE_AUDIT}
TABLE: list[tuple[str, frozenset[Role], frozenset[str], bool, bool, set[Act]]] = [
    ("worker", frozenset({W}), frozenset(), False, False, set()),
    ("worker, author", frozenset({W}), frozenset(), False, True, {Act.SEE_OWN}),
    ("worker assigned by mistake", frozenset({W}), frozenset(), True, False, set()),
    ("team leader", frozenset({W, TL}), frozenset(), False, False, set()),
    ("unit leader", frozenset({UL}), frozenset(), False, False, set()),
    ("unit leader assigned", frozenset({UL}), frozenset(), True, False, set()),
    ("union staff", frozenset({W}), UNION, False, False, set()),
    ("union staff assigned", frozenset({W}), UNION, True, False, CONTENT),
    ("union staff assigned, author", frozenset({W}), UNION, True, True, CONTENT | {Act.SEE_OWN}),
    ("admin", frozenset({AD}), frozenset(), False, False, ADMIN_ONLY),
    ("admin assigned", frozenset({AD}), frozenset(), True, False, ADMIN_ONLY | CONTENT),
    ("admin and leader", frozenset({AD, UL}), frozenset(), False, False, ADMIN_ONLY),
    ("nobody (no roles)", frozenset(), frozenset(), True, False, set()),
]


@pytest.mark.parametrize(("who", "roles", "tags", "assigned", "author", "allowed"), TABLE)
def test_access_table(
    who: str,
    roles: frozenset[Role],
    tags: frozenset[str],
    assigned: bool,
    author: bool,
    allowed: set[Act],
) -> None:
    viewer = Viewer(ME, roles, tags)
    facts = Facts(frozenset({ME, 7}) if assigned else frozenset({7}), viewer_is_author=author)
    got = {act for act in Act if may(viewer, act, facts)}
    assert got == allowed, who


def test_states() -> None:
    assert can_move(State.ASSIGNED, State.IN_PROGRESS)
    assert can_move(State.IN_PROGRESS, State.RESOLVED)
    assert can_move(State.RESOLVED, State.IN_PROGRESS)  # reopened
    assert not can_move(State.RESOLVED, State.RESOLVED)
    assert not can_move(State.RECEIVED, State.RESOLVED)  # nobody handled it
    assert after_assignment(State.RECEIVED, 1) is State.ASSIGNED
    assert after_assignment(State.ASSIGNED, 0) is State.RECEIVED
    assert after_assignment(State.IN_PROGRESS, 0) is State.IN_PROGRESS


def test_seal_round_trip_and_tamper() -> None:
    key = case_key("123:TOKEN")
    nonce = secrets.token_bytes(16)
    sealed = seal(key, 100003, nonce)
    assert unseal(key, sealed) == 100003
    assert unseal(case_key("other"), sealed) is None
    flipped = bytearray(sealed)
    flipped[20] ^= 1
    assert unseal(key, bytes(flipped)) is None
    assert unseal(key, sealed[:-1]) is None
    # Fresh nonces: the same chat sealed twice gives unrelated bytes (no equality to match).
    again = seal(key, 100003, secrets.token_bytes(16))
    assert again != sealed and again[16:24] != sealed[16:24]
    assert (100003).to_bytes(8, "big") not in sealed
    with pytest.raises(ValueError):
        seal(key, 1, b"short")


def test_author_tag_is_per_request_and_per_key() -> None:
    key = case_key("123:TOKEN")
    assert author_tag(key, 1, 5) == author_tag(key, 1, 5)
    assert author_tag(key, 1, 5) != author_tag(key, 2, 5)  # two requests: not linkable
    assert author_tag(key, 1, 5) != author_tag(key, 1, 6)
    assert author_tag(case_key("x"), 1, 5) != author_tag(key, 1, 5)


# ------------------------------------------------------------------ 谈心谈话 input

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "category", "on", "planned", "note"),
    [
        ("10003 思想 情绪低落", TalkCategory.IDEAS, TODAY, False, "情绪低落"),
        ("10003 家庭 明天 谈家中困难", TalkCategory.FAMILY, date(2026, 12, 3), True, "谈家中困难"),
        (
            "10003 安全 12月1日 违章后谈话",
            TalkCategory.SAFETY,
            date(2026, 12, 1),
            False,
            "违章后谈话",
        ),
        (
            "10003 廉洁 2027-01-05 节前提醒",
            TalkCategory.INTEGRITY,
            date(2027, 1, 5),
            True,
            "节前提醒",
        ),
        ("10003 工作 今天 岗位 调整", TalkCategory.WORK, TODAY, False, "岗位 调整"),
    ],
)
def test_talk_input(text: str, category: TalkCategory, on: date, planned: bool, note: str) -> None:
    got = parse_talk(text.split(), TODAY)
    assert (got.who, got.category, got.on, got.planned, got.text) == (
        "10003",
        category,
        on,
        planned,
        note,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("10003 思想", TalkProblem.USAGE),
        ("10003 闲聊 说说", TalkProblem.CATEGORY),
        ("10003 思想 明天", TalkProblem.TEXT_EMPTY),
        ("10003 思想 明天 \u200b", TalkProblem.TEXT_EMPTY),
        ("10003 思想 " + "谈" * 501, TalkProblem.TEXT_LONG),
        ("10003 思想 2027-06-01 谈", TalkProblem.TOO_FAR),
        ("10003 思想 2026-10-01 谈", TalkProblem.TOO_OLD),
    ],
)
def test_talk_input_refused(text: str, problem: TalkProblem) -> None:
    with pytest.raises(TalkError) as err:
        parse_talk(text.split(), TODAY)
    assert err.value.problem is problem


def test_reminder_once_a_day_from_the_planned_day() -> None:
    assert not due_for_reminder(date(2026, 12, 3), None, TODAY)
    assert due_for_reminder(TODAY, None, TODAY)
    assert not due_for_reminder(TODAY, TODAY, TODAY)
    assert due_for_reminder(date(2026, 12, 1), date(2026, 12, 1), TODAY)  # still planned
