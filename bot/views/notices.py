"""The buttons of a notice, typed (bot/callbacks.py), with the strings they always had, so
buttons already in chats keep working:

- composing, in the author's private chat: "ntc:v1:c:<nonce>:<act>:<arg>" (`ComposePress`),
  the audience pickers' pages "ntc:v1:c:<nonce>:pg:t:3" (`NoticePage`);
- after sending: "ntc:v1:<op>:<notice>" (`NoticeOp`) — 收到 on the notice itself, and the
  author's status, remind, stop and export buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id, Range, Token
from bot.domain.auth import Reach
from bot.texts import Texts

if TYPE_CHECKING:
    from bot.outcomes.notices import Label, Preview, Progress, Status
    from bot.repos.notices import Notice, StatusRow
from bot.views import paging

NS = "ntc"


class ComposeAct(StrEnum):
    ALL = "all"  # everyone in reach
    UNITS = "units"  # open the unit picker
    TEAMS = "teams"
    TAGS = "tags"  # roles and tags
    UNIT = "u"  # a unit chosen (arg: its id)
    TEAM = "t"  # a team chosen (arg: its id)
    ROLE = "r"  # a role chosen (arg: its index)
    TAG = "g"  # a tag chosen (arg: its index)
    BACK = "back"
    WHERE = "w"  # groups, private chats or both (arg: the target)
    PIN = "pin"
    CONFIRM = "ok"
    CANCEL = "x"


@dataclass(frozen=True)
class ComposePress(Callback, ns=NS, version=1):
    """A press while composing; `arg` is read by the act that has one ("0" otherwise)."""

    c: Literal["c"]
    nonce: Token
    act: ComposeAct
    arg: Token


def compose(nonce: str, act: ComposeAct, arg: object = 0) -> str:
    return ComposePress("c", nonce, act, str(arg)).encode()


class PageOp(StrEnum):
    GO = "pg"  # show page n
    SEARCH = "ps"  # ask for part of a name
    CLEAR = "pc"  # drop the search, back to every item


PickList = Literal["u", "t", "g"]  # units, teams, roles and tags


@dataclass(frozen=True)
class NoticePage(Callback, ns=NS, version=1):
    """A page, search or show-all press of an audience picker: "ntc:v1:c:<nonce>:pg:t:3"."""

    c: Literal["c"]
    nonce: Token
    op: PageOp
    what: PickList
    page: Annotated[int, Range(0, paging.MAX_PAGE)]


def page(nonce: str, op: PageOp, what: str, number: int = 0) -> str:
    return NoticePage("c", nonce, op, what, number).encode()  # type: ignore[arg-type]


class AfterOp(StrEnum):
    ACK = "ack"  # 收到, on the notice in each chat
    STATUS = "st"
    REMIND = "rm"
    STOP = "stop"
    EXPORT = "xl"


@dataclass(frozen=True)
class NoticeOp(Callback, ns=NS, version=1):
    op: AfterOp
    notice: Id


def after(op: AfterOp, notice_id: int) -> str:
    return NoticeOp(op, notice_id).encode()


def button(texts: Texts, lang: str | None, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(texts.get(key, lang), callback_data=data)


def status_markup(texts: Texts, lang: str | None, notice_id: int) -> InlineKeyboardMarkup:
    """Under /notice status: remind those who have not confirmed, refresh, export."""
    return InlineKeyboardMarkup(
        [
            [
                button(texts, lang, "notices.remind_button", after(AfterOp.REMIND, notice_id)),
                button(texts, lang, "notices.refresh_button", after(AfterOp.STATUS, notice_id)),
            ],
            [button(texts, lang, "notices.export_button", after(AfterOp.EXPORT, notice_id))],
        ]
    )


def audience_menu(texts: Texts, lang: str | None, r: Reach, nonce: str) -> InlineKeyboardMarkup:
    """Who gets the notice: everyone in the author's reach, or a unit, team, role or tag."""
    key = {Reach.ALL: "all", Reach.UNIT: "unit_all"}.get(r, "team_all")
    acts = [(f"notices.aud.{key}", ComposeAct.ALL)]
    if r is Reach.ALL:
        acts.append(("notices.aud.units", ComposeAct.UNITS))
    if r in (Reach.ALL, Reach.UNIT):
        acts.append(("notices.aud.teams", ComposeAct.TEAMS))
    acts += [("notices.aud.tags", ComposeAct.TAGS), ("notices.cancel", ComposeAct.CANCEL)]
    return InlineKeyboardMarkup([[button(texts, lang, k, compose(nonce, act))] for k, act in acts])


def progress_markup(
    texts: Texts, lang: str | None, notice_id: int, running: bool
) -> InlineKeyboardMarkup:
    """Under the author's progress message: status, and 停止 while it is still going out."""
    row = [button(texts, lang, "notices.status_button", after(AfterOp.STATUS, notice_id))]
    if running:
        row.append(button(texts, lang, "notices.stop_button", after(AfterOp.STOP, notice_id)))
    return InlineKeyboardMarkup([row])


def progress_text(texts: Texts, notice: Notice, counts: dict[str, int], running: bool) -> str:
    """The author's progress message: sent of total, failed, cancelled, sent privately instead."""
    key = "notices.progress.sending" if running else "notices.progress.done"
    return texts.get(
        key,
        id=notice.id,
        sent=counts["sent"],
        total=sum(counts.values()),
        failed=counts["undeliverable"],
        cancelled=counts["cancelled"],
        fallback=notice.fallback_count,
        unreachable=notice.unreachable_count,
    )


def preview_markup(
    texts: Texts, lang: str | None, nonce: str, confirmable: bool, pin: bool | None
) -> InlineKeyboardMarkup:
    """Under the preview: 确认 when anyone would receive it, the pin switch when it goes to
    groups (`pin` None: no groups), then back and cancel."""
    rows = []
    if confirmable:
        rows.append([button(texts, lang, "notices.confirm", compose(nonce, ComposeAct.CONFIRM))])
        if pin is not None:
            key = "notices.pin_on" if pin else "notices.pin_off"
            rows.append([button(texts, lang, key, compose(nonce, ComposeAct.PIN))])
    rows.append(
        [
            button(texts, lang, "notices.back", compose(nonce, ComposeAct.BACK)),
            button(texts, lang, "notices.cancel", compose(nonce, ComposeAct.CANCEL)),
        ]
    )
    return InlineKeyboardMarkup(rows)


TARGETS = ("groups", "private", "both")  # where a notice goes: team groups, private chats, both


def where_markup(texts: Texts, lang: str | None, nonce: str) -> InlineKeyboardMarkup:
    rows = [
        [button(texts, lang, f"notices.where.{t}", compose(nonce, ComposeAct.WHERE, t))]
        for t in TARGETS
    ]
    rows.append([button(texts, lang, "notices.back", compose(nonce, ComposeAct.BACK))])
    return InlineKeyboardMarkup(rows)


def label_text(texts: Texts, lang: str | None, label: Label) -> str:
    place = label.place if label.place is not None else texts.get("notices.aud.everyone", lang)
    what = texts.get(f"notices.role.{label.role}", lang) if label.role else label.tag
    if what:
        return texts.get("notices.label_filter", lang, place=place, what=what)
    return place


def preview_text(
    texts: Texts, lang: str | None, title: str, audience: str, target: str, preview: Preview
) -> str:
    plan, parts = preview.plan, len(preview.parts)
    text = texts.get(
        "notices.preview", lang,
        body=title, audience=audience, where=texts.get(f"notices.where.{target}", lang),
        people=len(plan.recipients), private=len(plan.private_chats), groups=len(plan.group_chats),
        fallback=plan.fallback, unreachable=plan.unreachable, parts=parts,
        messages=parts * len(plan.chats),
    )  # fmt: skip
    if not plan.chats:
        text += "\n\n" + texts.get("notices.nobody", lang)
    return text


def recent_markup(notices: Sequence[Notice]) -> InlineKeyboardMarkup:
    """/notice status: one button per recent notice, "#id title"."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"#{n.id} {title_of(n.body)}", callback_data=after(AfterOp.STATUS, n.id)
                )
            ]
            for n in notices
        ]
    )


def status_text(texts: Texts, lang: str | None, st: Status) -> str:
    """Who confirmed and who has not, team by team, under a header with the totals."""
    rows = st.rows
    head = texts.get(
        "notices.status.header", lang, id=st.notice.id, title=title_of(st.notice.body),
        done=sum(r.acked for r in rows), total=len(rows), failed=st.failed,
    )  # fmt: skip
    return "\n".join([head, *status_lines(texts, lang, rows)])


def title_of(body: str, width: int = 20) -> str:
    line = body.strip().splitlines()[0] if body.strip() else ""
    return line if len(line) <= width else line[:width] + "…"


def status_lines(texts: Texts, lang: str | None, rows: Sequence[StatusRow]) -> list[str]:
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


def picker(
    texts: Texts, lang: str | None, ask: str, nonce: str, what: str,
    options: list[paging.Option], number: int, query: str,
) -> tuple[str, InlineKeyboardMarkup] | None:  # fmt: skip
    """One page of an audience picker (of what the search `query` kept), with ◀ ▶, 🔍, 显示全部
    and 返回; None when there is nothing to pick."""
    if not options:
        return None
    if query:
        options = paging.matching(options, query, lambda o: o.label)
    shown = paging.paginate(options, number)
    text = ask + "\n" + paging.caption(texts, lang, shown, query)
    markup = paging.keyboard(
        texts, lang, shown.items, shown,
        nav=lambda n: page(nonce, PageOp.GO, what, n),
        search=page(nonce, PageOp.SEARCH, what),
        clear=page(nonce, PageOp.CLEAR, what),
        query=query,
        tail=[[button(texts, lang, "notices.back", compose(nonce, ComposeAct.BACK))]],
    )  # fmt: skip
    return text, markup


def sending(
    texts: Texts, lang: str | None, notice_id: int, total: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The author's progress message as the notice starts going out."""
    text = texts.get("notices.progress.sending", lang, id=notice_id, sent=0, total=total)
    return text, progress_markup(texts, lang, notice_id, running=True)


def progress(texts: Texts, shown: Progress) -> tuple[str, InlineKeyboardMarkup]:
    """The author's progress message as the notice drains, with what failed to pin at the end."""
    text = progress_text(texts, shown.notice, shown.counts, shown.running)
    if shown.pin_report:
        text += "\n\n" + shown.pin_report
    return text, progress_markup(texts, None, shown.notice.id, shown.running)


def ack_markup(texts: Texts, notice_id: int) -> dict[str, Any]:
    """收到, under a notice's last part (as the outbox stores it)."""
    button = InlineKeyboardButton(
        texts.get("notices.ack_button"), callback_data=after(AfterOp.ACK, notice_id)
    )
    return InlineKeyboardMarkup([[button]]).to_dict()
