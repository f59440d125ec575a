"""Benchmark: topic tagging quality on the labelled development set.

Reads `tests/data/suggestions_dev.jsonl` (text, gold topic, split) and prints one JSON line:
top-1 topic accuracy and macro-F1 of the bot's tagger (jieba + lexicon) and, in the same run,
of a baseline that counts lexicon terms as plain substrings without jieba. Splits: `dev` is what
the lexicon was tuned on; `test` was held out from tuning but written by the lexicon's author
before it; `fresh` was written after the lexicon was frozen and never tuned on — the figure that
best predicts real, unseen suggestions.

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

DEV_SET = ROOT / "tests" / "data" / "suggestions_dev.jsonl"


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


def evaluate(
    items: list[dict[str, str]], predict: Callable[[str], str], topics: Sequence[str]
) -> dict[str, object]:
    out: dict[str, object] = {}
    for split in ("dev", "test", "fresh", "all"):
        chosen = [i for i in items if split == "all" or i["split"] == split]
        preds = [predict(i["text"]) for i in chosen]
        out[split] = metrics([i["topic"] for i in chosen], preds, topics)
    return out


def main() -> int:
    items = load_items()
    began = time.perf_counter()
    tagger = Tagger()
    tagger.wait()
    load_s = time.perf_counter() - began
    topics = tagger.topics
    t0 = time.perf_counter()
    result = evaluate(items, lambda text: tagger.tag(text).topics[0], topics)
    per_item_ms = (time.perf_counter() - t0) / (3 * len(items)) * 1000
    line = {
        "items": len(items),
        "dev_items": sum(i["split"] == "dev" for i in items),
        "test_items": sum(i["split"] == "test" for i in items),
        "fresh_items": sum(i["split"] == "fresh" for i in items),
        "tagger": result,
        "baseline_keyword_count": evaluate(items, baseline(load_lexicon()), topics),
        "tagger_load_s": round(load_s, 3),
        "tag_ms_per_text": round(per_item_ms, 3),
    }
    print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
