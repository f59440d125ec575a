"""Callback data: `<namespace>:v<version>:<part>:<part>...`, at most 64 bytes (Telegram's limit).

Buttons outlive code changes and can be forged by any client, so every press is decoded and
checked here before a handler trusts it. The typed codec maps a frozen dataclass to that
string and back:

    class AttAction(StrEnum):
        IN = "in"
        LEAVE = "leave"

    @dataclass(frozen=True)
    class AttPress(Callback, ns="att", version=1):
        session: Id
        action: AttAction

    AttPress(7, AttAction.IN).encode()           # "att:v1:7:in", length checked here
    press = parse(query.data, AttPress)          # AttPress | Stale
    if isinstance(press, Stale): ...             # answer "这个按钮已失效", change nothing

Field types: `Id` (1 … 2^63-1, SQLite's rowid range), `Int64`, `Annotated[int, Range(a, b)]`,
`Annotated[int, Mask(bits)]` (0 … 2^bits-1; give the real bit count when building the class or
check with `Mask.fits`), `bool` (0/1), a `StrEnum`/`IntEnum`, `Literal["x", ...]` (fixed tags that
tell apart classes sharing a namespace: `parse(data, A, B)` returns the first that fits), and
`Token` (a short plain string). Decoding never raises: anything that does not fit exactly —
wrong namespace, old version, wrong arity, an id out of range, an unknown enum value — is
`Stale`, so a forged press can never reach SQLite with an integer it cannot store.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, fields
from enum import Enum, IntEnum
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar, get_args, get_origin

from telegram.constants import InlineKeyboardButtonLimit

MAX_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_PART = re.compile(r"^[A-Za-z0-9_\-.]*$")
_INT = re.compile(r"^-?[0-9]{1,19}$")


# ---- the typed codec -------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """Inclusive bounds of an integer field."""

    low: int
    high: int


@dataclass(frozen=True)
class Mask:
    """A bit set of `bits` members (e.g. chosen topics): 0 … 2^bits - 1."""

    bits: int

    def fits(self, value: int) -> bool:
        return 0 <= value < (1 << self.bits)


@dataclass(frozen=True)
class TokenRule:
    max_len: int = 32


Id = Annotated[int, Range(1, INT64_MAX)]
Int64 = Annotated[int, Range(INT64_MIN, INT64_MAX)]
Token = Annotated[str, TokenRule()]


@dataclass(frozen=True)
class Stale:
    """A press whose data does not decode: stale (old version, gone) or forged."""

    data: str | None
    reason: str


class Callback:
    """Base of typed callback data; subclass as a frozen dataclass with `ns=` and `version=`."""

    ns: ClassVar[str]
    version: ClassVar[int]
    _codecs: ClassVar[tuple[_Field, ...] | None] = None

    def __init_subclass__(cls, *, ns: str = "", version: int = 1, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not ns or not _PART.match(ns) or ":" in ns:
            raise TypeError(f"{cls.__name__}: give a plain namespace, ns=...")
        cls.ns, cls.version, cls._codecs = ns, version, None

    @classmethod
    def _fields(cls) -> tuple[_Field, ...]:
        if cls._codecs is None:  # resolved lazily: annotations are strings until the class exists
            hints = typing.get_type_hints(cls, include_extras=True)
            cls._codecs = tuple(_Field.of(f.name, hints[f.name]) for f in fields(cls))  # type: ignore[arg-type]
        return cls._codecs

    @classmethod
    def prefix(cls) -> str:
        return f"{cls.ns}:v{cls.version}"

    @classmethod
    def pattern(cls) -> str:
        """Regex for a CallbackQueryHandler: any version, so old buttons reach a stale answer."""
        return pattern(cls.ns)

    def encode(self) -> str:
        parts = [codec.dump(getattr(self, codec.name)) for codec in self._fields()]
        data = ":".join([self.prefix(), *parts])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data}")
        return data

    @classmethod
    def parse_one(cls, data: str | None) -> Self | None:
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        items = data.split(":")
        codecs = cls._fields()
        if len(items) != len(codecs) + 2 or f"{items[0]}:{items[1]}" != cls.prefix():
            return None
        values: dict[str, Any] = {}
        for codec, raw in zip(codecs, items[2:], strict=True):
            value = codec.load(raw)
            if value is _INVALID:
                return None
            values[codec.name] = value
        return cls(**values)


C = TypeVar("C", bound=Callback)


def parse(data: str | None, *kinds: type[C]) -> C | Stale:
    """The first of `kinds` that `data` fits exactly, else `Stale` (never raises)."""
    for kind in kinds:
        parsed = kind.parse_one(data)
        if parsed is not None:
            return parsed
    return Stale(data, "no match")


_INVALID: Any = object()


@dataclass(frozen=True)
class _Field:
    name: str
    kind: str  # int | bool | enum | literal | token
    low: int = 0
    high: int = 0
    choices: tuple[Any, ...] = ()
    enum: type[Enum] | None = None
    max_len: int = 32

    @classmethod
    def of(cls, name: str, hint: Any) -> _Field:
        meta: tuple[Any, ...] = ()
        if get_origin(hint) is Annotated:
            hint, *rest = get_args(hint)
            meta = tuple(rest)
        if get_origin(hint) is Literal:
            choices = get_args(hint)
            if not all(isinstance(c, str) and _PART.match(c) for c in choices):
                raise TypeError(f"{name}: Literal choices must be plain tokens")
            return cls(name, "literal", choices=choices)
        if isinstance(hint, type) and issubclass(hint, Enum):
            return cls(name, "enum", enum=hint)
        if hint is bool:
            return cls(name, "bool")
        if hint is int:
            low, high = INT64_MIN, INT64_MAX
            for m in meta:
                if isinstance(m, Range):
                    low, high = max(m.low, INT64_MIN), min(m.high, INT64_MAX)
                if isinstance(m, Mask):
                    low, high = 0, (1 << m.bits) - 1
            return cls(name, "int", low=low, high=high)
        if hint is str:
            rule = next((m for m in meta if isinstance(m, TokenRule)), TokenRule())
            return cls(name, "token", max_len=rule.max_len)
        if isinstance(hint, types.UnionType) or get_origin(hint) is typing.Union:
            raise TypeError(f"{name}: optional fields are not supported; use a second class")
        raise TypeError(f"{name}: unsupported callback field type {hint!r}")

    def dump(self, value: Any) -> str:
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{self.name}: int expected, got {value!r}")
            if not self.low <= value <= self.high:
                raise ValueError(f"{self.name}: {value} outside {self.low}…{self.high}")
            return str(value)
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "enum":
            assert self.enum is not None
            member = self.enum(value)
            return str(member.value)
        if self.kind == "literal":
            if value not in self.choices:
                raise ValueError(f"{self.name}: {value!r} not one of {self.choices}")
            return str(value)
        text = str(value)
        if not _PART.match(text) or len(text) > self.max_len:
            raise ValueError(f"{self.name}: not a plain token: {text!r}")
        return text

    def load(self, raw: str) -> Any:
        if self.kind == "int":
            number = _int64(raw)
            return number if number is not None and self.low <= number <= self.high else _INVALID
        if self.kind == "bool":
            return {"0": False, "1": True}.get(raw, _INVALID)
        if self.kind == "enum":
            assert self.enum is not None
            key: Any = raw
            if issubclass(self.enum, IntEnum):
                key = _int64(raw)
            try:
                return self.enum(key)
            except ValueError:
                return _INVALID
        if self.kind == "literal":
            return raw if raw in self.choices else _INVALID
        return raw if _PART.match(raw) and len(raw) <= self.max_len else _INVALID


def _int64(raw: str) -> int | None:
    """An integer SQLite can store, written plainly (no '+', spaces, '_' or leading zeros)."""
    if not _INT.match(raw) or (len(raw.lstrip("-")) > 1 and raw.lstrip("-").startswith("0")):
        return None
    number = int(raw)
    return number if INT64_MIN <= number <= INT64_MAX else None


# ---- the positional API (namespaces not yet converted; ints range-checked) ---------------


@dataclass(frozen=True)
class CallbackData:
    namespace: str
    version: int
    parts: tuple[str, ...]

    def int_part(self, index: int) -> int | None:
        """The part as an integer SQLite can store, else None (so a forged
        `99999999999999999999999` is as stale as a missing part, never an OverflowError)."""
        try:
            return _int64(self.parts[index])
        except IndexError:
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
