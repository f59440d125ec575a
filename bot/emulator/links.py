"""URL checks as TDLib does them (``tdutils/td/utils/HttpUrl.cpp`` ``parse_url`` and
``td/telegram/LinkManager.cpp`` ``LinkManager::check_link_impl``).

URL buttons, ``text_link`` entities and ``<a href>`` all go through these; the error strings
are TDLib's, and the callers prefix them the way the server does ("Inline keyboard button ",
"Entity ").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPACE = frozenset(" \t\r\n\0\v\f")
_PART_OK = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_!$,~*'();&+="
)
_HEX = frozenset("0123456789abcdefABCDEF")
_USER_LINK = re.compile(r"tg:(//)?user\?id=(\d+)$", re.IGNORECASE)


class LinkError(ValueError):
    """A URL TDLib refuses; ``str()`` is TDLib's message."""


@dataclass(frozen=True, slots=True)
class HttpUrl:
    protocol: str
    userinfo: str
    host: str
    is_ipv6: bool
    specified_port: int
    query: str

    def url(self) -> str:
        auth = f"{self.userinfo}@" if self.userinfo else ""
        port = f":{self.specified_port}" if self.specified_port else ""
        return f"{self.protocol}://{auth}{self.host}{port}{self.query}"


def _check_part(part: str, name: str, allow_colon: bool) -> None:
    i, n = 0, len(part)
    while i < n:
        c = part[i]
        if c in _PART_OK or (allow_colon and c == ":") or ord(c) >= 128:
            i += 1
            continue
        if c == "%":
            if len(part) > i + 2 and part[i + 1] in _HEX and part[i + 2] in _HEX:
                i += 3
                continue
            raise LinkError(f"Wrong percent-encoded symbol in URL {name}")
        raise LinkError(f"Disallowed character in URL {name}")


def parse_url(url: str, default_protocol: str = "http") -> HttpUrl:
    """``parse_url`` of tdutils: ``[https?://][userinfo@]host[:port][/query]``."""
    head = re.match(r"[^:/?#@\[\]]*", url)
    assert head is not None
    protocol = default_protocol
    rest = url
    if url[head.end() :].startswith("://"):
        name = head.group(0).lower()
        if name not in ("http", "https"):
            raise LinkError("Unsupported URL protocol")
        protocol = name
        rest = url[head.end() + 3 :]
    cut = re.search(r"[/?#]", rest)
    authority, query = (rest[: cut.start()], rest[cut.start() :]) if cut else (rest, "")
    port = 0
    colon = len(authority) - 1
    while colon > 0 and authority[colon] not in ":]@":
        colon -= 1
    host_part = authority
    if colon > 0 and authority[colon] == ":":
        digits = authority[colon + 1 :].lstrip("0") or ("0" if authority[colon + 1 :] else "")
        port = int(digits) if digits.isdigit() and int(digits) > 0 else -1
        host_part = authority[:colon]
    if port < 0 or port > 65535:
        raise LinkError("Wrong port number specified in the URL")
    at = host_part.rfind("@")
    userinfo, host = (host_part[:at], host_part[at + 1 :]) if at >= 0 else ("", host_part)
    is_ipv6 = len(host) >= 2 and host[0] == "[" and host[-1] == "]"
    if not host:
        raise LinkError("URL host is empty")
    if host == ".":
        raise LinkError("Host is invalid")
    query = query.rstrip("".join(_SPACE - {"\0"}))
    if not query:
        query = "/"
    if query[0] != "/":
        query = "/" + query
    query = "".join(f"%{ord(c):02X}" if ord(c) <= 0x20 else c for c in query)
    host = host.lower()
    if is_ipv6:
        if any(c not in "0123456789abcdef:." for c in host[1:-1]):
            raise LinkError("Wrong IPv6 URL host")
    else:
        _check_part(host, "host", False)
        _check_part(userinfo, "userinfo", True)
    return HttpUrl(protocol, userinfo, host, is_ipv6, port if port else 0, query)


def is_user_link(url: str) -> bool:
    return _USER_LINK.match(url) is not None


def check_link(link: str) -> str:
    """``LinkManager::check_link``: the normalised link, or LinkError with TDLib's words."""
    lower = link.lower()
    scheme = next((s for s in ("tg:", "ton:", "tonsite:") if lower.startswith(s)), None)
    body = link
    if scheme is not None:
        body = link[len(scheme) :]
        if body.startswith("//"):
            body = body[2:]
    parsed = parse_url(body)
    if scheme is not None:
        if body.lower().startswith("http://") or parsed.protocol == "https":
            raise LinkError("Wrong tg URL" if scheme == "tg:" else "Wrong ton URL")
        if parsed.userinfo or parsed.specified_port or parsed.is_ipv6:
            raise LinkError("Wrong tg URL" if scheme == "tg:" else "Wrong ton URL")
        for c in parsed.host:
            if (
                not (c.isascii() and c.isalnum())
                and c not in "-_"
                and not (scheme == "tonsite:" and c == ".")
            ):
                raise LinkError("Unallowed characters in URL host")
        query = parsed.query[1:] if parsed.query.startswith("/?") else parsed.query
        return f"{scheme[:-1]}://{parsed.host}{query}"
    if "." not in parsed.host and not parsed.is_ipv6:
        raise LinkError("Wrong HTTP URL")
    return parsed.url()


def checked_link(link: str) -> str:
    """``LinkManager::get_checked_link``: the normalised link, or "" if it is not one."""
    try:
        return check_link(link)
    except LinkError:
        return ""
