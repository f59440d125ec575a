"""The contest buttons (ct, ctn, ctf) as typed Callbacks: every button keeps the exact string it
had as positional data, so buttons already in chats still work, and anything else — an unknown
action, a 0 or too-large id, a nonce out of range, a part too many or too few — is Stale."""

from __future__ import annotations

import pytest

from bot.callbacks import Callback, Stale, parse
from bot.domain.contest import (
    MAX_METRICS,
    FigureEntry,
    FigureStep,
    Kind,
    Level,
    NewContest,
    NewStep,
)
from bot.domain.conversation import Conversation
from bot.domain.flowstate import StaleState, dump, load
from bot.services.contest import Draft
from bot.texts import Texts
from bot.views import contest as v

BIG = 2**63 - 1

# (the press, the string its button always carried)
OLD_STRINGS: list[tuple[Callback, str]] = [
    (v.ContestPress(v.ContestAct.FULL, 7), "ct:v1:full:7"),
    (v.ContestPress(v.ContestAct.CLOSE, 7), "ct:v1:cls:7"),
    (v.ContestPress(v.ContestAct.RIVALS, 7), "ct:v1:chl:7"),
    (v.ContestPress(v.ContestAct.ACCEPT, 12), "ct:v1:acc:12"),
    (v.ContestPress(v.ContestAct.DECLINE, BIG), f"ct:v1:dec:{BIG}"),
    (v.PairPress(v.PairAct.CHALLENGE, 7, 31), "ct:v1:chr:7:31"),
    (v.PairPress(v.PairAct.FIGURES, 7, 31), "ct:v1:fig:7:31"),
    *[(v.KindPress(4242, "kind", k), f"ctn:v1:4242:kind:{k.value}") for k in Kind],
    (v.ScopePress(4242, "scope", v.Scope.ALL), "ctn:v1:4242:scope:all"),
    (v.ScopePress(4242, "scope", v.Scope.UNITS), "ctn:v1:4242:scope:units"),
    (v.UnitPress(4242, "unit", 3), "ctn:v1:4242:unit:3"),
    (v.MetricPress(4242, "m", 0), "ctn:v1:4242:m:0"),
    (v.MetricPress(4242, "m", 5), "ctn:v1:4242:m:5"),
    (v.NewPress(4242, v.NewAct.NEXT), "ctn:v1:4242:next:0"),
    (v.NewPress(4242, v.NewAct.CREATE), "ctn:v1:4242:create:0"),
    (v.NewPress(999_999, v.NewAct.CANCEL), "ctn:v1:999999:cancel:0"),
    (v.FigurePress(1, v.FigureAct.OK), "ctf:v1:1:ok"),
    (v.FigurePress(1, v.FigureAct.RETYPE), "ctf:v1:1:re"),
    (v.FigurePress(1, v.FigureAct.SAVE), "ctf:v1:1:save"),
    (v.FigurePress(1, v.FigureAct.REDO), "ctf:v1:1:redo"),
    (v.FigurePress(1, v.FigureAct.CANCEL), "ctf:v1:1:cancel"),
]
KINDS: dict[str, tuple[type[Callback], ...]] = {
    "ct": (v.ContestPress, v.PairPress),
    "ctn": v.NEW_PRESSES,
    "ctf": (v.FigurePress,),
}


@pytest.mark.parametrize(("press", "old"), OLD_STRINGS)
def test_each_button_keeps_its_old_string_and_decodes_back(press: Callback, old: str) -> None:
    assert press.encode() == old
    assert parse(old, *KINDS[press.ns]) == press


@pytest.mark.parametrize(
    "forged",
    [
        "ct:v1:zap:1",  # no such action
        "ct:v1:full:0",  # row ids start at 1
        "ct:v1:full:-3",
        "ct:v1:fig:99999999999999999999999:1",  # beyond what SQLite stores
        "ct:v1:full:007",
        "ct:v1:full:7:8",  # a part too many for a one-id press
        "ct:v1:chr:7",  # a part too few for a pair
        "ct:v2:full:7",
        "ctn:v1:0:next:0",  # nonces are 1 … 999999
        "ctn:v1:1000000:next:0",
        "ctn:v1:5:kind:bogus",
        "ctn:v1:5:scope:one",
        "ctn:v1:5:unit:0",
        "ctn:v1:5:unit:abc",
        "ctn:v1:5:m:-1",
        "ctn:v1:5:m:1000",
        "ctn:v1:5:next:1",  # the plain buttons carry a 0
        "ctn:v1:5:next",
        "ctn:v1:5:zap:0",
        "ctf:v1:5:zap",
        "ctf:v1:5:ok:1",
        "ctf:v1:x:ok",
        "",
        None,
    ],
)
def test_a_forged_press_is_stale(forged: str | None) -> None:
    for kinds in KINDS.values():
        assert isinstance(parse(forged, *kinds), Stale), forged


def test_every_keyboard_button_decodes() -> None:
    """The keyboards build only data their handlers read back (the longest nonce and id)."""
    texts = Texts()
    markups = [
        v.kinds_keyboard(texts, "zh-CN", 999_999),
        v.scopes_keyboard(texts, "zh-CN", 999_999, [(BIG, "x")]),
        v.metrics_keyboard(texts, "zh-CN", 999_999, ["output", "safe_days"], ["output"]),
        v.create_keyboard(texts, "zh-CN", 999_999),
        v.doubt_keyboard(texts, "zh-CN", 999_999),
        v.save_keyboard(texts, "zh-CN", 999_999),
        v.proposal_keyboard(texts, "zh-CN", BIG),
    ]
    data = [str(b.callback_data) for m in markups for row in m.inline_keyboard for b in row]
    assert len(data) > 15
    for d in data:
        assert not isinstance(parse(d, *KINDS[d.split(":")[0]]), Stale), d


def test_the_flow_states_store_and_load_typed() -> None:
    d = NewContest(NewStep.PREVIEW, 77, "春季", Kind.PAIR, None, 3, ("output",), "2025-03-01")
    flow, step, data = dump(d)
    assert (flow, step, data["v"], data["kind"]) == ("contest_new", "preview", 1, "pair")
    assert load(NewContest, Conversation(1, 1, flow, step, data)) == d
    e = FigureEntry(FigureStep.DOUBT, 5, 7, 31, 1, ((11, 1200.0),), (), 9000.0, "jump")
    flow, step, data = dump(e)
    assert load(FigureEntry, Conversation(1, 1, flow, step, data)) == e


def test_an_old_shape_row_does_not_load() -> None:
    """What the positional code stored (no version, dicts keyed by text) is not guessed at."""
    new = Conversation(1, 1, "contest_new", "name", {"nonce": 5, "metrics": []})
    fig = Conversation(
        1, 1, "contest_fig", "value",
        {"nonce": 5, "contest": 7, "participant": 31, "index": 0, "values": {}, "doubts": {}},
    )  # fmt: skip
    assert isinstance(load(NewContest, new), StaleState)
    assert isinstance(load(FigureEntry, fig), StaleState)


def test_figures_taken_replace_and_confirm() -> None:
    e = FigureEntry(FigureStep.VALUE, 5, 7, 31)
    e = e.took(11, 1.0, None).took(12, 9000.0, "jump")
    assert (e.index, dict(e.values), dict(e.doubts)) == (2, {11: 1.0, 12: 9000.0}, {12: "jump"})
    assert dict(e.took(11, 2.0, None).values)[11] == 2.0


def test_a_draft_is_made_only_from_a_complete_flow() -> None:
    d = NewContest(NewStep.PREVIEW, 5, "春季", Kind.LEAGUE, None)
    assert Draft.of(d) is None
    assert Draft.of(NewContest(NewStep.PREVIEW, 5, "x", start="2025-03-01", end="bad")) is None
    full = NewContest(
        NewStep.PREVIEW,
        5,
        "春季",
        Kind.LEAGUE,
        Level.TEAM,
        None,
        ("a",),
        "2025-03-01",
        "2025-03-31",
    )
    draft = Draft.of(full)
    assert draft is not None and draft.metric_keys == ("a",) and draft.ends_on.day == 31


def test_toggling_a_metric_twice_drops_it_and_the_choice_is_capped() -> None:
    d = NewContest(NewStep.METRICS, 5)
    assert d.toggled("a").toggled("a").metrics == ()
    for i in range(MAX_METRICS + 3):
        d = d.toggled(f"m{i}")
    assert len(d.metrics) == MAX_METRICS
