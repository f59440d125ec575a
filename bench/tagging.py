"""Benchmark: topic tagging quality on the labelled development set.

Reads `tests/data/suggestions_dev.jsonl` (text, gold topic, split) and prints one JSON line:
top-1 topic accuracy and macro-F1 per split of

- `tagger`: the bot's tagger as shipped (jieba + lexicon + Naive Bayes trained on
  `data/tagging/examples.jsonl`, which holds the dev and test items: on those two splits this
  is a training-set figure, not an estimate);
- `tagger_cv`: the same tagger, each dev/test item predicted by a model trained on the other
  folds of a 5-fold split of dev+test (the lexicon stays whole, and it was tuned on dev);
- `tagger_dev_trained`: trained on the dev items only, so its `test` figure is held out;
- `lexicon_only`: the tagger with the learned half switched off;
- `baseline_keyword_count`: lexicon terms counted as plain substrings, no jieba.

Splits: `dev` is what the original lexicon was tuned on; `test` was held out from that tuning but
written by the lexicon's author before it; `fresh` was written after the original lexicon was
frozen; `fresh2` after the broadened lexicon and the learned model were frozen. Neither fresh
split is ever trained or tuned on: they are the figures that predict real, unseen suggestions.

    .venv/bin/python bench/tagging.py
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.tagging import OTHER, Lexicon, Tagger, load_lexicon  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "suggestions_dev.jsonl"
SPLITS = ("dev", "test", "fresh", "fresh2")
TRAINABLE = ("dev", "test")
FOLDS = 5


def load_items(path: Path = DEV_SET) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def baseline(lexicon: Lexicon) -> Callable[[str], str]:
    """Plain keyword counting: occurrences of each topic's terms in the raw text, no jieba."""
    order = {t: i for i, t in enumerate(lexicon.topics)}

    def predict(text: str) -> str:
        low = text.lower()
        counts = dict.fromkeys(lexicon.topics, 0)
        for term, table in lexicon.weights.items():
            n = low.count(term)
            if n:
                for topic in table:
                    counts[topic] += n
        best = max(counts, key=lambda t: (counts[t], -order[t]))
        return best if counts[best] > 0 else OTHER

    return predict


def metrics(
    gold: Sequence[str], predicted: Sequence[str], topics: Sequence[str]
) -> dict[str, float]:
    n = len(gold)
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / n if n else 0.0
    f1s = []
    for t in topics:
        tp = sum(g == t and p == t for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != t and p == t for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == t and p != t for g, p in zip(gold, predicted, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return {"accuracy": round(accuracy, 4), "macro_f1": round(sum(f1s) / len(f1s), 4)}


def by_split(
    items: list[dict[str, str]], preds: Sequence[str | None], topics: Sequence[str]
) -> dict[str, object]:
    """Metrics per split over the items that have a prediction (None: not predicted)."""
    out: dict[str, object] = {}
    for split in (*SPLITS, "all"):
        chosen = [
            (i["topic"], p)
            for i, p in zip(items, preds, strict=True)
            if p is not None and (split == "all" or i["split"] == split)
        ]
        if chosen:
            out[split] = metrics([g for g, _ in chosen], [p for _, p in chosen], topics)
    return out


def evaluate(
    items: list[dict[str, str]], predict: Callable[[str], str], topics: Sequence[str]
) -> dict[str, object]:
    return by_split(items, [predict(i["text"]) for i in items], topics)


def cross_validated(tagger: Tagger, items: list[dict[str, str]]) -> dict[str, object]:
    """Each dev/test item predicted by a model trained on the other folds of dev+test."""
    ids = [n for n, i in enumerate(items) if i["split"] in TRAINABLE]
    random.Random(7).shuffle(ids)
    preds: list[str | None] = [None] * len(items)
    for k in range(FOLDS):
        held = set(ids[k::FOLDS])
        tagger.train([(items[n]["text"], items[n]["topic"]) for n in ids if n not in held])
        for n in held:
            preds[n] = tagger.tag(items[n]["text"]).topics[0]
    return by_split(items, preds, tagger.topics)


def dev_trained(tagger: Tagger, items: list[dict[str, str]]) -> dict[str, object]:
    tagger.train([(i["text"], i["topic"]) for i in items if i["split"] == "dev"])
    return evaluate(items, lambda text: tagger.tag(text).topics[0], tagger.topics)


def lexicon_only(tagger: Tagger) -> Callable[[str], str]:
    return lambda text: tagger.choose(tagger.blend(tagger.tokens(text), share=1.0))[0]


def main() -> int:
    items = load_items()
    began = time.perf_counter()
    tagger = Tagger()
    tagger.wait()
    load_s = time.perf_counter() - began
    topics = tagger.topics
    t0 = time.perf_counter()
    result = evaluate(items, lambda text: tagger.tag(text).topics[0], topics)
    per_item_ms = (time.perf_counter() - t0) / len(items) * 1000
    line = {
        "items": len(items),
        **{f"{s}_items": sum(i["split"] == s for i in items) for s in SPLITS},
        "tagger": result,
        "lexicon_only": evaluate(items, lexicon_only(tagger), topics),
        "tagger_cv": cross_validated(tagger, items),
        "tagger_dev_trained": dev_trained(tagger, items),
        "baseline_keyword_count": evaluate(items, baseline(load_lexicon()), topics),
        "tagger_load_s": round(load_s, 3),
        "tag_ms_per_text": round(per_item_ms, 3),
    }
    print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
