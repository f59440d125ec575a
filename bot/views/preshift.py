"""What a pre-shift post (班前学习) looks like: the post itself, its 已学 and 未学名单 buttons and
the leader's 私信提醒未学, and the typed data of those buttons.

The buttons carry (occurrence, team), so 已学 works in the team group and in a private
reminder alike: "pre:v1:<ack|who|nudge>:<occurrence>:<team>", the strings the positional codec
wrote before, so buttons already in chats keep working; anything else is `Stale`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id

if TYPE_CHECKING:
    from bot.domain.prompts import Prompt
    from bot.outcomes.preshift import Card, Status
    from bot.texts import Texts


class PreAct(StrEnum):
    ACK = "ack"  # 已学
    WHO = "who"  # 未学名单（班组长）
    NUDGE = "nudge"  # 私信提醒未学


@dataclass(frozen=True)
class PreshiftPress(Callback, ns="pre", version=1):
    """A press on a post (or on the leader's status): which post, which team."""

    action: PreAct
    occurrence: Id
    team: Id


def markup(texts: Texts, occurrence_id: int, team_id: int, *, group: bool) -> dict[str, Any]:
    """已学, and in the group also the leader's 未学名单 button (a dict: an outbox row's)."""
    rows = [[_button(texts, "schedules.preshift.btn_ack", PreAct.ACK, occurrence_id, team_id)]]
    if group:
        who = _button(texts, "schedules.preshift.btn_who", PreAct.WHO, occurrence_id, team_id)
        rows.append([who])
    return InlineKeyboardMarkup(rows).to_dict()


def nudge_markup(texts: Texts, lang: str, occurrence_id: int, team_id: int) -> InlineKeyboardMarkup:
    btn = _button(texts, "schedules.preshift.btn_nudge", PreAct.NUDGE, occurrence_id, team_id, lang)
    return InlineKeyboardMarkup([[btn]])


def _button(
    texts: Texts, key: str, action: PreAct, occ: int, team: int, lang: str | None = None
) -> InlineKeyboardButton:
    data = PreshiftPress(action, occ, team).encode()
    return InlineKeyboardButton(texts.get(key, lang), callback_data=data)


def render(texts: Texts, prompt: Prompt, lang: str | None = None) -> str:
    """The post: category, title, body, the question to think about, what to press."""
    parts = [
        texts.get(
            "schedules.msg.preshift",
            lang,
            category=prompt.category,
            title=prompt.title,
            body=prompt.body,
        )
    ]
    if prompt.question:
        parts.append(texts.get("schedules.msg.question", lang, question=prompt.question))
    parts.append(texts.get("schedules.msg.preshift_footer", lang))
    return "\n\n".join(parts)


def card_text(texts: Texts, lang: str | None, card: Card, tz: tzinfo) -> str:
    """Who has not pressed 已学 yet, by name (a private card: names are not for the group)."""
    st = card.status
    when = f"{card.occurs_at.astimezone(tz):%m-%d %H:%M}" if card.occurs_at else ""
    missing = texts.join((m.name for m in st.missing), lang)
    return texts.get(
        "schedules.preshift.status", lang, unit=st.team.unit_name, team=st.team.name, when=when,
        title=card.title, done=st.done, total=st.total,
        missing=missing or texts.get("schedules.preshift.nobody", lang),
    )  # fmt: skip


def card_markup(texts: Texts, lang: str, st: Status) -> InlineKeyboardMarkup | None:
    return nudge_markup(texts, lang, st.occurrence_id, st.team.id) if st.missing else None


def overview(
    texts: Texts, lang: str | None, found: Sequence[Status]
) -> tuple[str, InlineKeyboardMarkup]:
    """/preshift over several teams: each team's count, a button for its card."""
    lines = [texts.get("schedules.preshift.teams_header", lang)]
    rows = []
    for st in found:
        lines.append(
            texts.get(
                "schedules.preshift.team_line", lang, unit=st.team.unit_name, team=st.team.name,
                done=st.done, total=st.total,
            )
        )  # fmt: skip
        press = PreshiftPress(PreAct.WHO, st.occurrence_id, st.team.id)
        rows.append([InlineKeyboardButton(f"{st.team.unit_name}·{st.team.name}",
                                          callback_data=press.encode())])  # fmt: skip
    return "\n".join(lines), InlineKeyboardMarkup(rows[:50])
