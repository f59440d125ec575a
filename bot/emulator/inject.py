"""What the people on the other side do: write, upload, press buttons, vote, join, leave,
block the bot. Each action produces the updates Telegram would send to the bot."""

from __future__ import annotations

import unicodedata
from typing import Any

from . import media
from .errors import ControlError
from .methods import close_expired_poll, member_json
from .state import (
    ADMIN_RIGHTS,
    JSON,
    MEMBER_STATUSES,
    PERMISSIONS,
    CallbackQuery,
    Chat,
    State,
    User,
)
from .wire import UploadedFile

ACTIVE = ("creator", "administrator", "member", "restricted")


def user(st: State, user_id: Any) -> User:
    found = st.users.get(user_id) if isinstance(user_id, int) else None
    if found is None:
        raise ControlError(f"unknown user {user_id!r}: add it with POST /_emu/users first")
    return found


def chat(st: State, chat_id: Any) -> Chat:
    found = st.chats.get(chat_id) if isinstance(chat_id, int) else None
    if found is None:
        raise ControlError(f"unknown chat {chat_id!r}: add it with POST /_emu/chats first")
    return found


def add_user(
    st: State,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
) -> JSON:
    if user_id <= 0 or user_id == st.bot.id:
        raise ControlError(
            f"user id must be a positive integer other than the bot's, not {user_id}"
        )
    if not first_name:
        raise ControlError("first_name must be a non-empty string")
    old = st.users.get(user_id)
    st.users[user_id] = User(
        user_id,
        first_name,
        last_name,
        username,
        language_code,
        started=old.started if old else False,
        blocked=old.blocked if old else False,
    )
    st.chats.setdefault(user_id, Chat(user_id, "private"))
    return st.users[user_id].json()


def add_chat(st: State, chat_id: int, chat_type: str, title: str | None) -> JSON:
    if chat_type == "private":
        if chat_id not in st.users:
            raise ControlError(f"a private chat's id is its user's id; unknown user {chat_id}")
    elif chat_type in ("group", "supergroup"):
        if chat_id >= 0:
            raise ControlError(f"group and supergroup ids are negative, not {chat_id}")
        if chat_id in st.chats and st.chats[chat_id].type != chat_type:
            st.chats[chat_id].type = chat_type
        st.chats.setdefault(chat_id, Chat(chat_id, chat_type, title or f"Group {-chat_id}"))
        if title:
            st.chats[chat_id].title = title
    else:
        raise ControlError(f"type must be group, supergroup or private, not {chat_type!r}")
    return st.chat_json(st.chats[chat_id])


def performer(st: State, chat_obj: Chat) -> User:
    """Who made a membership change: an admin of the chat if there is one."""
    for uid, status in chat_obj.members.items():
        if status in ("creator", "administrator") and uid != st.bot.id:
            return st.users[uid]
    humans = [u for u in st.users.values() if not u.is_bot]
    return humans[0] if humans else st.bot


def set_member(
    st: State,
    chat_id: int,
    user_id: int,
    status: str,
    rights: dict[str, Any] | None = None,
    permissions: dict[str, Any] | None = None,
    until_date: int | None = None,
) -> list[int]:
    """Change a membership (and an administrator's rights or a restricted member's
    permissions); the ids of the updates it produced."""
    target = chat(st, chat_id)
    who = user(st, user_id) if user_id != st.bot.id else st.bot
    if target.type == "private":
        raise ControlError("membership of private chats cannot change; use block instead")
    if status not in MEMBER_STATUSES:
        raise ControlError(f"status must be one of {', '.join(MEMBER_STATUSES)}, not {status!r}")
    if rights is not None and status != "administrator":
        raise ControlError("rights are for status administrator")
    if permissions is not None and status != "restricted":
        raise ControlError("permissions are for status restricted")
    for name, given, allowed in (
        ("rights", rights, ADMIN_RIGHTS),
        ("permissions", permissions, (*PERMISSIONS, "is_member")),
    ):
        for key, flag in (given or {}).items():
            if key not in allowed or not isinstance(flag, bool):
                raise ControlError(f"{name}.{key} is not a boolean {name[:-1]} of Telegram's")
    old_json = member_json(st, target, who.id)
    target.members[who.id] = status
    if status == "administrator":
        target.rights[who.id] = dict(rights or target.rights.get(who.id) or {})
    else:
        target.rights.pop(who.id, None)
    if status in ("restricted", "kicked"):
        own: dict[str, Any] = dict(permissions or {}) if status == "restricted" else {}
        own["until_date"] = until_date or 0
        target.restrictions[who.id] = own
    else:
        target.restrictions.pop(who.id, None)
    new_json = member_json(st, target, who.id)
    if new_json == old_json:
        return []
    joined = old_json["status"] not in ACTIVE and status in ACTIVE
    left = old_json["status"] in ACTIVE and status not in ACTIVE
    actor = performer(st, target) if who.id == st.bot.id or not joined else who
    change = {
        "chat": st.chat_json(target),
        "from": actor.json(),
        "date": st.now(),
        "old_chat_member": old_json,
        "new_chat_member": new_json,
    }
    ids: list[int | None] = []
    if who.id == st.bot.id:
        target.bot_was_member = target.bot_was_member or status in ACTIVE
        ids.append(st.push_update("my_chat_member", change))
    elif st.bot_is_admin(target):
        ids.append(st.push_update("chat_member", change))
    if (joined or left) and target.members.get(st.bot.id) in ACTIVE:
        key = "new_chat_members" if joined else "left_chat_member"
        value: Any = [who.json()] if joined else who.json()
        msg = st.add_message(target, actor, {key: value}, reply_to=None)
        ids.append(st.push_update("message", msg.data))
    return [i for i in ids if i is not None]


def set_blocked(st: State, user_id: int, blocked: bool) -> int | None:
    who = user(st, user_id)
    if who.blocked == blocked:
        return None
    who.blocked = blocked
    private = st.chats[who.id]
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    change = {
        "chat": st.chat_json(private),
        "from": who.json(),
        "date": st.now(),
        "old_chat_member": {"status": old, "user": st.bot.json(), **_until(old)},
        "new_chat_member": {"status": new, "user": st.bot.json(), **_until(new)},
    }
    return st.push_update("my_chat_member", change)


def _until(status: str) -> JSON:
    return {"until_date": 0} if status == "kicked" else {}


def _sender_in(st: State, chat_id: int, from_id: int) -> tuple[Chat, User]:
    target, who = chat(st, chat_id), user(st, from_id)
    if target.type == "private":
        if target.id != who.id:
            raise ControlError(f"only user {target.id} writes in private chat {target.id}")
        if who.blocked:
            set_blocked(st, who.id, False)  # writing to a blocked bot restarts it
        who.started = True
        return target, who
    if target.members.get(who.id) not in ACTIVE:
        raise ControlError(f"user {who.id} is not a member of chat {target.id}")
    if target.members.get(st.bot.id) not in ACTIVE:
        raise ControlError(f"the bot is not a member of chat {target.id}: it would see nothing")
    return target, who


def _delivered(st: State, target: Chat, text: str, reply_to: int | None) -> bool:
    """Privacy mode: in groups a bot sees commands, replies to it and mentions only."""
    if target.type == "private" or not st.privacy_mode or st.bot_is_admin(target):
        return True
    first = next(iter(bot_commands(text)), None)
    if first is not None and first[0] == 0:
        command = text[: first[1]]
        return "@" not in command or command.lower().endswith("@" + (st.bot.username or "").lower())
    replied = target.messages.get(reply_to) if reply_to is not None else None
    if replied is not None and replied.by_bot:
        return True
    return f"@{(st.bot.username or '').lower()}" in text.lower()


def _word(ch: str) -> bool:
    # tdlib's is_word_character: letters, numbers and "_".
    return ch == "_" or unicodedata.category(ch)[0] in "LN"


def _command_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _run(text: str, start: int) -> int:
    end = start
    while end < len(text) and _command_char(text[end]):
        end += 1
    return end


def bot_commands(text: str) -> list[tuple[int, int]]:
    """(start, end) in code points of each bot command, as tdlib's match_bot_commands finds
    them: "/" not after a word character, "/" or "<>", 1–64 of [A-Za-z0-9_], optionally
    "@" and a 3–32 character username, not followed by a word character, "/" or "<>".
    So "/", "/@0", "/中文" and "a/b" are plain text, and "/start@x" (a 1-letter name) is not
    a command at all."""
    found: list[tuple[int, int]] = []
    at = text.find("/")
    while at != -1:
        prev = text[at - 1] if at else ""
        start = at + 1
        at = text.find("/", start)
        if prev and (_word(prev) or prev in "/<>"):
            continue
        end = _run(text, start)
        if not 1 <= end - start <= 64:
            continue
        if end < len(text) and text[end] == "@":
            mention_end = _run(text, end + 1)
            if not 3 <= mention_end - end - 1 <= 32:
                continue
            end = mention_end
        nxt = text[end] if end < len(text) else ""
        if nxt and (_word(nxt) or nxt in "/<>"):
            continue
        found.append((start - 1, end))
    return found


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_entities(text: str) -> list[JSON]:
    return [
        {"type": "bot_command", "offset": _utf16(text[:a]), "length": _utf16(text[a:b])}
        for a, b in bot_commands(text)
    ]


def send_message(st: State, chat_id: int, from_id: int, text: str, reply_to: int | None) -> JSON:
    if not isinstance(text, str) or not text:
        raise ControlError("text must be a non-empty string")
    target, who = _sender_in(st, chat_id, from_id)
    if reply_to is not None and reply_to not in target.messages:
        raise ControlError(f"no message {reply_to} in chat {chat_id} to reply to")
    content: JSON = {"text": text}
    entities = text_entities(text)
    if entities:
        content["entities"] = entities
    msg = st.add_message(target, who, content, reply_to=reply_to)
    update_id = None
    if _delivered(st, target, text, reply_to):
        update_id = st.push_update("message", msg.data)
    return {"update_id": update_id, "message_id": msg.message_id}


def send_document(
    st: State,
    chat_id: int,
    from_id: int,
    file_name: str,
    content: bytes,
    caption: str | None,
    media_group_id: str | None = None,
) -> JSON:
    if not file_name:
        raise ControlError("file_name must be a non-empty string")
    target, who = _sender_in(st, chat_id, from_id)
    stored = st.store_file(UploadedFile(file_name, content, _mime(file_name)), "document")
    body: JSON = {
        "document": {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_size": len(content),
        }
    }
    return _post_media(st, target, who, body, caption, media_group_id, stored.file_id)


def _post_media(
    st: State,
    target: Chat,
    who: User,
    body: JSON,
    caption: str | None,
    media_group_id: str | None,
    file_id: str,
) -> JSON:
    if caption:
        body["caption"] = caption
        entities = text_entities(caption)
        if entities:
            body["caption_entities"] = entities
    if media_group_id:
        body["media_group_id"] = media_group_id
    msg = st.add_message(target, who, body, reply_to=None)
    update_id = None
    if _delivered(st, target, caption or "", None):
        update_id = st.push_update("message", msg.data)
    return {"update_id": update_id, "message_id": msg.message_id, "file_id": file_id}


def send_photo(
    st: State,
    chat_id: int,
    from_id: int,
    content: bytes | None,
    caption: str | None,
    media_group_id: str | None = None,
    file_name: str = "photo.jpg",
) -> JSON:
    """A user sends a picture (by default a real 320x240 JPEG shipped with the emulator)."""
    if content is None:
        content = media.SAMPLE_PHOTO.read_bytes()
    info = media.image_info(content)
    if info is None:
        raise ControlError("content is not a PNG, JPEG, GIF or WebP picture")
    target, who = _sender_in(st, chat_id, from_id)
    mime = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif"}.get(info[0], "image/webp")
    stored = st.store_file(UploadedFile(file_name, content, mime), "photo")
    body: JSON = {"photo": st.photo_sizes(stored, info[1], info[2])}
    return _post_media(st, target, who, body, caption, media_group_id, stored.file_id)


def _mime(file_name: str) -> str:
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return {
        "csv": "text/csv",
        "txt": "text/plain",
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "png": "image/png",
        "jpg": "image/jpeg",
        "json": "application/json",
    }.get(ext, "application/octet-stream")


def press(
    st: State,
    chat_id: int,
    from_id: int,
    message_id: int,
    data: str | None,
    button_text: str | None,
) -> JSON:
    target, who = chat(st, chat_id), user(st, from_id)
    if target.type != "private" and target.members.get(who.id) not in ACTIVE:
        raise ControlError(f"user {who.id} is not a member of chat {chat_id}")
    msg = target.messages.get(message_id) if isinstance(message_id, int) else None
    if msg is None or not msg.by_bot:
        raise ControlError(f"no message {message_id!r} from the bot in chat {chat_id}")
    if data is None and button_text is None:
        raise ControlError("give data or button_text")
    callback_data = _find_button(msg.data.get("reply_markup"), data, button_text)
    if callback_data is None:
        wanted = f"data {data!r}" if data is not None else f"text {button_text!r}"
        raise ControlError(f"message {message_id} has no callback button with {wanted}")
    query_id = st.next_id("CQ")
    query = {
        "id": query_id,
        "from": who.json(),
        "message": msg.data,
        "chat_instance": str(abs(chat_id) * 7919 % 10**12),
        "data": callback_data,
    }
    st.callbacks[query_id] = CallbackQuery(st.clock())
    return {"update_id": st.push_update("callback_query", query), "callback_query_id": query_id}


def _find_button(markup: Any, data: str | None, text: str | None) -> str | None:
    if not isinstance(markup, dict):
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if "callback_data" not in button:
                continue
            if (data is not None and button["callback_data"] == data) or (
                data is None and button.get("text") == text
            ):
                return str(button["callback_data"])
    return None


def answer_poll(st: State, poll_id: str, user_id: int, option_ids: list[int]) -> JSON:
    poll = st.polls.get(poll_id)
    if poll is None:
        raise ControlError(f"unknown poll {poll_id!r}")
    who = user(st, user_id)
    data = poll.data
    close_expired_poll(st, data)
    if data["is_closed"]:
        raise ControlError(f"poll {poll_id} is closed")
    if who.id in poll.votes and not data["allows_revoting"]:
        raise ControlError(f"poll {poll_id} does not allow revoting: user {who.id} has voted")
    count = len(data["options"])
    if not isinstance(option_ids, list) or any(
        not isinstance(i, int) or not 0 <= i < count for i in option_ids
    ):
        raise ControlError(f"option_ids must be a list of integers in 0..{count - 1}")
    if len(option_ids) > 1 and not data["allows_multiple_answers"]:
        raise ControlError("this poll allows one answer only")
    for i in poll.votes.pop(who.id, []):
        data["options"][i]["voter_count"] -= 1
    if option_ids:
        poll.votes[who.id] = list(option_ids)
        for i in option_ids:
            data["options"][i]["voter_count"] += 1
    data["total_voter_count"] = len(poll.votes)
    update_id = None
    if not data["is_anonymous"]:
        answer = {
            "poll_id": poll_id,
            "user": who.json(),
            "option_ids": list(option_ids),
            "option_persistent_ids": [data["options"][i]["persistent_id"] for i in option_ids],
        }
        update_id = st.push_update("poll_answer", answer)
    # Bots also get the new state of polls they sent.
    poll_update = st.push_update("poll", dict(data))
    return {"update_id": update_id if update_id is not None else poll_update}


def set_chat_permissions(st: State, chat_id: int, permissions: dict[str, Any]) -> JSON:
    """A group's default member permissions; unnamed ones keep their value."""
    target = chat(st, chat_id)
    if target.type == "private":
        raise ControlError("private chats have no permissions to set")
    for key, value in permissions.items():
        if key not in PERMISSIONS or not isinstance(value, bool):
            raise ControlError(f"permissions.{key} is not a boolean permission of Telegram's")
    target.permissions.update(permissions)
    return dict(target.permissions)
