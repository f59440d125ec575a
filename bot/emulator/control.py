"""The ``/_emu/...`` control API (DESIGN.md §6), shared by both transports.

Bad input (missing or mistyped fields, unknown chats or users, a body that is not JSON)
answers 400 with ``{"ok": false, "error": "<what is wrong>"}``; nothing here may crash the
emulator.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import inject
from .errors import ControlError

if TYPE_CHECKING:
    from .core import Emulator

Body = dict[str, Any]
Route = Callable[["Emulator", Body, dict[str, str]], Awaitable[Any]]
ROUTES: dict[tuple[str, str], Route] = {}

_MISSING = object()


def route(http_method: str, name: str) -> Callable[[Route], Route]:
    def register(fn: Route) -> Route:
        ROUTES[(http_method, name)] = fn
        return fn

    return register


async def dispatch(
    emu: Emulator, http_method: str, path: str, body: Any, query: dict[str, str]
) -> tuple[int, Any]:
    name = path.strip("/")
    name = name.removeprefix("_emu/").removeprefix("_emu")
    http_method = http_method.upper()
    try:
        if name.startswith("files/") and http_method == "GET":
            return 200, emu.file_bytes(name[len("files/") :])
        handler = ROUTES.get((http_method, name))
        if handler is None:
            if any(n == name for _, n in ROUTES):
                return 405, {"ok": False, "error": f"{http_method} not allowed on /_emu/{name}"}
            return 404, {"ok": False, "error": f"unknown control path /_emu/{name}"}
        return 200, await handler(emu, _json_body(body), query)
    except ControlError as exc:
        return exc.status, {"ok": False, "error": exc.message}


def _json_body(body: Any) -> Body:
    if isinstance(body, bytes | bytearray):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ControlError("body is not UTF-8 JSON") from None
    if isinstance(body, str):
        if not body.strip():
            return {}
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise ControlError(f"body is not valid JSON: {exc}") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


def _field(body: Body, name: str, kind: type | tuple[type, ...], default: Any = _MISSING) -> Any:
    value = body.get(name, _MISSING)
    if value is _MISSING or value is None:
        if default is _MISSING:
            raise ControlError(f"missing field {name!r}")
        return default
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # JSON true/false are Python ints too; never accept them as numbers.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise ControlError(f"field {name!r} must be {names}, not {type(value).__name__}")
    return value


def _query_int(query: dict[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ControlError(f"query parameter {name!r} must be an integer") from None


@route("POST", "reset")
async def _reset(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    emu.reset()
    return {"ok": True}


@route("POST", "users")
async def _users(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    return emu.add_user(
        _field(body, "id", int),
        _field(body, "first_name", str),
        _field(body, "last_name", str, None),
        _field(body, "username", str, None),
        _field(body, "language_code", str, "zh-hans"),
    )


@route("POST", "chats")
async def _chats(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    return emu.add_chat(
        _field(body, "id", int), _field(body, "type", str), _field(body, "title", str, None)
    )


@route("POST", "members")
async def _members(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    ids = inject.set_member(
        emu.state,
        _field(body, "chat_id", int),
        _field(body, "user_id", int),
        _field(body, "status", str),
        _field(body, "rights", dict, None),
        _field(body, "permissions", dict, None),
        _field(body, "until_date", int, None),
    )
    return {"ok": True, "update_ids": ids}


@route("POST", "permissions")
async def _permissions(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    """The default permissions of a group's members (what setChatPermissions sets)."""
    permissions = inject.set_chat_permissions(
        emu.state, _field(body, "chat_id", int), _field(body, "permissions", dict)
    )
    return {"ok": True, "permissions": permissions}


@route("POST", "messages")
async def _messages(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    return emu.send_message(
        _field(body, "chat_id", int),
        _field(body, "from_id", int),
        _field(body, "text", str),
        _field(body, "reply_to_message_id", int, None),
    )


@route("GET", "message")
async def _message(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    chat_id, message_id = _query_int(query, "chat_id"), _query_int(query, "message_id")
    if chat_id is None or message_id is None:
        raise ControlError("query parameters chat_id and message_id are required")
    return emu.message(chat_id, message_id)


@route("POST", "documents")
async def _documents(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    try:
        content = base64.b64decode(_field(body, "content_base64", str), validate=True)
    except (binascii.Error, ValueError):
        raise ControlError("content_base64 is not valid base64") from None
    return inject.send_document(
        emu.state,
        _field(body, "chat_id", int),
        _field(body, "from_id", int),
        _field(body, "file_name", str),
        content,
        _field(body, "caption", str, None),
        _field(body, "media_group_id", str, None),
    )


@route("POST", "photos")
async def _photos(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    """A user sends a photo: ``content_base64`` (PNG/JPEG/GIF/WebP; default: a sample JPEG),
    optional ``caption`` and ``media_group_id`` (several photos with one id form an album)."""
    raw = _field(body, "content_base64", str, None)
    content = None
    if raw is not None:
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ControlError("content_base64 is not valid base64") from None
    return inject.send_photo(
        emu.state,
        _field(body, "chat_id", int),
        _field(body, "from_id", int),
        content,
        _field(body, "caption", str, None),
        _field(body, "media_group_id", str, None),
        _field(body, "file_name", str, "photo.jpg"),
    )


@route("POST", "callbacks")
async def _callbacks(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    return emu.press(
        _field(body, "chat_id", int),
        _field(body, "from_id", int),
        _field(body, "message_id", int),
        _field(body, "data", str, None),
        _field(body, "button_text", str, None),
    )


@route("POST", "poll_answers")
async def _poll_answers(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    return emu.answer_poll(
        _field(body, "poll_id", str), _field(body, "user_id", int), _field(body, "option_ids", list)
    )


@route("POST", "block")
async def _block(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    emu.block(_field(body, "user_id", int), _field(body, "blocked", bool, True))
    return {"ok": True}


@route("GET", "transcript")
async def _transcript(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    return emu.transcript(_query_int(query, "chat_id"), _query_int(query, "after_seq") or 0)


@route("POST", "wait")
async def _wait(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    idle = await emu.wait_idle(
        _field(body, "idle_ms", int, 50), _field(body, "timeout_ms", int, 5000)
    )
    return {"idle": idle}


@route("POST", "faults")
async def _faults(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    emu.fail_next(
        _field(body, "method", str),
        str(_field(body, "kind", (str, int))),
        _field(body, "count", int, 1),
        _field(body, "retry_after", int, None),
    )
    return {"ok": True}


@route("POST", "limits")
async def _limits(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    enforce = _field(body, "enforce", bool, True)
    scale = float(_field(body, "scale", (int, float), 1.0))
    emu.set_limits(enforce, scale)
    return {"enforce": enforce, "scale": scale}


@route("POST", "expect")
async def _expect(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    emu.expect_429(_field(body, "flood_429", int, 0))
    emu.expect_violations(_field(body, "spec_violations", int, 0))
    return {"ok": True}


@route("GET", "stats")
async def _stats(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    return emu.stats()


@route("GET", "clock")
async def _clock_get(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    return {"now": emu.now(), "offset": emu.clock_offset}


@route("POST", "clock")
async def _clock(emu: Emulator, body: Body, query: dict[str, str]) -> Any:
    """Move Telegram's time: ``{"advance": seconds}`` or ``{"now": unix_time}`` (forward only)."""
    if "now" in body:
        target = float(_field(body, "now", (int, float)))
        emu.advance_clock(target - emu.now())
    else:
        emu.advance_clock(float(_field(body, "advance", (int, float))))
    return {"now": emu.now(), "offset": emu.clock_offset}
