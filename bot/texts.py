"""User-facing strings as data: `data/texts/<lang>/<feature>.toml`, zh-CN first, en second.

A key is `<feature>.<name>` (nested tables join with dots). Values given to `get` are
HTML-escaped unless wrapped in `Html`, because every message goes out in HTML parse mode and
most values (names, suggestion texts) come from users.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.paths import TEXTS

DEFAULT_LANG = "zh-CN"
_BEFORE_STOP = re.compile(r"\{(\w+)\}([。.])")
_SENTENCE_ENDS = ("。", "．", ".", "！", "!", "？", "?", "…")
LANGS = ("zh-CN", "en")


class Html(str):
    """A string that is already safe HTML and must not be escaped again."""


def esc(value: object) -> str:
    return value if isinstance(value, Html) else html.escape(str(value), quote=False)


_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def to_plain(rendered: str) -> str:
    """Our HTML as the text a reader sees, for surfaces Telegram shows as plain text (toasts,
    button labels, command descriptions) and for the terminal. Values were escaped on the way
    in, so every "<" left is a tag of the template and the unescape gives the writer's text
    back exactly as written."""
    return html.unescape(_TAG.sub("", rendered))


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        elif isinstance(value, str):
            out[full] = value
        else:
            raise ValueError(f"text {full} must be a string")


def load_language(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        _flatten(path.stem, tomllib.loads(path.read_text(encoding="utf-8")), out)
    return out


class Texts:
    def __init__(self, root: Path = TEXTS, default: str = DEFAULT_LANG) -> None:
        self.default = default
        self.catalog = {lang: load_language(root / lang) for lang in LANGS}
        if not self.catalog[default]:
            raise RuntimeError(f"no texts found for {default} in {root}")

    def get(self, key: str, lang: str | None = None, /, **values: object) -> str:
        table = self.catalog.get(lang or self.default) or self.catalog[self.default]
        template = table.get(key) or self.catalog[self.default].get(key)
        if template is None:
            raise KeyError(f"missing text key: {key}")
        if not values:
            return template
        safe = {k: esc(v) for k, v in values.items()}
        for name, stop in _BEFORE_STOP.findall(template):
            # "理由：{reason}。" with a reason that already ends a sentence: no "。。".
            if name in safe and safe[name].rstrip().endswith(_SENTENCE_ENDS):
                safe[name] = safe[name].rstrip()
                template = template.replace("{" + name + "}" + stop, "{" + name + "}")
        return template.format(**safe)

    def plain(self, key: str, lang: str | None = None, /, **values: object) -> str:
        """The text for a plain-text surface: tags dropped, values exactly as given."""
        return to_plain(self.get(key, lang, **values))

    def join(self, items: Iterable[object], lang: str | None = None, /, kind: str = "list") -> str:
        """Items joined with the language's separator: "list" (、 / ", ") or "group" (； / "; ")."""
        return self.get(f"common.sep.{kind}", lang).join(str(i) for i in items)

    def has(self, key: str) -> bool:
        return key in self.catalog[self.default]

    def missing_in(self, lang: str) -> set[str]:
        return set(self.catalog[self.default]) - set(self.catalog.get(lang, {}))
