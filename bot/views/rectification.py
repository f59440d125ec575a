"""Texts and keyboards of the rectification register (整改销号), for handlers and the
escalation job alike. Everything a person typed is escaped here, once, by `Texts.get`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id, Range
from bot.domain.rectification import Level, Move, State
from bot.outcomes.rectification import Card, Draft, Ledger, Refused, Register
from bot.texts import Texts
from bot.views.paging import MAX_PAGE, Option, keyboard, paginate

if TYPE_CHECKING:
    from bot.repos.rectification import EventRow, Evidence, Item

PREVIEW_CHARS = 24


class Press(StrEnum):
    CARD = "card"
    SUBMIT = "submit"
    DONE = "done"  # the evidence is complete: submit it
    EVIDENCE = "evidence"
    VERIFY = "verify"
    SEND_BACK = "back"
    POSTPONE = "postpone"
    REOPEN = "reopen"


@dataclass(frozen=True)
class ItemPress(Callback, ns="rz", version=1):
    """A button of an item; `ver` is the item's version when the button was drawn."""

    item: Id
    op: Press
    ver: Annotated[int, Range(1, 2**31 - 1)]


@dataclass(frozen=True)
class ListPage(Callback, ns="rzl", version=1):
    """A page of the /rectify list."""

    page: Annotated[int, Range(0, MAX_PAGE)]


@dataclass(frozen=True)
class FromSuggestion(Callback, ns="rzs", version=1):
    """转整改 on an adopted suggestion's card."""

    suggestion: Id


def _t(texts: Texts, lang: str, key: str, /, **values: object) -> str:
    return texts.get(f"rectification.{key}", lang, **values)


def _label(texts: Texts, lang: str, key: str, /, **values: object) -> str:
    """A button label: Telegram shows it as plain text, so values are not escaped."""
    return texts.plain(f"rectification.{key}", lang, **values)


def _short(text: str, size: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def day(d: date | None) -> str:
    return d.isoformat() if d else "—"


def state_name(texts: Texts, lang: str, state: State) -> str:
    return _t(texts, lang, f"state.{state.value}")


def open_button(texts: Texts, lang: str, item_id: int, version: int) -> InlineKeyboardMarkup:
    label = _label(texts, lang, "btn.open", id=item_id)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label, callback_data=ItemPress(item_id, Press.CARD, version).encode()
                )
            ]
        ]
    )


def from_suggestion_button(texts: Texts, lang: str, suggestion_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        _label(texts, lang, "btn.from_suggestion"),
        callback_data=FromSuggestion(suggestion_id).encode(),
    )


# ------------------------------------------------------------------ messages to others


def assigned(texts: Texts, lang: str, item_id: int, problem: str, deadline: date) -> str:
    return _t(texts, lang, "told.assigned", id=item_id, problem=problem, deadline=day(deadline))


def moved(
    texts: Texts, lang: str, item: Item, move: Move, reason: str, new_deadline: date | None
) -> str:
    return _t(
        texts,
        lang,
        f"told.{move.value}",
        id=item.id,
        problem=_short(item.problem, 60),
        owner=item.owner_name,
        reason=reason,
        deadline=day(new_deadline or item.deadline),
        old=day(item.deadline),
    )


def overdue(texts: Texts, lang: str, item: Item, late: int, level: Level) -> str:
    return _t(
        texts,
        lang,
        f"overdue.{level.name.lower()}",
        id=item.id,
        problem=_short(item.problem, 60),
        owner=item.owner_name,
        place=place(texts, lang, item),
        deadline=day(item.deadline),
        days=late,
    )


def place(texts: Texts, lang: str, item: Item) -> str:
    if item.team_name:
        return _t(texts, lang, "place_team", unit=item.unit_name, team=item.team_name)
    return item.unit_name


# ------------------------------------------------------------------ replies


def refused(r: Refused, texts: Texts, lang: str) -> str:
    return _t(texts, lang, f"problem.{r.problem.value}", detail=r.detail)


def register_page(
    reg: Register, texts: Texts, lang: str, page: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    return register_list(reg.items, texts, lang, reg.today, reg.may_raise, page)


def register_list(
    items: list[Item], texts: Texts, lang: str, today: date, may_raise: bool, page: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The open items, soonest deadline first, a page of them as buttons (◀ n/m ▶ below)."""
    if not items:
        key = "list.empty_raise" if may_raise else "list.empty"
        return _t(texts, lang, key), None
    late = sum(1 for i in items if i.deadline < today)
    shown = paginate(items, page)
    options = []
    for i in shown.items:
        mark = "⚠️" if i.deadline < today else ("🔎" if i.state is State.RECTIFIED else "⬜")
        label = _label(
            texts,
            lang,
            "list.button",
            mark=mark,
            id=i.id,
            problem=_short(i.problem),
            deadline=i.deadline.strftime("%m-%d"),
        )
        options.append(Option(label, ItemPress(i.id, Press.CARD, i.version).encode()))
    lines = [
        _t(texts, lang, "list.head", n=len(items), late=late),
        _t(texts, lang, "list.hint"),
    ]
    if shown.pages > 1:
        lines.insert(1, _t(texts, lang, "list.page", page=shown.number + 1, pages=shown.pages))
    markup = keyboard(texts, lang, options, shown, nav=lambda n: ListPage(n).encode())
    return "\n".join(lines), markup


def _event_line(texts: Texts, lang: str, e: EventRow, tz: ZoneInfo) -> str:
    at = e.at.astimezone(tz).strftime("%m-%d %H:%M")
    line = _t(
        texts,
        lang,
        f"event.{e.move}",
        at=at,
        who=e.actor_name or "—",
        deadline=day(e.new_deadline),
        old=day(e.old_deadline),
    )
    if e.reason:
        line += _t(texts, lang, "event.reason", reason=e.reason)
    return line


def card(
    c: Card, texts: Texts, lang: str, tz: ZoneInfo, today: date
) -> tuple[str, InlineKeyboardMarkup | None]:
    i = c.item
    late = (today - i.deadline).days if i.state is not State.CLOSED and i.deadline < today else 0
    lines = [
        _t(texts, lang, "card.head", id=i.id, state=state_name(texts, lang, i.state)),
        _t(texts, lang, "card.problem", problem=i.problem),
        _t(texts, lang, "card.owner", owner=i.owner_name, place=place(texts, lang, i)),
        _t(texts, lang, "card.deadline", deadline=day(i.deadline)),
    ]
    if late:
        lines.append(_t(texts, lang, "card.late", days=late))
    if i.source != "manual":
        ref = f"#{i.suggestion_id}" if i.suggestion_id else ""
        lines.append(_t(texts, lang, f"card.source_{i.source}", ref=ref))
    if c.evidence:
        lines.append(_t(texts, lang, "card.evidence", n=c.evidence))
    lines.append(_t(texts, lang, "card.history"))
    lines += [_event_line(texts, lang, e, tz) for e in c.events[-12:]]
    allowed = {op.value for op in c.ops}  # Op and Press share their values
    buttons = [
        InlineKeyboardButton(
            _label(texts, lang, f"btn.{press.value}"),
            callback_data=ItemPress(i.id, press, i.version).encode(),
        )
        for press in Press
        if press.value in allowed
    ]
    rows = [buttons[k : k + 2] for k in range(0, len(buttons), 2)]
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


def draft(d: Draft, texts: Texts, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    text = _t(texts, lang, "evidence.added", n=d.pieces, id=d.item.id)
    button = InlineKeyboardButton(
        _label(texts, lang, "btn.done", n=d.pieces),
        callback_data=ItemPress(d.item.id, Press.DONE, d.item.version).encode(),
    )
    return text, InlineKeyboardMarkup([[button]])


def evidence_text(pieces: list[Evidence], item: Item, texts: Texts, lang: str) -> str:
    head = _t(texts, lang, "evidence.head", id=item.id, n=len(pieces))
    notes = [_t(texts, lang, "evidence.text_line", text=p.body) for p in pieces if p.kind == "text"]
    return "\n".join([head, *notes])


def evidence_caption(piece: Evidence, item: Item, texts: Texts, lang: str) -> str:
    return _t(texts, lang, "evidence.caption", id=item.id, text=piece.body or "")


def moved_reply(item: Item, move: Move, texts: Texts, lang: str) -> str:
    return _t(texts, lang, f"done.{move.value}", id=item.id, deadline=day(item.deadline))


def raised(item: Item, texts: Texts, lang: str) -> str:
    return _t(
        texts,
        lang,
        "new.raised",
        id=item.id,
        owner=item.owner_name,
        place=place(texts, lang, item),
        deadline=day(item.deadline),
    )


# ------------------------------------------------------------------ the monthly 台账


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def ledger(lg: Ledger, texts: Texts, lang: str) -> str:
    scope = lg.unit_name or _t(texts, lang, "ledger.all")
    lines = [_t(texts, lang, "ledger.head", period=lg.period.label(lang), scope=scope)]
    for r in lg.rows:
        f = r.figures
        lines.append(
            _t(
                texts,
                lang,
                "ledger.row",
                unit=r.unit_name,
                open=f.open,
                closed=f.closed,
                overdue=f.overdue,
                postponed=f.postponed,
                rate=pct(f.rate),
            )
        )
    if len(lg.rows) > 1:
        f = lg.total
        lines.append(
            _t(
                texts,
                lang,
                "ledger.total",
                open=f.open,
                closed=f.closed,
                overdue=f.overdue,
                postponed=f.postponed,
                rate=pct(f.rate),
            )
        )
    lines.append(_t(texts, lang, "ledger.note"))
    return "\n".join(lines)
