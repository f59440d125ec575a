"""The Bot API methods the emulator implements, each as Telegram behaves for it.

Every function gets the world (``State``) and one already validated ``Call`` and returns the
method's result (checked against the spec by the caller) or raises ``ApiError``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from . import media
from .entities import parse_text, trim
from .errors import ApiError, bad_request, refuse
from .keyboards import check_markup
from .state import (
    ADMIN_RIGHTS,
    JSON,
    PERMISSIONS,
    Chat,
    Message,
    Poll,
    State,
    StoredFile,
    default_object,
)
from .webhook import GET_UPDATES_CONFLICT, check_webhook, webhook_info
from .wire import UploadedFile

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
# Telegram's servers drop a callback query's answer slot about 15 s after the press; the
# answer then fails with QUERY_ID_INVALID, which the Bot API server words as QUERY_TOO_OLD.
CALLBACK_ANSWER_SECONDS = 15.0
# MessagesManager::can_delete_channel_message / can_revoke_message: bots can't delete (for
# everyone) messages older than 2 days.
BOT_DELETE_SECONDS = 2 * 86400


@dataclass(slots=True)
class Call:
    method: str
    params: JSON
    texts: dict[str, tuple[str, list[JSON]]] = field(default_factory=dict)
    read_timeout: float | None = None
    description: str | None = None  # the server's words next to an ok result

    def text(self, name: str) -> tuple[str | None, list[JSON]]:
        if name in self.texts:
            return self.texts[name]
        return None, []


Handler = Callable[[State, Call], Any]
METHODS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        METHODS[name.lower()] = fn
        return fn

    return register


# ---------------------------------------------------------------------- helpers


def inline_markup(params: JSON, chat: Chat) -> JSON | None:
    """The inline keyboard of a call (other keyboards are not part of the Message)."""
    return check_markup(params, chat.type)[0]


def reply_target(chat: Chat, params: JSON) -> int | None:
    reply = params.get("reply_parameters")
    if not reply:
        return None
    mid = int(reply["message_id"])
    if mid not in chat.messages and not reply.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    return mid if mid in chat.messages else None


def text_content(call: Call, field_name: str, entities_key: str) -> JSON:
    text, entities = call.text(field_name)
    content: JSON = {}
    if text is not None and (text or field_name == "text"):
        content[field_name] = text
        if entities:
            content[entities_key] = entities
    return content


def send(st: State, call: Call, chat: Chat, content: JSON, text: str | None = None) -> JSON:
    """Post one bot message: rights, markup, flood check, store, transcript; the Message."""
    right = SEND_RIGHT.get(call.method)
    if right is not None:
        require_permission(st, chat, *right)
    markup, reply_keyboard = check_markup(call.params, chat.type)
    reply_to = reply_target(chat, call.params)
    st.admit(chat)
    if markup is not None:
        content["reply_markup"] = markup
    msg = st.add_message(chat, st.bot, content, reply_to=reply_to)
    msg.reply_keyboard = reply_keyboard
    st.record(call.method, chat.id, msg.message_id, call.params, text=text, reply_markup=markup)
    return msg.data


def editable(st: State, call: Call, what: str = "edit") -> tuple[Chat, Message]:
    if call.params.get("inline_message_id") is not None:
        raise bad_request("inline messages are not supported by the emulator")
    if call.params.get("chat_id") is None:
        raise bad_request("chat_id is empty", violation=True)
    if call.params.get("message_id") is None:
        raise bad_request("message identifier is not specified", violation=True)
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    msg = chat.messages.get(call.params["message_id"])
    if msg is None:
        raise bad_request(f"message to {what} not found")
    if not msg.by_bot:
        raise bad_request(f"message can't be {'edited' if what == 'edit' else what + 'ed'}")
    if msg.reply_keyboard:
        # MessagesManager::can_edit_message: a message sent with a reply keyboard (or one
        # that removed it) is never editable. Bots' own messages have no edit time limit.
        raise refuse("message can't be edited", "edit_reply_keyboard_message")
    return chat, msg


def apply_edit(st: State, call: Call, chat: Chat, msg: Message, changes: JSON) -> JSON:
    """Replace fields of a bot message (None removes); 'not modified' if nothing changes."""
    data = msg.data
    if all(data.get(k) == v for k, v in changes.items()):
        raise bad_request(NOT_MODIFIED)
    st.admit(chat)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    data["edit_date"] = st.now()
    text = data.get("text", data.get("caption"))
    st.record(
        call.method,
        chat.id,
        msg.message_id,
        call.params,
        text=text,
        reply_markup=data.get("reply_markup"),
    )
    return data


def input_file(st: State, value: Any, kind: str) -> StoredFile:
    if isinstance(value, UploadedFile):
        media.check_upload(value.content)
        if kind == "photo":
            media.check_photo(value.content)
        return st.store_file(value, kind)
    stored = st.files.get(str(value))
    if stored is not None:
        return stored
    if str(value).startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    raise bad_request("wrong file identifier/HTTP URL specified")


def member_json(st: State, chat: Chat, user_id: int) -> JSON:
    user = st.users[user_id]
    status = chat.members.get(user_id, "left")
    if chat.type == "private" and user_id in (chat.id, st.bot.id):
        status = "kicked" if (user_id == st.bot.id and st.users[chat.id].blocked) else "member"
    base: JSON = {"status": status, "user": user.json()}
    if status == "administrator":
        rights = chat.admin_rights(user_id)
        return default_object(st.spec, "ChatMemberAdministrator", {**base, **rights})
    if status == "creator":
        return default_object(st.spec, "ChatMemberOwner", base)
    if status == "kicked":
        return {**base, "until_date": chat.restrictions.get(user_id, {}).get("until_date", 0)}
    if status == "restricted":
        own = chat.restrictions.get(user_id, {})
        values = {p: bool(own.get(p, False)) for p in PERMISSIONS}
        restricted = {
            **base,
            **values,
            "is_member": bool(own.get("is_member", True)),
            "until_date": int(own.get("until_date", 0)),
        }
        return default_object(st.spec, "ChatMemberRestricted", restricted)
    return base


# MessageContent.cpp can_send_message_content: the right each kind of message needs and the
# words of its refusal ("Not enough rights to send <what> to the chat").
SEND_RIGHT = {
    "sendMessage": ("can_send_messages", "text messages"),
    "sendPhoto": ("can_send_photos", "photos"),
    "sendDocument": ("can_send_documents", "documents"),
    "sendPoll": ("can_send_polls", "polls"),
    "sendVideo": ("can_send_videos", "videos"),
    "sendAudio": ("can_send_audios", "music"),
    "sendVoice": ("can_send_voice_notes", "voice notes"),
}


def require_permission(st: State, chat: Chat, right: str, what: str) -> None:
    if not chat.member_permissions(st.bot.id).get(right, False):
        raise refuse(f"not enough rights to send {what} to the chat", "rights")


# ---------------------------------------------------------------------- the bot itself


@method("getMe")
def get_me(st: State, call: Call) -> JSON:
    return {
        **st.bot.json(),
        "can_join_groups": True,
        "can_read_all_group_messages": not st.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("logOut")
@method("close")
def log_out(st: State, call: Call) -> bool:
    return True


def scope_key(st: State, call: Call) -> tuple[str, str]:
    scope = call.params.get("scope") or {"type": "default"}
    if "chat_id" in scope:
        st.resolve_chat(scope["chat_id"])
    return json.dumps(scope, sort_keys=True), call.params.get("language_code") or ""


@method("setMyCommands")
def set_my_commands(st: State, call: Call) -> bool:
    commands = call.params["commands"]
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH", violation=True)
    st.commands[scope_key(st, call)] = commands
    st.record(call.method, None, None, call.params)
    return True


@method("getMyCommands")
def get_my_commands(st: State, call: Call) -> list[JSON]:
    return list(st.commands.get(scope_key(st, call), []))


@method("deleteMyCommands")
def delete_my_commands(st: State, call: Call) -> bool:
    st.commands.pop(scope_key(st, call), None)
    st.record(call.method, None, None, call.params)
    return True


# ---------------------------------------------------------------------- updates


OTHER_GET_UPDATES = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
BY_SET_WEBHOOK = "Conflict: terminated by setWebhook request"


@method("getUpdates")
async def get_updates(st: State, call: Call) -> list[JSON]:
    """Client::process_get_updates_query: 409 while a webhook is set; a new long poll ends
    the one still waiting (Client::abort_long_poll)."""
    if st.webhook is not None:
        raise ApiError(409, GET_UPDATES_CONFLICT.description, violation=True, rule="conflict")
    terminate_long_poll(st, OTHER_GET_UPDATES)
    p = call.params
    if "allowed_updates" in p:
        allowed = p["allowed_updates"]
        st.allowed_updates = frozenset(allowed) if allowed else None
    if p.get("offset"):
        st.confirm(p["offset"])
    # The server clamps the limit to 1-100 rather than rejecting it.
    limit = min(max(p.get("limit", 100), 1), 100)
    timeout = max(p.get("timeout", 0), 0)
    if not st.updates and timeout:
        reason = await wait_for_update(st, min(timeout, call.read_timeout or timeout))
        if reason is not None:
            raise ApiError(409, reason, violation=True, rule="conflict")
    batch = st.updates[:limit]
    if batch:
        st.fetched_upto = max(st.fetched_upto, batch[-1]["update_id"])
    return batch


def terminate_long_poll(st: State, reason: str) -> None:
    poll = st.long_poll
    if poll is not None and not poll.done():
        poll.set_result(reason)
    st.long_poll = None


async def wait_for_update(st: State, seconds: float) -> str | None:
    """Wait for an update; None, or the reason another request ended this long poll."""
    waiter: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    st.waiters.append(waiter)
    st.long_poll = waiter
    try:
        async with asyncio.timeout(seconds):
            return await waiter
    except TimeoutError:
        return None
    finally:
        if waiter in st.waiters:
            st.waiters.remove(waiter)
        if st.long_poll is waiter:
            st.long_poll = None


@method("setWebhook")
async def set_webhook(st: State, call: Call) -> bool:
    """Client::process_set_webhook_query / do_set_webhook; delivery in webhook.Delivery."""
    p = call.params
    if not p.get("url"):
        return await drop_webhook(st, call)
    hook = check_webhook(p)
    current = st.webhook
    unchanged = (
        current is not None
        and (current.url, current.secret_token, current.max_connections)
        == (hook.url, hook.secret_token, hook.max_connections)
        and not p.get("drop_pending_updates")
    )
    if "allowed_updates" in p:
        st.allowed_updates = frozenset(p["allowed_updates"]) if p["allowed_updates"] else None
    if unchanged:
        call.description = "Webhook is already set"
        return True
    if p.get("drop_pending_updates"):
        st.updates.clear()
    terminate_long_poll(st, BY_SET_WEBHOOK)
    await st.delivery.stop()
    st.webhook = hook
    st.delivery.start()
    st.record(call.method, None, None, call.params)
    call.description = "Webhook was set"
    return True


@method("deleteWebhook")
async def delete_webhook(st: State, call: Call) -> bool:
    return await drop_webhook(st, call)


async def drop_webhook(st: State, call: Call) -> bool:
    if call.params.get("drop_pending_updates"):
        st.updates.clear()
    was_set = st.webhook is not None
    st.webhook = None
    await st.delivery.stop()
    if was_set:
        st.record(call.method, None, None, call.params)
    call.description = "Webhook was deleted" if was_set else "Webhook is already deleted"
    return True


@method("getWebhookInfo")
def get_webhook_info(st: State, call: Call) -> JSON:
    return webhook_info(st)


# ---------------------------------------------------------------------- sending


@method("sendMessage")
def send_message(st: State, call: Call) -> JSON:
    chat = st.writable_chat(call.params["chat_id"])
    content = text_content(call, "text", "entities")
    return send(st, call, chat, content, content["text"])


@method("sendChatAction")
def send_chat_action(st: State, call: Call) -> bool:
    st.writable_chat(call.params["chat_id"])
    return True


@method("sendDocument")
def send_document(st: State, call: Call) -> JSON:
    chat = st.writable_chat(call.params["chat_id"])
    stored = input_file(st, call.params["document"], "document")
    doc = {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_name": stored.file_name,
        "mime_type": stored.mime_type,
        "file_size": len(stored.content),
    }
    content = {"document": doc, **text_content(call, "caption", "caption_entities")}
    result = send(st, call, chat, content, content.get("caption"))
    return result


@method("sendPhoto")
def send_photo(st: State, call: Call) -> JSON:
    chat = st.writable_chat(call.params["chat_id"])
    stored = input_file(st, call.params["photo"], "photo")
    info = media.image_info(stored.content)
    if info is None:  # a file_id of a document that is not a picture
        raise bad_request("IMAGE_PROCESS_FAILED", rule="photo")
    sizes = st.photo_sizes(stored, info[1], info[2])
    content = {"photo": sizes, **text_content(call, "caption", "caption_entities")}
    return send(st, call, chat, content, content.get("caption"))


# MessageContent.cpp is_allowed_media_group_content / is_homogenous_media_group_content.
ALBUM_KINDS = {"photo": "Photo", "video": "Video", "document": "Document", "audio": "Audio"}
HOMOGENOUS = ("document", "audio")
ALBUM_RIGHTS = {
    "photo": ("can_send_photos", "photos"),
    "video": ("can_send_videos", "videos"),
    "document": ("can_send_documents", "documents"),
    "audio": ("can_send_audios", "music"),
}


@method("sendMediaGroup")
def send_media_group(st: State, call: Call) -> list[JSON]:
    """MessagesManager::send_message_group + check_message_group_message_contents."""
    chat = st.writable_chat(call.params["chat_id"])
    items = call.params["media"]
    if len(items) > 10:
        raise refuse("too many messages to send as an album", "media_group")
    if not items:
        raise refuse("there are no messages to send", "media_group")
    kinds = [item["type"] for item in items]
    for kind in kinds:
        if kind not in ALBUM_KINDS:
            raise refuse("invalid message content type", "media_group")
    if len(set(kinds)) > 1:
        for kind in HOMOGENOUS:
            if kind in kinds:
                raise refuse(
                    f"{ALBUM_KINDS[kind].lower()} can't be mixed with other media types",
                    "media_group",
                )
    if len({bool(item.get("show_caption_above_media")) for item in items}) > 1:
        raise refuse(
            "parameter show_caption_above_media must be the same for all messages", "media_group"
        )
    for kind in dict.fromkeys(kinds):
        require_permission(st, chat, *ALBUM_RIGHTS[kind])
    contents: list[JSON] = []
    for item in items:
        stored = input_file(st, item["media"], item["type"])
        content: JSON = {}
        if item["type"] == "photo":
            info = media.image_info(stored.content)
            if info is None:
                raise bad_request("IMAGE_PROCESS_FAILED", rule="photo")
            content["photo"] = st.photo_sizes(stored, info[1], info[2])
        else:
            content[item["type"]] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "file_size": len(stored.content),
                **({"duration": 0} if item["type"] in ("audio", "video") else {}),
                **({"width": 0, "height": 0} if item["type"] == "video" else {}),
            }
            if item["type"] == "video":
                content["video"].pop("file_name", None)
        if item.get("caption"):
            try:
                caption, entities = trim(
                    *parse_text(
                        item["caption"], item.get("parse_mode"), item.get("caption_entities")
                    )
                )
            except ApiError as exc:
                exc.violation, exc.rule = True, "rich_text"
                raise
            if len(caption) > 1024:
                raise refuse("message caption is too long", "media_group")
            if caption:
                content["caption"] = caption
                if entities:
                    content["caption_entities"] = entities
        contents.append(content)
    group_id = st.next_id("MG")
    reply_to = reply_target(chat, call.params)
    out: list[JSON] = []
    for content in contents:
        st.admit(chat)
        msg = st.add_message(
            chat, st.bot, {**content, "media_group_id": group_id}, reply_to=reply_to
        )
        st.record(call.method, chat.id, msg.message_id, call.params, text=content.get("caption"))
        out.append(msg.data)
    return out


POLL_TYPES = ("", "regular", "quiz")
MAX_POLL_QUESTION = 300  # MessageContent.cpp: bots' server-side limit
MAX_POLL_OPTION = 100  # PollOption.cpp MAX_POLL_OPTION_LENGTH
MAX_POLL_OPTIONS = 12  # option "poll_answer_count_max"
MAX_OPEN_PERIOD = 2628000  # Client.cpp: get_integer_arg(open_period, 0, 0, 2628000)


def poll_text(text: str, mode: str | None, entities: list[JSON] | None) -> tuple[str, list[JSON]]:
    plain, found = parse_text(text, mode, entities)
    return trim(plain, found)


def poll_options(p: JSON) -> list[JSON]:
    """PollOption::get_poll_options: parsed, trimmed, non-empty, at most 100 characters."""
    options = p["options"]
    if not options:
        raise refuse("poll must have at least one answer option", "poll")
    if len(options) > MAX_POLL_OPTIONS:
        raise refuse(f"poll can't have more than {MAX_POLL_OPTIONS} options", "poll")
    out: list[JSON] = []
    for i, option in enumerate(options):
        try:
            text, entities = poll_text(
                option["text"], option.get("text_parse_mode"), option.get("text_entities")
            )
        except ApiError as exc:
            exc.violation, exc.rule = True, "poll"
            raise
        if not text:
            raise refuse("poll option must be non-empty", "poll")
        if len(text) > MAX_POLL_OPTION:
            raise refuse(f"poll options length must not exceed {MAX_POLL_OPTION}", "poll")
        item: JSON = {"persistent_id": str(i), "text": text, "voter_count": 0}
        if entities:
            item["text_entities"] = entities
        out.append(item)
    return out


def quiz_correct_ids(p: JSON, count: int) -> list[int]:
    """Client::process_send_poll_query + PollManager::check_quiz_correct_option_ids."""
    if p.get("correct_option_ids") is not None:
        ids = list(p["correct_option_ids"])
    elif p.get("correct_option_id") is not None:
        ids = [p["correct_option_id"]]
    else:
        ids = []
    if not ids:
        raise refuse("correct quiz option list must be non-empty", "poll")
    if any(a >= b for a, b in itertools.pairwise(ids)):
        raise refuse("correct quiz option list must be increasing", "poll")
    if any(not 0 <= i < count for i in ids):
        raise refuse("wrong quiz correct_option_id", "poll")
    return ids


@method("sendPoll")
def send_poll(st: State, call: Call) -> JSON:
    p = call.params
    kind = p.get("type", "")
    if kind not in POLL_TYPES:
        raise refuse("unsupported poll type specified", "poll")
    kind = kind or "regular"
    chat = st.writable_chat(p["chat_id"])
    question, q_entities = call.text("question")
    assert question is not None  # required, and parsed by the spec
    if len(question) > MAX_POLL_QUESTION:
        raise refuse(f"poll question length must not exceed {MAX_POLL_QUESTION}", "poll")
    options = poll_options(p)
    poll_id = st.next_id("")
    poll: JSON = {
        "id": poll_id,
        "question": question,
        "options": options,
        "total_voter_count": 0,
        "is_closed": bool(p.get("is_closed", False)),
        "is_anonymous": bool(p.get("is_anonymous", True)),
        "type": kind,
        "allows_multiple_answers": bool(p.get("allows_multiple_answers", False)),
        "allows_revoting": bool(p.get("allows_revoting", kind != "quiz")),
        "members_only": bool(p.get("members_only", False)),
    }
    if kind == "quiz":
        poll["correct_option_ids"] = quiz_correct_ids(p, len(options))
        explanation, e_entities = call.text("explanation")
        if explanation:
            poll["explanation"] = explanation
            if e_entities:
                poll["explanation_entities"] = e_entities
    if poll["members_only"] or p.get("country_codes"):
        raise refuse("poll voters can be restricted only in channel chats", "poll")
    if q_entities:
        poll["question_entities"] = q_entities
    open_period = min(max(p.get("open_period", 0), 0), MAX_OPEN_PERIOD)
    if open_period:
        poll["open_period"] = open_period
        poll["close_date"] = st.now() + open_period
    elif p.get("close_date"):
        poll["close_date"] = p["close_date"]
    data = send(st, call, chat, {"poll": poll}, question)
    st.polls[poll_id] = Poll(chat.id, data["message_id"], poll)
    return data


def close_expired_poll(st: State, poll: JSON) -> None:
    """open_period / close_date run out on the emulator's clock."""
    close_date = poll.get("close_date")
    if not poll["is_closed"] and close_date and st.now() >= close_date:
        poll["is_closed"] = True


@method("stopPoll")
def stop_poll(st: State, call: Call) -> JSON:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    msg = chat.messages.get(call.params["message_id"])
    if msg is None or "poll" not in msg.data:
        raise bad_request("message with poll to stop not found")
    if not msg.by_bot:
        raise bad_request("poll can't be stopped")
    poll = msg.data["poll"]
    close_expired_poll(st, poll)
    if poll["is_closed"]:
        raise bad_request("poll has already been closed")
    st.admit(chat)
    poll["is_closed"] = True
    st.polls[poll["id"]].data = poll
    markup = inline_markup(call.params, chat)
    if markup is not None:
        msg.data["reply_markup"] = markup
    st.record(call.method, chat.id, msg.message_id, call.params, text=poll["question"])
    return dict(poll)


@method("copyMessage")
def copy_message(st: State, call: Call) -> JSON:
    source = source_message(st, call, "copy")
    if "poll" in source.data:
        raise bad_request("polls can't be copied by the emulator")
    chat = st.writable_chat(call.params["chat_id"])
    content = {k: v for k, v in source.data.items() if k in COPIED_FIELDS}
    if call.params.get("caption") is not None:
        content.update(text_content(call, "caption", "caption_entities"))
    data = send(st, call, chat, content, content.get("text", content.get("caption")))
    return {"message_id": data["message_id"]}


COPIED_FIELDS = ("text", "entities", "document", "photo", "caption", "caption_entities")


@method("forwardMessage")
def forward_message(st: State, call: Call) -> JSON:
    source = source_message(st, call, "forward")
    chat = st.writable_chat(call.params["chat_id"])
    content = {k: v for k, v in source.data.items() if k in (*COPIED_FIELDS, "poll")}
    content["forward_origin"] = {
        "type": "user",
        "date": source.data["date"],
        "sender_user": source.data["from"],
    }
    st.admit(chat)
    msg = st.add_message(chat, st.bot, content, reply_to=None)
    st.record(
        call.method,
        chat.id,
        msg.message_id,
        call.params,
        text=content.get("text", content.get("caption")),
    )
    return msg.data


def source_message(st: State, call: Call, verb: str) -> Message:
    source_chat = st.resolve_chat(call.params["from_chat_id"])
    msg = source_chat.messages.get(call.params["message_id"])
    if msg is None:
        raise bad_request(f"message to {verb} not found")
    return msg


# ---------------------------------------------------------------------- editing


@method("editMessageText")
def edit_message_text(st: State, call: Call) -> JSON:
    chat, msg = editable(st, call)
    if "text" not in msg.data:
        raise bad_request("there is no text in the message to edit")
    text, entities = call.text("text")
    changes: JSON = {
        "text": text,
        "entities": entities or None,
        "reply_markup": inline_markup(call.params, chat),
    }
    return apply_edit(st, call, chat, msg, changes)


@method("editMessageCaption")
def edit_message_caption(st: State, call: Call) -> JSON:
    chat, msg = editable(st, call)
    if not any(k in msg.data for k in ("document", "photo")):
        raise bad_request("there is no caption in the message to edit")
    caption, entities = call.text("caption")
    changes: JSON = {
        "caption": caption or None,
        "caption_entities": entities or None,
        "reply_markup": inline_markup(call.params, chat),
    }
    return apply_edit(st, call, chat, msg, changes)


@method("editMessageReplyMarkup")
def edit_message_reply_markup(st: State, call: Call) -> JSON:
    chat, msg = editable(st, call)
    return apply_edit(st, call, chat, msg, {"reply_markup": inline_markup(call.params, chat)})


@method("deleteMessage")
def delete_message(st: State, call: Call) -> bool:
    if not call.params["message_id"]:
        raise bad_request("message identifier is not specified")
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    delete_one(st, chat, call.params["message_id"])
    st.record(call.method, chat.id, call.params["message_id"], call.params)
    return True


@method("deleteMessages")
def delete_messages(st: State, call: Call) -> bool:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    for mid in call.params["message_ids"]:
        if mid in chat.messages:
            delete_one(st, chat, mid)
            st.record(call.method, chat.id, mid, call.params)
    return True


def delete_one(st: State, chat: Chat, message_id: int) -> None:
    """MessagesManager::delete_messages for a bot: can_delete_message, then can_revoke_message."""
    msg = chat.messages.get(message_id)
    if msg is None:
        raise bad_request("message to delete not found")
    too_old = st.clock() >= msg.data["date"] + BOT_DELETE_SECONDS
    if chat.type == "supergroup":  # can_delete_channel_message
        if too_old:
            raise refuse("message can't be deleted", "delete_after_48h")
        if not msg.by_bot and not chat.admin_rights(st.bot.id)["can_delete_messages"]:
            raise bad_request("message can't be deleted")
    else:  # basic groups and private chats: can_revoke_message
        if too_old:
            raise refuse("message can't be deleted for everyone", "delete_after_48h")
        if chat.type == "group" and not msg.by_bot and not st.bot_is_admin(chat):
            raise bad_request("message can't be deleted for everyone")
    del chat.messages[message_id]


@method("answerCallbackQuery")
def answer_callback_query(st: State, call: Call) -> bool:
    query = st.callbacks.get(call.params["callback_query_id"])
    if query is None or query.answered:
        raise bad_request(QUERY_TOO_OLD)
    if st.clock() - query.pressed_at > CALLBACK_ANSWER_SECONDS:
        st.stats.late_answers += 1
        query.answered = True
        raise refuse(QUERY_TOO_OLD, "callback_answer_after_15s")
    query.answered = True
    st.record(call.method, None, None, call.params, text=call.params.get("text"))
    return True


# ---------------------------------------------------------------------- pins


@method("pinChatMessage")
def pin_chat_message(st: State, call: Call) -> bool:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    mid = call.params["message_id"]
    if mid not in chat.messages:
        raise bad_request("message to pin not found")
    require_pin_rights(st, chat)
    if mid in chat.pinned:
        chat.pinned.remove(mid)
    chat.pinned.append(mid)
    st.record(call.method, chat.id, mid, call.params)
    return True


@method("unpinChatMessage")
def unpin_chat_message(st: State, call: Call) -> bool:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    require_pin_rights(st, chat)
    mid = call.params.get("message_id")
    if not mid:  # Client::process_unpin_chat_message_query: 0 unpins the latest
        mid = chat.pinned[-1] if chat.pinned else None
    if mid is None or mid not in chat.pinned:
        raise bad_request("message to unpin not found")
    chat.pinned.remove(mid)
    st.record(call.method, chat.id, mid, call.params)
    return True


@method("unpinAllChatMessages")
def unpin_all_chat_messages(st: State, call: Call) -> bool:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    require_pin_rights(st, chat)
    chat.pinned.clear()
    st.record(call.method, chat.id, None, call.params)
    return True


def require_pin_rights(st: State, chat: Chat) -> None:
    """DialogManager::can_pin_messages: in a basic group a bot must be an appointed admin;
    in a supergroup it needs can_pin_messages (as admin, or granted to all members)."""
    allowed = chat.member_permissions(st.bot.id)["can_pin_messages"]
    if chat.type == "group" and not st.bot_is_admin(chat):
        allowed = False
    if not allowed:
        raise refuse("not enough rights to manage pinned messages in the chat", "rights")


# ---------------------------------------------------------------------- chats


@method("getChat")
def get_chat(st: State, call: Call) -> JSON:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    info: JSON = {**st.chat_json(chat), "accent_color_id": 0, "max_reaction_count": 11}
    if chat.type != "private":
        info["permissions"] = dict(chat.permissions)
    if chat.pinned and chat.pinned[-1] in chat.messages:
        info["pinned_message"] = chat.messages[chat.pinned[-1]].data
    return default_object(st.spec, "ChatFullInfo", info)


@method("getChatMember")
def get_chat_member(st: State, call: Call) -> JSON:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    user_id = call.params["user_id"]
    if user_id not in st.users:
        raise bad_request("user not found")
    return member_json(st, chat, user_id)


@method("getChatAdministrators")
def get_chat_administrators(st: State, call: Call) -> list[JSON]:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [
        member_json(st, chat, uid)
        for uid, status in chat.members.items()
        if status in ("creator", "administrator")
    ]


@method("getChatMemberCount")
def get_chat_member_count(st: State, call: Call) -> int:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    if chat.type == "private":
        return 2
    return sum(1 for s in chat.members.values() if s not in ("left", "kicked"))


@method("getFile")
def get_file(st: State, call: Call) -> JSON:
    stored = st.files.get(call.params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.content) > media.MAX_DOWNLOAD:
        raise bad_request("file is too big", rule="file_size")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.content),
        "file_path": stored.path,
    }


async def call_method(st: State, handler: Handler, call: Call) -> Any:
    result = handler(st, call)
    if isinstance(result, Awaitable):
        result = await result
    return result


# ---------------------------------------------------------------------- member administration


def _group_target(st: State, call: Call, private_words: str) -> tuple[Chat, int]:
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    if chat.type == "private":
        raise refuse(private_words, "rights")
    user_id = call.params["user_id"]
    if user_id not in st.users:
        raise bad_request("user not found")
    return chat, user_id


def _require_restrict_rights(st: State, chat: Chat, user_id: int) -> None:
    """DialogParticipantManager::restrict_channel_participant and the server's admin checks."""
    if chat.type == "group" and not st.bot_is_admin(chat):
        raise refuse("CHAT_ADMIN_REQUIRED", "rights")  # the server's answer for basic groups
    if chat.type == "supergroup" and not chat.admin_rights(st.bot.id)["can_restrict_members"]:
        raise refuse("not enough rights to restrict/unrestrict chat member", "rights")
    status = chat.members.get(user_id)
    if status == "creator":
        raise refuse("can't remove chat owner", "rights")
    if status == "administrator":
        raise refuse("user is an administrator of the chat", "rights")  # USER_ADMIN_INVALID


def _set(st: State, chat: Chat, user_id: int, status: str, **extra: Any) -> None:
    from . import inject  # inject imports this module for member_json

    inject.set_member(st, chat.id, user_id, status, **extra)


@method("banChatMember")
def ban_chat_member(st: State, call: Call) -> bool:
    chat, user_id = _group_target(st, call, "can't ban members in private chats")
    _require_restrict_rights(st, chat, user_id)
    until = call.params.get("until_date", 0)
    _set(st, chat, user_id, "kicked", until_date=until)
    st.record(call.method, chat.id, None, call.params)
    return True


@method("unbanChatMember")
def unban_chat_member(st: State, call: Call) -> bool:
    chat, user_id = _group_target(st, call, "can't ban members in private chats")
    _require_restrict_rights(st, chat, user_id)
    status = chat.members.get(user_id, "left")
    # Without only_if_banned, unbanning a member removes them, as the Bot API docs warn.
    removable = (
        ("kicked",) if call.params.get("only_if_banned") else ("kicked", "member", "restricted")
    )
    if status in removable:
        _set(st, chat, user_id, "left")
    st.record(call.method, chat.id, None, call.params)
    return True


@method("restrictChatMember")
def restrict_chat_member(st: State, call: Call) -> bool:
    chat, user_id = _group_target(st, call, "can't restrict private chat members")
    if chat.type == "group":
        raise refuse("can't restrict users in basic group chats", "rights")
    if user_id == st.bot.id:
        raise refuse("can't restrict self", "rights")
    _require_restrict_rights(st, chat, user_id)
    given = call.params["permissions"]
    permissions = {p: bool(given.get(p, False)) for p in PERMISSIONS}
    until = call.params.get("until_date", 0)
    if all(permissions[p] == chat.permissions[p] for p in PERMISSIONS):
        _set(st, chat, user_id, "member")  # the chat's defaults: no longer restricted
    else:
        _set(st, chat, user_id, "restricted", permissions=permissions, until_date=until)
    st.record(call.method, chat.id, None, call.params)
    return True


@method("promoteChatMember")
def promote_chat_member(st: State, call: Call) -> bool:
    chat, user_id = _group_target(st, call, "can't promote members in private chats")
    if user_id == st.bot.id:
        raise refuse("can't promote self", "rights")
    if not chat.admin_rights(st.bot.id)["can_promote_members"]:
        raise refuse("not enough rights", "rights")
    if chat.members.get(user_id) == "creator":
        raise refuse("not enough rights to edit chat owner rights", "rights")
    rights = {r: bool(call.params.get(r, False)) for r in ADMIN_RIGHTS}
    if any(rights.values()):
        _set(st, chat, user_id, "administrator", rights=rights)
    elif chat.members.get(user_id) == "administrator":
        _set(st, chat, user_id, "member")
    st.record(call.method, chat.id, None, call.params)
    return True


@method("setChatPermissions")
def set_chat_permissions(st: State, call: Call) -> bool:
    """DialogManager::set_dialog_permissions."""
    chat = st.writable_chat(call.params["chat_id"], editing=True)
    if chat.type == "private":
        raise refuse("can't change private chat permissions", "rights")
    if not chat.admin_rights(st.bot.id)["can_restrict_members"] or not st.bot_is_admin(chat):
        raise refuse("not enough rights to change chat permissions", "rights")
    given = call.params["permissions"]
    chat.permissions = {p: bool(given.get(p, False)) for p in PERMISSIONS}
    st.record(call.method, chat.id, None, call.params)
    return True
