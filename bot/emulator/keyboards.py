"""Reply markup as the Bot API server and TDLib read it.

``Client::get_reply_markup`` / ``get_inline_keyboard_button_type`` (telegram-bot-api/Client.cpp)
first turn the JSON into a keyboard, then ``get_reply_markup`` / ``get_keyboard_button`` /
``get_inline_keyboard_button`` (td/telegram/ReplyMarkup.cpp) check it against the chat.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError, bad_request
from .links import LinkError, check_link, is_user_link

JSON = dict[str, Any]

# Client::get_inline_keyboard_button_type: the first present action wins, in this order; an
# empty url or callback_data counts as absent.
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "login_url",
    "web_app",
    "copy_text",
)
# Telegram's servers refuse an inline keyboard of more than 100 buttons (REPLY_MARKUP_TOO_LONG,
# worded by Client::fail_query_with_error).
MAX_INLINE_BUTTONS = 100
# ReplyMarkup.cpp get_keyboard_button: request buttons only in private chats.
PRIVATE_ONLY = (
    ("request_contact", "Phone number can be requested in private chats only"),
    ("request_phone_number", "Phone number can be requested in private chats only"),
    ("request_location", "Location can be requested in private chats only"),
    ("request_poll", "Poll can be requested in private chats only"),
    ("web_app", "Web App buttons can be used in private chats only"),
    ("request_users", "Users can be requested in private chats only"),
    ("request_user", "Users can be requested in private chats only"),
    ("request_chat", "Chats can be requested in private chats only"),
    ("request_managed_bot", "Managed bots can be requested in private chats only"),
)


def _refuse(detail: str) -> ApiError:
    """TDLib's sentence with its first letter lowered, as fail_query_with_error words it."""
    return bad_request(detail[0].lower() + detail[1:], rule="keyboard")


def _inline_action(button: JSON) -> str:
    for key in INLINE_ACTIONS:
        value = button.get(key)
        if key in ("url", "callback_data"):
            if value:
                return key
        elif key in button:
            return key
    raise bad_request(
        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        rule="keyboard",
    )


def check_markup(params: JSON, chat_type: str) -> tuple[JSON | None, bool]:
    """(the inline keyboard as the message will carry it, or None; whether the markup is a
    reply keyboard / remove / force reply). Raises ApiError with Telegram's words."""
    markup = params.get("reply_markup")
    if not isinstance(markup, dict):
        return None, False
    rows = markup.get("keyboard")
    if rows:
        kept = [[b for b in row if _button_text(b)] for row in rows]
        if any(kept):
            for row in kept:
                for button in row:
                    if isinstance(button, dict) and chat_type != "private":
                        for key, words in PRIVATE_ONLY:
                            if button.get(key):
                                raise _refuse(words)
            return None, True
    inline = markup.get("inline_keyboard")
    if inline:
        out_rows: list[list[JSON]] = []
        for row in inline:
            actions = [(b, _inline_action(b)) for b in row]
            out_rows.append([b for b, _ in actions if b.get("text")])
            for button, action in actions:
                if button.get("text") and action == "url":
                    url = str(button["url"])
                    if not is_user_link(url):
                        try:
                            check_link(url)
                        except LinkError as exc:
                            raise _refuse(f"Inline keyboard button {exc}") from None
        if sum(len(r) for r in out_rows) > MAX_INLINE_BUTTONS:
            raise bad_request("reply markup is too long", rule="keyboard")
        out_rows = [r for r in out_rows if r]
        if out_rows:
            return {**markup, "inline_keyboard": out_rows}, False
        return None, False
    if rows:
        return None, False  # every button was empty: no keyboard at all
    flags = ("remove_keyboard", "hide_keyboard", "force_reply", "force_reply_keyboard")
    return None, any(markup.get(k) for k in flags)


def _button_text(button: Any) -> str:
    if isinstance(button, str):
        return button
    if isinstance(button, dict):
        return str(button.get("text") or "")
    return ""
