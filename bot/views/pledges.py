"""Pledges' buttons and texts: the draft's 跳过 / 确认 / 重写 / 取消, /mine's pledge part, a
team's detail with 提醒. The button data keeps the strings older buttons in chats carry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id, Range
from bot.domain.org import Team
from bot.outcomes.pledges import (
    MAX_CHARS,
    AskPlan,
    AskPledge,
    Cancelled,
    DraftAction,
    DraftOutcome,
    Export,
    History,
    Mine,
    MineAction,
    NotRegistered,
    Overview,
    Preview,
    Refusal,
    Refused,
    Reminded,
    Saved,
    TeamDetail,
    TeamsOp,
    TeamStatus,
    TextRefused,
    Unchanged,
    UseButtons,
)
from bot.repos.pledges import Pledge
from bot.texts import Texts
from bot.views import exports, paging
from bot.views.paging import Option


@dataclass(frozen=True)
class DraftPress(Callback, ns="pl", version=1):
    """A press under the pledge being written: "pl:v1:<nonce>:<action>"."""

    nonce: Id
    action: DraftAction


@dataclass(frozen=True)
class MinePress(Callback, ns="plm", version=1):
    """/mine's 修改 / 历史 of one's own pledge: "plm:v1:<member>:<action>"."""

    member: Id
    action: MineAction


class TeamAction(StrEnum):
    SHOW = "show"
    REMIND = "remind"


@dataclass(frozen=True)
class TeamPress(Callback, ns="plt", version=1):
    """A team of the /pledges overview, or its 提醒: "plt:v1:<team>:<action>"."""

    team: Id
    action: TeamAction


@dataclass(frozen=True)
class TeamsPage(Callback, ns="plp", version=1):
    """A press of the /pledges overview's ◀ ▶ 🔍: "plp:v1:all:3"."""

    op: TeamsOp
    page: Annotated[int, Range(0, paging.MAX_PAGE)]


def _button(texts: Texts, lang: str | None, key: str, data: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(texts.get(key, lang), callback_data=data.encode())


def skip_keyboard(texts: Texts, lang: str | None, nonce: int) -> InlineKeyboardMarkup:
    press = DraftPress(nonce, DraftAction.SKIP)
    return InlineKeyboardMarkup([[_button(texts, lang, "pledges.btn.skip", press)]])


def preview(
    texts: Texts, lang: str | None, nonce: int, pledge: str, plan: str
) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        _button(texts, lang, f"pledges.btn.{key}", DraftPress(nonce, action))
        for key, action in (
            ("confirm", DraftAction.OK), ("redo", DraftAction.REDO),
            ("cancel", DraftAction.CANCEL),
        )
    ]  # fmt: skip
    no_plan = texts.get("pledges.no_plan", lang)
    text = texts.get("pledges.preview", lang, pledge=pledge, plan=plan or no_plan)
    return text, InlineKeyboardMarkup([buttons])


def draft_reply(
    out: DraftOutcome, texts: Texts, lang: str | None
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """What the writer is told after a step of the draft (None: nothing)."""
    if isinstance(out, AskPledge):
        return texts.get("pledges.ask_pledge", lang, year=out.year, limit=MAX_CHARS), None
    if isinstance(out, AskPlan):
        text = texts.get("pledges.ask_plan", lang, limit=MAX_CHARS)
        return text, skip_keyboard(texts, lang, out.nonce)
    if isinstance(out, Preview):
        return preview(texts, lang, out.draft.nonce, out.draft.pledge, out.draft.plan)
    if isinstance(out, TextRefused):
        text = texts.get(f"pledges.{out.problem}", lang, limit=MAX_CHARS, length=out.length)
        return text, None
    if isinstance(out, UseButtons):
        return texts.get("pledges.use_buttons", lang), None
    if isinstance(out, Cancelled):
        return texts.get("common.cancelled", lang), None
    if isinstance(out, Saved):
        p = out.pledge
        return texts.get("pledges.saved", lang, year=p.year, version=p.version), None
    assert isinstance(out, (Unchanged, NotRegistered))
    return None


def mine(
    texts: Texts, lang: str | None, member_id: int, year: int, current: Pledge | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The pledge part of /mine: this year's pledge (or none yet), 写 / 修改 and 历史."""
    edit_key = "pledges.btn.edit" if current else "pledges.btn.write"
    buttons = [_button(texts, lang, edit_key, MinePress(member_id, MineAction.EDIT))]
    if current is None:
        return texts.get("pledges.mine_none", lang, year=year), InlineKeyboardMarkup([buttons])
    text = texts.get(
        "pledges.mine", lang, year=year, version=current.version, pledge=current.pledge,
        plan=current.plan or texts.get("pledges.no_plan", lang),
    )  # fmt: skip
    if current.version > 1:
        history = MinePress(member_id, MineAction.HISTORY)
        buttons.append(_button(texts, lang, "pledges.btn.history", history))
    return text, InlineKeyboardMarkup([buttons])


def history(texts: Texts, lang: str | None, pledges: list[Pledge], when: list[str]) -> str:
    lines = [texts.get("pledges.history_header", lang)]
    for p, at in zip(pledges, when, strict=True):
        lines.append(
            texts.get("pledges.history_line", lang, version=p.version, when=at, pledge=p.pledge)
        )
    return "\n".join(lines)


def team_detail(
    texts: Texts, lang: str | None, team_id: int, label: str, year: int, status: TeamStatus
) -> tuple[str, InlineKeyboardMarkup | None]:
    text = texts.get(
        "pledges.team_detail", lang, team=label, year=year,
        done=len(status.written), missing=len(status.missing),
        written=texts.join((p.name for p in status.written), lang) or "—",
        absent=texts.join((p.name for p in status.missing), lang) or "—",
    )  # fmt: skip
    if not status.missing:
        return text, None
    remind = TeamPress(team_id, TeamAction.REMIND)
    return text, InlineKeyboardMarkup([[_button(texts, lang, "pledges.btn.remind", remind)]])


# ------------------------------------------------------------------ leaders


def label(team: Team) -> str:
    return f"{team.unit_name}·{team.name}"


_REFUSALS = {
    Refusal.NO_PERMISSION: "common.no_permission",
    Refusal.NO_TEAMS: "pledges.no_teams",
    Refusal.NOTHING: "pledges.xlsx.export_none",
    Refusal.STALE: "common.stale_button",
    Refusal.EMPTY_QUERY: "paging.empty_query",
}


def refused(r: Refused, texts: Texts, lang: str | None) -> str:
    return texts.get(_REFUSALS[r.problem], lang)


def refused_toast(r: Refused, texts: Texts, lang: str | None) -> str:
    """The same as a dialog's plain text."""
    return texts.plain(_REFUSALS[r.problem], lang)


def overview(o: Overview, texts: Texts, lang: str | None) -> tuple[str, InlineKeyboardMarkup]:
    """One page of teams (written / total each) with a button to open each, ◀ ▶ and a search
    by name: every team in reach is one ▶ or one search away (Telegram allows 100 buttons)."""
    lines = [texts.get("pledges.teams_header", lang, year=o.year)]
    options = []
    for c in o.page.items:
        t = c.team
        lines.append(
            texts.get(
                "pledges.team_line", lang,
                unit=t.unit_name, team=t.name, done=c.written, total=c.total,
            )
        )  # fmt: skip
        options.append(Option(label(t), TeamPress(t.id, TeamAction.SHOW).encode()))
    lines.append(paging.caption(texts, lang, o.page, o.query))
    op = TeamsOp.FOUND if o.query else TeamsOp.ALL
    markup = paging.keyboard(
        texts, lang, options, o.page,
        nav=lambda n: TeamsPage(op, n).encode(),
        search=TeamsPage(TeamsOp.SEARCH, 0).encode(),
        clear=TeamsPage(TeamsOp.ALL, 0).encode(),
        query=o.query,
    )  # fmt: skip
    return "\n".join(lines), markup


def detail(
    d: TeamDetail, texts: Texts, lang: str | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    return team_detail(texts, lang, d.team.id, label(d.team), d.year, d.status)


def teams_view(
    out: Overview | TeamDetail | Refused, texts: Texts, lang: str | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The answer to /pledges (but an export)."""
    if isinstance(out, Refused):
        return refused(out, texts, lang), None
    if isinstance(out, TeamDetail):
        return detail(out, texts, lang)
    return overview(out, texts, lang)


def export_file(e: Export, texts: Texts, tz: ZoneInfo, lang: str | None) -> tuple[bytes, str, str]:
    """决心书汇编 as a workbook: its bytes, file name and caption."""
    one = len(e.teams) == 1
    units = {t.unit_name for t in e.teams}
    scope = label(e.teams[0]) if one else texts.join(sorted(units), lang)
    data = exports.pledges(texts, tz, e.year, scope, e.rows, e.at)
    caption = texts.get("pledges.xlsx.export_caption", lang, year=e.year, scope=scope)
    return data, f"pledges-{e.year}.xlsx", caption


def reminders(r: Reminded, texts: Texts) -> list[tuple[int | None, str, str]]:
    """The reminders to send: (chat, text, the outbox's once-only key) each."""
    return [
        (
            p.tg_user_id,
            texts.get("pledges.reminder", None, name=p.name, year=r.year),
            f"pledge:remind:{p.member_id}:{r.at.isoformat()}",
        )
        for p in r.plan.send
    ]


def reminded(r: Reminded, texts: Texts, lang: str | None) -> str:
    """What the leader who pressed 提醒 is told (a dialog's plain text)."""
    plan = r.plan
    return texts.plain(
        "pledges.reminded", lang, sent=len(plan.send), recent=len(plan.recent),
        unreachable=len(plan.unreachable), days=r.interval.days,
    )  # fmt: skip


def history_when(pledges: list[Pledge], tz: ZoneInfo) -> list[str]:
    return [p.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") for p in pledges]


def history_of(h: History, texts: Texts, tz: ZoneInfo, lang: str | None) -> str:
    return history(texts, lang, h.pledges, history_when(h.pledges, tz))


def mine_of(m: Mine, texts: Texts, lang: str | None) -> tuple[str, InlineKeyboardMarkup]:
    return mine(texts, lang, m.member_id, m.year, m.current)


__all__ = ["DraftAction", "MineAction", "TeamsOp"]  # re-exported: the buttons' actions
