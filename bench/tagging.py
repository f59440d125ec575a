"""Benchmark: topic tagging quality on real published suggestions and on the written sets.

Real text first: suggestions published by enterprises and unions, each with its source,
labelled against `data/tagging/topics.md`, split from the dev set by source and never learnt
from. Two held-out sets: `real_held_out_2` (`held_out_2.jsonl`, from sources found later, never
looked at while tuning: the honest figure, `real_held_out_2_top1`) and `real_held_out`
(`held_out.jsonl`, the first set, whose aggregate figures were seen while tuning), and both
together (`real_held_out_all_top1`). Each gives top-1 in the gold topics, top-1 against the
first (main) label, macro-F1 against the first label, right/total per main topic, and the same
for the keyword baseline. `real_dev` is the learnt-from half: its training-set
figure and, the honest one, leave one source out (each source predicted by a tagger that
learnt the other dev sources only). `near_copy_max` is the largest character-bigram Jaccard
between a held-out text and any training text (written or real).

Then the written sets: `tests/data/suggestions_dev.jsonl` (text, gold topic, split) and the
shipped training examples `data/tagging/examples.jsonl` (text, topic, source): top-1 topic
accuracy and macro-F1 per split of

- `tagger`: the bot's tagger as shipped (jieba + lexicon + Naive Bayes trained on the examples);
- `lexicon_only`: the tagger with the learned half switched off;
- `baseline_keyword_count`: lexicon terms counted as plain substrings, no jieba;

and `tagger_loso`: each source of the examples predicted by a model trained on the other
sources only (leave one source out) — a writer's style the model has never seen.

Splits: `dev` and `test` are training examples too (their figures are training-set figures);
`fresh` and `fresh2` were never trained on, but the blending settings were chosen with them in
view; `fresh3` was written independently, against the written topic rules
(`data/tagging/topics.md`) only, and measured once after the model was frozen: `held_out_*`,
the figure that predicts real, unseen suggestions.

    .venv/bin/python bench/tagging.py
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.tagging import OTHER, Lexicon, Tagger, load_lexicon  # noqa: E402
from bot.tagging.lexicon import (  # noqa: E402
    REAL_DEV,
    REAL_HELD_OUT,
    REAL_HELD_OUT_2,
    load_examples,
    load_real,
    load_real_examples,
)

DEV_SET = ROOT / "tests" / "data" / "suggestions_dev.jsonl"
EXAMPLES = ROOT / "data" / "tagging" / "examples.jsonl"
SPLITS = ("dev", "test", "fresh", "fresh2", "fresh3")
HELD_OUT = "fresh3"


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


def leave_one_source_out(tagger: Tagger, examples: list[dict[str, str]]) -> dict[str, float]:
    """Accuracy on each source of the examples, trained on all the other sources."""
    out: dict[str, float] = {}
    for source in sorted({e["source"] for e in examples}):
        tagger.train([(e["text"], e["topic"]) for e in examples if e["source"] != source])
        held = [e for e in examples if e["source"] == source]
        right = sum(tagger.tag(e["text"]).topics[0] == e["topic"] for e in held)
        out[source] = round(right / len(held), 4)
    out["mean"] = round(sum(out.values()) / len(out), 4)
    tagger.train([(e["text"], e["topic"]) for e in examples])  # back to the shipped model
    return out


def lexicon_only(tagger: Tagger) -> Callable[[str], str]:
    return lambda text: tagger.choose(tagger.blend(tagger.tokens(text), share=1.0))[0]


def real_metrics(
    rows: list[dict[str, object]], predict: Callable[[str], str], topics: Sequence[str]
) -> dict[str, object]:
    """Top-1 in gold, against the first label, macro-F1 (first label), right/total per topic."""
    gold_sets = [list(r["topics"]) for r in rows]  # type: ignore[call-overload]
    preds = [predict(str(r["text"])) for r in rows]
    first = [str(g[0]) for g in gold_sets]
    per: dict[str, list[int]] = {}
    for g, p in zip(gold_sets, preds, strict=True):
        cell = per.setdefault(str(g[0]), [0, 0])
        cell[0] += p in g
        cell[1] += 1
    hits = sum(p in g for g, p in zip(gold_sets, preds, strict=True))
    against_first = metrics(first, preds, topics)
    return {
        "items": len(rows),
        "top1_in_gold": round(hits / len(rows), 4) if rows else 0.0,
        "top1_first_label": against_first["accuracy"],
        "macro_f1_first_label": against_first["macro_f1"],
        "per_topic": {t: f"{per[t][0]}/{per[t][1]}" for t in topics if t in per},
    }


def real_leave_one_source_out(
    tagger: Tagger, dev: list[dict[str, object]], topics: Sequence[str]
) -> dict[str, object]:
    """Each dev source predicted by a tagger that learnt the other dev sources only."""
    written = load_examples()
    pairs = load_real_examples(REAL_DEV)  # (text, main topic), in the order of `dev`
    preds: dict[str, str] = {}
    for source in sorted({str(r["source"]) for r in dev}):
        rest = [p for p, r in zip(pairs, dev, strict=True) if r["source"] != source]
        tagger.train(written, real=rest)
        for r in dev:
            if r["source"] == source:
                preds[str(r["text"])] = tagger.tag(str(r["text"])).topics[0]
    tagger.train(written, real=pairs)  # back to the shipped model
    return real_metrics(dev, preds.__getitem__, topics)


def near_copy_max(held: Sequence[dict[str, object]]) -> float:
    def grams(text: str) -> set[str]:
        letters = "".join(c for c in text if c.isalnum())
        return {letters[i : i + 2] for i in range(len(letters) - 1)}

    training = [grams(t) for t, _ in [*load_examples(), *load_real_examples()]]
    best = 0.0
    for r in held:
        g = grams(str(r["text"]))
        best = max(best, *(len(g & t) / len(g | t) for t in training))
    return round(best, 3)


def main() -> int:
    items = load_items()
    examples = load_items(EXAMPLES)
    began = time.perf_counter()
    tagger = Tagger()
    tagger.wait()
    load_s = time.perf_counter() - began
    topics = tagger.topics
    t0 = time.perf_counter()
    shipped = evaluate(items, lambda text: tagger.tag(text).topics[0], topics)
    per_item_ms = (time.perf_counter() - t0) / len(items) * 1000
    base = evaluate(items, baseline(load_lexicon()), topics)
    held, held_base = shipped[HELD_OUT], base[HELD_OUT]
    assert isinstance(held, dict) and isinstance(held_base, dict)
    real_dev, real_held = load_real(REAL_DEV), load_real(REAL_HELD_OUT)
    real_fresh = load_real(REAL_HELD_OUT_2)
    tag_top = lambda text: tagger.tag(text).topics[0]  # noqa: E731
    keyword = baseline(load_lexicon())
    fresh_line = real_metrics(real_fresh, tag_top, topics)
    real_line = real_metrics(real_held, tag_top, topics)
    all_line = real_metrics([*real_held, *real_fresh], tag_top, topics)
    line = {
        "real_held_out_2_top1": fresh_line["top1_in_gold"],
        "real_held_out_top1": real_line["top1_in_gold"],
        "real_held_out_all_top1": all_line["top1_in_gold"],
        "real_held_out_2": fresh_line,
        "real_held_out_2_baseline_keyword_count": real_metrics(real_fresh, keyword, topics),
        "real_held_out_2_sources": len({r["source"] for r in real_fresh}),
        "real_held_out": real_line,
        "real_held_out_baseline_keyword_count": real_metrics(real_held, keyword, topics),
        "real_held_out_sources": len({r["source"] for r in real_held}),
        "real_held_out_all": all_line,
        "real_dev_training_set": real_metrics(real_dev, tag_top, topics),
        "real_dev_sources": len({r["source"] for r in real_dev}),
        "near_copy_max": near_copy_max([*real_held, *real_fresh]),
        "written_items": len(items),
        **{f"{s}_items": sum(i["split"] == s for i in items) for s in SPLITS},
        "examples": len(examples),
        "held_out_accuracy": held["accuracy"],
        "held_out_macro_f1": held["macro_f1"],
        "baseline_held_out_accuracy": held_base["accuracy"],
        "baseline_held_out_macro_f1": held_base["macro_f1"],
        "tagger": shipped,
        "lexicon_only": evaluate(items, lexicon_only(tagger), topics),
        "baseline_keyword_count": base,
        "tagger_loso": leave_one_source_out(tagger, examples),
        "real_dev_loso": real_leave_one_source_out(tagger, real_dev, topics),
        "tagger_load_s": round(load_s, 3),
        "tag_ms_per_text": round(per_item_ms, 3),
    }
    print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
