"""The monthly register workbook (`banzu report rectification`) and the PNG of closing rates.

Problems and reasons are worker text: the shared workbook writes them as text, never as a
formula, a number or a link."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import InputFile

from bot.outcomes.rectification import Ledger
from bot.texts import Texts
from bot.views.chartkit import bar_chart, chart_style, percent, png_bytes, with_unit
from bot.views.rectification import state_name
from bot.views.workbook import Col, Workbook


def _t(texts: Texts, lang: str, key: str, **values: object) -> str:
    return texts.get(f"rectification.report.{key}", lang, **values)


def write_xlsx(lg: Ledger, texts: Texts, lang: str, tz: ZoneInfo, out: Path | BytesIO) -> int:
    """Writes the workbook (台账, items, history); returns the number of items listed."""
    book = Workbook(out, tz=tz)
    period = lg.period.label(lang)
    where = lg.unit_name or texts.get("rectification.ledger.all", lang)
    scope = _t(
        texts, lang, "scope", scope=where, at=lg.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    )
    head = book.sheet(
        _t(texts, lang, "sheet_ledger"),
        title=_t(texts, lang, "title_ledger", period=period),
        scope=scope,
        columns=[
            Col(_t(texts, lang, "col_unit")),
            Col(_t(texts, lang, "col_open"), "int"),
            Col(_t(texts, lang, "col_closed"), "int"),
            Col(_t(texts, lang, "col_overdue"), "int"),
            Col(_t(texts, lang, "col_postponed"), "int"),
            Col(_t(texts, lang, "col_reopened"), "int"),
            Col(_t(texts, lang, "col_rate"), "percent"),
        ],
    )
    for r in [*lg.rows, None] if len(lg.rows) > 1 else lg.rows:
        f = r.figures if r else lg.total
        name = r.unit_name if r else _t(texts, lang, "total")
        rate = "—" if f.rate is None else f.rate
        head.row([name, f.open, f.closed, f.overdue, f.postponed, f.reopened, rate], bold=r is None)
    head.note(texts.get("rectification.ledger.note", lang))
    items = book.sheet(
        _t(texts, lang, "sheet_items"),
        title=_t(texts, lang, "title_items", period=period),
        scope=scope,
        columns=[
            Col(_t(texts, lang, "col_id"), "int"),
            Col(_t(texts, lang, "col_unit")),
            Col(_t(texts, lang, "col_team")),
            Col(_t(texts, lang, "col_problem"), width=40),
            Col(_t(texts, lang, "col_owner")),
            Col(_t(texts, lang, "col_deadline"), "date"),
            Col(_t(texts, lang, "col_state")),
            Col(_t(texts, lang, "col_source")),
            Col(_t(texts, lang, "col_created"), "datetime"),
            Col(_t(texts, lang, "col_closed_at"), "datetime"),
        ],
    )
    for i in lg.items:
        items.row(
            [
                i.id,
                i.unit_name,
                i.team_name or "",
                i.problem,
                i.owner_name,
                i.deadline,
                state_name(texts, lang, i.state),
                _t(texts, lang, f"source_{i.source}"),
                i.created_at,
                i.closed_at,
            ]
        )
    events = book.sheet(
        _t(texts, lang, "sheet_events"),
        title=_t(texts, lang, "title_events", period=period),
        scope=scope,
        columns=[
            Col(_t(texts, lang, "col_id"), "int"),
            Col(_t(texts, lang, "col_at"), "datetime"),
            Col(_t(texts, lang, "col_move")),
            Col(_t(texts, lang, "col_actor")),
            Col(_t(texts, lang, "col_reason"), width=40),
            Col(_t(texts, lang, "col_new_deadline"), "date"),
        ],
    )
    for item_id, rows in lg.events.items():
        for e in rows:
            events.row(
                [
                    item_id,
                    e.at,
                    _t(texts, lang, f"move_{e.move}"),
                    e.actor_name,
                    e.reason,
                    e.new_deadline,
                ]
            )
    book.close()
    return len(lg.items)


def rates_chart(lg: Ledger, texts: Texts, lang: str) -> bytes:
    """Closing rate per unit, the value written on each bar; a unit with no items shows —."""
    names = [r.unit_name for r in lg.rows]
    values = [r.figures.rate for r in lg.rows]
    with chart_style():
        from matplotlib import pyplot as plt

        fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(names) + 2), 3.6), dpi=110)
        bar_chart(
            ax,
            names,
            values,
            fmt=percent,
            value_label=with_unit(_t(texts, lang, "chart_axis"), "%"),
            limit=1.0,
        )
        ax.set_title(_t(texts, lang, "chart_title", period=lg.period.label(lang)))
        fig.tight_layout()
        png = png_bytes(fig)
        plt.close(fig)
    return png


def attachments(lg: Ledger, texts: Texts, lang: str, tz: ZoneInfo) -> tuple[InputFile, InputFile]:
    """`files` as /rectify_month sends them, named by the month (blocking, like `files`)."""
    png, xlsx = files(lg, texts, lang, tz)
    name = f"rectification-{lg.period.year:04d}-{lg.period.index:02d}"
    return InputFile(png, filename=f"{name}.png"), InputFile(xlsx, filename=f"{name}.xlsx")


def files(lg: Ledger, texts: Texts, lang: str, tz: ZoneInfo) -> tuple[bytes, bytes]:
    """The PNG and the workbook for a chat answer (run off the event loop: matplotlib and
    xlsxwriter are blocking)."""
    buf = BytesIO()
    write_xlsx(lg, texts, lang, tz, buf)
    return rates_chart(lg, texts, lang), buf.getvalue()
