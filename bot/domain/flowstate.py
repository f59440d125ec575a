"""Typed conversation state: a frozen dataclass per flow, its step an Enum.

A conversation outlives the code that started it (a restart, a deploy between two messages),
so what is stored is checked on the way back exactly like button data: a row whose shape does
not fit the class — another version, a missing or unknown field, a wrong type, an unknown step
— decodes to `StaleState`, never to a half-filled object. The caller then ends that
conversation and asks the person to start again; nothing is guessed.

    class SuggestStep(StrEnum):
        TEXT = "text"
        PREVIEW = "preview"

    @dataclass(frozen=True)
    class SuggestDraft(FlowState, flow="suggest", version=1):
        step: SuggestStep
        nonce: int
        text: str = ""
        photos: tuple[str, ...] = ()

    flow, step, data = dump(SuggestDraft(SuggestStep.TEXT, nonce=7))
    state = load(SuggestDraft, conversation)          # SuggestDraft | StaleState

Stored as the `conversations` row: `flow` = the class's flow, `step` = the step's value,
`data` = JSON of the other fields plus `"v"`: the version. Field types: `str`, `int`, `float`,
`bool`, an `Enum`, `X | None`, `tuple[X, ...]`, `tuple[X, Y]`, `dict[str, X]`, and another
frozen dataclass (stored as an object). Values are checked (an `int` field refuses `true` and
`"3"`); bump `version` whenever a field changes meaning.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, TypeVar, get_args, get_origin

from bot.domain.conversation import Conversation

__all__ = ["FlowState", "StaleState", "dump", "load"]

S = TypeVar("S", bound="FlowState")


class FlowState:
    """Base of every flow's state. Subclasses are frozen dataclasses with a `step` Enum field."""

    flow: ClassVar[str]
    version: ClassVar[int]

    def __init_subclass__(cls, *, flow: str, version: int = 1, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not flow or not 1 <= version <= 999:
            raise ValueError(f"{cls.__name__}: flow name and version 1..999 required")
        cls.flow = flow
        cls.version = version


@dataclass(frozen=True)
class StaleState:
    """A stored conversation that no longer fits its flow's class."""

    flow: str
    reason: str


class _Bad(Exception):
    pass


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, include_extras=False)


def _step_type(cls: type[FlowState]) -> type[Enum]:
    step = _hints(cls).get("step")
    if not (isinstance(step, type) and issubclass(step, Enum)):
        raise TypeError(f"{cls.__name__}.step must be an Enum")
    return step


def _out(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _out(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_out(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _out(v) for k, v in value.items()}
    return value


def dump(state: FlowState) -> tuple[str, str, dict[str, Any]]:
    """(flow, step, data) for the `conversations` row."""
    step = _out(getattr(state, "step"))  # noqa: B009 - every FlowState declares step
    data: dict[str, Any] = {"v": state.version}
    for f in dataclasses.fields(state):  # type: ignore[arg-type]
        if f.name != "step":
            data[f.name] = _out(getattr(state, f.name))
    return state.flow, str(step), data


def load(cls: type[S], conv: Conversation) -> S | StaleState:
    """The typed state of `conv`, or StaleState when the stored shape does not fit `cls`."""
    if conv.flow != cls.flow:
        return StaleState(conv.flow, f"flow {conv.flow!r} is not {cls.flow!r}")
    data = dict(conv.data)
    if data.pop("v", None) != cls.version:
        return StaleState(conv.flow, "another version")
    try:
        step = _step_type(cls)(conv.step)
    except ValueError:
        return StaleState(conv.flow, f"unknown step {conv.step!r}")
    try:
        values = _fields_of(cls, data, skip="step")
    except _Bad as e:
        return StaleState(conv.flow, str(e))
    made: S = cls(step=step, **values)  # type: ignore[call-arg]  # a dataclass with a step
    return made


def _fields_of(cls: type, data: Any, skip: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _Bad(f"{cls.__name__}: not an object")
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name != skip}
    unknown = set(data) - known
    if unknown:
        raise _Bad(f"unknown fields {sorted(unknown)}")
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name == skip:
            continue
        if f.name not in data:
            has_default = f.default is not dataclasses.MISSING
            if has_default or f.default_factory is not dataclasses.MISSING:
                continue
            raise _Bad(f"missing field {f.name!r}")
        values[f.name] = _value(data[f.name], hints[f.name], f.name)
    return values


def _value(raw: Any, tp: Any, name: str) -> Any:  # noqa: C901 - one branch per supported type
    origin, args = get_origin(tp), get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if raw is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _value(raw, arg, name)
            except _Bad:
                continue
        raise _Bad(f"{name}: {raw!r} fits none of {args}")
    if origin is tuple:
        if not isinstance(raw, list):
            raise _Bad(f"{name}: not a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(v, args[0], name) for v in raw)
        if len(raw) != len(args):
            raise _Bad(f"{name}: {len(raw)} items, {len(args)} expected")
        return tuple(_value(v, a, name) for v, a in zip(raw, args, strict=True))
    if origin is dict:
        if not isinstance(raw, dict):
            raise _Bad(f"{name}: not an object")
        return {str(k): _value(v, args[1], name) for k, v in raw.items()}
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(raw)
        except ValueError:
            raise _Bad(f"{name}: unknown value {raw!r}") from None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return tp(**_fields_of(tp, raw))
    if tp is bool:
        if isinstance(raw, bool):
            return raw
    elif tp is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
    elif tp is float:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
    elif tp is str:
        if isinstance(raw, str):
            return raw
    else:
        raise TypeError(f"{name}: unsupported field type {tp!r}")
    raise _Bad(f"{name}: {raw!r} is not {tp.__name__}")
