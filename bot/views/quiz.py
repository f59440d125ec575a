"""Texts and keyboards of the knowledge quizzes, for handlers and jobs alike.

Poll questions, options and explanations are sent without a parse mode (Telegram shows them
as plain text), so they are not HTML-escaped; every other text here is HTML and escapes what
came from people or files through `Texts.get`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Id, Range
from bot.domain.quiz import LETTERS, STEM_MAX, Item, Kind, Mode, TeamScore
from bot.outcomes.quiz import BankTooBig, ImportOutcome, Refused
from bot.views.files import table_error

if TYPE_CHECKING:
    from bot.domain.quiz_bank import BankFileError, RowError
    from bot.repos.quiz import ImportCounts, Mistake, PersonScore, Round
    from bot.texts import Texts

NS = "qz"  # qz:v2:<field>...:<act>; v1 buttons (before the typed codec) answer as stale
REVIEW = "__review__"  # the topic of a round that re-asks the 错题本
MAX_ERROR_LINES = 20
BOARD_TEAMS = 10
BOARD_PEOPLE = 10


@dataclass(frozen=True)
class Start(Callback, ns=NS, version=2):
    """A private round: 每日一题, exam, challenge, or 重做错题."""

    kind: Literal["daily", "exam", "challenge", "review"]
    act: Literal["go"] = "go"


@dataclass(frozen=True)
class TopicExam(Callback, ns=NS, version=2):
    """An exam on one topic: its index in the menu's topic list (by size, then name)."""

    index: Annotated[int, Range(0, 63)]
    act: Literal["topic"] = "topic"


@dataclass(frozen=True)
class GroupStart(Callback, ns=NS, version=2):
    mode: Literal["daily", "session", "exam"]
    act: Literal["group"] = "group"


@dataclass(frozen=True)
class Show(Callback, ns=NS, version=2):
    what: Literal["board", "mistakes", "status"]
    act: Literal["show"] = "show"


@dataclass(frozen=True)
class Remind(Callback, ns=NS, version=2):
    round: Id
    act: Literal["remind"] = "remind"


@dataclass(frozen=True)
class Abandon(Callback, ns=NS, version=2):
    act: Literal["abandon"] = "abandon"


PRESSES = (Start, TopicExam, GroupStart, Show, Remind, Abandon)


def button(
    texts: Texts, lang: str, key: str, data: Callback, **values: object
) -> InlineKeyboardButton:
    return InlineKeyboardButton(texts.get(key, lang, **values), callback_data=data.encode())


# ------------------------------------------------------------------ polls


def poll_params(
    texts: Texts, lang: str, item: Item, mode: Mode, position: int, size: int, open_period: int
) -> dict[str, Any]:
    """sendPoll parameters of one question (type quiz, not anonymous: answers are scored)."""
    prefix = texts.get(f"quiz.poll.prefix.{mode.value}", lang, n=position + 1, size=size)
    suffix = texts.get("quiz.poll.multiple", lang) if item.kind is Kind.MULTIPLE else ""
    question = prefix + item.stem + suffix
    if len(question) > STEM_MAX:  # the stem alone always fits (checked on import)
        question = item.stem
    params: dict[str, Any] = {
        "question": question,
        "options": [{"text": o} for o in item.options],
        "type": "quiz",
        "is_anonymous": False,
        "correct_option_ids": list(item.answer),
        "open_period": open_period,
    }
    if item.kind is Kind.MULTIPLE:
        params["allows_multiple_answers"] = True
    if item.explanation:
        params["explanation"] = item.explanation
    return params


def answer_letters(item: Item, indices: Sequence[int]) -> str:
    if item.kind is Kind.JUDGE:
        return "、".join(item.options[i] for i in indices if 0 <= i < len(item.options))
    return "".join(LETTERS[i] for i in indices if 0 <= i < len(item.options))


# ------------------------------------------------------------------ results


def private_result(
    texts: Texts, lang: str, rnd: Round, *, answers: int, correct: int, points: int,
    timed_out: bool,
) -> str:  # fmt: skip
    if rnd.mode is Mode.CHALLENGE:
        key = "quiz.result.challenge_all" if correct >= rnd.size else "quiz.result.challenge"
        text = texts.get(key, lang, streak=correct, points=points)
    elif rnd.mode is Mode.DAILY:
        key = "quiz.result.daily_right" if correct else "quiz.result.daily_wrong"
        text = texts.get(key, lang, points=points)
    else:
        text = texts.get(
            "quiz.result.exam", lang, correct=correct, size=rnd.size, points=points,
            skipped=rnd.size - answers,
        )  # fmt: skip
    if timed_out:
        text = texts.get("quiz.result.timed_out", lang) + "\n" + text
    return text + "\n" + texts.get("quiz.result.next", lang)


def group_result(
    texts: Texts, lang: str, rnd: Round, *, people: int, members: int, answers: int, correct: int
) -> str:
    rate = round(100 * people / members) if members else 0
    accuracy = round(100 * correct / answers) if answers else 0
    key = f"quiz.result.group_{rnd.mode.value}"
    return texts.get(
        key, lang, people=people, members=members, rate=rate, accuracy=accuracy, size=rnd.size
    )


def reminder(texts: Texts, lang: str, name: str, rnd: Round) -> str:
    return texts.get("quiz.remind.text", lang, name=name, mode=mode_name(texts, lang, rnd.mode))


def reminder_markup(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(texts, lang, "quiz.btn.daily_private", Start("exam"))]])


def mode_name(texts: Texts, lang: str, mode: Mode) -> str:
    return texts.get(f"quiz.mode.{mode.value}", lang)


# ------------------------------------------------------------------ menus


def private_menu(
    texts: Texts, lang: str, topics: dict[str, int], leader: bool
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [button(texts, lang, "quiz.btn.daily_one", Start("daily"))],
        [button(texts, lang, "quiz.btn.exam", Start("exam"))],
        [button(texts, lang, "quiz.btn.challenge", Start("challenge"))],
    ]
    topic_buttons = [
        button(texts, lang, "quiz.btn.topic", TopicExam(i), topic=t, n=n)
        for i, (t, n) in enumerate(list(topics.items())[:64])
    ]
    rows += [topic_buttons[i : i + 2] for i in range(0, len(topic_buttons), 2)]
    rows.append(
        [
            button(texts, lang, "quiz.btn.mistakes", Show("mistakes")),
            button(texts, lang, "quiz.btn.board", Show("board")),
        ]
    )
    if leader:
        rows.append([button(texts, lang, "quiz.btn.status", Show("status"))])
    total = sum(topics.values())
    return texts.get("quiz.menu.private", lang, total=total), InlineKeyboardMarkup(rows)


def group_menu(texts: Texts, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [button(texts, lang, "quiz.btn.group_daily", GroupStart("daily"))],
        [button(texts, lang, "quiz.btn.group_session", GroupStart("session"))],
        [button(texts, lang, "quiz.btn.group_exam", GroupStart("exam"))],
    ]
    return texts.get("quiz.menu.group", lang), InlineKeyboardMarkup(rows)


def started(texts: Texts, lang: str, mode: Mode, size: int, private: bool) -> str:
    key = "quiz.started.private" if private else "quiz.started.group"
    return texts.get(key, lang, mode=mode_name(texts, lang, mode), size=size)


# ------------------------------------------------------------------ standings


def board(
    texts: Texts, lang: str, teams: Sequence[TeamScore], people: Sequence[PersonScore] | None,
    me: PersonScore | None, first: str, last: str,
) -> str:  # fmt: skip
    lines = [texts.get("quiz.board.header", lang, first=first, last=last)]
    active = [t for t in teams if t.answers]
    if not active:
        lines.append(texts.get("quiz.board.empty", lang))
    for n, t in enumerate(active[:BOARD_TEAMS], start=1):
        lines.append(
            texts.get(
                "quiz.board.team", lang, n=n, team=t.name, per=f"{t.per_member:.1f}",
                rate=round(100 * t.participation), points=t.points,
            )
        )  # fmt: skip
    if people is not None:
        shown = [p for p in people if p.answers][:BOARD_PEOPLE]
        if shown:
            lines.append(texts.get("quiz.board.people_header", lang))
            lines += [
                texts.get("quiz.board.person", lang, n=n, name=p.name, team=p.team_name,
                          points=p.points)
                for n, p in enumerate(shown, start=1)
            ]  # fmt: skip
    if me is not None:
        lines.append(texts.get("quiz.board.me", lang, points=me.points, correct=me.correct,
                               answers=me.answers))  # fmt: skip
    return "\n".join(lines)


def mistakes(texts: Texts, lang: str, items: Sequence[Mistake]) -> str:
    if not items:
        return texts.get("quiz.mistakes.empty", lang)
    lines = [texts.get("quiz.mistakes.header", lang, count=len(items))]
    for n, m in enumerate(items, start=1):
        it = m.question.item
        lines.append(
            texts.get(
                "quiz.mistakes.line", lang, n=n, stem=it.stem,
                chosen=answer_letters(it, m.chosen), right=answer_letters(it, it.answer),
                options=" ".join(
                    f"{LETTERS[i]}.{o}" for i, o in enumerate(it.options)
                ) if it.kind is not Kind.JUDGE else "",
                explanation=it.explanation or "-", times=m.times,
            )
        )  # fmt: skip
    return "\n\n".join(lines)


def mistakes_markup(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(texts, lang, "quiz.btn.review", Start("review"))]])


def abandon_markup(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(texts, lang, "quiz.btn.abandon", Abandon())]])


def today(texts: Texts, lang: str, earned: int, cap: int) -> str:
    return texts.get("quiz.today", lang, earned=earned, cap=cap)


def status(
    texts: Texts, lang: str, rnd: Round, answered: Sequence[str], missing: Sequence[str],
    idle: Sequence[str],
) -> tuple[str, InlineKeyboardMarkup | None]:  # fmt: skip
    text = texts.get(
        "quiz.status.text", lang, mode=mode_name(texts, lang, rnd.mode), day=rnd.local_day,
        done=len(answered), missing_count=len(missing),
        answered=texts.join(answered, lang) or "-", missing=texts.join(missing, lang) or "-",
    )  # fmt: skip
    text += "\n" + texts.get(
        "quiz.status.idle", lang, count=len(idle), names=texts.join(idle, lang) or "-"
    )
    if not missing:
        return text, None
    markup = InlineKeyboardMarkup([[button(texts, lang, "quiz.btn.remind", Remind(rnd.id))]])
    return text, markup


# ------------------------------------------------------------------ imports


def import_summary(
    texts: Texts, lang: str, *, counts: ImportCounts | None, errors: Sequence[RowError],
    file_error: BankFileError | None,
) -> str:  # fmt: skip
    if file_error is not None and file_error.table is not None:
        return (
            table_error(file_error.table, texts, lang) + "\n" + texts.get("quiz.import.shape", lang)
        )
    if file_error is not None:
        text = texts.get(f"quiz.import.file.{file_error.code}", lang)
        if file_error.columns:
            names = [texts.get(f"quiz.import.column.{c}", lang) for c in file_error.columns]
            text += "\n" + texts.get("quiz.import.missing", lang, columns=texts.join(names, lang))
        return text + "\n" + texts.get("quiz.import.shape", lang)
    if counts is not None:
        return texts.get(
            "quiz.import.ok", lang, added=counts.added, updated=counts.updated,
            unchanged=counts.unchanged,
        )  # fmt: skip
    lines = [texts.get("quiz.import.rejected", lang, count=len(errors))]
    for e in errors[:MAX_ERROR_LINES]:
        problems = texts.join((texts.get(f"quiz.import.problem.{p}", lang) for p in e.problems),
                              lang)  # fmt: skip
        key = "quiz.import.row_repeated" if e.other_row else "quiz.import.row"
        lines.append(texts.get(key, lang, row=e.row, problems=problems, other=e.other_row or 0))
    if len(errors) > MAX_ERROR_LINES:
        lines.append(texts.get("quiz.import.more", lang, count=len(errors) - MAX_ERROR_LINES))
    return "\n".join(lines)


def bank_reply(texts: Texts, lang: str, outcome: BankTooBig | Refused | ImportOutcome) -> str:
    """The answer to a bank file sent privately."""
    if isinstance(outcome, BankTooBig):
        return texts.get("quiz.import.too_big", lang, limit=outcome.limit_mb)
    if isinstance(outcome, Refused):
        return texts.get("quiz.import.admins_only", lang)
    return import_summary(
        texts, lang, counts=outcome.counts, errors=outcome.errors, file_error=outcome.file_error
    )
