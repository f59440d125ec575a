"""The monthly quiz report: a workbook per team, person and question (the most-missed
questions first: they are what the next study day should cover) and a PNG chart.

Written with the shared `bot.views.workbook` (text cells are always text: nothing from a roster or a
bank file ever becomes a formula or a link) and `bot.views.chartkit` (the shipped CJK font).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.quiz import TeamScore, rank_teams
from bot.repos.quiz import PersonScore, QuestionStat, QuizRepo
from bot.texts import Texts
from bot.views import chartkit
from bot.views.quiz import answer_letters
from bot.views.workbook import Col, Kind, Workbook, to_bytes

TOP_MISSED = 10
MAX_BARS = 40


@dataclass(frozen=True)
class QuizReport:
    first_day: str
    last_day: str
    teams: list[TeamScore]
    people: list[PersonScore]
    questions: list[QuestionStat]

    @property
    def empty(self) -> bool:
        return not any(t.answers for t in self.teams)


async def build(repo: QuizRepo, first_day: str, last_day: str) -> QuizReport:
    teams = rank_teams(await repo.team_scores(first_day, last_day))
    people = await repo.person_scores(first_day, last_day)
    questions = await repo.question_stats(first_day, last_day)
    return QuizReport(first_day, last_day, teams, people, questions)


def workbook(report: QuizReport, texts: Texts, lang: str, tz: ZoneInfo, scope: str) -> bytes:
    """班组 (ranked), 个人 and 题目 (most missed first) sheets; text cells are always text."""

    def headers(key: str) -> list[str]:
        return texts.get(f"quiz.report.headers.{key}", lang).split(",")

    def build(book: Workbook) -> None:
        period = texts.get("quiz.report.period", lang, first=report.first_day, last=report.last_day)
        where = f"{scope} · {period}"
        kinds: dict[str, list[Kind]] = {
            "teams": ["int", "text", "int", "int", "percent", "int", "number", "int", "percent"],
            "people": ["text", "text", "int", "int", "int", "percent"],
            "questions": ["text", "text", "text", "int", "int", "percent", "text", "text"],
        }
        sheets = {
            key: book.sheet(
                texts.get(f"quiz.report.sheet.{key}", lang),
                title=texts.get(f"quiz.report.title.{key}", lang),
                scope=where,
                columns=[Col(h, k) for h, k in zip(headers(key), kinds[key], strict=True)],
            )
            for key in kinds
        }
        for n, t in enumerate(report.teams, start=1):
            per = round(t.per_member, 2)
            sheets["teams"].row(
                [n, t.name, t.members, t.participants, t.participation, t.points, per,
                 t.answers, t.accuracy]
            )  # fmt: skip
        for p in report.people:
            rate = p.correct / p.answers if p.answers else None
            sheets["people"].row([p.name, p.team_name, p.points, p.answers, p.correct, rate])
        for st in report.questions:
            it = st.question.item
            sheets["questions"].row([it.code, it.topic, it.stem, st.answers, st.wrong,
                                     st.wrong_rate, answer_letters(it, it.answer),
                                     it.explanation])  # fmt: skip

    return to_bytes(build, tz=tz)


def chart(report: QuizReport, texts: Texts, lang: str) -> bytes:
    """Participation per team (left) and the most-missed questions' wrong rates (right)."""
    teams = [t for t in report.teams if t.members][:MAX_BARS]
    missed = report.questions[:TOP_MISSED]
    with chartkit.chart_style():
        from matplotlib import pyplot as plt

        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
        try:
            chartkit.bar_chart(
                left, [t.name for t in teams], [t.participation * 100 for t in teams],
                fmt=lambda v: f"{v:.0f}%", limit=100,
                value_label=chartkit.with_unit(texts.get("quiz.report.chart_rate", lang), "%"),
            )  # fmt: skip
            left.set_title(texts.get("quiz.report.chart_teams", lang))
            chartkit.bar_chart(
                right, [s.question.item.code for s in missed],
                [s.wrong_rate * 100 for s in missed], fmt=lambda v: f"{v:.0f}%", limit=100,
                horizontal=True, color=chartkit.RED,
                value_label=chartkit.with_unit(texts.get("quiz.report.chart_wrong", lang), "%"),
            )  # fmt: skip
            right.set_title(texts.get("quiz.report.chart_missed", lang))
            fig.tight_layout()
            return chartkit.png_bytes(fig, dpi=110)
        finally:
            plt.close(fig)


def summary(report: QuizReport, texts: Texts, lang: str) -> str:
    """Plain text for the command line: totals and the most-missed questions."""
    answers = sum(t.answers for t in report.teams)
    people = sum(t.participants for t in report.teams)
    lines = [
        texts.get("quiz.report.summary", lang, first=report.first_day, last=report.last_day,
                  answers=answers, people=people, teams=sum(1 for t in report.teams if t.answers))
    ]  # fmt: skip
    for s in report.questions[:5]:
        lines.append(
            texts.get("quiz.report.missed", lang, code=s.question.item.code,
                      rate=round(100 * s.wrong_rate), wrong=s.wrong, answers=s.answers,
                      stem=s.question.item.stem[:40])
        )  # fmt: skip
    return "\n".join(lines)
