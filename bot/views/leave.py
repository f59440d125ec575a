"""Texts and keyboards of leave asked ahead (请假), for handlers and the service's notices.

Everything here is HTML (parse mode HTML everywhere); names and notes people wrote are
escaped by `Texts.get`, once. Toasts are plain text: their values go in as `Html` so that
nothing is escaped for a place that does not read HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id
from bot.domain.leave import Draft, Leave, Step, days_of
from bot.domain.leave_rules import MAX_DAYS, NOTE_MAX, LeaveType, day_count
from bot.outcomes.leave import Asked, AskResult
from bot.texts import Html

if TYPE_CHECKING:
    from bot.texts import Texts

NS = "lva"  # leave asked ahead; "lv" is the session-bound request of a running session


@dataclass(frozen=True)
class PickType(Callback, ns=NS, version=1):
    kind: LeaveType
    act: Literal["type"] = "type"


@dataclass(frozen=True)
class DraftStep(Callback, ns=NS, version=1):
    """跳过 (no note), 提交, 放弃 — of the presser's own draft."""

    what: Literal["skip", "submit", "abort"]
    act: Literal["draft"] = "draft"


def fits(draft: Draft, press: PickType | DraftStep) -> bool:
    """A draft button answers the step the draft is at (放弃 any step); another is stale."""
    if isinstance(press, PickType):
        return draft.step is Step.TYPE
    if press.what == "abort":
        return True
    return draft.step is (Step.NOTE if press.what == "skip" else Step.CONFIRM)


@dataclass(frozen=True)
class Withdraw(Callback, ns=NS, version=1):
    leave: Id
    act: Literal["cancel"] = "cancel"


@dataclass(frozen=True)
class Decide(Callback, ns=NS, version=1):
    leave: Id
    approve: bool
    act: Literal["decide"] = "decide"


PRESSES = (PickType, DraftStep, Withdraw, Decide)


def type_label(texts: Texts, kind: LeaveType, lang: str | None = None) -> str:
    return texts.get(f"leave.type.{kind.value}", lang)


def status_label(texts: Texts, leave: Leave, lang: str | None = None) -> str:
    return texts.get(f"leave.status.{leave.status.value}", lang)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(texts: Texts, day: date, lang: str | None = None) -> str:
    names = texts.get("leave.weekdays", lang)
    weekdays = names.split(",") if "," in names else list(names)
    return texts.get(
        "leave.day",
        lang,
        m=day.month,
        d=day.day,
        w=weekdays[day.weekday()],
        mon=_MONTHS[day.month - 1],
    )


def days_text(texts: Texts, first: date, last: date, lang: str | None = None) -> str:
    if first == last:
        return day_text(texts, first, lang)
    return texts.get(
        "leave.range", lang, first=day_text(texts, first, lang), last=day_text(texts, last, lang)
    )


# ------------------------------------------------------------------ the worker's flow


def ask_days(
    texts: Texts, lang: str, mine: list[Leave], today: date, pending: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The first message of /leave: which days, and the person's own leave still to come
    (each that has not begun with a button to withdraw it)."""
    lines = [texts.get("leave.ask.days", lang, max=MAX_DAYS)]
    buttons = []
    if mine:
        lines += ["", texts.get("leave.ask.mine", lang)]
        for leave in mine:
            days = days_text(texts, leave.first_day, leave.last_day, lang)
            lines.append(
                texts.get(
                    "leave.ask.mine_line",
                    lang,
                    days=days,
                    n=days_of(leave),
                    kind=type_label(texts, leave.kind, lang),
                    status=status_label(texts, leave, lang),
                )
            )
            if leave.first_day > today:
                label = texts.get("leave.ask.cancel_button", lang, days=days)
                buttons.append([button(label, Withdraw(leave.id))])
    if pending:
        lines += ["", texts.get("leave.ask.pending_hint", lang, n=pending)]
    return "\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None


def ask_type(texts: Texts, lang: str, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    assert draft.first_day is not None and draft.last_day is not None
    text = texts.get(
        "leave.ask.type",
        lang,
        days=days_text(texts, draft.first_day, draft.last_day, lang),
        n=day_count(draft.first_day, draft.last_day),
    )
    row = [button(type_label(texts, k, lang), PickType(k)) for k in LeaveType]
    return text, InlineKeyboardMarkup([row[:2], row[2:]])


def ask_note(texts: Texts, lang: str, kind: LeaveType) -> tuple[str, InlineKeyboardMarkup]:
    text = texts.get("leave.ask.note", lang, kind=type_label(texts, kind, lang), max=NOTE_MAX)
    skip = button(texts.get("leave.ask.skip_button", lang), DraftStep("skip"))
    return text, InlineKeyboardMarkup([[skip]])


def confirm(
    texts: Texts, lang: str, draft: Draft, replaced: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    assert draft.first_day is not None and draft.last_day is not None and draft.kind
    photo = texts.get("leave.confirm.photo_yes" if draft.photo else "leave.confirm.photo_no", lang)
    text = texts.get(
        "leave.confirm.text",
        lang,
        kind=type_label(texts, draft.kind, lang),
        days=days_text(texts, draft.first_day, draft.last_day, lang),
        n=day_count(draft.first_day, draft.last_day),
        note=draft.note or texts.get("leave.nobody", lang),
        photo=photo,
    )
    if replaced:
        text += "\n" + texts.get("leave.confirm.photo_replaced", lang)
    return text, InlineKeyboardMarkup(
        [
            [
                button(texts.get("leave.confirm.submit_button", lang), DraftStep("submit")),
                button(texts.get("leave.confirm.abort_button", lang), DraftStep("abort")),
            ]
        ]
    )


def summary_values(texts: Texts, leave: Leave, lang: str | None = None) -> dict[str, object]:
    return {
        "kind": type_label(texts, leave.kind, lang),
        "days": days_text(texts, leave.first_day, leave.last_day, lang),
        "n": days_of(leave),
    }


# ------------------------------------------------------------------ the leader's card


def request_text(texts: Texts, leave: Leave, lang: str | None = None) -> str:
    text = texts.get(
        "leave.request.text",
        lang,
        id=leave.id,
        name=leave.name,
        team=leave.team_name,
        no=leave.employee_no,
        note=leave.note or texts.get("leave.nobody", lang),
        **summary_values(texts, leave, lang),
    )
    if leave.photo:
        text += "\n" + texts.get("leave.request.photo", lang)
    return text


def decide_markup(texts: Texts, leave_id: int, lang: str | None = None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(texts.get("leave.request.approve_button", lang), Decide(leave_id, True)),
                button(texts.get("leave.request.refuse_button", lang), Decide(leave_id, False)),
            ]
        ]
    )


def decided_text(texts: Texts, leave: Leave, by: str, lang: str | None = None) -> str:
    """The card after the decision: the request, then who decided what (or 已撤销)."""
    if leave.status.value == "approved":
        line = texts.get("leave.request.approved", lang, by=by)
    elif leave.status.value == "refused":
        line = texts.get("leave.request.refused", lang, by=by, reason=leave.decision_reason or "")
    else:
        line = texts.get("leave.request.cancelled", lang)
    return request_text(texts, leave, lang) + "\n" + line


def button(text: str, data: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.encode())


def submitted(
    texts: Texts, lang: str, draft: Draft, result: AskResult
) -> tuple[str, dict[str, object]]:
    """The answer to 提交: the text key and its values."""
    if result.outcome is Asked.STARTED:  # the first day passed while it waited
        assert draft.first_day is not None and draft.last_day is not None
        days = days_text(texts, draft.first_day, draft.last_day, lang)
        return "leave.bad.stale_days", {"days": days}
    if result.outcome is Asked.OVERLAP:
        clash = result.clash
        when: object = summary_values(texts, clash, lang)["days"] if clash else ""
        status = status_label(texts, clash, lang) if clash else ""
        return "leave.submitted.overlap", {"days": when, "status": status}
    assert result.leave is not None
    values = summary_values(texts, result.leave, lang)
    if result.tier is None:
        return "leave.submitted.nobody", values
    who = texts.get(f"leave.submitted.{result.tier.value}", lang)
    return "leave.submitted.ok", {"who": Html(who), **values}
