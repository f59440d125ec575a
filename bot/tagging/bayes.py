"""The learned half of tagging: multinomial Naive Bayes over the characters and character
bigrams of a text's content tokens.

The lexicon only knows the words it lists; workers write "澡堂子的喷头" or "绞龙卡料" in words
nobody listed. Characters and bigrams carry much of a new word's meaning (喷头 shares 喷
with 喷淋, 澡堂子 shares 澡堂 with the listed 澡堂), so the model is trained on every lexicon
term as a tiny example of its topics (weighted by the term's weight) as well as on the labelled
suggestions: it learns which characters lean where from thousands of terms, and how workers
write from the suggestions. It is plain counts: trained in milliseconds when the tagger loads,
and every reviewer's correction is one more example, counted at once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

ALPHA = 0.05  # additive smoothing; small, as most features are seen only a few times


def features(tokens: Sequence[str]) -> Counter[str]:
    """The characters of the content tokens, and their bigrams within and across neighbouring
    tokens (stop words are gone, so a bigram across them joins two content words). Whole
    tokens are left out: cross-validation found them to add nothing to their characters."""
    joined = "".join(tokens)
    out: Counter[str] = Counter(joined)
    for i in range(len(joined) - 1):
        out[joined[i : i + 2]] += 1
    return out


class NaiveBayes:
    """Counts per topic; topics have a uniform prior, as the examples are balanced by design and
    the real mix of topics differs from team to team."""

    def __init__(self, topics: Iterable[str], alpha: float = ALPHA) -> None:
        self.topics = tuple(topics)
        self.alpha = alpha
        self.counts: dict[str, dict[str, float]] = {t: {} for t in self.topics}
        self.totals: dict[str, float] = dict.fromkeys(self.topics, 0.0)
        self.vocabulary: Counter[str] = Counter()
        self.examples = 0.0

    def add(self, feats: Counter[str], topic: str, weight: float = 1.0) -> None:
        if topic not in self.counts:
            return
        table = self.counts[topic]
        for f, n in feats.items():
            table[f] = table.get(f, 0.0) + n * weight
            self.vocabulary[f] += 1
        self.totals[topic] += sum(feats.values()) * weight
        self.examples += weight

    def log_likelihoods(self, feats: Counter[str]) -> dict[str, float]:
        """log P(features | topic) over the features seen in training (unseen ones say nothing)."""
        known = [(f, n) for f, n in feats.items() if f in self.vocabulary]
        size = len(self.vocabulary) or 1
        out = {}
        for t in self.topics:
            table = self.counts[t]
            denom = math.log(self.totals[t] + self.alpha * size)
            out[t] = sum(n * (math.log(table.get(f, 0.0) + self.alpha) - denom) for f, n in known)
        return out

    def posterior(self, feats: Counter[str], temperature: float) -> dict[str, float]:
        """P(topic | features), flattened by `temperature` (Naive Bayes is overconfident: it
        counts a character and the bigrams it sits in as independent evidence)."""
        if self.examples == 0:
            return {t: 1.0 / len(self.topics) for t in self.topics}
        ll = self.log_likelihoods(feats)
        top = max(ll.values())
        exp = {t: math.exp((v - top) / temperature) for t, v in ll.items()}
        total = sum(exp.values())
        return {t: v / total for t, v in exp.items()}
