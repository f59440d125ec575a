"""Why a file someone sent could not be read, in one line (HTML-safe: values are escaped)."""

from __future__ import annotations

from bot.domain.tabular import MB, TableError
from bot.texts import Html, Texts

_SIZE_CODES = ("too_large", "unpacked_too_large")


def size_text(size: int, texts: Texts, lang: str | None = None) -> str:
    if size >= MB:
        value = f"{size / MB:.1f}".removesuffix(".0")
        return texts.get("files.unit.mb", lang, value=value)
    if size >= 1024:
        return texts.get("files.unit.kb", lang, value=size // 1024)
    return texts.get("files.unit.bytes", lang, value=size)


def table_error(error: TableError, texts: Texts, lang: str | None = None) -> str:
    limit: object = error.limit if error.limit is not None else ""
    if error.code in _SIZE_CODES and isinstance(error.limit, int):
        limit = Html(size_text(error.limit, texts, lang))  # our own text, already safe
    elif isinstance(error.limit, float):
        limit = f"{error.limit:g}"
    return texts.get(
        f"files.error.{error.code}",
        lang,
        limit=limit,
        row=error.row if error.row is not None else "",
        column=error.column or "",
    )
