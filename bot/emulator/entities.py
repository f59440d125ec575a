"""Rich-text parsing (parse_mode HTML / MarkdownV2 / Markdown) as the Bot API server does it.

Limits such as "1-4096 characters after entities parsing" apply to the visible text, so the
emulator needs the text with the markup removed, and the entities it yields (offsets and
lengths in UTF-16 code units, as Telegram counts them). Malformed markup is rejected with
Telegram's "can't parse entities" wording.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError
from .links import LinkError, check_link, checked_link, is_user_link

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
_SPACE = frozenset(b" \t\r\n\0\v\f")  # td::is_space: NUL counts, so the end stops every scan
_ATTR_STOP = frozenset(b" \t\r\n\0\v\f=>/\"'")
_SPECIAL = re.compile(rb"[&<\0]")
_TAG_NAME = re.compile(rb"[^ \t\r\n\0\v\f>]*")  # up to td::is_space or '>'
_NAME_TOKEN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
# Client::get_formatted_text: the raw text (markup included) may not exceed 32 KiB.
MAX_RAW_TEXT_BYTES = 1 << 15


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fail(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def parse_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None = None
) -> tuple[str, list[Entity]]:
    """The visible text and its entities; raises ApiError(400) for malformed markup.

    ``Client::get_formatted_text``: raw text over 32 KiB is refused before parsing; an
    unknown parse mode is refused; "none" means plain text; explicit entities are checked.
    """
    if len(text.encode()) > MAX_RAW_TEXT_BYTES:
        raise ApiError(400, "Bad Request: text is too long")
    mode = (parse_mode or "").lower()
    if not text or not mode or mode == "none":
        return text, check_entities(entities or [])
    if mode == "html":
        if "<" not in text and "&" not in text:
            return text, []  # nothing to parse: the common case of a plain HTML-mode text
        return parse_html(text)
    if mode == "markdownv2":
        return _Markdown(text, v2=True).parse()
    if mode == "markdown":
        return _Markdown(text, v2=False).parse()
    raise ApiError(400, "Bad Request: unsupported parse_mode")


def _decode_entity(b: bytes, pos: int) -> tuple[int, int]:
    """``decode_html_entity``: (code point or 0, position after it)."""
    end = pos + 1
    code = 0
    if b[pos + 1 : pos + 2] == b"#":
        end += 1
        if b[pos + 2 : pos + 3] == b"x":
            end += 1
            while b[end : end + 1] and chr(b[end]) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(b[end]), 16)
                end += 1
        else:
            while b[end : end + 1].isdigit():
                code = code * 10 + b[end] - 48
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while b[end : end + 1].isalpha():
            end += 1
        code = {b"lt": 60, b"gt": 62, b"amp": 38, b"quot": 34}.get(b[pos + 1 : end], 0)
        if code == 0:
            return 0, pos
    return code, end + 1 if b[end : end + 1] == b";" else end


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """A port of ``parse_html`` (td/telegram/MessageEntity.cpp), byte offsets included."""
    b = text.encode() + b"\0"
    size = len(b) - 1
    out = bytearray()
    pos16 = 0
    stack: list[tuple[str, str, int, int, int]] = []  # tag, argument, unix, utf16 start, out pos
    entities: list[Entity] = []
    i = 0
    while i < size:
        c = b[i]
        if c == 38:  # &
            code, after = _decode_entity(b, i)
            if code:
                ch = chr(code) if not 0xD800 <= code <= 0xDFFF else "\ufffd"
                out += ch.encode()
                pos16 += 1 + (code > 0xFFFF)
                i = after
                continue
        if c != 60:  # <
            # Copy the run of plain text up to the next '&' or '<' at once; both are ASCII,
            # so the run is whole UTF-8 characters.
            m = _SPECIAL.search(b, i + 1)
            end = m.start() if m else size
            chunk = b[i:end]
            out += chunk
            pos16 += len(chunk.decode().encode("utf-16-le")) // 2
            i = end
            continue
        begin = i
        i += 1
        if b[i] != 47:  # start tag
            i = _TAG_NAME.match(b, i).end()  # type: ignore[union-attr]
            if b[i] == 0:
                raise _fail(f"Unclosed start tag at byte offset {begin}")
            tag = b[begin + 1 : i].decode(errors="replace").lower()
            if tag not in _HTML_TAGS:
                raise _fail(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument, unix = "", 0
            while b[i] != 62:
                while b[i] != 0 and b[i] in _SPACE:
                    i += 1
                if b[i] == 62:
                    break
                name_start = i
                while b[i] not in _ATTR_STOP:
                    i += 1
                attr = b[name_start:i].decode(errors="replace")
                if not attr:
                    raise _fail(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while b[i] != 0 and b[i] in _SPACE:
                    i += 1
                if b[i] != 61:  # no "=": a bare attribute
                    if b[i] == 0:
                        raise _fail(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and attr == "expandable":
                        argument = "1"
                    continue
                i += 1
                while b[i] != 0 and b[i] in _SPACE:
                    i += 1
                if b[i] == 0:
                    raise _fail(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if b[i] not in (34, 39):  # an unquoted name token: letters, digits, '.', '-'
                    token_start = i
                    while b[i] in _NAME_TOKEN:
                        i += 1
                    value = b[token_start:i].decode().lower()
                    if b[i] not in _SPACE and b[i] != 62:
                        raise _fail(f"Unexpected end of name token at byte offset {token_start}")
                else:
                    quote = b[i]
                    i += 1
                    raw = bytearray()
                    while b[i] != quote and b[i] != 0:
                        if b[i] == 38:
                            code, after = _decode_entity(b, i)
                            if code:
                                raw += chr(code).encode(errors="replace")
                                i = after
                                continue
                        raw.append(b[i])
                        i += 1
                    if b[i] == quote:
                        i += 1
                    value = raw.decode(errors="replace")
                if b[i] == 0:
                    raise _fail(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attr == "expandable":
                    argument = "1"
                elif tag == "tg-time" and attr == "unix":
                    unix = int(value) if re.fullmatch(r"-?\d+", value) else 0
                elif tag == "tg-time" and attr == "format":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise _fail(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append((tag, argument, unix, pos16, len(out)))
            i += 1
            continue
        # end tag
        if not stack:
            raise _fail(f"Unexpected end tag at byte offset {begin}")
        i = _TAG_NAME.match(b, i).end()  # type: ignore[union-attr]
        end_name = b[begin + 2 : i].decode(errors="replace").lower()
        while b[i] != 0 and b[i] in _SPACE:
            i += 1
        if b[i] != 62:
            raise _fail(f"Unclosed end tag at byte offset {begin}")
        i += 1
        tag, argument, unix, start16, out_start = stack.pop()
        if end_name and end_name != tag:  # "</>" closes whatever is open
            raise _fail(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                f'found "</{end_name}>"'
            )
        if pos16 > start16:
            _html_entity(
                entities, tag, argument, unix, start16, pos16 - start16, bytes(out[out_start:])
            )
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.decode(errors="replace"), entities


def _html_entity(
    entities: list[Entity],
    tag: str,
    argument: str,
    unix: int,
    offset: int,
    length: int,
    inner: bytes,
) -> None:
    last = entities[-1] if entities else None
    same = last is not None and last["offset"] == offset and last["length"] == length
    if tag == "a":
        url = argument or inner.decode(errors="replace")
        checked = url if is_user_link(url) else checked_link(url)
        if checked:  # an <a> whose href is not a link is plain text, not an error
            entities.append(
                {"type": "text_link", "offset": offset, "length": length, "url": checked}
            )
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise _fail("Invalid custom emoji identifier specified")
        entities.append(
            {
                "type": "custom_emoji",
                "offset": offset,
                "length": length,
                "custom_emoji_id": argument,
            }
        )
    elif tag == "tg-time":
        if unix > 0:
            entities.append(
                {"type": "date_time", "offset": offset, "length": length, "unix_time": unix}
            )
    elif tag == "pre":
        if same and last is not None and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        if same and last is not None and last["type"] == "pre" and argument:
            last["language"] = argument
        elif same and last is not None and last["type"] == "pre":
            pass  # <pre><code> is one pre entity
        else:
            entity: Entity = {"type": "code", "offset": offset, "length": length}
            if argument:
                entity["language"] = argument
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})
    else:
        entities.append({"type": _HTML_TAGS[tag], "offset": offset, "length": length})


# ``Client::get_text_entity_type``: entity types a bot may give explicitly (the rest -- mention,
# hashtag, url ... -- are accepted and dropped, Telegram finds them itself).
_ENTITY_TYPES = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "blockquote",
        "expandable_blockquote",
        "date_time",
    }
)
_FOUND_TYPES = frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bank_card_number",
    }
)


def check_entities(entities: list[Entity]) -> list[Entity]:
    """Explicit ``entities``: Client::get_text_entity, get_message_entities, fix_formatted_text."""
    out: list[Entity] = []
    for entity in entities:
        kind = entity.get("type", "")
        if not kind:
            raise ApiError(400, "Bad Request: can't parse MessageEntity: Type is not specified")
        if kind in _FOUND_TYPES:
            continue
        if kind not in _ENTITY_TYPES:
            raise ApiError(
                400, "Bad Request: can't parse MessageEntity: Unsupported type specified"
            )
        if kind == "text_link":
            url = str(entity.get("url", ""))
            if not is_user_link(url):
                try:
                    entity = {**entity, "url": check_link(url)}
                except LinkError as exc:
                    raise ApiError(400, f"Bad Request: entity {exc}") from None
        for key in ("offset", "length"):
            value = entity.get(key, 0)
            if value < 0 or value > 1_000_000:
                raise ApiError(400, f"Bad Request: receive an entity with incorrect {key} {value}")
        if entity.get("length", 0) > 0:
            out.append(entity)
    return out


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """``fix_formatted_text`` without skip_trim: strip ' ' and '\n' at both ends (not other
    whitespace), cut entities to the kept text, never trim into the first entity."""
    total = utf16_len(text)
    entities = [dict(e) for e in entities if e["offset"] < total]
    for e in entities:
        e["length"] = min(e["length"], total - e["offset"])
    right = text.rstrip(" \n")
    kept16 = utf16_len(right)
    entities = [e for e in entities if e["offset"] < kept16]
    for e in entities:
        e["length"] = min(e["length"], kept16 - e["offset"])
    first = min((e["offset"] for e in entities), default=kept16)
    cut = 0
    while cut < len(right) and cut < first and right[cut] in " \n":
        cut += 1
    for e in entities:
        e["offset"] -= cut
    return right[cut:], [e for e in entities if e["length"] > 0]


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
