"""Notices (通知公告): who may send to whom, who gets it where, how it is cut and tracked.

Plain rules, testable without a bot: the handlers ask, these answer, the repos store.
Delivery goes through the outbox (bot/delivery/outbox.py), batch "notice:<id>".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram.constants import MessageLimit

from bot.delivery.outbox import Outbox
from bot.domain.auth import Action, Actor, Place, Reach, Role, can, reach
from bot.domain.htmlsplit import split_html
from bot.domain.org import Team, Unit
from bot.domain.textsplit import split_text
from bot.outcomes.notices import Label as Label
from bot.outcomes.notices import Plan as Plan
from bot.outcomes.notices import Preview as Preview
from bot.outcomes.notices import Progress as Progress
from bot.outcomes.notices import Refused as Refused
from bot.outcomes.notices import Reminded as Reminded
from bot.outcomes.notices import Sent as Sent
from bot.outcomes.notices import Status as Status
from bot.repos.notices import Member, NoticesRepo, Recipient
from bot.repos.notices import Notice as Notice  # re-exported for handlers
from bot.repos.notices import NoticeDraft as NoticeDraft
from bot.repos.org import OrgRepo
from bot.repos.outbox import OutMessage
from bot.texts import Texts
from bot.views.notices import TARGETS as TARGETS  # re-exported: where a notice may go
from bot.views.notices import ack_markup, title_of

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


# ---------------------------------------------------------------- use cases


@dataclass(frozen=True)
class Order:
    """A composed notice as confirmed: who wrote it, what, to whom, where, pinned or not."""

    author: str
    content: Content
    audience: Audience
    label: str
    target: str
    pin: bool


class NoticeService:
    """The notice use cases: an audience in the sender's reach, its plan, sending in one
    transaction, 收到, status, reminders, stop, export, progress."""

    def __init__(self, repo: NoticesRepo, org: OrgRepo, outbox: Outbox, texts: Texts) -> None:
        self.repo, self.org, self.outbox, self.texts = repo, org, outbox, texts

    async def units_in_reach(self, actor: Actor) -> list[Unit]:
        return [u for u in await self.org.units() if allowed(actor, Audience(u.id))]

    async def teams_in_reach(self, actor: Actor) -> list[Team]:
        teams = await self.org.teams()
        return [t for t in teams if allowed(actor, Audience(t.unit_id, t.id))]

    async def tags_in_reach(self, actor: Actor) -> tuple[str, ...]:
        scope = widest(actor) or Audience()
        return tuple(str(t) for t in await self.repo.tags(scope.unit_id, scope.team_id))

    async def resolve(
        self, actor: Actor, op: str, arg: str, tags: Sequence[str]
    ) -> Audience | None:
        """The audience a picker press names ("all", "u", "t", "r", "g" and an index), if the
        actor may address it; None for a forged or outdated press."""
        scope = widest(actor) or Audience()
        audience: Audience | None = None
        index = int(arg) if arg.isdigit() else -1
        if op == "all":
            audience = scope
        elif op == "u" and index >= 0:
            audience = Audience(unit_id=index)
        elif op == "t" and index >= 0:
            team = await self.org.team(index)
            audience = Audience(team.unit_id, team.id) if team else None
        elif op == "r" and 0 <= index < len(ROLES):
            audience = Audience(scope.unit_id, scope.team_id, role=ROLES[index].value)
        elif op == "g" and 0 <= index < len(tags):
            audience = Audience(scope.unit_id, scope.team_id, tag=tags[index])
        return audience if audience is not None and allowed(actor, audience) else None

    async def label(self, a: Audience) -> Label:
        place: str | None
        if a.team_id is not None:
            team = await self.org.team(a.team_id)
            place = f"{team.unit_name}·{team.name}" if team else "?"
        elif a.unit_id is not None:
            place = await self.org.unit_name(a.unit_id) or "?"
        else:
            place = None
        return Label(place, a.role, a.tag)

    async def plan(self, a: Audience, target: str) -> Plan:
        members = await self.repo.audience(a.unit_id, a.team_id, a.role, a.tag)
        return plan(members, await self.repo.team_groups(), target)

    async def preview(
        self, audience: Audience, target: str, content: Content, author: str
    ) -> Preview:
        return Preview(await self.plan(audience, target), render(self.texts, content, author))

    async def send(
        self, actor: Actor, order: Order, progress: tuple[int, int],
        end_conversation: tuple[int, int],
    ) -> Sent | Refused:  # fmt: skip
        """The notice, its recipients, its outbox rows and the end of the composition, in one
        transaction; the plan is made again now, so who joined since the preview gets it.
        `progress` is the (chat, message) the author watches it go out on."""
        if not allowed(actor, order.audience):
            return Refused("common.no_permission")
        plan_ = await self.plan(order.audience, order.target)
        c = order.content
        parts = render(self.texts, c, order.author)
        draft = NoticeDraft(
            actor.tg_user_id, order.author, c.kind, c.body, c.media, order.audience.as_dict(),
            order.label, order.target, order.pin, progress[0], progress[1], plan_.fallback,
            plan_.unreachable,
        )  # fmt: skip
        notice_id = await self.repo.create(
            draft,
            plan_.recipients,
            lambda nid: messages(self.texts, nid, plan_.chats, parts, order.pin),
            end_conversation=end_conversation,
        )
        self.outbox.wake()
        return Sent(notice_id, len(parts) * len(plan_.chats))

    async def ack(self, notice_id: int, member_id: int | None, now: datetime) -> str | None:
        """The 收到 outcome ("new", "again", "not_recipient", "unregistered"); None if there
        is no such notice."""
        if await self.repo.get(notice_id) is None:
            return None
        if member_id is None:
            return "unregistered"
        return await self.repo.ack(notice_id, member_id, now)

    async def visible(self, actor: Actor, notice_id: int) -> Notice | None:
        """The notice if the actor may see how it went: its author or an admin."""
        notice = await self.repo.get(notice_id)
        if notice is None:
            return None
        mine = notice.author_user_id == actor.tg_user_id
        return notice if mine or reach(actor, Action.SEND_NOTICE) is Reach.ALL else None

    async def recent(self, actor: Actor) -> list[Notice] | None:
        """The latest notices the actor may follow (None: they send none)."""
        if widest(actor) is None:
            return None
        everyone = reach(actor, Action.SEND_NOTICE) is Reach.ALL
        return await self.repo.recent(None if everyone else actor.tg_user_id)

    async def status(self, actor: Actor, notice_id: int) -> Status | None:
        notice = await self.visible(actor, notice_id)
        if notice is None:
            return None
        failed = await self.outbox.batch_rows(notice_batch(notice_id), "undeliverable")
        return Status(notice, await self.repo.status(notice_id), len(failed))

    async def remind(
        self, actor: Actor, notice_id: int, by: int, now: datetime
    ) -> Reminded | Refused:
        """Private reminders to who has not confirmed, at most one round an hour."""
        notice = await self.visible(actor, notice_id)
        if notice is None:
            return Refused("common.no_permission")
        unconfirmed = await self.repo.unconfirmed(notice_id)
        if not unconfirmed:
            return Refused("notices.remind.all_done")
        if not await self.repo.claim_reminder(notice_id, now, REMIND_INTERVAL_S):
            return Refused("notices.remind.too_soon", {"last": notice.last_reminded_at or now})
        title = title_of(notice.body)
        out, unreachable = reminders(self.texts, notice_id, title, unconfirmed, now, by)
        await self.outbox.enqueue(out)
        return Reminded(len(out), unreachable)

    async def stop(self, actor: Actor, notice_id: int) -> int | None:
        """How many messages were still queued and are now cancelled; None: not theirs."""
        if await self.visible(actor, notice_id) is None:
            return None
        return await self.outbox.cancel(notice_batch(notice_id))

    async def confirmations(
        self, actor: Actor, notice_id: int
    ) -> tuple[Notice, list[tuple[str, str, str, str, datetime | None, str]]] | None:
        notice = await self.visible(actor, notice_id)
        if notice is None:
            return None
        return notice, await self.repo.confirmations(notice_id)

    async def progress(self, batch: str, bot_name: str) -> Progress | None:
        """How a notice's batch stands, for the author's progress message (None: not a
        notice's batch, or no progress message to edit). Once every pin was tried, groups
        where it failed are also told privately (an edit makes no sound)."""
        notice_id = batch_notice(batch)
        notice = await self.repo.get(notice_id) if notice_id is not None else None
        if notice is None or notice.progress_chat_id is None or notice.progress_message_id is None:
            return None
        counts = await self.outbox.batch_counts(batch)
        running = counts["pending"] + counts["sending"] > 0
        report = "" if running else await self._pin_report(bot_name, notice, batch)
        return Progress(notice, counts, running, report)

    async def _pin_report(self, bot_name: str, notice: Notice, batch: str) -> str:
        failures = await self.outbox.pin_failures(batch)
        if not failures or await self.outbox.pins_unsettled(batch):
            return ""
        groups = self.texts.join(title or str(chat) for chat, title, _ in failures)
        text = self.texts.get(
            "notices.pin_failed", None, id=notice.id, count=len(failures), groups=groups,
            bot=bot_name,
        )  # fmt: skip
        message = OutMessage(
            notice.author_user_id, text, purpose="notice_pin", dedupe_key=f"notice:{notice.id}:pin"
        )
        await self.outbox.enqueue([message])
        return text

    def touch(self, notice_id: int) -> None:
        """Tell the progress listener to look again (the sender may have drained the batch
        before the progress message existed)."""
        self.outbox.touch(notice_batch(notice_id))
