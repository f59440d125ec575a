"""Callback data: `<namespace>:v<version>:<part>:<part>...`, at most 64 bytes (Telegram's limit).

Buttons outlive code changes and can be forged by any client, so every press is decoded
and checked here before a handler trusts it; a stale or foreign one yields None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_\-.]*$")


@dataclass(frozen=True)
class CallbackData:
    namespace: str
    version: int
    parts: tuple[str, ...]

    def int_part(self, index: int) -> int | None:
        try:
            return int(self.parts[index])
        except (IndexError, ValueError):
            return None


def encode(namespace: str, version: int, *parts: object) -> str:
    items = [str(p) for p in parts]
    if not all(_PART.match(p) for p in [namespace, *items]):
        raise ValueError(f"callback parts must be plain tokens: {namespace} {items}")
    data = ":".join([namespace, f"v{version}", *items])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data}")
    return data


def decode(data: str | None, namespace: str, version: int, arity: int) -> CallbackData | None:
    """The press's data if it is exactly this namespace/version with `arity` parts, else None."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    items = data.split(":")
    if len(items) != arity + 2 or items[0] != namespace or items[1] != f"v{version}":
        return None
    if not all(_PART.match(p) for p in items[2:]):
        return None
    return CallbackData(namespace, version, tuple(items[2:]))


def pattern(namespace: str) -> str:
    """Regex for a CallbackQueryHandler: any version, so old versions reach a 'stale' answer."""
    return rf"^{re.escape(namespace)}:"
