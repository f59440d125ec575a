"""Decoding Bot API parameters from the wire, shared by both transports.

Telegram accepts parameters in the query string, as form fields, as multipart parts or as a
JSON object. Whatever the encoding, a call ends up as ``{name: value}`` where ``value`` is a
string (form, query, multipart text part), a JSON value (JSON body) or an ``UploadedFile``
(multipart file part). :func:`decode_params` builds exactly that shape; the HTTP server feeds
it the raw body, the in-process transport feeds it PTB's ``RequestData`` fields and files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from .errors import ApiError


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


Params = dict[str, Any]


def decode_params(
    query: Iterable[tuple[str, str]] = (),
    fields: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
) -> Params:
    """Merge query-string pairs and body fields into one parameter dict.

    Body fields win over the query string, as with Telegram. ``None`` values mean "not sent"
    (PTB leaves a parameter ``None`` when its only content is an uploaded file).
    """
    params: Params = {}
    for key, value in query:
        params[key] = value
    items = fields.items() if isinstance(fields, Mapping) else fields
    for key, value in items:
        if value is not None:
            params[key] = value
    return params


def decode_body(content_type: str, body: bytes) -> list[tuple[str, Any]]:
    """The (name, value) pairs of a request body in any encoding Telegram accepts."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return []
    if mime == "application/json":
        return _decode_json(body)
    if mime == "multipart/form-data":
        return _decode_multipart(content_type, body)
    # Telegram treats anything else as form-urlencoded.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "Bad Request: request body is not UTF-8") from None
    return parse_qsl(text, keep_blank_values=True)


def _decode_json(body: bytes) -> list[tuple[str, Any]]:
    try:
        data = json.loads(body)
    except ValueError:
        raise ApiError(400, "Bad Request: can't parse JSON request body") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Bad Request: JSON request body must be an object")
    return list(data.items())


def _decode_multipart(content_type: str, body: bytes) -> list[tuple[str, Any]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ApiError(400, "Bad Request: can't parse multipart request body")
    pairs: list[tuple[str, Any]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            mime = part.get_content_type() or "application/octet-stream"
            pairs.append((name, UploadedFile(filename, raw, mime)))
        else:
            charset = part.get_content_charset() or "utf-8"
            pairs.append((name, raw.decode(charset, "replace")))
    return pairs


def files_from_ptb(multipart: Mapping[str, tuple[str, Any, str]]) -> list[tuple[str, Any]]:
    """PTB's ``RequestData.multipart_data`` (name -> (filename, bytes|IO, mime)) as pairs."""
    pairs: list[tuple[str, Any]] = []
    for name, (filename, content, mime) in multipart.items():
        data = content if isinstance(content, bytes) else content.read()
        pairs.append((name, UploadedFile(filename, data, mime)))
    return pairs
