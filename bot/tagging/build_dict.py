"""Rebuild `data/tagging/dict.small.txt`: jieba's main dictionary cut to its most frequent words.

jieba's full dictionary (~350k words) costs most of its load time and memory; everyday worker
Chinese is covered by the few tens of thousands most frequent words, and the domain terms come
from our own user dictionary and topic lexicon. jieba's dictionary is MIT-licensed
(see data/tagging/LICENSE.jieba-dict).

    .venv/bin/python -m bot.tagging.build_dict [--words 60000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import jieba

from bot.tagging.lexicon import SMALL_DICT

DEFAULT_WORDS = 60_000


def build(source: Path, target: Path, words: int) -> int:
    rows = []
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            rows.append(parts)
    # Most frequent first; ties keep jieba's order so the output is reproducible.
    rows.sort(key=lambda r: -int(r[1]))
    kept = rows[:words]
    target.write_text("".join(" ".join(r) + "\n" for r in kept), encoding="utf-8")
    return len(kept)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--words", type=int, default=DEFAULT_WORDS)
    args = p.parse_args()
    source = Path(jieba.__file__).parent / "dict.txt"
    n = build(source, SMALL_DICT, args.words)
    print(f"wrote {n} words to {SMALL_DICT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
