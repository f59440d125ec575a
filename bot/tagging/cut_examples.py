"""Rebuild `data/tagging/examples.tokens.json` (see `bot.tagging.compiled`) after changing the
examples, the dictionaries, the stop words or the cutting code.

    .venv/bin/python -m bot.tagging.cut_examples
"""

from __future__ import annotations

import json

from bot.tagging.compiled import TOKENS_FILE, tokenization_key
from bot.tagging.lexicon import load_examples, load_real_examples
from bot.tagging.tagger import Tagger


def render(tokens: dict[str, list[str]], key: str) -> str:
    """One example per line, so a changed example is a one-line diff."""
    lines = [
        f"{json.dumps(text, ensure_ascii=False)}: {json.dumps(toks, ensure_ascii=False)}"
        for text, toks in tokens.items()
    ]
    body = ",\n".join(lines)
    return f'{{"key": "{key}", "tokens": {{\n{body}\n}}}}\n'


def main() -> int:
    tagger = Tagger(examples=[], real=[])
    tokens = {text: tagger.tokens(text) for text, _ in [*load_examples(), *load_real_examples()]}
    TOKENS_FILE.write_text(render(tokens, tokenization_key(tagger.lexicon)), encoding="utf-8")
    print(f"{len(tokens)} examples cut into {TOKENS_FILE.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
