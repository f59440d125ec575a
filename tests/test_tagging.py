"""The tagger on its own: topics, keywords, similarity, learning from corrections, the
`banzu tag` command line, and the labelled development set's shape."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.cli.tag import tag_lines
from bot.tagging import OTHER, Correction, Tagger, load_lexicon
from bot.tagging.compiled import load_tokens
from bot.tagging.lexicon import (
    REAL_DEV,
    REAL_HELD_OUT,
    REAL_HELD_OUT_2,
    load_examples,
    load_real,
    load_real_examples,
)
from bot.tagging.similarity import cosine, vector

DEV_SET = Path(__file__).parent / "data" / "suggestions_dev.jsonl"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    t = Tagger()
    assert t.wait(30)
    return t


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("井下电缆外皮磨破了，漏电很危险", "安全"),
        ("成品盐水分超标，客户退货了", "质量"),
        ("真空泵密封老漏水，建议换机械密封", "设备"),
        ("宿舍热水只有两个小时，下夜班没法洗澡", "生活福利"),
        ("车间白天灯全开着，浪费电", "节能降耗"),
        ("建议把操作规程做成小视频，方便培训学习", "培训学习"),
        ("厂区垃圾桶太少，垃圾到处都是", "环境卫生"),
        ("今天天气不错", OTHER),
    ],
)
def test_topics(tagger: Tagger, text: str, topic: str) -> None:
    assert tagger.tag(text).topics[0] == topic


def test_result_shape(tagger: Tagger) -> None:
    r = tagger.tag("皮带机托辊不转了，磨得皮带冒烟，建议赶紧换托辊，也要加强巡检防止着火")
    assert 1 <= len(r.topics) <= 2 and len(r.keywords) <= 5
    assert "托辊" in r.keywords and "建议" not in r.keywords
    assert "托辊" in r.tokens and all(t.strip() for t in r.tokens)
    assert tagger.tag("").topics == (OTHER,)


def test_full_width_and_case_are_one_word(tagger: Tagger) -> None:
    assert tagger.tokens("ＰＬＣ程序") == tagger.tokens("plc程序")


def test_similarity_ranks_the_duplicate_first(tagger: Tagger) -> None:
    a = tagger.tokens("二号皮带机托辊不转，皮带磨得冒烟")
    earlier = [
        (1, tagger.tokens("食堂夜班没有热菜")),
        (2, tagger.tokens("二号皮带机好几个托辊不转了，皮带冒烟")),
        (3, tagger.tokens("皮带机机尾缺防护栏")),
    ]
    found = tagger.similar(a, earlier)
    assert found and found[0].id == 2 and found[0].score > 0.5
    assert all(m.id != 1 for m in found)
    assert cosine(vector([], tagger.idf), vector(a, tagger.idf)) == 0.0


def test_corrections_move_later_texts(tagger: Tagger) -> None:
    fresh = Tagger(tagger.lexicon)
    text = "硝渣堆在墙根底下，白印子到处都是"
    before = fresh.tag(text).topics[0]
    assert before != "管理"
    fresh.learn(Correction(tuple(fresh.tokens(text)), (before,), ("管理",)))
    fresh.learn(Correction(tuple(fresh.tokens(text)), (before,), ("管理",)))
    assert fresh.tag("墙根底下又堆了硝渣").topics[0] == "管理"
    fresh.learn_all([])
    assert fresh.tag("墙根底下又堆了硝渣").topics[0] != "管理"


def test_a_correction_is_a_training_example(tagger: Tagger) -> None:
    fresh = Tagger(tagger.lexicon, examples=[])
    text, later = "嘀嗒嘀嗒的老毛病又犯了", "那个嘀嗒声又来了"
    before = fresh.tag(later).scores
    assert max(before, key=before.__getitem__) == OTHER
    for _ in range(2):
        fresh.learn(Correction(tuple(fresh.tokens(text)), (OTHER,), ("质量",)))
    fresh.boosts = {}  # forget the lexicon boosts: only the learned model remembers now
    after = fresh.tag(later).scores
    assert after["质量"] > before["质量"] + 0.03
    assert set(sorted(after, key=after.__getitem__)[-2:]) == {"质量", OTHER}
    fresh.learn_all([])
    assert fresh.tag(later).scores == pytest.approx(before)


def test_scores_blend_into_probabilities(tagger: Tagger) -> None:
    r = tagger.tag("澡堂子的喷头坏了一半，洗澡水忽冷忽热")
    assert abs(sum(r.scores.values()) - 1.0) < 1e-9
    assert r.topics[0] == "生活福利" and max(r.scores, key=r.scores.__getitem__) == "生活福利"


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def test_shipped_examples_hold_no_held_out_item() -> None:
    """The tagger learns from data/tagging/examples.jsonl: the dev and test items and examples
    written for it, none of them a held-out item nor a near copy of one (so the fresh splits
    stay honest estimates of unseen suggestions)."""
    examples = load_examples()
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    trainable = {r["text"] for r in rows if r["split"] in ("dev", "test")}
    held = [bigrams(r["text"]) for r in rows if r["split"] not in ("dev", "test")]
    texts = {text for text, _ in examples}
    assert trainable <= texts and len(texts) == len(examples) >= 1000
    for text in texts - trainable:
        mine = bigrams(text)
        assert max(len(mine & h) / len(mine | h) for h in held) <= 0.35, text
    assert {topic for _, topic in examples} == set(load_lexicon().topics)


def test_tag_lines_prints_json_per_line(tagger: Tagger) -> None:
    out = io.StringIO()
    tag_lines(io.StringIO("空压机滤芯堵了没人换\n\n"), out, tagger)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0]["topics"] == ["设备"] and "滤芯" in rows[0]["keywords"]
    assert rows[1] == {"topics": [], "keywords": []}


def test_banzu_tag_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "tag"],
        input="食堂菜价又涨了\n".encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    row = json.loads(proc.stdout.decode().splitlines()[0])
    assert row["topics"] == ["生活福利"]


def test_lexicon_covers_the_ten_topics() -> None:
    lex = load_lexicon()
    expected = "安全 质量 设备 工艺技术 节能降耗 管理 生活福利 培训学习 环境卫生 其他"
    assert lex.topics == tuple(expected.split())
    assert all(any(t in w for w in lex.weights.values()) for t in lex.topics)


def test_dev_set_is_large_balanced_and_split() -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 150
    assert len({r["text"] for r in rows}) == len(rows)
    per_topic = Counter(r["topic"] for r in rows)
    assert set(per_topic) == set(load_lexicon().topics) and min(per_topic.values()) >= 15
    assert {r["split"] for r in rows} == {"dev", "test", "fresh", "fresh2", "fresh3"}


def test_precut_examples_are_current() -> None:
    """data/tagging/examples.tokens.json is what the tagger cuts today (if not, run
    `python -m bot.tagging.cut_examples`); a stale file would only be ignored, and slower."""
    lex = load_lexicon()
    cached = load_tokens(lex)
    wanted = {text for text, _ in [*load_examples(), *load_real_examples()]}
    assert set(cached) == wanted, "stale: run cut_examples"
    fresh = Tagger(lex, examples=[], real=[])
    assert all(cached[text] == fresh.tokens(text) for text in cached)


def _bigrams(text: str) -> set[str]:
    letters = "".join(c for c in text if c.isalnum())
    return {letters[i : i + 2] for i in range(len(letters) - 1)}


def test_real_sets_are_cited_labelled_and_split_by_source() -> None:
    """Every real suggestion names its source and has topics of the rules; no source is on
    both sides of the split, and the tagger learns from the dev side only."""
    topics = set(load_lexicon().topics)
    dev, held, fresh = load_real(REAL_DEV), load_real(REAL_HELD_OUT), load_real(REAL_HELD_OUT_2)
    assert len(dev) >= 150 and len(held) >= 50 and len(fresh) >= 25
    for row in (*dev, *held, *fresh):
        assert row["source"] and row["title"] and row["text"]
        labels = row["topics"]
        assert isinstance(labels, list) and 1 <= len(labels) <= 2 and set(labels) <= topics
    sources = [{str(r["source"]) for r in rows} for rows in (dev, held, fresh)]
    assert not sources[0] & sources[1] and not sources[0] & sources[2]
    assert not sources[1] & sources[2]
    learnt = {text for text, _ in load_real_examples()}
    assert learnt == {str(r["text"]) for r in dev}
    assert not learnt & {str(r["text"]) for r in (*held, *fresh)}


def test_no_training_text_is_a_near_copy_of_a_held_out_one() -> None:
    training = [text for text, _ in [*load_examples(), *load_real_examples()]]
    grams = [_bigrams(t) for t in training]
    for row in (*load_real(REAL_HELD_OUT), *load_real(REAL_HELD_OUT_2)):
        held = _bigrams(str(row["text"]))
        closest = max(len(held & g) / len(held | g) for g in grams)
        assert closest < 0.5, row["text"]


def test_real_examples_are_learnt(tagger: Tagger) -> None:
    """A published suggestion the written examples mislead on, taught by the real dev set: a
    tagger without the real examples files it elsewhere."""
    text = "磅房辐射探测仪改造"
    assert tagger.tag(text).topics[0] == "设备"
    written_only = Tagger(real=[])
    written_only.wait()
    assert written_only.tag(text).topics[0] != "设备"
