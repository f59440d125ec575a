"""Topic tagging of Chinese texts with jieba: topics, keywords, similar earlier texts."""

from bot.tagging.lexicon import OTHER, Lexicon, load_lexicon
from bot.tagging.similarity import Match
from bot.tagging.tagger import Correction, Tagger, TagResult

__all__ = ["OTHER", "Correction", "Lexicon", "Match", "TagResult", "Tagger", "load_lexicon"]
