"""Texts and keyboards of confidential casework (帮扶救助, 意见反映), for handlers and notices."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id, Int64, Range
from bot.clock import parse_iso
from bot.domain.casework import ASSIST_CATEGORIES, Category, Kind, State
from bot.repos.casework import AuditRow, CaseRow, Entry, HandlerRow
from bot.texts import Texts

Nonce = Annotated[int, Range(1, 999_999)]


class How(StrEnum):
    NAMED = "named"
    ANON = "anon"
    CANCEL = "cancel"


class Op(StrEnum):
    OPEN = "open"  # read the content (handlers; audited)
    ASSIGN = "assign"  # the handler picker (admins)
    AUDIT = "audit"  # who saw and did what (admins)
    REPLY = "reply"
    START = "start"
    RESOLVE = "resolve"
    REOPEN = "reopen"


@dataclass(frozen=True)
class PickCategory(Callback, ns="cwn", version=1):
    category: Category


@dataclass(frozen=True)
class SubmitPress(Callback, ns="cws", version=1):
    nonce: Nonce
    how: How


@dataclass(frozen=True)
class OwnPress(Callback, ns="cwo", version=1):
    case: Id


@dataclass(frozen=True)
class AddPress(Callback, ns="cwp", version=1):
    """The author adds to their own open request."""

    case: Id


@dataclass(frozen=True)
class CasePress(Callback, ns="cwa", version=1):
    case: Id
    op: Op


@dataclass(frozen=True)
class FilePress(Callback, ns="cwf", version=1):
    case: Id
    index: Annotated[int, Range(0, 99)]


@dataclass(frozen=True)
class HandlerPress(Callback, ns="cwh", version=1):
    case: Id
    handler: Int64


def _b(text: str, data: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.encode())


def kind_label(case: CaseRow, texts: Texts, lang: str) -> str:
    if case.kind is Kind.FEEDBACK:
        return texts.get("casework.kind.feedback", lang)
    category = texts.get(f"casework.category.{case.category.value}", lang)
    return texts.get("casework.kind.assist_of", lang, category=category)


def state_label(state: State, texts: Texts, lang: str) -> str:
    return texts.get(f"casework.state.{state.value}", lang)


# ------------------------------------------------------------------ the author's side


def category_keyboard(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_b(texts.get(f"casework.category.{c.value}", lang), PickCategory(c))]
            for c in ASSIST_CATEGORIES
        ]
    )


def submit_keyboard(nonce: int, texts: Texts, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_b(texts.get("casework.btn.named", lang), SubmitPress(nonce, How.NAMED))],
            [_b(texts.get("casework.btn.anon", lang), SubmitPress(nonce, How.ANON))],
            [_b(texts.get("casework.btn.cancel", lang), SubmitPress(nonce, How.CANCEL))],
        ]
    )


def submitted(case_id: int, kind: Kind, anonymous: bool, texts: Texts, lang: str) -> str:
    key = f"casework.submitted.{kind.value}_{'anon' if anonymous else 'named'}"
    return texts.get(key, lang, number=case_id)


def own_list(
    cases: list[CaseRow], texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not cases:
        return texts.get("casework.mine.none", lang), None
    lines = [texts.get("casework.mine.title", lang, count=len(cases))]
    for c in cases:
        lines.append(
            texts.get(
                "casework.mine.line",
                lang,
                number=c.id,
                kind=kind_label(c, texts, lang),
                day=c.created_on,
                state=state_label(c.state, texts, lang),
                anon=texts.get("casework.mine.anon", lang) if c.anonymous else "",
            )
        )
    rows = [
        [_b(texts.get("casework.btn.view_own", lang, number=c.id), OwnPress(c.id))]
        for c in cases[:20]
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _entries(entries: list[Entry], names: dict[int, str], texts: Texts, lang: str) -> list[str]:
    out = []
    for e in entries:
        if e.side == "author":
            who = texts.get("casework.entry.author", lang)
        else:
            who = names.get(e.handler_tg or 0) or texts.get("casework.entry.handler", lang)
        files = texts.get("casework.entry.files", lang, count=len(e.files)) if e.files else ""
        out.append(
            texts.get(
                "casework.entry.line", lang, who=who, at=e.at[:16].replace("T", " "), body=e.body
            )
            + files
        )
    return out


def own_case(
    case: CaseRow, entries: list[Entry], texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    head = texts.get(
        "casework.own.head",
        lang,
        number=case.id,
        kind=kind_label(case, texts, lang),
        day=case.created_on,
        state=state_label(case.state, texts, lang),
    )
    # The author sees replies as "处理人": an anonymous author's handler stays unnamed too,
    # so nothing suggests which of the union's staff reads their case.
    text = "\n".join([head, *_entries(entries, {}, texts, lang)])
    if case.state is State.RESOLVED:
        return text, None
    add = _b(texts.get("casework.btn.add", lang), AddPress(case.id))
    return text, InlineKeyboardMarkup([[add]])


def added_notice(case: CaseRow, texts: Texts, lang: str) -> str:
    return texts.get(
        "casework.notice.added", lang, number=case.id, kind=kind_label(case, texts, lang)
    )


def author_notice(case: CaseRow, step: str, reply: str, texts: Texts, lang: str) -> str:
    return texts.get(
        f"casework.notice.{step}",
        lang,
        number=case.id,
        kind=kind_label(case, texts, lang),
        reply=reply,
    )


# ------------------------------------------------------------------ handlers and admins


def new_case_notice(case_id: int, kind: Kind, texts: Texts, lang: str) -> str:
    return texts.get(f"casework.notice.new_{kind.value}", lang, number=case_id)


def waiting_notice(case: CaseRow, key: str, days: int, texts: Texts, lang: str) -> str:
    return texts.get(
        f"casework.notice.{key}",
        lang,
        number=case.id,
        kind=kind_label(case, texts, lang),
        days=days,
    )


def assigned_notice(case: CaseRow, texts: Texts, lang: str) -> str:
    return texts.get(
        "casework.notice.to_handler", lang, number=case.id, kind=kind_label(case, texts, lang)
    )


def _meta_line(c: CaseRow, names: dict[int, str], texts: Texts, lang: str) -> str:
    handlers = texts.join([names.get(h, str(h)) for h in sorted(c.handlers)], lang) or texts.get(
        "casework.list.nobody", lang
    )
    return texts.get(
        "casework.list.line",
        lang,
        number=c.id,
        kind=kind_label(c, texts, lang),
        unit=c.unit_name or "",
        day=c.created_on,
        state=state_label(c.state, texts, lang),
        handlers=handlers,
    )


def listing(
    cases: list[CaseRow], names: dict[int, str], admin: bool, texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not cases:
        return texts.get("casework.list.none", lang), None
    title = texts.get("casework.list.title_admin" if admin else "casework.list.title", lang)
    lines = [title, *(_meta_line(c, names, texts, lang) for c in cases)]
    rows: list[list[InlineKeyboardButton]] = []
    for c in cases[:15]:
        row = []
        if admin:
            row.append(
                _b(texts.get("casework.btn.assign", lang, number=c.id), CasePress(c.id, Op.ASSIGN))
            )
            row.append(
                _b(texts.get("casework.btn.audit", lang, number=c.id), CasePress(c.id, Op.AUDIT))
            )
        if not admin or c.handlers:
            row.append(
                _b(texts.get("casework.btn.open", lang, number=c.id), CasePress(c.id, Op.OPEN))
            )
        rows.append(row)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def content(
    case: CaseRow,
    entries: list[Entry],
    names: dict[int, str],
    author: str | None,
    texts: Texts,
    lang: str,
) -> tuple[str, InlineKeyboardMarkup]:
    shown = author if author and not case.anonymous else texts.get("casework.case.anonymous", lang)
    head = texts.get(
        "casework.case.head",
        lang,
        number=case.id,
        kind=kind_label(case, texts, lang),
        unit=case.unit_name or "",
        day=case.created_on,
        state=state_label(case.state, texts, lang),
        author=shown,
    )
    text = "\n".join([head, *_entries(entries, names, texts, lang)])
    rows: list[list[InlineKeyboardButton]] = []
    files = [f for e in entries for f in e.files]
    if files:
        rows.append(
            [
                _b(texts.get("casework.btn.file", lang, n=i + 1), FilePress(case.id, i))
                for i in range(min(len(files), 8))
            ]
        )
    if case.state is State.RESOLVED:
        rows.append([_b(texts.get("casework.btn.reopen", lang), CasePress(case.id, Op.REOPEN))])
    else:
        rows.append([_b(texts.get("casework.btn.reply", lang), CasePress(case.id, Op.REPLY))])
        moves = [_b(texts.get("casework.btn.resolve", lang), CasePress(case.id, Op.RESOLVE))]
        if case.state is State.ASSIGNED:
            moves.insert(0, _b(texts.get("casework.btn.start", lang), CasePress(case.id, Op.START)))
        rows.append(moves)
    return text, InlineKeyboardMarkup(rows)


def toggled(case: CaseRow, pool: list[HandlerRow], handler: int, texts: Texts, lang: str) -> str:
    """The picker's toast after a press: who is now on the request, or off it (plain text)."""
    name = next((h.name for h in pool if h.tg_user_id == handler), str(handler))
    key = "casework.assign.done_on" if handler in case.handlers else "casework.assign.done_off"
    return texts.plain(key, lang, name=name)


def picker(
    case: CaseRow, pool: list[HandlerRow], texts: Texts, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    text = texts.get(
        "casework.assign.title", lang, number=case.id, kind=kind_label(case, texts, lang)
    )
    if not pool:
        return texts.get("casework.assign.nobody", lang), InlineKeyboardMarkup([])
    rows = [
        [
            _b(
                ("✅ " if h.tg_user_id in case.handlers else "⬜ ") + h.name,
                HandlerPress(case.id, h.tg_user_id),
            )
        ]
        for h in pool[:40]
    ]
    return text, InlineKeyboardMarkup(rows)


def audit(case: CaseRow, rows: list[AuditRow], tz: ZoneInfo, texts: Texts, lang: str) -> str:
    lines = [texts.get("casework.audit.title", lang, number=case.id)]
    for r in rows:
        lines.append(
            texts.get(
                "casework.audit.line",
                lang,
                at=parse_iso(r.at).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                who=r.actor_name,
                action=texts.get(f"casework.audit.action.{r.action}", lang),
                detail=r.detail or "",
            )
        )
    return "\n".join(lines)
