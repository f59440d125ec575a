"""The monthly thought-trend analysis as a person reads it: Telegram HTML text, a PNG chart and
an XLSX workbook. Used by the scheduled delivery and by `banzu report trends` alike."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Range
from bot.domain.trends import MIN_GROUP, Shift, pooled_people
from bot.outcomes.reports import Month
from bot.outcomes.trends import BASELINE_MONTHS, LEAVE_KINDS, SITE, TrendReport
from bot.texts import Texts
from bot.views.chartkit import percent
from bot.views.workbook import Col, Workbook, to_bytes

TEXT_TOPICS = 10
TEXT_PROBLEMS = 5
TEXT_TEAMS = 5
TEXT_KEYWORDS = 8


@dataclass(frozen=True)
class TrendFile(Callback, ns="trx", version=1):
    """ "The workbook of this month, please": the month as year * 12 + month - 1. The scope is
    not in the button: it is the presser's own (`scope_for` of the trend-request use case)."""

    month: Annotated[int, Range(2000 * 12, 2200 * 12)]

    @classmethod
    def of(cls, month: Month) -> TrendFile:
        return cls(month.year * 12 + month.month - 1)

    @property
    def as_month(self) -> Month:
        return Month(self.month // 12, self.month % 12 + 1)


def file_keyboard(month: Month, texts: Texts, lang: str) -> InlineKeyboardMarkup:
    label = texts.get("trends.ask.xlsx_button", lang)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=TrendFile.of(month).encode())]]
    )


def bad_month(code: str, value: str, texts: Texts, lang: str) -> str:
    return texts.get(f"trends.ask.{code}_period", lang, value=value[:40])


@dataclass(frozen=True)
class Rendered:
    text: str
    png: bytes
    xlsx: bytes
    stem: str
    empty: bool


def _topic(texts: Texts, topic: str, lang: str) -> str:
    key = f"suggestions.topic.{topic}"
    return texts.get(key, lang) if texts.has(key) else topic


def _scope(texts: Texts, rep: TrendReport, lang: str) -> str:
    return rep.scope or texts.get("trends.scope_all", lang)


def _pct(v: float | None) -> str:
    return "—" if v is None else percent(v)


def render_text(rep: TrendReport, texts: Texts, lang: str) -> str:
    def g(key: str, **kw: object) -> str:
        return texts.get(f"trends.{key}", lang, **kw)

    scope = _scope(texts, rep, lang)
    if rep.empty:
        return g("empty", month=rep.month, scope=scope)
    months = BASELINE_MONTHS
    avg_before = round(rep.texts_before / months, 1)
    lines = [
        g("title", month=rep.month, scope=scope),
        g("texts", now=rep.texts, months=months, before=avg_before),
    ]
    ranked = sorted(
        rep.by_topic.items(),
        key=lambda kv: (-kv[1], rep.topics.index(kv[0]) if kv[0] in rep.topics else 99),
    )
    items = [
        g(
            "topic_item",
            topic=_topic(texts, t, lang),
            n=n,
            share=_pct(n / rep.texts if rep.texts else None),
        )
        for t, n in ranked[:TEXT_TOPICS]
    ]
    lines.append(g("topics_head") + (texts.join(items, lang) if items else g("none")))
    flagged = rep.significant
    if flagged:
        lines.append(g("changes_head", months=months))
        for unit, s in flagged:
            where = g("where_site") if unit == SITE else g("where_unit", unit=unit)
            name = (
                _topic(texts, s.category, lang)
                if s.category in rep.topics
                else texts.get(f"trends.leave.{s.category}", lang)
            )
            lines.append(
                "• "
                + g(
                    s.direction,
                    where=where,
                    topic=name,
                    before=percent(s.share_before),
                    now=percent(s.share_now),
                )
            )
    else:
        lines.append(g("no_changes", months=months))
    leave_total = sum(rep.leave.values())
    if leave_total:
        parts = [
            g(
                "leave_item",
                kind=texts.get(f"trends.leave.{k}", lang),
                n=rep.leave[k],
                share=percent(rep.leave[k] / leave_total),
            )
            for k in LEAVE_KINDS
            if rep.leave[k]
        ]
        lines.append(g("leave_head") + texts.join(parts, lang))
    if rep.new_keywords:
        words = texts.join([f"{k}×{n}" for k, n in rep.new_keywords[:TEXT_KEYWORDS]], lang)
        lines.append(g("new_keywords", words=words))
    if rep.problems:
        lines.append(g("problems_head"))
        for p in rep.problems[:TEXT_PROBLEMS]:
            lines.append(
                "• "
                + g(
                    "problem",
                    a=p.keywords[0],
                    b=p.keywords[1],
                    teams=p.teams,
                    texts=p.texts,
                    example=p.example,
                )
            )
    if rep.participation:
        members = sum(r.members for r in rep.participation)
        spoke = sum(r.spoke for r in rep.participation)
        silent = sum(r.silent for r in rep.participation)
        least = [
            g("participation_item", team=f"{r.unit}·{r.team}", spoke=r.spoke, members=r.members)
            for r in rep.participation[:TEXT_TEAMS]
        ]
        lines.append(
            g("participation_head", spoke=spoke, members=members, window=months + 1, silent=silent)
            + texts.join(least, lang)
        )
    att = [g("attendance_item", month=m, rate=_pct(rep.attendance.get(m))) for m in rep.months]
    lines.append(g("attendance_head") + texts.join(att, lang))
    if any(v is not None for v in rep.quiz.values()):
        quiz = [g("attendance_item", month=m, rate=_pct(rep.quiz.get(m))) for m in rep.months]
        lines.append(g("quiz_head") + texts.join(quiz, lang))
    else:
        lines.append(g("quiz_none"))
    lines += _confidential_lines(rep, texts, lang)
    lines.append(g("files"))
    return "\n".join(lines)


def _confidential_lines(rep: TrendReport, texts: Texts, lang: str) -> list[str]:
    """Casework as counts: the scope's totals, each unit big enough to be shown, the pool of
    the small ones (or that it is left out), and feedback by topic."""

    def g(key: str, **kw: object) -> str:
        return texts.get(f"trends.{key}", lang, **kw)

    feedback, fb_pool = rep.confidential.get("feedback", ([], 0))
    assist, as_pool = rep.confidential.get("assist", ([], 0))
    head = g(
        "confidential_head",
        min=MIN_GROUP,
        feedback=rep.confidential_total("feedback"),
        assist=rep.confidential_total("assist"),
    )
    by_unit = {u.group: u for u in assist}
    items = [
        g("confidential_unit", unit=u.group, feedback=u.count, assist=by_unit[u.group].count)
        for u in feedback
        if u.count is not None and (u.count or by_unit[u.group].count) and len(feedback) > 1
    ]
    if pooled_people(feedback) >= MIN_GROUP and (fb_pool or as_pool):
        items.append(g("confidential_pooled", min=MIN_GROUP, feedback=fb_pool, assist=as_pool))
    elif 0 < pooled_people(feedback) < MIN_GROUP:
        items.append(g("confidential_hidden", min=MIN_GROUP))
    lines = [head + texts.join(items, lang) if items else head]
    total = sum(rep.feedback_topics.values())
    if total:
        ranked = sorted(rep.feedback_topics.items(), key=lambda kv: (-kv[1], kv[0]))
        parts = [
            g("topic_item", topic=_topic(texts, t, lang), n=n, share=_pct(n / total))
            for t, n in ranked[:TEXT_TOPICS]
        ]
        lines.append(g("feedback_topics_head") + texts.join(parts, lang))
    return lines


def render_png(rep: TrendReport, texts: Texts, lang: str) -> bytes:
    """Topic shares this month against the baseline months, side by side."""
    from bot.views.chartkit import BLUE, GREY, chart_style, png_bytes

    with chart_style():
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8, 4.5), dpi=120)
        ax = fig.add_subplot(1, 1, 1)
        topics = list(rep.topics)
        now = [rep.by_topic[t] / rep.texts if rep.texts else 0.0 for t in topics]
        before = [
            rep.by_topic_before[t] / rep.texts_before if rep.texts_before else 0.0 for t in topics
        ]
        xs = list(range(len(topics)))
        w = 0.4
        b1 = ax.bar(
            [x - w / 2 for x in xs],
            before,
            w,
            color=GREY,
            label=html.unescape(texts.get("trends.chart.before", lang, months=BASELINE_MONTHS)),
        )
        b2 = ax.bar(
            [x + w / 2 for x in xs], now, w, color=BLUE, label=texts.get("trends.chart.now", lang)
        )
        ax.bar_label(b2, labels=[percent(v) if v else "" for v in now], padding=2, fontsize=7)
        del b1
        ax.set_xticks(
            xs, [_topic(texts, t, lang) for t in topics], rotation=30, ha="right", fontsize=8
        )
        ax.set_ylabel(
            f"{texts.get('trends.chart.share', lang)}（%）"
            if lang.startswith("zh")
            else f"{texts.get('trends.chart.share', lang)} (%)"
        )
        ax.yaxis.set_major_formatter(lambda v, _pos: percent(v))
        ax.set_title(
            html.unescape(
                texts.get("trends.chart.title", lang, month=rep.month, months=BASELINE_MONTHS)
            ),
            fontsize=10,
        )
        ax.legend(fontsize=8)
        fig.tight_layout()
        return png_bytes(fig)


def _change(texts: Texts, s: Shift) -> str:
    return texts.get(f"trends.xlsx.{s.direction}", "zh-CN") if s.direction else ""


def render_xlsx(rep: TrendReport, texts: Texts, tz: ZoneInfo, now: datetime) -> bytes:
    lang = "zh-CN"  # the workbook is for Chinese admins, like the attendance workbook

    def x(key: str, **kw: object) -> str:
        return html.unescape(texts.get(f"trends.xlsx.{key}", lang, **kw))

    scope = x(
        "scope",
        scope=_scope(texts, rep, lang),
        month=rep.month,
        months=BASELINE_MONTHS,
        at=f"{now.astimezone(tz):%Y-%m-%d %H:%M}",
    )

    def shift_cols(first: str) -> list[Col]:
        return [
            Col(first),
            Col(x("col_now"), "int"),
            Col(x("col_share_now"), "percent"),
            Col(x("col_before"), "int"),
            Col(x("col_share_before"), "percent"),
            Col(x("col_z"), "number"),
            Col(x("col_p"), "number"),
            Col(x("col_q"), "number"),
            Col(x("col_change")),
        ]

    def shift_row(name: str, s: Shift) -> list[object]:
        return [
            name,
            s.now,
            s.share_now,
            s.before,
            s.share_before,
            round(s.z, 3),
            round(s.p, 4),
            round(s.q, 4),
            _change(texts, s),
        ]

    def build(book: Workbook) -> None:
        sh = book.sheet(
            x("summary"), title=x("summary_title"), scope=scope, columns=shift_cols(x("col_topic"))
        )
        for s in rep.topic_shifts:
            sh.row(shift_row(_topic(texts, s.category, lang), s))
        un = book.sheet(
            x("units"),
            title=x("units_title"),
            scope=scope,
            columns=[Col(x("col_unit")), *shift_cols(x("col_topic"))],
        )
        for u in rep.units:
            for s in u.shifts or []:
                un.row([u.unit, *shift_row(_topic(texts, s.category, lang), s)])
        lv = book.sheet(
            x("leave"), title=x("leave_title"), scope=scope, columns=shift_cols(x("col_kind"))
        )
        for s in rep.leave_shifts:
            lv.row(shift_row(html.unescape(texts.get(f"trends.leave.{s.category}", lang)), s))
        pr = book.sheet(
            x("problems"),
            title=x("problems_title"),
            scope=scope,
            columns=[
                Col(x("col_keywords")),
                Col(x("col_teams"), "int"),
                Col(x("col_units"), "int"),
                Col(x("col_texts"), "int"),
                Col(x("col_example"), width=60),
            ],
        )
        for p in rep.problems:
            pr.row(["、".join(p.keywords), p.teams, p.units, p.texts, p.example])
        pa = book.sheet(
            x("participation"),
            title=x("participation_title"),
            scope=scope,
            columns=[
                Col(x("col_unit")),
                Col(x("col_team")),
                Col(x("col_members"), "int"),
                Col(x("col_spoke"), "int"),
                Col(x("col_rate"), "percent"),
                Col(x("col_silent"), "int"),
            ],
        )
        for r in rep.participation:
            pa.row([r.unit, r.team, r.members, r.spoke, r.share, r.silent])
        at = book.sheet(
            x("attendance"),
            title=x("attendance_title"),
            scope=scope,
            columns=[Col(x("col_unit")), *[Col(m, "percent") for m in rep.months]],
        )
        at.row([_scope(texts, rep, lang), *[rep.attendance.get(m) for m in rep.months]])
        for u in rep.units:
            at.row([u.unit, *[u.attendance.get(m) for m in rep.months]])
        qz = book.sheet(
            x("quiz"),
            title=x("quiz_title"),
            scope=scope,
            columns=[Col(x("col_unit")), *[Col(m, "percent") for m in rep.months]],
        )
        qz.row([_scope(texts, rep, lang), *[rep.quiz.get(m) for m in rep.months]])
        for u in rep.units:
            qz.row([u.unit, *[u.quiz.get(m) for m in rep.months]])
        _confidential_sheet(book, x, scope, rep)
        fb = book.sheet(
            x("feedback"),
            title=x("feedback_title", months=BASELINE_MONTHS),
            scope=scope,
            columns=shift_cols(x("col_topic")),
        )
        for s in rep.feedback_shifts:
            fb.row(shift_row(_topic(texts, s.category, lang), s))

    return to_bytes(build, tz=tz)


def _confidential_sheet(
    book: Workbook, x: Callable[..., str], scope: str, rep: TrendReport
) -> None:
    """Casework counts per unit: a unit too small to show keeps its size, never a count; the
    small units' pool is shown only when it holds MIN_GROUP people."""
    cf = book.sheet(
        x("confidential"),
        title=x("confidential_title", min=MIN_GROUP),
        scope=scope,
        columns=[
            Col(x("col_unit")),
            Col(x("col_members"), "int"),
            Col(x("col_feedback"), "int"),
            Col(x("col_assist"), "int"),
        ],
    )
    feedback, fb_pool = rep.confidential.get("feedback", ([], 0))
    assist, as_pool = rep.confidential.get("assist", ([], 0))
    by_unit = {u.group: u.count for u in assist}
    for u in feedback:
        cf.row([u.group, u.people, u.count, by_unit.get(u.group)])
    pooled = pooled_people(feedback)
    if pooled:
        shown = pooled >= MIN_GROUP
        cf.row(
            [
                x("pooled_row", min=MIN_GROUP),
                pooled,
                fb_pool if shown else None,
                as_pool if shown else None,
            ]
        )


def render(rep: TrendReport, texts: Texts, lang: str, tz: ZoneInfo, now: datetime) -> Rendered:
    stem = html.unescape(texts.get("trends.stem", lang, month=rep.month))
    if rep.empty:
        return Rendered(render_text(rep, texts, lang), b"", b"", stem, True)
    return Rendered(
        render_text(rep, texts, lang),
        render_png(rep, texts, lang),
        render_xlsx(rep, texts, tz, now),
        stem,
        False,
    )


def plain(text: str) -> str:
    """The HTML text for a terminal."""
    import re

    return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text))
