"""Rich-text parsing (parse_mode HTML / MarkdownV2 / Markdown) as the Bot API server does it.

Limits such as "1-4096 characters after entities parsing" apply to the visible text, so the
emulator needs the text with the markup removed, and the entities it yields (offsets and
lengths in UTF-16 code units, as Telegram counts them). Malformed markup is rejected with
Telegram's "can't parse entities" wording.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .errors import ApiError

Entity = dict[str, Any]

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "blockquote": "blockquote",
    "tg-time": "date_time",
}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_KNOWN_NAMED = {"lt", "gt", "amp", "quot", "apos", "nbsp"}
_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_RE = re.compile(r"""\s*([a-zA-Z-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fail(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def parse_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None = None
) -> tuple[str, list[Entity]]:
    """The visible text and its entities; raises ApiError(400) for malformed markup."""
    if not parse_mode:
        return text, list(entities or [])
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return _Markdown(text, v2=True).parse()
    if mode == "markdown":
        return _Markdown(text, v2=False).parse()
    raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")


def parse_html(text: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    pos16 = 0  # UTF-16 length of ``out``
    stack: list[tuple[str, int, Entity]] = []
    entities: list[Entity] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            m = _ENTITY_RE.match(text, i)
            if m and (m.group(1).startswith("#") or m.group(1).lower() in _KNOWN_NAMED):
                decoded = html.unescape(m.group(0))
                out.append(decoded)
                pos16 += utf16_len(decoded)
                i = m.end()
                continue
        elif ch == "<":
            offset = len(text[:i].encode())
            if text.startswith("</", i):
                i = _html_end_tag(text, i, offset, stack, entities, pos16)
            else:
                i = _html_start_tag(text, i, offset, stack, pos16)
            continue
        out.append(ch)
        pos16 += 2 if ord(ch) > 0xFFFF else 1
        i += 1
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_start_tag(
    text: str, i: int, offset: int, stack: list[tuple[str, int, Entity]], pos16: int
) -> int:
    m = _NAME_RE.match(text, i + 1)
    assert m is not None
    name = m.group(0).lower()
    if not name:
        raise _fail(f"Unexpected end of name token at byte offset {offset}")
    if name not in _HTML_TAGS:
        raise _fail(f'Unsupported start tag "{name}" at byte offset {offset}')
    end = text.find(">", m.end())
    if end < 0:
        raise _fail(f"Unclosed start tag at byte offset {offset}")
    attrs = {
        a.group(1).lower(): (a.group(2) or "").strip("\"'")
        for a in _ATTR_RE.finditer(text, m.end(), end)
        if a.group(1)
    }
    entity: Entity = {"type": _HTML_TAGS[name]}
    if name == "a":
        entity["url"] = html.unescape(attrs.get("href", ""))
    elif name == "span" and attrs.get("class") != "tg-spoiler":
        raise _fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif name == "tg-time":
        entity["unix_time"] = int(attrs.get("unix", "0") or 0)
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    stack.append((name, pos16, entity))
    return end + 1


def _html_end_tag(
    text: str,
    i: int,
    offset: int,
    stack: list[tuple[str, int, Entity]],
    entities: list[Entity],
    pos16: int,
) -> int:
    end = text.find(">", i)
    if end < 0:
        raise _fail(f"Unclosed end tag at byte offset {offset}")
    name = text[i + 2 : end].strip().lower()
    if not stack:
        raise _fail(f"Unexpected end tag at byte offset {offset}")
    open_name, start16, entity = stack.pop()
    if name != open_name:
        raise _fail(
            f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
            f'found "</{name}>"'
        )
    # <pre><code class="language-x"> is a single "pre" entity in Telegram.
    inside_pre = name == "code" and bool(stack) and stack[-1][0] == "pre"
    if pos16 > start16 and not inside_pre:
        entity["offset"], entity["length"] = start16, pos16 - start16
        entities.append(entity)
    return end + 1


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_MD1_MARKS = {"*": "bold", "_": "italic"}


class _Markdown:
    """MarkdownV2 (strict: reserved characters must be escaped) and legacy Markdown."""

    def __init__(self, text: str, *, v2: bool) -> None:
        self.text, self.v2 = text, v2
        self.out: list[str] = []
        self.pos16 = 0
        self.entities: list[Entity] = []
        self.open: dict[str, tuple[int, int]] = {}  # mark -> (utf16 start, byte offset)

    def emit(self, s: str) -> None:
        self.out.append(s)
        self.pos16 += utf16_len(s)

    def byte_offset(self, i: int) -> int:
        return len(self.text[:i].encode())

    def parse(self) -> tuple[str, list[Entity]]:
        text, i, n = self.text, 0, len(self.text)
        marks = _MD2_MARKS if self.v2 else _MD1_MARKS
        while i < n:
            ch = text[i]
            two = text[i : i + 2]
            if self.v2 and ch == "\\" and i + 1 < n:
                self.emit(text[i + 1])
                i += 2
            elif ch == "`":
                i = self.code(i)
            elif ch == "[":
                i = self.link(i)
            elif self.v2 and two in marks:
                self.toggle(two, marks[two], i)
                i += 2
            elif ch in marks:
                self.toggle(ch, marks[ch], i)
                i += 1
            elif self.v2 and ch == ">" and (i == 0 or text[i - 1] == "\n"):
                i += 1  # blockquote marker at line start; no entity needed for lengths
            elif self.v2 and ch in _MD2_RESERVED:
                raise _fail(
                    f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
                )
            else:
                self.emit(ch)
                i += 1
        if self.open:
            _, offset = min(self.open.values(), key=lambda v: v[1])
            raise _fail(f"Can't find end of the entity starting at byte offset {offset}")
        return "".join(self.out), sorted(self.entities, key=lambda e: e["offset"])

    def toggle(self, mark: str, etype: str, i: int) -> None:
        if mark in self.open:
            start, _ = self.open.pop(mark)
            if self.pos16 > start:
                self.entities.append({"type": etype, "offset": start, "length": self.pos16 - start})
        else:
            self.open[mark] = (self.pos16, self.byte_offset(i))

    def code(self, i: int) -> int:
        fence = "```" if self.text.startswith("```", i) else "`"
        end = self.text.find(fence, i + len(fence))
        if end < 0:
            raise _fail(
                f"Can't find end of the entity starting at byte offset {self.byte_offset(i)}"
            )
        body = self.text[i + len(fence) : end]
        if fence == "```" and "\n" in body:
            body = body.split("\n", 1)[1]  # first line names the language
        if self.v2:
            body = re.sub(r"\\([\\`])", r"\1", body)
        start = self.pos16
        self.emit(body)
        etype = "pre" if fence == "```" else "code"
        self.entities.append({"type": etype, "offset": start, "length": self.pos16 - start})
        return end + len(fence)

    def link(self, i: int) -> int:
        close = self.text.find("](", i)
        end = self.text.find(")", close + 2) if close >= 0 else -1
        if close < 0 or end < 0:
            if self.v2:
                raise _fail("Character '[' is reserved and must be escaped with the preceding '\\'")
            self.emit("[")
            return i + 1
        label = self.text[i + 1 : close]
        if self.v2:
            label = re.sub(r"\\(.)", r"\1", label)
        start = self.pos16
        self.emit(label)
        url = self.text[close + 2 : end]
        self.entities.append(
            {"type": "text_link", "offset": start, "length": self.pos16 - start, "url": url}
        )
        return end + 1
