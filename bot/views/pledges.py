"""Pledges' buttons and texts: the draft's 跳过 / 确认 / 重写 / 取消, /mine's pledge part, a
team's detail with 提醒. The button data keeps the strings older buttons in chats carry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id
from bot.repos.pledges import Pledge
from bot.services.pledges import TeamStatus
from bot.texts import Texts


class DraftAction(StrEnum):
    SKIP = "skip"
    OK = "ok"
    REDO = "redo"
    CANCEL = "cancel"


@dataclass(frozen=True)
class DraftPress(Callback, ns="pl", version=1):
    """A press under the pledge being written: "pl:v1:<nonce>:<action>"."""

    nonce: Id
    action: DraftAction


class MineAction(StrEnum):
    EDIT = "edit"
    HISTORY = "hist"


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
