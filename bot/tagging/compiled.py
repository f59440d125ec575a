"""The shipped examples' tokens, cut ahead of time: jieba cutting a thousand examples is most
of the tagger's load time, and the result only changes when the examples, the dictionaries,
the stop words or the cutting code change.

`data/tagging/examples.tokens.json` holds {"key": ..., "tokens": {text: [token, ...]}}; the key
is a hash of everything the cut depends on, so a stale file is simply not used (the tagger cuts
the texts itself, a few tenths of a second slower). A test checks the file is current.

Rebuilt by `.venv/bin/python -m bot.tagging.cut_examples`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from bot.tagging.lexicon import TAGGING, Lexicon

TOKENS_FILE = TAGGING / "examples.tokens.json"
# Bump when Tagger._tokens or normalize() change how a text is cut.
CUT_VERSION = "1"


def tokenization_key(lexicon: Lexicon) -> str:
    digest = hashlib.sha256(CUT_VERSION.encode())
    for path in (lexicon.main_dict, lexicon.userdict, lexicon.source, lexicon.stopwords_file):
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_tokens(lexicon: Lexicon, path: Path = TOKENS_FILE) -> dict[str, list[str]]:
    """text -> tokens, or nothing when the file is missing or was cut under other data."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if stored.get("key") != tokenization_key(lexicon):
        return {}
    tokens: dict[str, list[str]] = stored.get("tokens", {})
    return tokens
