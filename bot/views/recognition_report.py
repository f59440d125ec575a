"""The awards workbook (`banzu report awards --out F.xlsx`) and the PNG of results.

Counts only, by construction: the report reads nothing but campaign results, turnout
numbers and grade counts (see `awards_report`, the recognition use case that draws up
the `AwardsReport`).
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain import recognition as rules
from bot.domain.recognition import GRADES
from bot.outcomes.recognition import AwardsReport
from bot.texts import Texts
from bot.views.chartkit import bar_chart, chart_style, count, png_bytes, with_unit
from bot.views.workbook import Col, Workbook


def _t(texts: Texts, lang: str, key: str, **values: object) -> str:
    return texts.get(f"recognition.report.{key}", lang, **values)


def write_xlsx(report: AwardsReport, texts: Texts, lang: str, tz: ZoneInfo, out: Path) -> int:
    """Writes the workbook; returns the number of result rows."""
    book = Workbook(out, tz=tz)
    scope = _t(texts, lang, "scope", at=report.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
    res = book.sheet(
        _t(texts, lang, "sheet_results"),
        title=_t(texts, lang, "title_results"),
        scope=scope,
        columns=[
            Col(_t(texts, lang, "col_category")),
            Col(_t(texts, lang, "col_period")),
            Col(_t(texts, lang, "col_scope")),
            Col(_t(texts, lang, "col_nominee")),
            Col(_t(texts, lang, "col_votes"), "int"),
            Col(_t(texts, lang, "col_elected")),
        ],
    )
    rows = 0
    for c in report.campaigns:
        for r in c.results:
            mark = (
                _t(texts, lang, "tie") if r.tie else (_t(texts, lang, "yes") if r.elected else "")
            )
            res.row(
                [
                    c.campaign.category,
                    rules.period_label(c.campaign.period, lang),
                    c.campaign.unit_name or _t(texts, lang, "all"),
                    r.name,
                    r.votes,
                    mark,
                ]
            )
            rows += 1
    turn = book.sheet(
        _t(texts, lang, "sheet_turnout"),
        title=_t(texts, lang, "title_turnout"),
        scope=scope,
        columns=[
            Col(_t(texts, lang, "col_category")),
            Col(_t(texts, lang, "col_period")),
            Col(_t(texts, lang, "col_scope")),
            Col(_t(texts, lang, "col_stage")),
            Col(_t(texts, lang, "col_eligible"), "int"),
            Col(_t(texts, lang, "col_voted"), "int"),
            Col(_t(texts, lang, "col_ballots"), "int"),
            Col(_t(texts, lang, "col_rate"), "percent"),
        ],
    )
    for c in report.campaigns:
        turn.row(
            [
                c.campaign.category,
                rules.period_label(c.campaign.period, lang),
                c.campaign.unit_name or _t(texts, lang, "all"),
                texts.get(f"recognition.stage.{c.campaign.stage.value}", lang),
                c.eligible,
                c.voted,
                c.ballots,
                c.voted / c.eligible if c.eligible else None,
            ]
        )
    year = book.sheet(
        _t(texts, lang, "sheet_year"),
        title=_t(texts, lang, "title_year"),
        scope=scope,
        columns=[
            Col(_t(texts, lang, "col_category")),
            Col(_t(texts, lang, "col_year"), "int"),
            Col(_t(texts, lang, "col_nominee")),
            Col(_t(texts, lang, "col_times"), "int"),
            Col(_t(texts, lang, "col_votes"), "int"),
            Col(_t(texts, lang, "col_periods")),
        ],
    )
    for y in report.years:
        for t in y.totals:
            periods = texts.join([rules.period_label(p, lang) for p in t.periods], lang)
            year.row(
                [
                    y.category,
                    y.year,
                    y.names.get(t.nominee_id, "?"),
                    t.times_elected,
                    t.votes,
                    periods,
                ]
            )
    grades = [texts.get(f"recognition.grade.{g.value}", lang) for g in GRADES]
    rat = book.sheet(
        _t(texts, lang, "sheet_rating"),
        title=_t(texts, lang, "title_rating"),
        scope=scope,
        columns=[
            Col(_t(texts, lang, "col_period")),
            Col(_t(texts, lang, "col_leader")),
            Col(_t(texts, lang, "col_place")),
            Col(_t(texts, lang, "col_eligible"), "int"),
            Col(_t(texts, lang, "col_raters"), "int"),
            *[Col(g, "int") for g in grades],
            Col(_t(texts, lang, "col_approval"), "percent"),
        ],
    )
    for rnd in report.rounds:
        for p in rnd.people:
            counts: list[object] = [p.grades.get(g) if p.grades else None for g in GRADES]
            share = rules.approval(p.grades) if p.grades else None
            rat.row(
                [
                    rules.period_label(rnd.period, lang),
                    p.name,
                    p.place,
                    p.eligible,
                    p.raters,
                    *counts,
                    share,
                ]
            )
    rat.note(_t(texts, lang, "rating_note", n=rules.MIN_RATERS))
    book.close()
    return rows


def results_chart(report: AwardsReport, texts: Texts, lang: str) -> bytes | None:
    """Votes per candidate of the latest closed campaign, elected ones highlighted; None
    when no campaign has closed."""
    closed = [c for c in report.campaigns if c.results]
    if not closed:
        return None
    c = closed[-1]
    with chart_style():
        from matplotlib import pyplot as plt

        shown = c.results[:30]
        fig, ax = plt.subplots(figsize=(8, max(3.0, 0.35 * len(shown) + 1.5)), dpi=110)
        bars = bar_chart(
            ax,
            [r.name for r in shown],
            [float(r.votes) for r in shown],
            fmt=count,
            value_label=with_unit(_t(texts, lang, "col_votes"), _t(texts, lang, "unit_votes")),
            horizontal=True,
        )
        for bar, r in zip(bars, shown, strict=True):
            if r.elected:
                bar.set_color("#C00000")
        ax.set_title(
            _t(
                texts,
                lang,
                "chart_title",
                category=c.campaign.category,
                period=rules.period_label(c.campaign.period, lang),
            )
        )
        fig.tight_layout()
        png = png_bytes(fig)
        plt.close(fig)
    return png
