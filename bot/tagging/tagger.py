"""The topic tagger: jieba with a trimmed main dictionary, the domain user dictionary and the
topic lexicon; no jieba.analyse (its IDF table alone is most of jieba's memory).

A topic's score blends two opinions: the lexicon's (weighted terms, sure about the words it
lists, blind to the rest) and a Naive Bayes model over characters and their bigrams, trained on
the lexicon's terms, the labelled examples in `data/tagging/examples.jsonl` (written for the
purpose) and the real published suggestions of `data/tagging/real/dev.jsonl` (bayes.py), which
generalises to words nobody listed. Reviewers' topic corrections do both: they add per-term
weight to the corrected topic and become new training examples, so tagging improves without
retraining by hand.

Loading runs in a background thread, started as the bot starts, so polling begins at once and
the first suggestion does not pay for it. Keyword weights come from the dictionary's own word
frequencies (a rare word says more), so no separate IDF table is needed.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.tagging.bayes import NaiveBayes, features
from bot.tagging.compiled import load_tokens
from bot.tagging.lexicon import OTHER, Lexicon, load_examples, load_lexicon, load_real_examples
from bot.tagging.similarity import Match, most_similar

log = logging.getLogger(__name__)

MAX_TOPICS = 2
MAX_KEYWORDS = 5
MIN_SCORE = 1.5  # lexicon evidence 其他 starts with: a text must point somewhere to leave it
SECOND_RATIO = 0.75  # a second topic needs this share of the first one's score
# Below this probability for the best topic the text points nowhere in particular ("今天天气
# 不错", "收到"): 其他. Leave-one-source-out cost of 0.3: one example in a thousand.
CONFIDENCE_FLOOR = 0.3
# Blending (chosen by leave-one-source-out over the shipped examples, see bench/tagging.py):
# both opinions become probabilities, the lexicon's via a softmax of its scores. With a
# thousand examples in several writers' styles the learned opinion earns the larger share.
LEXICON_SHARE = 0.3
LEXICON_TEMPERATURE = 1.0
BAYES_TEMPERATURE = 0.1  # complement NB scores of unit-length texts are small (bayes.py)
PART_WEIGHT = 0.5  # a lexicon term found inside a longer token counts half
CHAR_WEIGHT = 0.5  # a known character inside a word the lexicon does not know
LEXICON_FREQ = 2000  # jieba frequency given to lexicon terms the dictionary lacks
CORRECTION_STEP = 0.6  # weight one reviewer's correction adds per term
# A corrected suggestion counts as this many shipped examples: it is a real suggestion of this
# very site, labelled by its own reviewer, where the shipped ones only imitate such texts.
CORRECTION_EXAMPLE_WEIGHT = 3.0
# Real published suggestions count like reviewed ones; the written examples count half: they
# taught the tagger their writers' wording (leave-one-source-out over the real dev set: 0.5
# beats 1.0 and 0.25, 3 beats 1 and 6).
REAL_EXAMPLE_WEIGHT = 3.0
WRITTEN_EXAMPLE_WEIGHT = 0.5
BOOST_LIMIT = 3.0
OOV_IDF = 9.0  # words the dictionary does not know (jieba's HMM made them): fairly rare


@dataclass(frozen=True)
class TagResult:
    topics: tuple[str, ...]
    keywords: tuple[str, ...]
    tokens: tuple[str, ...]  # content tokens, kept with a suggestion for similarity
    scores: dict[str, float] = field(compare=False)


@dataclass(frozen=True)
class Correction:
    tokens: tuple[str, ...]
    old: tuple[str, ...]
    new: tuple[str, ...]


class Tagger:
    def __init__(
        self,
        lexicon: Lexicon | None = None,
        examples: Sequence[tuple[str, str]] | None = None,
        real: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        """`examples` (text, topic) written for the purpose and `real` (text, topic) published
        suggestions to learn from; by default the shipped ones (`real`: the dev set only)."""
        self._lexicon = lexicon
        self._examples = examples
        self._real = real
        # features of the training examples and their weights: lexicon terms, then suggestions
        self._base: list[tuple[Counter[str], str, float]] = []
        self._bayes: NaiveBayes | None = None
        self._corrections: list[Correction] = []
        self._precut: dict[str, list[str]] = {}  # shipped examples' tokens, cut ahead of time
        self._tokenizer: Any = None
        self._total = 1.0
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._started = False
        self._error: BaseException | None = None
        # term -> topic -> extra weight learnt from reviewers' corrections
        self.boosts: dict[str, dict[str, float]] = {}
        self.load_seconds: float | None = None

    # ------------------------------------------------------------------ loading

    def start(self) -> None:
        """Begin loading in a background thread (idempotent)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._load, name="tagger-load", daemon=True).start()

    def _load(self) -> None:
        began = time.perf_counter()
        try:
            import jieba

            logging.getLogger("jieba").setLevel(logging.WARNING)
            lexicon = self._lexicon or load_lexicon()
            tk = jieba.Tokenizer(dictionary=str(lexicon.main_dict))
            tk.initialize()
            # jieba never closes a file it opens from a name (ResourceWarning): hand it ours.
            with open(lexicon.userdict, "rb") as userdict:
                tk.load_userdict(userdict)
            for term in lexicon.terms():
                if len(term) > 1 and not tk.FREQ.get(term):
                    tk.add_word(term, LEXICON_FREQ)
            self._lexicon = lexicon
            self._total = float(tk.total)
            self._tokenizer = tk
            self._precut = load_tokens(lexicon)
            examples = self._examples if self._examples is not None else load_examples()
            if self._real is None:
                self._real = load_real_examples()
            self._train(examples)
            self.load_seconds = time.perf_counter() - began
            log.info("tagging ready in %.2f s", self.load_seconds)
        except BaseException as exc:  # reported to every caller instead of hanging them
            self._error = exc
            log.exception("tagger failed to load")
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._error is None

    def wait(self, timeout: float | None = None) -> bool:
        self.start()
        done = self._ready.wait(timeout)
        if self._error is not None:
            raise RuntimeError("tagger failed to load") from self._error
        return done

    async def wait_ready(self) -> None:
        """Await readiness without blocking the event loop."""
        if not self._ready.is_set():
            await asyncio.to_thread(self.wait)
        elif self._error is not None:
            self.wait()

    @property
    def lexicon(self) -> Lexicon:
        self.wait()
        assert self._lexicon is not None
        return self._lexicon

    @property
    def topics(self) -> tuple[str, ...]:
        return self.lexicon.topics

    # ------------------------------------------------------------------ tagging

    def tokens(self, text: str) -> list[str]:
        """Content tokens of `text`: no punctuation, no stop words, lexicon single chars kept."""
        self.wait()
        return self._tokens(text)

    def _tokens(self, text: str) -> list[str]:
        lex = self._lexicon
        assert lex is not None
        out = []
        for tok in self._tokenizer.lcut(normalize(text)):
            tok = tok.strip()
            if not tok or tok in lex.stopwords or not any(c.isalnum() for c in tok):
                continue
            if len(tok) == 1 and tok not in lex.weights:
                continue
            out.append(tok)
        return out

    def idf(self, token: str) -> float:
        freq = self._tokenizer.FREQ.get(token) if self._tokenizer is not None else None
        if not freq:
            return OOV_IDF
        return max(0.5, math.log(self._total / freq))

    def scores(self, tokens: Sequence[str]) -> dict[str, float]:
        lex = self.lexicon
        scores = dict.fromkeys(lex.topics, 0.0)
        for tok in tokens:
            for topic, w in self._weights(tok).items():
                scores[topic] += w
        return scores

    def _weights(self, tok: str) -> dict[str, float]:
        lex = self.lexicon
        found: dict[str, float] = {}
        direct = lex.weights.get(tok)
        if direct:
            found.update(direct)
        elif len(tok) > 2:
            # A longer word the segmenter kept whole ("皮带机机尾") still carries its parts.
            for size in range(len(tok) - 1, 1, -1):
                for i in range(len(tok) - size + 1):
                    for topic, w in lex.weights.get(tok[i : i + size], {}).items():
                        found[topic] = max(found.get(topic, 0.0), w * PART_WEIGHT)
        if not found:
            for ch in tok:
                for topic in lex.chars.get(ch, ()):
                    found[topic] = CHAR_WEIGHT
        for topic, w in self.boosts.get(tok, {}).items():
            found[topic] = found.get(topic, 0.0) + w
        return found

    def blend(
        self,
        tokens: Sequence[str],
        *,
        share: float = LEXICON_SHARE,
        lexicon_temperature: float = LEXICON_TEMPERATURE,
        bayes_temperature: float = BAYES_TEMPERATURE,
    ) -> dict[str, float]:
        """Each topic's probability: the lexicon's and the learned model's opinions blended."""
        lex_scores = self.scores(tokens)
        lex_scores[OTHER] = lex_scores.get(OTHER, 0.0) + MIN_SCORE
        top = max(lex_scores.values())
        exp = {t: math.exp((v - top) / lexicon_temperature) for t, v in lex_scores.items()}
        total = sum(exp.values())
        assert self._bayes is not None
        learned = self._bayes.posterior(features(tokens), bayes_temperature)
        return {t: share * exp[t] / total + (1 - share) * learned[t] for t in lex_scores}

    def choose(self, scores: dict[str, float]) -> tuple[str, ...]:
        order = {t: i for i, t in enumerate(self.lexicon.topics)}
        ranked = sorted(scores, key=lambda t: (-scores[t], order[t]))
        if not ranked or ranked[0] == OTHER or scores[ranked[0]] < CONFIDENCE_FLOOR:
            return (OTHER,)
        best = scores[ranked[0]]
        chosen = [ranked[0]]
        for t in ranked[1:MAX_TOPICS]:
            if t != OTHER and scores[t] >= SECOND_RATIO * best:
                chosen.append(t)
        return tuple(chosen)

    def keywords(self, tokens: Sequence[str]) -> tuple[str, ...]:
        lex = self.lexicon
        counts = Counter(tokens)
        first = {t: i for i, t in reversed(list(enumerate(tokens)))}
        ranked = []
        for tok, n in counts.items():
            if len(tok) < 2:
                continue
            bonus = 1.5 if tok in lex.weights else 1.0
            ranked.append((-(n * self.idf(tok) * bonus), first[tok], tok))
        ranked.sort()
        return tuple(tok for _, _, tok in ranked[:MAX_KEYWORDS])

    def tag(self, text: str) -> TagResult:
        toks = self.tokens(text)
        scores = self.blend(toks)
        return TagResult(self.choose(scores), self.keywords(toks), tuple(toks), scores)

    async def atag(self, text: str) -> TagResult:
        await self.wait_ready()
        return self.tag(text)

    def similar(
        self,
        tokens: Sequence[str],
        earlier: Iterable[tuple[int, Sequence[str]]],
        top: int = 3,
        threshold: float = 0.3,
    ) -> list[Match]:
        return most_similar(tokens, earlier, self.idf, top=top, threshold=threshold)

    # ------------------------------------------------------------------ corrections

    def train(
        self,
        examples: Iterable[tuple[str, str]],
        real: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        """Learn from these written (text, topic) examples (and these real ones, if given)
        instead of the current ones; corrections learnt so far are kept."""
        self.wait()
        if real is not None:
            self._real = real
        self._train(examples)

    def _train(self, examples: Iterable[tuple[str, str]]) -> None:
        lex = self._lexicon
        assert lex is not None
        # A term of weight 3 counts as much as one suggestion per weight point (cross-validated).
        self._base = [
            (features([term]), topic, weight)
            for term, table in lex.weights.items()
            for topic, weight in table.items()
            if weight > 0
        ]
        cut = self._precut
        self._base += [
            (features(cut[text] if text in cut else self._tokens(text)), topic, weight)
            for pairs, weight in (
                (examples, WRITTEN_EXAMPLE_WEIGHT),
                (self._real or (), REAL_EXAMPLE_WEIGHT),
            )
            for text, topic in pairs
        ]
        self._rebuild()

    def _rebuild(self) -> None:
        assert self._lexicon is not None
        bayes = NaiveBayes(self._lexicon.topics)
        for feats, topic, weight in self._base:
            bayes.add(feats, topic, weight)
        self._bayes = bayes
        for c in self._corrections:
            self._add_example(c)

    def _add_example(self, correction: Correction) -> None:
        """A corrected text is one more example, shared between its new topics."""
        assert self._bayes is not None
        feats = features(correction.tokens)
        for topic in correction.new:
            self._bayes.add(feats, topic, CORRECTION_EXAMPLE_WEIGHT / len(correction.new))

    def learn(self, correction: Correction) -> None:
        """A reviewer moved a text from `old` to `new` topics: its terms lean to `new`, and the
        text becomes a training example of `new`."""
        self.wait()
        self._corrections.append(correction)
        self._add_example(correction)
        added = [t for t in correction.new if t not in correction.old and t != OTHER]
        removed = [t for t in correction.old if t not in correction.new and t != OTHER]
        for tok in set(correction.tokens):
            table = self.boosts.setdefault(tok, {})
            for topic in added:
                table[topic] = min(BOOST_LIMIT, table.get(topic, 0.0) + CORRECTION_STEP)
            for topic in removed:
                table[topic] = max(-BOOST_LIMIT, table.get(topic, 0.0) - CORRECTION_STEP / 2)

    def learn_all(self, corrections: Iterable[Correction]) -> None:
        """Replace everything learnt from corrections with these."""
        self.wait()
        self.boosts = {}
        self._corrections = []
        self._rebuild()
        for c in corrections:
            self.learn(c)


def normalize(text: str) -> str:
    """Full-width letters and digits to plain ones, lower case: 'ＰＬＣ' and 'plc' are one word."""
    return unicodedata.normalize("NFKC", text).lower()
