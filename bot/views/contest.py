"""What labour competitions look like: standings text, keyboards, the PNG leaderboard and the
workbook. Handlers and the weekly job both render through here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from io import BytesIO
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardMarkupLimit

from bot.callbacks import Callback, Id, Range
from bot.domain.contest import Doubt, Kind, Level, NewStep, PairResult, pair_result
from bot.domain.contest import FigureAct as FigureAct  # re-exported: the buttons name it
from bot.outcomes.contest import (
    Board,
    Created,
    Draft,
    FigureAsk,
    FigureBad,
    FigureDoubt,
    FigureNext,
    FigureTarget,
    FileRejected,
    FileSaved,
    WeeklyPost,
)
from bot.repos.contest import AuditRow, Contest, Metric, Standing
from bot.repos.outbox import OutFile, OutMessage
from bot.texts import Html, Texts
from bot.views import paging
from bot.views.chartkit import with_unit
from bot.views.files import table_error

BOARD_TOP = 10
CHART_MAX_BARS = 30


def number(value: float | None) -> str:
    """A figure as people write it: 1234, 98.5, 0.25 (never 1234.0 or 98.50000001)."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def metric_name(texts: Texts, lang: str, metric: Metric) -> str:
    return texts.get(f"contest.metric.{metric.key}", lang)


def metric_values(texts: Texts, lang: str, metrics: Sequence[Metric], standing: Standing) -> str:
    parts = []
    for m in metrics:
        value = standing.values.get(m.id)
        name = metric_name(texts, lang, m)
        if value is None:
            parts.append(texts.get("contest.metric_missing", lang, metric=name))
        else:
            parts.append(
                texts.get(
                    "contest.metric_value", lang, metric=name, value=number(value), unit=m.unit
                )
            )
    return texts.join(parts, lang)


def board_text(texts: Texts, lang: str, board: Board) -> str:
    c = board.contest
    g = texts.get
    lines = [
        g("contest.board_title", lang, name=c.name, kind=g(f"contest.kind.{c.kind}", lang)),
        g(
            "contest.board_period",
            lang,
            start=c.starts_on.isoformat(),
            end=c.ends_on.isoformat(),
            until=board.until.isoformat(),
        ),
    ]
    by_id = {s.participant_id: s for s in board.standings}
    if c.kind is Kind.ARENA:
        holder = by_id.get(c.holder_id) if c.holder_id is not None else None
        lines.append(
            g("contest.holder", lang, name=holder.name) if holder else g("contest.no_holder", lang)
        )
    if c.kind in (Kind.PAIR, Kind.CHALLENGE):
        shown = [p for p in board.pairs if not board.mine or {p.a_id, p.b_id} & board.mine]
        for p in shown or []:
            a, b = by_id.get(p.a_id), by_id.get(p.b_id)
            if a is None or b is None:
                continue
            result = pair_result(a.score, b.score)
            outcome = (
                g("contest.pair_tie", lang)
                if result is PairResult.TIE
                else g("contest.pair_lead", lang, name=(a if result is PairResult.A else b).name)
            )
            lines.append(
                g(
                    "contest.pair_line",
                    lang,
                    a=a.name,
                    sa=number(round(a.score, 1)),
                    b=b.name,
                    sb=number(round(b.score, 1)),
                    result=outcome,
                )
            )
        if not shown:
            lines.append(g("contest.no_pairs", lang))
    if board.individual_hidden:
        lines.append(g("contest.personal_hidden", lang))
    top = board.standings[:BOARD_TOP]
    extra = [s for s in board.standings[BOARD_TOP:] if s.participant_id in board.mine]
    for s in top + extra:
        mark = g("contest.mine_mark", lang) if s.participant_id in board.mine else ""
        lines.append(
            g(
                "contest.board_line",
                lang,
                mark=mark,
                rank=s.rank,
                name=s.name,
                score=number(round(s.score, 1)),
            )
        )
    if len(board.standings) > BOARD_TOP:
        lines.append(g("contest.board_more", lang, total=len(board.standings)))
    for s in board.standings:
        if s.participant_id in board.mine:
            lines.append(
                g(
                    "contest.board_mine_metrics",
                    lang,
                    name=s.name,
                    values=Html(metric_values(texts, lang, board.metrics, s)),
                )
            )
    for p in board.proposals:
        a = by_id.get(p.a_id)
        lines.append(g("contest.proposal", lang, a=a.name if a else "?"))
    return "\n".join(lines)


def full_text(texts: Texts, lang: str, board: Board) -> str:
    """Every participant's line, for managers and for the participants' own leaders."""
    c = board.contest
    lines = [
        texts.get(
            "contest.board_title", lang, name=c.name, kind=texts.get(f"contest.kind.{c.kind}", lang)
        )
    ]
    for s in board.standings:
        mark = texts.get("contest.mine_mark", lang) if s.participant_id in board.mine else ""
        lines.append(
            texts.get(
                "contest.board_line",
                lang,
                mark=mark,
                rank=s.rank,
                name=s.name,
                score=number(round(s.score, 1)),
            )
        )
    return "\n".join(lines)


def proposal_text(texts: Texts, lang: str, contest: Contest, challenger: str) -> str:
    title = texts.get(
        "contest.board_title",
        lang,
        name=contest.name,
        kind=texts.get(f"contest.kind.{contest.kind}", lang),
    )
    return f"{title}\n{texts.get('contest.proposal', lang, a=challenger)}"


def button(texts: Texts, lang: str, key: str, data: str, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(texts.get(key, lang, **values), callback_data=data)


def rows_of(
    buttons: Sequence[InlineKeyboardButton], per_row: int
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


# ------------------------------------------------------------------ PNG leaderboard


def leaderboard_png(texts: Texts, lang: str, title: str, standings: Sequence[Standing]) -> bytes:
    """Participants as horizontal bars, best on top, each score written at its bar's end."""
    from bot.views.chartkit import bar_chart, chart_style, png_bytes

    shown = list(standings[:CHART_MAX_BARS])
    with chart_style():
        from matplotlib import pyplot as plt

        fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.32 * max(len(shown), 3)))
        try:
            bar_chart(
                ax,
                [f"{s.rank}. {s.name}" for s in shown],
                [s.score for s in shown],
                fmt=lambda v: number(round(v, 1)),
                value_label=texts.get("contest.weekly.chart_axis", lang),
                limit=100,
                horizontal=True,
                color="#C0504D",
            )
            ax.set_title(title, fontsize=11)
            fig.tight_layout()
            return png_bytes(fig, dpi=110)
        finally:
            plt.close(fig)


def weekly_caption(texts: Texts, lang: str, post: WeeklyPost) -> str:
    c = post.contest
    if post.final:
        return texts.get("contest.weekly.caption_final", lang, name=c.name)
    iso_week = post.week.isocalendar().week
    until = min(post.week.toordinal() + 6, c.ends_on.toordinal())
    return texts.get(
        "contest.weekly.caption",
        lang,
        name=c.name,
        week=iso_week,
        until=date.fromordinal(until).isoformat(),
    )


def digest_text(texts: Texts, lang: str, post: WeeklyPost, missing: Sequence[str]) -> str:
    c = post.contest
    until = date.fromordinal(min(post.week.toordinal() + 6, c.ends_on.toordinal()))
    lines = [texts.get("contest.weekly.digest_title", lang, name=c.name, until=until.isoformat())]
    if post.holder_name:
        lines.append(texts.get("contest.weekly.holder", lang, name=post.holder_name))
    for s in post.standings[:BOARD_TOP]:
        lines.append(
            texts.get(
                "contest.weekly.digest_line",
                lang,
                rank=s.rank,
                name=s.name,
                score=number(round(s.score, 1)),
            )
        )
    if missing:
        lines.append(
            texts.get("contest.weekly.digest_missing", lang, names=texts.join(missing, lang))
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ workbook


def contest_workbook(
    texts: Texts,
    lang: str,
    board: Board,
    figures: Sequence[tuple[str, int, str, float]],
    audit: Sequence[AuditRow],
    actor_names: dict[int, str],
    tz: ZoneInfo,
) -> bytes:
    """Standings, every figure in force and every change, as an admin can use them."""
    from bot.views.workbook import Col, Workbook  # xlsxwriter is loaded only for an export

    g = texts.get
    c = board.contest
    title = g("contest.xlsx.title", lang, name=c.name)
    scope = g(
        "contest.xlsx.scope",
        lang,
        kind=g(f"contest.kind.{c.kind}", lang),
        start=c.starts_on.isoformat(),
        end=c.ends_on.isoformat(),
        until=board.until.isoformat(),
    )
    names = {s.participant_id: s.name for s in board.standings}
    metrics = {m.key: m for m in board.metrics}

    def mname(key: str) -> str:
        m = metrics.get(key)
        return metric_name(texts, lang, m) if m else key

    buf = BytesIO()
    book = Workbook(buf, tz=tz)
    sheet = book.sheet(
        g("contest.xlsx.sheet_standings", lang),
        title=title,
        scope=scope,
        columns=[
            Col(g("contest.xlsx.rank", lang), "int"),
            Col(g("contest.xlsx.participant", lang)),
            Col(g("contest.xlsx.score", lang), "number"),
            *[Col(with_unit(metric_name(texts, lang, m), m.unit), "number") for m in board.metrics],
        ],
    )
    for s in board.standings:
        sheet.row([s.rank, s.name, round(s.score, 2), *[s.values.get(m.id) for m in board.metrics]])
    sheet = book.sheet(
        g("contest.xlsx.sheet_figures", lang),
        title=title,
        scope=scope,
        columns=[
            Col(g("contest.xlsx.week", lang), "date"),
            Col(g("contest.xlsx.participant", lang)),
            Col(g("contest.xlsx.metric", lang)),
            Col(g("contest.xlsx.value", lang), "number"),
        ],
    )
    for key, pid, week, value in figures:
        sheet.row([date.fromisoformat(week), names.get(pid, str(pid)), mname(key), value])
    sheet = book.sheet(
        g("contest.xlsx.sheet_audit", lang),
        title=title,
        scope=scope,
        columns=[
            Col(g("contest.xlsx.at", lang), "datetime"),
            Col(g("contest.xlsx.week", lang), "date"),
            Col(g("contest.xlsx.participant", lang)),
            Col(g("contest.xlsx.metric", lang)),
            Col(g("contest.xlsx.old", lang), "number"),
            Col(g("contest.xlsx.new", lang), "number"),
            Col(g("contest.xlsx.actor", lang)),
            Col(g("contest.xlsx.via", lang)),
            Col(g("contest.xlsx.doubt", lang)),
            Col(g("contest.xlsx.reason", lang)),
            Col(g("contest.xlsx.after_close", lang)),
        ],
    )
    yes, no = g("contest.xlsx.yes", lang), g("contest.xlsx.no", lang)
    for a in audit:
        sheet.row(
            [
                datetime.fromisoformat(a.at.replace("Z", "+00:00")),
                date.fromisoformat(a.week),
                names.get(a.participant_id, str(a.participant_id)),
                mname(a.metric_key),
                a.old_value,
                a.new_value,
                actor_names.get(a.actor, str(a.actor)),
                a.via,
                a.confirmed_doubt or "",
                a.reason or "",
                yes if a.after_close else no,
            ]
        )
    book.close()
    return buf.getvalue()


# ------------------------------------------------------------------ keyboards

# Telegram refuses more than 100 buttons in one keyboard; room is left for the fixed ones
MAX_BUTTONS = InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER - 10
# A flow's nonce (bot.domain.contest.new_nonce): a press from an earlier run of the flow is stale
Nonce = Annotated[int, Range(1, 999_999)]

# ---- ct:v1:<action>:<id>[:<id>] — presses on standings, challenges, targets


class ContestAct(StrEnum):
    FULL = "full"  # the full standings, privately
    CLOSE = "cls"
    RIVALS = "chl"  # whom one may challenge
    ACCEPT = "acc"  # a challenge (the id is the pair's)
    DECLINE = "dec"


@dataclass(frozen=True)
class ContestPress(Callback, ns="ct", version=1):
    """ "ct:v1:full:<contest>", "ct:v1:acc:<pair>" …"""

    action: ContestAct
    id: Id


class PairAct(StrEnum):
    CHALLENGE = "chr"  # ct:v1:chr:<contest>:<rival participant>
    FIGURES = "fig"  # ct:v1:fig:<contest>:<participant>


@dataclass(frozen=True)
class PairPress(Callback, ns="ct", version=1):
    action: PairAct
    contest: Id
    participant: Id


# ---- ctn:v1:<nonce>:<action>:<arg> — the creation flow


@dataclass(frozen=True)
class KindPress(Callback, ns="ctn", version=1):
    nonce: Nonce
    action: Literal["kind"]
    kind: Kind


class Scope(StrEnum):
    ALL = "all"  # every team of the site
    UNITS = "units"  # units against each other


@dataclass(frozen=True)
class ScopePress(Callback, ns="ctn", version=1):
    nonce: Nonce
    action: Literal["scope"]
    scope: Scope


@dataclass(frozen=True)
class UnitPress(Callback, ns="ctn", version=1):
    """One unit's teams."""

    nonce: Nonce
    action: Literal["unit"]
    unit: Id


@dataclass(frozen=True)
class MetricPress(Callback, ns="ctn", version=1):
    """A metric template toggled: its index in the templates' order."""

    nonce: Nonce
    action: Literal["m"]
    index: Annotated[int, Range(0, MAX_BUTTONS)]


class NewAct(StrEnum):
    NEXT = "next"
    CREATE = "create"
    CANCEL = "cancel"


@dataclass(frozen=True)
class NewPress(Callback, ns="ctn", version=1):
    """Next, create, cancel: "ctn:v1:<nonce>:next:0" (a 0 where the other presses of the
    flow carry their argument, so the namespace has one shape)."""

    nonce: Nonce
    action: NewAct
    arg: Literal["0"] = "0"


NEW_PRESSES = (KindPress, ScopePress, UnitPress, MetricPress, NewPress)
_NEW_STEP: dict[type[Callback], NewStep] = {
    KindPress: NewStep.KIND,
    ScopePress: NewStep.SCOPE,
    UnitPress: NewStep.SCOPE,
    MetricPress: NewStep.METRICS,
}


def new_press_step(
    press: KindPress | ScopePress | UnitPress | MetricPress | NewPress,
) -> NewStep | None:
    """The creation step a button belongs to (a press at another step is stale); None: 取消,
    at any step."""
    if isinstance(press, NewPress):
        return {NewAct.NEXT: NewStep.METRICS, NewAct.CREATE: NewStep.PREVIEW}.get(press.action)
    return _NEW_STEP[type(press)]


# ---- ctf:v1:<nonce>:<action> — the figures flow


@dataclass(frozen=True)
class FigurePress(Callback, ns="ctf", version=1):
    nonce: Nonce
    action: FigureAct


def board_keyboard(
    texts: Texts,
    lang: str,
    board: Board,
    *,
    may_enter: bool,
    may_manage: bool,
) -> InlineKeyboardMarkup | None:
    c = board.contest
    row = []
    if len(board.standings) > BOARD_TOP:
        row.append(
            button(texts, lang, "contest.btn.full", ContestPress(ContestAct.FULL, c.id).encode())
        )
    if may_enter and c.active and c.kind in (Kind.CHALLENGE, Kind.ARENA) and board.mine:
        row.append(
            button(
                texts, lang, "contest.btn.challenge", ContestPress(ContestAct.RIVALS, c.id).encode()
            )
        )
    if may_manage and c.active:
        row.append(
            button(texts, lang, "contest.btn.close", ContestPress(ContestAct.CLOSE, c.id).encode())
        )
    rows = [row] if row else []
    for p in board.proposals:
        if may_enter:
            rows.append(
                [
                    button(
                        texts,
                        lang,
                        "contest.btn.accept",
                        ContestPress(ContestAct.ACCEPT, p.id).encode(),
                    ),
                    button(
                        texts,
                        lang,
                        "contest.btn.decline",
                        ContestPress(ContestAct.DECLINE, p.id).encode(),
                    ),
                ]
            )
    return InlineKeyboardMarkup(rows) if rows else None


@dataclass(frozen=True)
class TargetsPage(Callback, ns="ctq", version=1):
    """◀ ▶ of the /figures picker: "ctq:v1:<page>"."""

    page: Annotated[int, Range(0, paging.MAX_PAGE)]


def targets_page(
    texts: Texts, lang: str | None, targets: Sequence[FigureTarget], number: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the (contest, participant) pairs whose figures one may enter."""
    page = paging.paginate(targets, number)
    options = [
        paging.Option(
            f"{t.contest.name} · {t.participant_name}",
            PairPress(PairAct.FIGURES, t.contest.id, t.participant_id).encode(),
        )
        for t in page.items
    ]
    text = texts.get("contest.figures.pick", lang) + "\n" + paging.caption(texts, lang, page)
    markup = paging.keyboard(texts, lang, options, page, nav=lambda n: TargetsPage(n).encode())
    return text, markup


@dataclass(frozen=True)
class RivalsPage(Callback, ns="ctp", version=1):
    """◀ ▶ of the rival picker: "ctp:v1:<contest>:<page>"."""

    contest: Id
    page: Annotated[int, Range(0, paging.MAX_PAGE)]


def rivals_page(
    texts: Texts, lang: str | None, contest_id: int, rivals: Sequence[tuple[int, str]],
    number: int = 0,
) -> tuple[str, InlineKeyboardMarkup]:  # fmt: skip
    """One page of the teams one may challenge (a site has more than 100 of them)."""
    page = paging.paginate(rivals, number)
    options = [
        paging.Option(name, PairPress(PairAct.CHALLENGE, contest_id, pid).encode())
        for pid, name in page.items
    ]
    text = texts.get("contest.challenge.pick", lang) + "\n" + paging.caption(texts, lang, page)
    markup = paging.keyboard(
        texts, lang, options, page, nav=lambda n: RivalsPage(contest_id, n).encode()
    )
    return text, markup


def proposal_keyboard(texts: Texts, lang: str, pair_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(
                    texts,
                    lang,
                    "contest.btn.accept",
                    ContestPress(ContestAct.ACCEPT, pair_id).encode(),
                ),
                button(
                    texts,
                    lang,
                    "contest.btn.decline",
                    ContestPress(ContestAct.DECLINE, pair_id).encode(),
                ),
            ]
        ]
    )


def kinds_keyboard(texts: Texts, lang: str, nonce: int) -> InlineKeyboardMarkup:
    buttons = [
        button(texts, lang, f"contest.kind.{k}", KindPress(nonce, "kind", k).encode()) for k in Kind
    ]
    return InlineKeyboardMarkup([*rows_of(buttons, 2), [_cancel(texts, lang, nonce)]])


def scopes_keyboard(
    texts: Texts, lang: str, nonce: int, units: Sequence[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """Site-wide (teams, or units against each other) or one unit's teams."""
    rows = [
        [
            button(
                texts, lang, "contest.new.scope_all", ScopePress(nonce, "scope", Scope.ALL).encode()
            )
        ],
        [
            button(
                texts,
                lang,
                "contest.new.scope_units",
                ScopePress(nonce, "scope", Scope.UNITS).encode(),
            )
        ],
    ]
    unit_buttons = [
        button(
            texts, lang, "contest.new.scope_unit", UnitPress(nonce, "unit", uid).encode(), unit=name
        )
        for uid, name in units[: MAX_BUTTONS - 3]
    ]
    return InlineKeyboardMarkup([*rows, *rows_of(unit_buttons, 2), [_cancel(texts, lang, nonce)]])


def metrics_keyboard(
    texts: Texts, lang: str, nonce: int, keys: Sequence[str], chosen: Sequence[str]
) -> InlineKeyboardMarkup:
    buttons = []
    for i, key in enumerate(keys):
        label = texts.get(f"contest.metric.{key}", lang)
        if key in chosen:
            label = texts.get("contest.btn.selected", lang, label=label)
        buttons.append(
            InlineKeyboardButton(label, callback_data=MetricPress(nonce, "m", i).encode())
        )
    return InlineKeyboardMarkup(
        [
            *rows_of(buttons, 2),
            [
                button(texts, lang, "contest.btn.next", NewPress(nonce, NewAct.NEXT).encode()),
                _cancel(texts, lang, nonce),
            ],
        ]
    )


def create_keyboard(texts: Texts, lang: str, nonce: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(texts, lang, "contest.btn.create", NewPress(nonce, NewAct.CREATE).encode()),
                _cancel(texts, lang, nonce),
            ]
        ]
    )


def _cancel(texts: Texts, lang: str, nonce: int) -> InlineKeyboardButton:
    return button(texts, lang, "contest.btn.cancel", NewPress(nonce, NewAct.CANCEL).encode())


def doubt_keyboard(texts: Texts, lang: str, nonce: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(
                    texts, lang, "contest.btn.confirm", FigurePress(nonce, FigureAct.OK).encode()
                ),
                button(
                    texts, lang, "contest.btn.retype", FigurePress(nonce, FigureAct.RETYPE).encode()
                ),
            ]
        ]
    )


def save_keyboard(texts: Texts, lang: str, nonce: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(
                    texts, lang, "contest.btn.save", FigurePress(nonce, FigureAct.SAVE).encode()
                ),
                button(
                    texts, lang, "contest.btn.redo", FigurePress(nonce, FigureAct.REDO).encode()
                ),
                button(
                    texts, lang, "contest.btn.cancel", FigurePress(nonce, FigureAct.CANCEL).encode()
                ),
            ]
        ]
    )


def new_preview(texts: Texts, lang: str, draft: Draft, unit_name: str | None) -> str:
    """The /contest_new draft before ✅ 创建 (`unit_name`: the one unit's, when scoped so)."""
    g = texts.get
    if draft.level is Level.UNIT:
        scope = g("contest.new.scope_units", lang)
    elif draft.unit_id is None:
        scope = g("contest.new.scope_all", lang)
    else:
        scope = g("contest.new.scope_unit", lang, unit=unit_name or "?")
    metrics = texts.join((g(f"contest.metric.{k}", lang) for k in draft.metric_keys), lang)
    return g(
        "contest.new.preview",
        lang,
        name=draft.name,
        kind=g(f"contest.kind.{draft.kind}", lang),
        scope=scope,
        metrics=metrics,
        start=draft.starts_on.isoformat(),
        end=draft.ends_on.isoformat(),
    )


def created_texts(texts: Texts, lang: str, draft: Draft, created: Created) -> list[str]:
    """What creating says: how many take part, then the fixed pairs (if any)."""
    g = texts.get
    level = g(f"contest.level.{draft.level}", lang)
    said = [
        g("contest.new.created", lang, name=draft.name, count=created.participants, level=level)
    ]
    if created.pairs:
        pairs = texts.join((f"{a} ⚔ {b}" for a, b in created.pairs), lang)
        said.append(g("contest.new.created_pairs", lang, pairs=pairs))
    return said


def ask_text(texts: Texts, lang: str, target: FigureTarget, ask: FigureAsk) -> str:
    g = texts.get
    current = (
        "" if ask.current is None else g("contest.figures.current", lang, value=number(ask.current))
    )
    return g(
        "contest.figures.ask",
        lang,
        contest=target.contest.name,
        participant=target.participant_name,
        week=target.week.isoformat(),
        metric=metric_name(texts, lang, ask.metric),
        unit=ask.metric.unit,
        previous=g("contest.figures.no_previous", lang)
        if ask.previous is None
        else f"{number(ask.previous)}{ask.metric.unit}",
        current=Html(current),
    )


def bad_text(texts: Texts, lang: str, bad: FigureBad) -> str:
    m = bad.metric
    return texts.get(
        f"contest.figures.{bad.problem}",
        lang,
        metric=metric_name(texts, lang, m),
        lo=number(m.lo),
        hi=number(m.hi),
        unit=m.unit,
    )


def doubt_text(texts: Texts, lang: str, metric: Metric, doubt: FigureDoubt) -> str:
    return texts.get(
        f"contest.figures.doubt_{'up' if doubt.doubt is Doubt.JUMP_UP else 'down'}",
        lang,
        metric=metric_name(texts, lang, metric),
        value=number(doubt.value),
        previous=number(doubt.previous),
        unit=metric.unit,
    )


def figures_preview(texts: Texts, lang: str, target: FigureTarget, values: dict[int, float]) -> str:
    lines = [
        texts.get(
            "contest.metric_value",
            lang,
            metric=metric_name(texts, lang, m),
            value=number(values.get(m.id)),
            unit=m.unit,
        )
        for m in target.metrics
    ]
    return texts.get(
        "contest.figures.preview",
        lang,
        participant=target.participant_name,
        week=target.week.isoformat(),
        lines=Html("\n".join(lines)),
    )


def points_text(texts: Texts, lang: str, points: dict[str, dict[str, int]]) -> str:
    g = texts.get
    if not any(points.values()):
        return g("contest.points.none", lang)
    lines = [g("contest.points.title", lang)]
    for label in ("month", "quarter", "year"):
        per_rule = points.get(label, {})
        lines.append(
            g(
                "contest.points.period_line",
                lang,
                label=g(f"contest.points.{label}", lang),
                total=sum(per_rule.values()),
            )
        )
        if label == "month":
            for rule, value in sorted(per_rule.items(), key=lambda kv: -kv[1]):
                lines.append(
                    g(
                        "contest.points.rule_line",
                        lang,
                        rule=g(f"contest.rule.{rule}", lang),
                        points=value,
                    )
                )
    return "\n".join(lines)


def post_rows(texts: Texts, lang: str, post: WeeklyPost) -> list[OutMessage]:
    """The week's outbox rows: the PNG leaderboard to every participant's group (one upload,
    shared), the digest privately to the managers; keys make a second hand-over a no-op."""
    base = f"contest:{post.contest.id}:{post.key}"
    rows: list[OutMessage] = []
    caption = weekly_caption(texts, lang, post)
    if post.standings and post.group_chats:
        title = caption.removeprefix("🏆").strip()  # the chart font has no emoji
        png = OutFile(
            f"contest-{post.contest.id}-{post.key}.png",
            leaderboard_png(texts, lang, title, post.standings),
        )
        rows += [
            OutMessage(chat, caption, "contest", f"{base}:{chat}", kind="photo", file=png)
            for chat in post.group_chats
        ]
    digest = digest_text(texts, lang, post, post.missing)
    rows += [OutMessage(m, digest, "contest", f"{base}:m:{m}") for m in post.managers]
    return rows


def file_outcome(texts: Texts, lang: str, outcome: FileSaved | FileRejected) -> str:
    """One line when saved; else the problems, one per row (at most 20 shown)."""
    g = texts.get
    if isinstance(outcome, FileSaved):
        return g("contest.file.saved", lang, count=outcome.changed, teams=outcome.participants)
    if outcome.table_error is not None:
        return table_error(outcome.table_error, texts, lang)
    if not outcome.problems:
        return g("contest.file.empty", lang)
    lines = [g("contest.file.rejected", lang, count=len(outcome.problems))]
    for p in outcome.problems[:20]:
        lines.append(g(f"contest.file.problem.{p.code}", lang, row=p.row, text=p.text))
    if len(outcome.problems) > 20:
        lines.append(g("contest.file.more", lang, count=len(outcome.problems) - 20))
    return "\n".join(lines)


def next_figure(
    texts: Texts, lang: str, nxt: FigureNext
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The entry's next message: the next figure's question, or the preview with 保存."""
    if nxt.ask is not None:
        return ask_text(texts, lang, nxt.target, nxt.ask), None
    text = figures_preview(texts, lang, nxt.target, dict(nxt.entry.values))
    return text, save_keyboard(texts, lang, nxt.entry.nonce)
