"""The recognition buttons (awc, aws, awn, awp, awv, awb, rtr, rtg, rtc, rtm) as typed
Callbacks: every button keeps the exact string the positional code wrote, so buttons already
in chats (ballots among them) still work, and anything else — an unknown action or grade, a 0
or too-large id, a forged selection, a part too many or too few, another version, oversized
data — is Stale. The conversations of /nominate and the comment after a grade are typed too;
what the untyped code stored does not load (it is ended politely, never guessed at)."""

from __future__ import annotations

import pytest

from bot.callbacks import Callback, Stale, parse
from bot.domain import recognition as rules
from bot.domain.conversation import Conversation
from bot.domain.flowstate import StaleState, dump, load
from bot.domain.recognition import (
    GRADES,
    CommentStep,
    Grade,
    NominateStep,
    Nomination,
    RatingComment,
)
from bot.views import recognition as v

BIG = 2**63 - 1
TOKEN = "Q2xkS0hZ_-abcdefghijkl"  # what secrets.token_urlsafe(16) looks like: 22 characters
SEL = rules.encode_selection((1, 3))  # "000000000005"
NONE = v.NO_SELECTION

# (the press, the string its button always carried)
OLD_STRINGS: list[tuple[Callback, str]] = [
    *[(v.AdminPress(7, a), f"awc:v1:7:{a.value}") for a in v.AdminAct],
    (v.AdminPress(BIG, v.AdminAct.LIST), f"awc:v1:{BIG}:list"),
    (v.AdminPress(3, v.AdminAct.TURNOUT), "awc:v1:3:turnout"),
    (v.ShortlistPress(7, 31), "aws:v1:7:31"),
    (v.NominatePress(7), "awn:v1:7"),
    (v.PlacePress(7, 4), "awp:v1:7:4"),
    (v.OpenBallot(7), "awv:v1:7"),
    (v.BallotPick(7, TOKEN, NONE, 1), f"awb:v1:7:{TOKEN}:000000000000:1"),
    (v.BallotPick(7, TOKEN, SEL, rules.MAX_CANDIDATES), f"awb:v1:7:{TOKEN}:{SEL}:48"),
    (v.BallotAct(7, TOKEN, SEL, v.BallotOp.SUBMIT), f"awb:v1:7:{TOKEN}:000000000005:s"),
    (v.BallotAct(7, TOKEN, NONE, v.BallotOp.EDIT), f"awb:v1:7:{TOKEN}:000000000000:e"),
    (v.RateePress(2, 15), "rtr:v1:2:15"),
    (v.GradePress(2, 15, v.GradeCode.EXCELLENT), "rtg:v1:2:15:exc"),
    (v.GradePress(2, 15, v.GradeCode.COMPETENT), "rtg:v1:2:15:com"),
    (v.GradePress(2, 15, v.GradeCode.BASIC), "rtg:v1:2:15:bas"),
    (v.GradePress(2, 15, v.GradeCode.INCOMPETENT), "rtg:v1:2:15:inc"),
    (v.SkipComment(2, 15), "rtc:v1:2:15"),
    (v.RoundPress(2), "rtm:v1:2:close"),
]
KINDS: dict[str, tuple[type[Callback], ...]] = {
    "awc": (v.AdminPress,),
    "aws": (v.ShortlistPress,),
    "awn": (v.NominatePress,),
    "awp": (v.PlacePress,),
    "awv": (v.OpenBallot,),
    "awb": (v.BallotPick, v.BallotAct),
    "rtr": (v.RateePress,),
    "rtg": (v.GradePress,),
    "rtc": (v.SkipComment,),
    "rtm": (v.RoundPress,),
}
ALL = tuple(k for kinds in KINDS.values() for k in kinds)


@pytest.mark.parametrize(("press", "old"), OLD_STRINGS)
def test_each_button_keeps_its_old_string_and_decodes_back(press: Callback, old: str) -> None:
    assert press.encode() == old
    assert parse(old, *KINDS[press.ns]) == press
    assert parse(old, *ALL) == press  # no other namespace claims it
    if press.ns == "awb":
        assert v.ballot_press(old) == press


def test_every_namespace_is_covered_and_registered_by_pattern() -> None:
    assert {p.ns for p, _ in OLD_STRINGS} == set(KINDS)
    for ns, kinds in KINDS.items():
        assert all(k.pattern() == f"^{ns}:" for k in kinds)


def test_grades_travel_as_their_first_three_letters() -> None:
    for g in GRADES:
        code = v.GradeCode.of(g)
        assert code.value == g.value[:3] and code.grade is g
    assert v.GradePress(1, 2, v.GradeCode.BASIC).grade is Grade.BASIC


def test_a_ballot_button_carries_its_draft() -> None:
    press = v.ballot_press(f"awb:v1:7:{TOKEN}:{SEL}:2")
    assert isinstance(press, v.BallotPick)
    assert (press.campaign, press.token, press.draft, press.position) == (
        7,
        TOKEN,
        frozenset({1, 3}),
        2,
    )


@pytest.mark.parametrize(
    "forged",
    [
        "awc:v1:7:delete",  # no such action
        "awc:v1:0:list",  # row ids start at 1
        "awc:v1:-3:list",
        "awc:v1:99999999999999999999999:list",  # beyond what SQLite stores
        "awc:v1:007:list",
        "awc:v1:7",  # a part too few
        "awc:v1:7:list:8",  # a part too many
        "awc:v2:7:list",  # another version
        "aws:v1:7:0",
        "aws:v1:7:x",
        "awn:v1:",
        "awn:v1:abc",
        "awn:v1:7:8",
        "awp:v1:7:-1",
        "awv:v1:0",
        "awv:v1:1e3",
        "rtr:v1:2",
        "rtr:v1:2:0",
        "rtg:v1:2:15:excellent",  # the grade's code, not its name
        "rtg:v1:2:15:EXC",
        "rtg:v1:2:15",
        "rtc:v1:2:15:1",
        "rtm:v1:2:open",
        "rtm:v1:2",
        "rtm:v1:0:close",
        "xyz:v1:7",
        "",
        "awc:v1:7:list" + "0" * 60,  # oversized
    ],
)
def test_forged_or_stale_data_is_stale(forged: str) -> None:
    assert isinstance(parse(forged, *ALL), Stale)


@pytest.mark.parametrize(
    "forged",
    [
        f"awb:v1:7:{TOKEN}:{SEL}:0",  # positions are 1 … 48
        f"awb:v1:7:{TOKEN}:{SEL}:49",
        f"awb:v1:7:{TOKEN}:{SEL}:01",
        f"awb:v1:7:{TOKEN}:{SEL}:x",  # neither a position nor s / e
        f"awb:v1:7:{TOKEN}:{SEL}",
        f"awb:v1:7:{TOKEN}:{SEL}:s:1",
        f"awb:v1:0:{TOKEN}:{SEL}:s",
        f"awb:v1:7:{TOKEN}:zzzzzzzzzzzz:s",  # not hex
        f"awb:v1:7:{TOKEN}:00000000005:s",  # 11 digits
        f"awb:v1:7:{TOKEN}:0000000000005:s",  # 13 digits
        f"awb:v1:7:{TOKEN}:ffffffffffff0:1",
        f"awb:v1:7:{'t' * 33}:{SEL}:s",  # a token longer than any the bot makes
        f"awb:v1:7:{TOKEN}:{SEL.upper()}A:s",
        f"awb:v2:7:{TOKEN}:{SEL}:s",
        f"awb:v1:7:{TOKEN}:{SEL}:s" + "9" * 30,  # oversized
    ],
)
def test_forged_ballot_data_is_stale(forged: str) -> None:
    assert isinstance(v.ballot_press(forged), Stale)


def test_oversized_data_cannot_be_written() -> None:
    with pytest.raises(ValueError):
        v.BallotAct(BIG, "t" * 32, SEL, v.BallotOp.SUBMIT).encode()
    with pytest.raises(ValueError):
        v.BallotPick(7, TOKEN, SEL, 49).encode()


def test_conversations_round_trip() -> None:
    for state in (
        Nomination(NominateStep.NOMINEE, 7),
        Nomination(NominateStep.REASON, 7, 31, "王秀兰（蒸发一班）"),
        RatingComment(CommentStep.COMMENT, 2, 15),
    ):
        flow, step, data = dump(state)
        assert load(type(state), Conversation(1, 1, flow, step, data)) == state
    flow, step, data = dump(RatingComment(CommentStep.COMMENT, 2, 15))
    assert (flow, step, data) == ("rating_comment", "comment", {"v": 1, "round": 2, "ratee": 15})
    assert "grade" not in data  # whom the comment is about, never the grade given


def test_an_untyped_row_does_not_load() -> None:
    """What the untyped code stored (no version) is not guessed at: the flow ends politely."""
    rows = [
        (Nomination, Conversation(1, 1, "award_nominate", "nominee", {"cid": 7})),
        (
            Nomination,
            Conversation(1, 1, "award_nominate", "reason", {"cid": 7, "nid": 3, "name": "x"}),
        ),
        (RatingComment, Conversation(1, 1, "rating_comment", "comment", {"round": 2, "ratee": 5})),
        (Nomination, Conversation(1, 1, "award_nominate", "who", {"v": 1, "cid": 7})),
        (RatingComment, Conversation(1, 1, "rating_comment", "comment", {"v": 1, "round": "2"})),
    ]
    for cls, conv in rows:
        assert isinstance(load(cls, conv), StaleState), conv
