"""Confidential casework (帮扶救助, 意见反映): who may see and do what, the states, and the keyed
values that stand in for an anonymous author.

`may` is the ONE place that decides access to a request: services ask it before every read
or move, and tests check it as a table. Content is for the assigned handlers (and the author),
never for an admin as such: an admin assigns and reads the audit, and sees content only by
assigning themselves, which the audit shows.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.auth import Role

UNION_TAG = "工会"  # roster tag of union staff (工会主席 etc. through job titles)
MAX_TEXT = 2000
MAX_FILES = 5
NONCE_BYTES = 16
_MAC_BYTES = 16


class Kind(StrEnum):
    ASSIST = "assist"  # 帮扶救助
    FEEDBACK = "feedback"  # 意见反映


class Category(StrEnum):
    HARDSHIP = "hardship"  # 生活困难
    ILLNESS = "illness"  # 大病
    SCHOOLING = "schooling"  # 子女就学
    OTHER = "other"  # 其他
    FEEDBACK = "feedback"  # the one category of private feedback


ASSIST_CATEGORIES = (Category.HARDSHIP, Category.ILLNESS, Category.SCHOOLING, Category.OTHER)


class State(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class Act(StrEnum):
    SEE_CONTENT = "see_content"  # the text, files and replies
    REPLY = "reply"  # a reply relayed to the author
    MOVE = "move"  # in progress / resolved
    SEE_META = "see_meta"  # number, kind, category, state, date, handlers — no content
    ASSIGN = "assign"  # assign / reassign handlers
    SEE_AUDIT = "see_audit"
    SEE_OWN = "see_own"  # the author's view of their own request


@dataclass(frozen=True)
class Viewer:
    tg_user_id: int
    roles: frozenset[Role]
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Facts:
    """What access depends on: who handles the request, and whether the viewer wrote it
    (for an anonymous request the service finds that out with `author_tag`)."""

    handlers: frozenset[int]
    viewer_is_author: bool = False


def eligible_handler(viewer: Viewer) -> bool:
    """May handle requests at all: admins (政工 / 工会 staff as admins) and union staff."""
    return Role.ADMIN in viewer.roles or UNION_TAG in viewer.tags


def may(viewer: Viewer, act: Act, facts: Facts) -> bool:
    """May `viewer` do `act` on a request with these `facts`? The only access decision."""
    if act is Act.SEE_OWN:
        return facts.viewer_is_author
    if act in (Act.SEE_META, Act.ASSIGN, Act.SEE_AUDIT):
        return Role.ADMIN in viewer.roles
    # Content and moves: an assigned handler who still holds a handler's role (someone who
    # lost it keeps no access through an old assignment).
    return viewer.tg_user_id in facts.handlers and eligible_handler(viewer)


# ------------------------------------------------------------------ states

_MOVES: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.ASSIGNED}),
    State.ASSIGNED: frozenset({State.IN_PROGRESS, State.RESOLVED, State.RECEIVED}),
    State.IN_PROGRESS: frozenset({State.RESOLVED}),
    State.RESOLVED: frozenset({State.IN_PROGRESS}),  # reopened by a handler
}


def can_move(frm: State, to: State) -> bool:
    return to in _MOVES[frm]


def after_assignment(state: State, handlers_left: int) -> State:
    """The state once the set of handlers changed: the first handler makes it assigned; the
    last one taken away sends an untouched request back to received."""
    if handlers_left and state is State.RECEIVED:
        return State.ASSIGNED
    if not handlers_left and state is State.ASSIGNED:
        return State.RECEIVED
    return state


# ------------------------------------------------------------------ the author's stand-ins


def case_key(secret: str) -> bytes:
    """The key of author tags and sealed addresses, from a secret outside the database."""
    return hashlib.sha256(b"banzu-casework-key\0" + secret.encode()).digest()


def author_tag(key: bytes, case_id: int, tg_user_id: int) -> bytes:
    """Per request, so two anonymous requests of one person do not even share a value."""
    return hmac.new(key, f"author\0{case_id}:{tg_user_id}".encode(), hashlib.sha256).digest()


def suggestion_tag(key: bytes, suggestion_id: int, tg_user_id: int) -> bytes:
    """The same for an anonymous suggestion (its own domain: never equal to a request's)."""
    return hmac.new(key, f"sg\0{suggestion_id}:{tg_user_id}".encode(), hashlib.sha256).digest()


def _pad(key: bytes, nonce: bytes) -> bytes:
    return hmac.new(key, b"seal-pad\0" + nonce, hashlib.sha256).digest()[:8]


def _mac(key: bytes, nonce: bytes, body: bytes) -> bytes:
    return hmac.new(key, b"seal-mac\0" + nonce + body, hashlib.sha256).digest()[:_MAC_BYTES]


def seal(key: bytes, chat_id: int, nonce: bytes) -> bytes:
    """`chat_id` encrypted (keyed pad, fresh random nonce) and authenticated: nonce|body|mac."""
    if len(nonce) != NONCE_BYTES:
        raise ValueError("nonce must be 16 random bytes")
    plain = chat_id.to_bytes(8, "big", signed=True)
    body = bytes(a ^ b for a, b in zip(plain, _pad(key, nonce), strict=True))
    return nonce + body + _mac(key, nonce, body)


def unseal(key: bytes, sealed: bytes) -> int | None:
    """The chat id inside `sealed`, or None if it was not sealed with `key` (or was altered)."""
    if len(sealed) != NONCE_BYTES + 8 + _MAC_BYTES:
        return None
    nonce, body, mac = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:-_MAC_BYTES], sealed[-_MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(key, nonce, body)):
        return None
    plain = bytes(a ^ b for a, b in zip(body, _pad(key, nonce), strict=True))
    return int.from_bytes(plain, "big", signed=True)


FileItem = tuple[str, str]  # (photo | document, Telegram file id)


@dataclass(frozen=True)
class Attached:
    """A draft after one more file: its files, its text, and whether the file's caption had to
    be left out (the text would pass MAX_TEXT) — the person is told, never silently."""

    files: tuple[FileItem, ...]
    text: str
    caption_dropped: bool = False


def attach(
    text: str, files: tuple[FileItem, ...], file: FileItem | None, caption: str
) -> Attached | None:
    """The draft with `file` (and its caption joined to the text); None when full."""
    if len(files) >= MAX_FILES:
        return None
    files = (*files, file) if file is not None else files
    if not caption:
        return Attached(files, text)
    joined = f"{text}\n{caption}" if text else caption
    if len(joined) > MAX_TEXT:
        return Attached(files, text, caption_dropped=True)
    return Attached(files, joined)
