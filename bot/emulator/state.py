"""Everything the emulated Telegram remembers, and the helpers both sides (bot calls and
injected user actions) use to change it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import media
from .errors import ApiError, EmulatorBug, bad_request, forbidden
from .flood import FloodControl
from .spec import Spec
from .webhook import Delivery, Webhook
from .wire import UploadedFile

JSON = dict[str, Any]

# Update kinds a bot gets when it never said otherwise (or sent an empty allowed_updates).
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
SEND_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
)
PERMISSIONS = (
    *SEND_PERMISSIONS,
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
# A new group: members may send everything and invite, not pin or change the chat.
DEFAULT_PERMISSIONS = {p: p in SEND_PERMISSIONS or p == "can_invite_users" for p in PERMISSIONS}
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_post_messages",
    "can_edit_messages",
    "can_pin_messages",
    "can_manage_topics",
    "can_manage_direct_messages",
    "can_manage_tags",
)
# An administrator added without explicit rights: the rights Telegram's "add admin" offers.
DEFAULT_ADMIN_RIGHTS = {
    r: r
    in (
        "can_manage_chat",
        "can_delete_messages",
        "can_pin_messages",
        "can_invite_users",
        "can_restrict_members",
        "can_change_info",
    )
    for r in ADMIN_RIGHTS
}


@dataclass(slots=True)
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started: bool = False  # has written to the bot in private: the bot may message them
    blocked: bool = False

    def json(self) -> JSON:
        out: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code and not self.is_bot:
            out["language_code"] = self.language_code
        return out


@dataclass(slots=True)
class Message:
    chat_id: int
    message_id: int
    by_bot: bool
    data: JSON  # the Message object as Telegram would return it now
    reply_keyboard: bool = False  # sent with a reply keyboard / remove / force reply


@dataclass(slots=True)
class Chat:
    id: int
    type: str
    title: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_was_member: bool = False
    next_message_id: int = 1
    messages: dict[int, Message] = field(default_factory=dict)
    pinned: list[int] = field(default_factory=list)
    permissions: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    rights: dict[int, dict[str, bool]] = field(default_factory=dict)  # administrators
    restrictions: dict[int, dict[str, Any]] = field(default_factory=dict)  # restricted members

    def admin_rights(self, user_id: int) -> dict[str, bool]:
        status = self.members.get(user_id)
        if status == "creator" or self.type == "private":
            return dict.fromkeys(ADMIN_RIGHTS, True)
        if status == "administrator":
            return {**DEFAULT_ADMIN_RIGHTS, **self.rights.get(user_id, {})}
        return dict.fromkeys(ADMIN_RIGHTS, False)

    def member_permissions(self, user_id: int) -> dict[str, bool]:
        """What ``user_id`` may do here: ChatManager get_*_permissions, effective rights."""
        status = self.members.get(user_id)
        if self.type == "private" or status in ("creator", "administrator"):
            allowed = dict.fromkeys(PERMISSIONS, True)
            if status == "administrator":
                rights = self.admin_rights(user_id)
                for key in ("can_change_info", "can_invite_users", "can_pin_messages"):
                    allowed[key] = rights[key]
            return allowed
        if status == "restricted":
            own = self.restrictions.get(user_id, {})
            return {p: bool(own.get(p, False)) and self.permissions[p] for p in PERMISSIONS}
        if status == "member":
            return dict(self.permissions)
        return dict.fromkeys(PERMISSIONS, False)


@dataclass(slots=True)
class Poll:
    chat_id: int
    message_id: int
    data: JSON
    votes: dict[int, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class StoredFile:
    file_id: str
    unique_id: str
    content: bytes
    file_name: str
    mime_type: str
    path: str


@dataclass(slots=True)
class Stats:
    calls: Counter[str] = field(default_factory=Counter)
    flood_429: int = 0
    faults: int = 0
    violations: list[JSON] = field(default_factory=list)
    bugs: list[str] = field(default_factory=list)
    late_answers: int = 0  # answerCallbackQuery calls after CALLBACK_ANSWER_SECONDS
    webhook_deliveries: int = 0
    webhook_errors: int = 0


@dataclass(slots=True)
class CallbackQuery:
    pressed_at: float  # on the emulated clock
    answered: bool = False


class State:
    """The emulated Telegram world of one bot."""

    def __init__(
        self, spec: Spec, bot: User, clock: Callable[[], float], privacy_mode: bool
    ) -> None:
        self.spec = spec
        self.bot = bot
        self.clock = clock
        self.privacy_mode = privacy_mode
        self.flood = FloodControl()
        self.stats = Stats()
        self.users: dict[int, User] = {bot.id: bot}
        self.chats: dict[int, Chat] = {}
        self.polls: dict[str, Poll] = {}
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.transcript: list[JSON] = []
        self.updates: list[JSON] = []
        self.next_update_id = 100_001
        self.fetched_upto = 0  # highest update_id handed out by getUpdates
        self.allowed_updates: frozenset[str] | None = None
        # Long polls waiting for an update; a result other than None terminates one (409).
        self.waiters: list[asyncio.Future[str | None]] = []
        self.long_poll: asyncio.Future[str | None] | None = None
        self.webhook: Webhook | None = None
        self.delivery = Delivery(self)
        self.counter = 0  # for ids of files, polls, callback queries

    # ------------------------------------------------------------------ ids, time

    def now(self) -> int:
        return max(1, int(self.clock()))

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:08d}"

    # ------------------------------------------------------------------ lookups

    def chat_json(self, chat: Chat) -> JSON:
        if chat.type == "private":
            user = self.users.get(chat.id)
            out: JSON = {"id": chat.id, "type": "private"}
            if user is not None:
                out.update(
                    {
                        k: v
                        for k, v in user.json().items()
                        if k in ("first_name", "last_name", "username")
                    }
                )
            return out
        return {"id": chat.id, "type": chat.type, "title": chat.title or str(chat.id)}

    def resolve_chat(self, chat_id: int | str) -> Chat:
        if isinstance(chat_id, str):
            chat = self._chat_by_username(chat_id)
        else:
            chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _chat_by_username(self, ref: str) -> Chat | None:
        name = ref.lstrip("@").lower()
        for user in self.users.values():
            if user.username and user.username.lower() == name:
                return self.chats.get(user.id)
        return None

    def writable_chat(self, chat_id: int | str, *, editing: bool = False) -> Chat:
        """The chat a bot may post to (or act on, when ``editing``), or Telegram's 400/403."""
        chat = self.resolve_chat(chat_id)
        if chat.type == "private":
            user = self.users.get(chat.id)
            if user is None or user.is_bot:
                raise forbidden("bot can't send messages to bots")
            if user.blocked:
                raise forbidden("bot was blocked by the user")
            if not user.started and not editing:
                raise forbidden("bot can't initiate conversation with a user")
            return chat
        status = chat.members.get(self.bot.id, "left")
        if status in ("left", "kicked"):
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            if chat.bot_was_member:
                raise forbidden(f"bot was kicked from the {kind}")
            raise forbidden(f"bot is not a member of the {kind}")
        return chat

    def bot_is_admin(self, chat: Chat) -> bool:
        if chat.type == "private":
            return True
        return chat.members.get(self.bot.id) in ("administrator", "creator")

    def message(self, chat: Chat, message_id: int) -> Message | None:
        return chat.messages.get(message_id)

    # ------------------------------------------------------------------ flood

    def admit(self, chat: Chat) -> None:
        retry = self.flood.admit(chat.id, chat.type, self.clock())
        if retry is not None:
            self.stats.flood_429 += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)

    # ------------------------------------------------------------------ messages

    def add_message(
        self, chat: Chat, sender: User, content: JSON, *, reply_to: int | None
    ) -> Message:
        mid = chat.next_message_id
        chat.next_message_id += 1
        data: JSON = {
            "message_id": mid,
            "from": sender.json(),
            "chat": self.chat_json(chat),
            "date": self.now(),
        }
        if reply_to is not None and reply_to in chat.messages:
            inner = dict(chat.messages[reply_to].data)
            inner.pop("reply_to_message", None)  # Telegram nests replies one level only
            data["reply_to_message"] = inner
        data.update(content)
        msg = Message(chat.id, mid, sender.id == self.bot.id, data)
        chat.messages[mid] = msg
        return msg

    # ------------------------------------------------------------------ files

    def store_file(self, upload: UploadedFile, kind: str) -> StoredFile:
        file_id = self.next_id(f"EMU{kind[:3].upper()}")
        ext = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
        stored = StoredFile(
            file_id=file_id,
            unique_id="U" + file_id,
            content=upload.content,
            file_name=upload.filename,
            mime_type=upload.mime_type,
            path=f"{kind}s/file_{self.counter}.{ext}",
        )
        self.files[file_id] = stored
        return stored

    def photo_sizes(self, stored: StoredFile, width: int, height: int) -> list[JSON]:
        """The PhotoSize list of a stored picture; the last one is the original file."""
        sizes = media.photo_sizes(width, height)
        out: list[JSON] = []
        for i, (w, h) in enumerate(sizes):
            if i == len(sizes) - 1:
                ref = stored
            else:  # Telegram keeps scaled copies; the emulator serves the same bytes
                ref = self.store_file(
                    UploadedFile(stored.file_name, stored.content, stored.mime_type), "photo"
                )
            out.append(
                {
                    "file_id": ref.file_id,
                    "file_unique_id": ref.unique_id,
                    "width": w,
                    "height": h,
                    "file_size": len(ref.content),
                }
            )
        return out

    # ------------------------------------------------------------------ updates

    def wants(self, kind: str) -> bool:
        if self.allowed_updates is None:
            return kind not in OPT_IN_UPDATES
        return kind in self.allowed_updates

    def push_update(self, kind: str, payload: JSON) -> int | None:
        """Queue an update if the bot would get it; its update_id, or None if filtered."""
        if not self.wants(kind):
            return None
        update_id = self.next_update_id
        update: JSON = {"update_id": update_id, kind: payload}
        self.check_out("Update", update)
        self.next_update_id += 1
        self.updates.append(update)
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_result(None)
        self.waiters.clear()
        if self.webhook is not None:
            self.delivery.wakeup.set()
        return update_id

    def pending(self) -> int:
        return sum(1 for u in self.updates if u["update_id"] > self.fetched_upto)

    def confirm(self, offset: int) -> None:
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    def check_out(self, type_name: str, value: Any) -> None:
        try:
            self.spec.check_type(type_name, value)
        except EmulatorBug as exc:
            self.stats.bugs.append(str(exc))
            raise

    # ------------------------------------------------------------------ transcript

    def record(
        self,
        method: str,
        chat_id: int | None,
        message_id: int | None,
        params: JSON,
        *,
        text: str | None = None,
        reply_markup: JSON | None = None,
    ) -> None:
        self.transcript.append(
            {
                "seq": len(self.transcript) + 1,
                "method": method,
                "chat_id": chat_id,
                "message_id": message_id,
                "text": text,
                "reply_markup": reply_markup,
                "params": jsonable(params),
                "at": self.clock(),
            }
        )


def jsonable(value: Any) -> Any:
    """Params as JSON (uploaded files shown by name and size)."""
    if isinstance(value, UploadedFile):
        return {"file_name": value.filename, "size": len(value.content)}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def default_object(spec: Spec, type_name: str, values: JSON) -> JSON:
    """``values`` completed with neutral values for the type's other required fields."""
    out = dict(values)
    for name in spec.types[type_name].required:
        if name in out:
            continue
        ref = spec.types[type_name].fields[name].types[0]
        if ref.depth:
            out[name] = []
        elif ref.name == "Boolean":
            out[name] = False
        elif ref.name in ("Integer", "Float"):
            out[name] = 0
        elif ref.name == "String":
            out[name] = ""
        else:
            out[name] = default_object(spec, ref.name, {})
    return out


def monotonic() -> float:
    return time.monotonic()
