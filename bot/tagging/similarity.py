"""Similarity of suggestions: cosine over TF-IDF vectors of their jieba tokens."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Vector = dict[str, float]


@dataclass(frozen=True)
class Match:
    id: int
    score: float


def vector(tokens: Iterable[str], idf: Callable[[str], float]) -> Vector:
    return {t: n * idf(t) for t, n in Counter(tokens).items()}


def cosine(a: Vector, b: Vector) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    if dot == 0.0:
        return 0.0
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm


def most_similar(
    tokens: Sequence[str],
    candidates: Iterable[tuple[int, Sequence[str]]],
    idf: Callable[[str], float],
    *,
    top: int = 3,
    threshold: float = 0.3,
) -> list[Match]:
    """The `top` candidates at least `threshold` similar to `tokens`, best first."""
    query = vector(tokens, idf)
    found = [Match(cid, cosine(query, vector(ctoks, idf))) for cid, ctoks in candidates]
    found = [m for m in found if m.score >= threshold]
    found.sort(key=lambda m: (-m.score, -m.id))
    return found[:top]
