"""What /schedule looks like, and the typed data of its buttons.

The strings are the ones the positional codec wrote before, so buttons already in chats keep
working; anything else a client sends is `Stale`:

    sch:v1:new:0                      ➕ 新建
    sch:v1:page:<n>                   ◀ ▶ of the list (and 取消 of a delete question: page 0)
    sch:v1:<pause|resume|del|delok>:<schedule>
    schf:v1:<nonce>:purpose:<purpose> the creation flow's first step
    schf:v1:<nonce>:<skip|save|cancel>:0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from enum import StrEnum
from typing import Annotated, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id, Range
from bot.domain.schedules import Purpose, describe_occurrence, reminder_times
from bot.outcomes.schedules import Page, Preview, Saved
from bot.repos.schedules import Schedule
from bot.texts import Texts
from bot.views import paging
from scheduler.rule_zh import rule_for

Button = InlineKeyboardButton


def scope_text(texts: Texts, s: Schedule, lang: str | None = None) -> str:
    """Whom a schedule reaches, in words (the list, a preview, a message, the CLI)."""
    return texts.get(
        f"schedules.scope.{s.scope.value}", lang, team=s.team_name or "", unit=s.unit_name or ""
    )


NONCE_MAX = 999_999
Nonce = Annotated[int, Range(1, NONCE_MAX)]


# ---- sch:v1:<action>:<n> — the list and its buttons


class AdminAct(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    DELETE = "del"  # asks first
    CONFIRM_DELETE = "delok"


@dataclass(frozen=True)
class SchedulePress(Callback, ns="sch", version=1):
    """A button of one schedule in the list (or of its delete question)."""

    action: AdminAct
    schedule: Id


@dataclass(frozen=True)
class ListPage(Callback, ns="sch", version=1):
    """A page of the list: "sch:v1:page:<n>"."""

    action: Literal["page"] = field(default="page", kw_only=True)
    page: Annotated[int, Range(0, paging.MAX_PAGE)]


@dataclass(frozen=True)
class NewSchedule(Callback, ns="sch", version=1):
    """➕ 新建: "sch:v1:new:0" (a 0 where the other buttons carry their number)."""

    action: Literal["new"] = "new"
    arg: Literal["0"] = "0"


ADMIN_PRESSES = (SchedulePress, ListPage, NewSchedule)


# ---- schf:v1:<nonce>:<action>:<arg> — the creation flow


@dataclass(frozen=True)
class PurposePress(Callback, ns="schf", version=1):
    """What the schedule is for, the flow's first step."""

    nonce: Nonce
    action: Literal["purpose"] = field(default="purpose", kw_only=True)
    purpose: Purpose


class FlowAct(StrEnum):
    SKIP = "skip"  # no title
    SAVE = "save"
    CANCEL = "cancel"


@dataclass(frozen=True)
class FlowPress(Callback, ns="schf", version=1):
    nonce: Nonce
    action: FlowAct
    arg: Literal["0"] = "0"


FLOW_PRESSES = (PurposePress, FlowPress)


def button(text: str, press: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=press.encode())


# ---- texts and keyboards of /schedule


def _btn(texts: Texts, lang: str | None, key: str, press: Callback, **values: object) -> Button:
    return button(texts.get(key, lang, **values), press)


def leads_text(texts: Texts, lang: str | None, leads: tuple[int, ...]) -> str:
    """'提前 1 天、提前 30 分钟、准点'."""
    out = []
    for lead in leads:
        if lead == 0:
            out.append(texts.get("schedules.chat.lead_zero", lang))
            continue
        days, rest = divmod(lead, 1440)
        hours, mins = divmod(rest, 60)
        value = "".join(
            texts.get(f"schedules.chat.{unit}", lang, n=n)
            for unit, n in (("day", days), ("hour", hours), ("minute", mins))
            if n
        )
        out.append(texts.get("schedules.chat.lead_before", lang, value=value))
    return texts.join(out, lang)


def line(texts: Texts, lang: str | None, s: Schedule) -> str:
    """One schedule in the list."""
    text = texts.get(
        "schedules.chat.line", lang,
        id=s.id,
        state=texts.get("schedules.chat.state_paused", lang) if s.paused else "",
        purpose=texts.get(f"schedules.purpose.{s.purpose.value}", lang),
        scope=scope_text(texts, s, lang),
        rule=rule_for(s.rule, lang),
        policy=texts.get(f"schedules.policy.{s.holiday_policy}", lang),
        leads=leads_text(texts, lang, s.leads),
    )  # fmt: skip
    if s.title:
        text += " " + texts.get("schedules.chat.line_title", lang, title=s.title)
    return text


def list_view(texts: Texts, lang: str | None, page: Page) -> tuple[str, InlineKeyboardMarkup]:
    """A page of the list: each schedule with 暂停/恢复 and 删除, ◀ ▶, and ➕ 新建."""
    new = [_btn(texts, lang, "schedules.chat.btn_new", NewSchedule())]
    if not page.total:
        return texts.get("schedules.chat.list_empty", lang), InlineKeyboardMarkup([new])
    lines = [
        texts.get(
            "schedules.chat.list_header", lang, count=page.total, page=page.page + 1,
            pages=page.pages,
        )
    ]  # fmt: skip
    rows = []
    for s in page.items:
        lines.append(line(texts, lang, s))
        toggle = AdminAct.RESUME if s.paused else AdminAct.PAUSE
        rows.append(
            [
                _btn(texts, lang, f"schedules.chat.btn_{toggle.value}", SchedulePress(toggle, s.id),
                     id=s.id),
                _btn(texts, lang, "schedules.chat.btn_delete",
                     SchedulePress(AdminAct.DELETE, s.id), id=s.id),
            ]
        )  # fmt: skip
    nav = []
    if page.page > 0:
        nav.append(_btn(texts, lang, "schedules.chat.btn_prev", ListPage(page.page - 1)))
    if page.page < page.pages - 1:
        nav.append(_btn(texts, lang, "schedules.chat.btn_next", ListPage(page.page + 1)))
    return "\n".join(lines), InlineKeyboardMarkup([*rows, nav, new] if nav else [*rows, new])


def delete_question(
    texts: Texts, lang: str | None, s: Schedule
) -> tuple[str, InlineKeyboardMarkup]:
    text = texts.get(
        "schedules.chat.confirm_delete", lang, id=s.id,
        purpose=texts.get(f"schedules.purpose.{s.purpose.value}", lang),
        scope=scope_text(texts, s, lang),
    )  # fmt: skip
    sure = SchedulePress(AdminAct.CONFIRM_DELETE, s.id)
    row = [
        _btn(texts, lang, "schedules.chat.btn_confirm_delete", sure),
        _btn(texts, lang, "schedules.chat.btn_cancel", ListPage(0)),
    ]
    return text, InlineKeyboardMarkup([row])


def purpose_markup(texts: Texts, lang: str | None, nonce: int) -> InlineKeyboardMarkup:
    """The creation flow's first question: what the schedule is for."""
    return InlineKeyboardMarkup(
        [
            [_btn(texts, lang, f"schedules.purpose.{p.value}", PurposePress(nonce, p))]
            for p in Purpose
        ]
    )


def skip_markup(texts: Texts, lang: str | None, nonce: int) -> InlineKeyboardMarkup:
    skip = FlowPress(nonce, FlowAct.SKIP)
    return InlineKeyboardMarkup([[_btn(texts, lang, "schedules.chat.btn_skip", skip)]])


def rule_help(texts: Texts, lang: str | None) -> str:
    return texts.get("schedules.chat.ask_rule", lang) + "\n\n" + texts.get("schedules.syntax", lang)


def preview_text(texts: Texts, lang: str | None, shown: Preview, tz: tzinfo) -> str:
    """What the schedule will do, then its next events each with its reminders under it."""
    spec = shown.spec
    scope = texts.get(f"schedules.scope.{spec.scope.value}", lang, team=shown.team, unit=shown.unit)
    text = texts.get(
        "schedules.chat.preview", lang,
        purpose=texts.get(f"schedules.purpose.{spec.purpose.value}", lang), scope=scope,
        rule=rule_for(spec.rule_text, lang),
        policy=texts.get(f"schedules.policy.{spec.policy.value}", lang),
        leads=leads_text(texts, lang, spec.leads),
    )  # fmt: skip
    if spec.title:
        text += "\n" + texts.get("schedules.chat.preview_title", lang, title=spec.title)
    if spec.body:
        text += "\n" + texts.get("schedules.chat.preview_body", lang, body=spec.body)
    lines = [text, texts.get("schedules.chat.preview_next", lang)]
    for occ, sends in shown.upcoming:
        lines.append("· " + describe_occurrence(occ, shown.calendar, texts, lang))
        times = reminder_times(sends, tz, texts, lang)
        lines.append(texts.get("schedules.preview.reminders", lang, times=times))
    return "\n".join(lines)


def confirm_markup(texts: Texts, lang: str | None, nonce: int) -> InlineKeyboardMarkup:
    save, cancel = FlowPress(nonce, FlowAct.SAVE), FlowPress(nonce, FlowAct.CANCEL)
    return InlineKeyboardMarkup(
        [
            [
                _btn(texts, lang, "schedules.chat.btn_save", save),
                _btn(texts, lang, "schedules.chat.btn_cancel", cancel),
            ]
        ]
    )


def saved_text(texts: Texts, lang: str | None, saved: Saved, tz: tzinfo) -> str:
    first = saved.first
    when = f"{first.occurs_at.astimezone(tz):%Y-%m-%d %H:%M}" if first else "-"
    event = f"{first.event_at.astimezone(tz):%Y-%m-%d %H:%M}" if first else "-"
    return texts.get("schedules.chat.saved", lang, id=saved.schedule_id, next=when, event=event)
