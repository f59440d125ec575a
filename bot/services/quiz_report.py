"""The monthly quiz report: a workbook per team, person and question (the most-missed
questions first: they are what the next study day should cover) and a PNG chart.

Every text cell is written as a string (`write_string`), so nothing from a roster or a bank
file ever becomes a formula or a link in Excel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import xlsxwriter

from bot.domain.quiz import TeamScore, rank_teams
from bot.repos.quiz import PersonScore, QuestionStat, QuizRepo
from bot.texts import Texts
from bot.views.quiz import answer_letters

TOP_MISSED = 10


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


def workbook(report: QuizReport, texts: Texts, lang: str) -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False})  # fmt: skip
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    pct = wb.add_format({"num_format": "0.0%"})
    one = wb.add_format({"num_format": "0.0"})

    def sheet(key: str, widths: list[int]) -> tuple[object, list[str]]:
        ws = wb.add_worksheet(texts.get(f"quiz.report.sheet.{key}", lang))
        headers = texts.get(f"quiz.report.headers.{key}", lang).split(",")
        ws.freeze_panes(1, 0)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        for col, h in enumerate(headers):
            ws.write_string(0, col, h, bold)
        return ws, headers

    ws, _ = sheet("teams", [6, 24, 8, 8, 10, 8, 10, 8, 10])
    for row, t in enumerate(report.teams, start=1):
        ws.write_number(row, 0, row)  # type: ignore[attr-defined]
        ws.write_string(row, 1, t.name)  # type: ignore[attr-defined]
        for col, value in enumerate((t.members, t.participants), start=2):
            ws.write_number(row, col, value)  # type: ignore[attr-defined]
        ws.write_number(row, 4, t.participation, pct)  # type: ignore[attr-defined]
        ws.write_number(row, 5, t.points)  # type: ignore[attr-defined]
        ws.write_number(row, 6, t.per_member, one)  # type: ignore[attr-defined]
        ws.write_number(row, 7, t.answers)  # type: ignore[attr-defined]
        ws.write_number(row, 8, t.accuracy, pct)  # type: ignore[attr-defined]
    ws, _ = sheet("people", [14, 24, 8, 8, 8, 10])
    for row, p in enumerate(report.people, start=1):
        ws.write_string(row, 0, p.name)  # type: ignore[attr-defined]
        ws.write_string(row, 1, p.team_name)  # type: ignore[attr-defined]
        ws.write_number(row, 2, p.points)  # type: ignore[attr-defined]
        ws.write_number(row, 3, p.answers)  # type: ignore[attr-defined]
        ws.write_number(row, 4, p.correct)  # type: ignore[attr-defined]
        ws.write_number(row, 5, p.correct / p.answers if p.answers else 0, pct)  # type: ignore[attr-defined]
    ws, _ = sheet("questions", [10, 10, 60, 8, 8, 10, 8, 40])
    for row, s in enumerate(report.questions, start=1):
        it = s.question.item
        ws.write_string(row, 0, it.code)  # type: ignore[attr-defined]
        ws.write_string(row, 1, it.topic)  # type: ignore[attr-defined]
        ws.write_string(row, 2, it.stem)  # type: ignore[attr-defined]
        ws.write_number(row, 3, s.answers)  # type: ignore[attr-defined]
        ws.write_number(row, 4, s.wrong)  # type: ignore[attr-defined]
        ws.write_number(row, 5, s.wrong_rate, pct)  # type: ignore[attr-defined]
        ws.write_string(row, 6, answer_letters(it, it.answer))  # type: ignore[attr-defined]
        ws.write_string(row, 7, it.explanation)  # type: ignore[attr-defined]
    wb.close()
    return out.getvalue()


def chart(report: QuizReport, texts: Texts) -> bytes:
    """Participation per team (left) and the most-missed questions' wrong rates (right)."""
    from bot import charts

    font = charts.cjk_font()
    lang = "zh-CN" if font else "en"
    teams = [t for t in report.teams if t.members][: charts.MAX_BARS]
    missed = report.questions[:TOP_MISSED]
    with charts.chart_style(font):
        from matplotlib import pyplot as plt

        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8))
        try:
            names = [t.name if font else f"T{i}" for i, t in enumerate(teams, start=1)]
            left.bar(range(len(teams)), [100 * t.participation for t in teams], color="#2F75B5")
            left.set_xticks(list(range(len(teams))), names, rotation=60, fontsize=7)
            left.set_ylim(0, 105)
            left.set_title(texts.get("quiz.report.chart_teams", lang))
            labels = [s.question.item.code for s in missed]
            right.barh(range(len(missed)), [100 * s.wrong_rate for s in missed], color="#C00000")
            right.set_yticks(list(range(len(missed))), labels, fontsize=7)
            right.invert_yaxis()
            right.set_xlim(0, 100)
            right.set_title(texts.get("quiz.report.chart_missed", lang))
            fig.tight_layout()
            return charts.png_bytes(fig, dpi=110)
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
