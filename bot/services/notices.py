"""Notices (通知公告): who may send to whom, who gets it where, how it is cut and tracked.

Plain rules, testable without a bot: the handlers ask, these answer, the repos store.
Delivery goes through the outbox (bot/delivery/outbox.py), batch "notice:<id>".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.domain.auth import Action, Actor, Place, Reach, Role, can, reach
from bot.domain.htmlsplit import split_html
from bot.domain.textsplit import split_text
from bot.repos.notices import Member, Recipient, StatusRow
from bot.repos.notices import Notice as Notice  # re-exported for handlers
from bot.repos.notices import NoticeDraft as NoticeDraft
from bot.repos.outbox import OutMessage
from bot.texts import Texts
from bot.views.notices import AfterOp, after

BATCH = "notice"  # outbox batch "notice:<id>": progress, cancel and status of one notice


def notice_batch(notice_id: int) -> str:
    return f"{BATCH}:{notice_id}"


def batch_notice(batch: str) -> int | None:
    """The notice a batch is of; None for another batch."""
    kind, _, tail = batch.partition(":")
    return int(tail) if kind == BATCH and tail.isdigit() else None


# Telegram: characters of a message / caption after entity parsing (UTF-16 units)
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH
MAX_PARTS = 4  # a longer notice is refused: nobody reads five screens in a chat
# At most one reminder round per notice per hour: enough to nudge, not to nag (DESIGN §2.5).
REMIND_INTERVAL_S = 3600.0
TARGETS = ("groups", "private", "both")
ROLES = (Role.TEAM_LEADER, Role.UNIT_LEADER)


@dataclass(frozen=True)
class Audience:
    """Everyone in a place (all / one unit / one team), optionally only a role or a tag."""

    unit_id: int | None = None
    team_id: int | None = None
    role: str | None = None
    tag: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "team_id": self.team_id,
            "role": self.role,
            "tag": self.tag,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audience:
        return cls(data.get("unit_id"), data.get("team_id"), data.get("role"), data.get("tag"))


def widest(actor: Actor) -> Audience | None:
    """The largest audience `actor` may address: everyone, their unit, or their team."""
    match reach(actor, Action.SEND_NOTICE):
        case Reach.ALL:
            return Audience()
        case Reach.UNIT if actor.unit_id is not None:
            return Audience(unit_id=actor.unit_id)
        case Reach.TEAM if actor.team_id is not None:
            return Audience(unit_id=actor.unit_id, team_id=actor.team_id)
    return None


def allowed(actor: Actor, audience: Audience) -> bool:
    if audience.unit_id is None and audience.team_id is None:
        return reach(actor, Action.SEND_NOTICE) is Reach.ALL
    return can(actor, Action.SEND_NOTICE, Place(audience.unit_id, audience.team_id))


@dataclass
class Plan:
    """Where a notice goes: one delivery per chat, and how each person is reached."""

    recipients: list[Recipient] = field(default_factory=list)
    private_chats: list[int] = field(default_factory=list)
    group_chats: list[int] = field(default_factory=list)
    fallback: int = 0  # people without a private chat whose team group gets it instead
    unreachable: int = 0  # neither a private chat nor a team group

    @property
    def chats(self) -> list[int]:
        return self.group_chats + self.private_chats


def plan(members: Sequence[Member], team_groups: dict[int, int], target: str) -> Plan:
    """Workers who never wrote to the bot privately cannot be reached there: their team group
    gets the notice instead (and is counted), so everyone in the audience is reached once."""
    out = Plan()
    groups: dict[int, None] = {}
    for m in members:
        group = team_groups.get(m.team_id)
        private = m.tg_user_id is not None and m.private_ok
        if target in ("groups", "both") and group is not None:
            via = "group"
            groups[group] = None
            if target == "both" and private and m.tg_user_id is not None:
                via = "private"
                out.private_chats.append(m.tg_user_id)
        elif target in ("private", "both") and private and m.tg_user_id is not None:
            via = "private"
            out.private_chats.append(m.tg_user_id)
        elif group is not None:
            via = "group"
            groups[group] = None
            out.fallback += 1
        else:
            via = "none"
            out.unreachable += 1
        out.recipients.append(Recipient(m.member_id, m.team_id, via))
    out.group_chats = list(groups)
    out.private_chats = list(dict.fromkeys(out.private_chats))
    return out


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_body(body: str, room: int) -> list[str]:
    """Pieces of at most `room` UTF-16 units (Telegram's measure), cut at line breaks or
    spaces where possible and never inside a character."""
    limit = room
    while True:
        pieces = split_text(body, limit)
        if all(utf16_len(p) <= room for p in pieces):
            return pieces
        limit = max(1, limit * 3 // 4)  # astral characters (emoji) count twice: cut shorter


@dataclass(frozen=True)
class Content:
    kind: str  # text | photo | document
    body: str  # plain text as the author wrote it (titles, lengths)
    media: str | None = None
    # The same text with the author's formatting (bold, italic, links…) as Telegram HTML,
    # from the message's entities; None when there was none. Sent instead of `body`.
    html: str | None = None

    def as_html(self) -> str:
        return self.html if self.html is not None else html.escape(self.body)


class TooLong(ValueError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"{length} > {limit}")
        self.length, self.limit = length, limit


def max_body(texts: Texts, author: str) -> int:
    return MAX_PARTS * (TEXT_LIMIT - _header_room(texts, author))


def _header_room(texts: Texts, author: str) -> int:
    return utf16_len(texts.get("notices.msg.header", author=author)) + 16  # "（1/4）" etc.


def render(texts: Texts, content: Content, author: str) -> list[tuple[str, str, str | None]]:
    """The notice as messages: (kind, HTML text or caption, media). Raises TooLong."""
    header = texts.get("notices.msg.header", author=author)
    room = TEXT_LIMIT - _header_room(texts, author)
    if utf16_len(content.body) > MAX_PARTS * room:
        raise TooLong(utf16_len(content.body), MAX_PARTS * room)
    out: list[tuple[str, str, str | None]] = []
    body = content.body
    if content.kind != "text":
        if utf16_len(body) + _header_room(texts, author) <= CAPTION_LIMIT:
            caption = header + ("\n\n" + content.as_html() if body else "")
            return [(content.kind, caption, content.media)]
        out.append((content.kind, header, content.media))  # the text follows on its own
    if content.html is not None:
        # Formatting kept: cut by visible length, tags closed and reopened at each cut.
        pieces = split_html(content.html, room)
    else:
        pieces = [html.escape(p) for p in split_body(body, room)]
    for i, piece in enumerate(pieces, 1):
        mark = texts.get("notices.msg.part", i=i, n=len(pieces)) if len(pieces) > 1 else ""
        out.append(("text", f"{header}{mark}\n\n{piece}", None))
    return out


def ack_markup(texts: Texts, notice_id: int) -> dict[str, Any]:
    button = InlineKeyboardButton(
        texts.get("notices.ack_button"), callback_data=after(AfterOp.ACK, notice_id)
    )
    return InlineKeyboardMarkup([[button]]).to_dict()


def messages(
    texts: Texts,
    notice_id: int,
    chats: Sequence[int],
    parts: Sequence[tuple[str, str, str | None]],
    pin: bool,
) -> list[OutMessage]:
    """Outbox rows: every chat's first part before any chat's second (the sender keeps each
    chat's parts in order), the 收到 button on the last part, pins only in groups."""
    batch = notice_batch(notice_id)
    markup = ack_markup(texts, notice_id)
    out = []
    for index, (kind, text, media) in enumerate(parts):
        last = index == len(parts) - 1
        for chat in chats:
            out.append(
                OutMessage(
                    chat_id=chat,
                    text=text,
                    purpose="notice",
                    dedupe_key=f"{batch}:{chat}:{index}",
                    batch=batch,
                    kind=kind,
                    media=media,
                    reply_markup=markup if last else None,
                    pin=pin and chat < 0 and index == 0,
                )
            )
    return out


def reminders(
    texts: Texts,
    notice_id: int,
    title: str,
    people: Sequence[Member],
    at: datetime,
    by: int | None = None,
) -> tuple[list[OutMessage], int]:
    """Private reminders for the unconfirmed who can be reached privately, never to `by` (who
    asked for the reminders); and how many cannot be reached."""
    stamp = at.strftime("%Y%m%d%H%M%S")
    batch = f"reminder:{notice_id}:{stamp}"
    text = texts.get("notices.msg.reminder", title=title)
    markup = ack_markup(texts, notice_id)
    out, unreachable = [], 0
    for m in people:
        if by is not None and m.tg_user_id == by:
            continue
        if m.tg_user_id is None or not m.private_ok:
            unreachable += 1
            continue
        out.append(
            OutMessage(
                m.tg_user_id,
                text,
                "reminder",
                f"{batch}:{m.tg_user_id}",
                batch=batch,
                reply_markup=markup,
            )
        )
    return out, unreachable


def title_of(body: str, width: int = 20) -> str:
    line = body.strip().splitlines()[0] if body.strip() else ""
    return line if len(line) <= width else line[:width] + "…"


def status_lines(texts: Texts, lang: str, rows: Sequence[StatusRow]) -> list[str]:
    """Per team: who confirmed and who has not, by name."""
    teams: dict[tuple[str, str], list[StatusRow]] = {}
    for r in rows:
        teams.setdefault((r.unit_name, r.team_name), []).append(r)
    lines = []
    sep = texts.get("notices.status.sep", lang)
    none = texts.get("notices.status.nobody", lang)
    for (unit, team), people in teams.items():
        yes = [p.name for p in people if p.acked]
        no = [p.name for p in people if not p.acked]
        lines.append(
            texts.get(
                "notices.status.team", lang, unit=unit, team=team, done=len(yes), total=len(people)
            )
        )
        lines.append(texts.get("notices.status.confirmed", lang, names=sep.join(yes) or none))
        lines.append(texts.get("notices.status.unconfirmed", lang, names=sep.join(no) or none))
    return lines
