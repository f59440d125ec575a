"""Texts and buttons of 谈心谈话 records, for the handler and the reminder job."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id
from bot.domain.talks import TalkProblem
from bot.outcomes.talks import BadPeriod, Listing, Refused, Settled
from bot.repos.talks import TalkRow
from bot.texts import Html, Texts


class TalkOp(StrEnum):
    HELD = "held"
    CANCEL = "cancel"


@dataclass(frozen=True)
class TalkPress(Callback, ns="tk", version=1):
    talk: Id
    op: TalkOp


def problem_key(r: Refused) -> str:
    return "talks.usage" if r.problem == TalkProblem.USAGE else f"talks.problem.{r.problem.value}"


def refused(r: Refused, texts: Texts, lang: str) -> str:
    return texts.get(problem_key(r), lang)


def refused_toast(r: Refused, texts: Texts, lang: str) -> str:
    return texts.plain(problem_key(r), lang)


def listing(
    out: Listing | BadPeriod | Refused, texts: Texts, lang: str
) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The messages that answer /talks: the monthly count (admins), one's own talks."""
    if isinstance(out, BadPeriod):
        key = f"talks.problem.{out.code}_period"
        return [(texts.get(key, lang, value=out.value[:40]), None)]
    if isinstance(out, Refused):
        return [(refused(out, texts, lang), None)]
    messages: list[tuple[str, InlineKeyboardMarkup | None]] = []
    if out.counts is not None:
        messages.append((monthly(out.period.label(lang), out.counts, texts, lang), None))
    if out.mine is not None:
        messages.append(mine(out.mine, texts, lang))
    return messages


def settled(s: Settled, texts: Texts, lang: str) -> str:
    """The toast of 已谈 / 取消 (plain text)."""
    key = "talks.settled.held" if s.held else "talks.settled.cancelled"
    return texts.plain(key, lang, id=s.talk.id)


def category(row: TalkRow, texts: Texts, lang: str) -> str:
    return texts.get(f"talks.category.{row.category.value}", lang)


def line(row: TalkRow, texts: Texts, lang: str) -> str:
    key = "talks.line.planned" if row.state == "planned" else "talks.line.held"
    return texts.get(
        key,
        lang,
        id=row.id,
        day=row.planned_on if row.state == "planned" else row.held_on,
        name=row.name,
        team=row.team,
        category=category(row, texts, lang),
        text=row.follow_up,
    )


def settle_keyboard(row: TalkRow, texts: Texts, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.get("talks.btn.held", lang, id=row.id),
                    callback_data=TalkPress(row.id, TalkOp.HELD).encode(),
                ),
                InlineKeyboardButton(
                    texts.get("talks.btn.cancel", lang, id=row.id),
                    callback_data=TalkPress(row.id, TalkOp.CANCEL).encode(),
                ),
            ]
        ]
    )


def recorded(row: TalkRow, texts: Texts, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    key = "talks.recorded.planned" if row.state == "planned" else "talks.recorded.held"
    text = texts.get(key, lang, line=Html(line(row, texts, lang)))
    return text, settle_keyboard(row, texts, lang) if row.state == "planned" else None


def mine(rows: list[TalkRow], texts: Texts, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    if not rows:
        return texts.get("talks.mine.none", lang), None
    lines = [texts.get("talks.mine.title", lang), *(line(r, texts, lang) for r in rows)]
    planned = [r for r in rows if r.state == "planned"][:10]
    if not planned:
        return "\n".join(lines), None
    buttons = [row for r in planned for row in settle_keyboard(r, texts, lang).inline_keyboard]
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


def monthly(label: str, counts: list[tuple[str, int, int]], texts: Texts, lang: str) -> str:
    lines = [texts.get("talks.monthly.title", lang, period=label)]
    for unit, talks, people in counts:
        lines.append(texts.get("talks.monthly.line", lang, unit=unit, talks=talks, people=people))
    total = sum(c[1] for c in counts)
    lines.append(texts.get("talks.monthly.total", lang, talks=total))
    return "\n".join(lines)


def reminder(row: TalkRow, texts: Texts, lang: str) -> str:
    return texts.get(
        "talks.reminder",
        lang,
        day=row.planned_on or "",
        name=row.name,
        team=row.team,
        category=category(row, texts, lang),
        text=row.follow_up,
    )
