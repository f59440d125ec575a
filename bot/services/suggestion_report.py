"""Summaries of suggestions (定期汇总和评估): counts by unit, topic and state, adoption rate,
rewards, most active teams, rising keywords — as text, a PNG chart and an XLSX workbook.

Charts draw with the CJK font shipped in `data/fonts/`, so they are Chinese on every machine.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery.outbox import OutFile, OutMessage
from bot.domain.auth import Action, Actor, Reach, reach
from bot.domain.textsplit import split_text
from bot.repos.suggestions import LedgerRow, Suggestion, SuggestionsRepo
from bot.services.suggestions import DECIDED, REJECTED, STATES
from bot.tagging.lexicon import load_lexicon
from bot.texts import Texts
from bot.views.chartkit import bar_chart, chart_style, count, png_bytes
from bot.views.workbook import Col, Workbook, to_bytes

TOP_TEAMS = 5
TOP_KEYWORDS = 5


@dataclass(frozen=True)
class Scope:
    """Which suggestions a report covers: a unit, a team, or everything (both None)."""

    unit_id: int | None = None
    team_id: int | None = None

    def covers(self, s: Suggestion) -> bool:
        return (self.unit_id is None or s.unit_id == self.unit_id) and (
            self.team_id is None or s.team_id == self.team_id
        )


def scope_for(actor: Actor) -> Scope:
    r = reach(actor, Action.VIEW_REPORT)
    if r is Reach.ALL:
        return Scope()
    if r is Reach.UNIT:
        return Scope(unit_id=actor.unit_id)
    return Scope(unit_id=actor.unit_id, team_id=actor.team_id)


# ------------------------------------------------------------------ periods


def parse_kind(text: str) -> str:
    t = text.strip().lower()
    if t in ("quarter", "季", "季度", "本季度"):
        return "quarter"
    if t in ("year", "年", "年度", "本年"):
        return "year"
    return "month"


def _quarter_start(d: datetime) -> datetime:
    return d.replace(
        month=(d.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def period_bounds(
    kind: str, now: datetime, tz: ZoneInfo, current: bool
) -> tuple[datetime, datetime]:
    """[start, end) of the period containing `now` (current) or the one just before it, in tz."""
    local = now.astimezone(tz)
    month0 = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if kind == "year":
        start = month0.replace(month=1)
        if not current:
            start = start.replace(year=start.year - 1)
        end = start.replace(year=start.year + 1)
    elif kind == "quarter":
        start = _quarter_start(local)
        if not current:
            start = _quarter_start(start - timedelta(days=1))
        end = _quarter_start(start + timedelta(days=95))
    else:
        start = month0 if current else (month0 - timedelta(days=1)).replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    if current:
        end = min(end, local + timedelta(seconds=1))
    return start, end


def period_key(kind: str, start: datetime, tz: ZoneInfo) -> str:
    local = start.astimezone(tz)
    if kind == "quarter":
        return f"quarter:{local.year}-Q{(local.month - 1) // 3 + 1}"
    if kind == "year":
        return f"year:{local.year}"
    return f"month:{local:%Y-%m}"


def due_kinds(now: datetime, tz: ZoneInfo) -> list[str]:
    """Which finished periods a scheduled run should look at: always the last month, and the
    last quarter once a quarter has ended (the claim in the database keeps each to one send)."""
    local = now.astimezone(tz)
    kinds = ["month"]
    if local.month in (1, 4, 7, 10):
        kinds.append("quarter")
    return kinds


# ------------------------------------------------------------------ figures


@dataclass
class Summary:
    total: int = 0
    by_unit: Counter[str] = field(default_factory=Counter)
    by_topic: Counter[str] = field(default_factory=Counter)
    by_state: Counter[str] = field(default_factory=Counter)
    by_team: Counter[str] = field(default_factory=Counter)
    adopted: int = 0
    decided: int = 0
    points: int = 0
    amount_fen: int = 0
    rewards: int = 0
    rising: list[tuple[str, int, int]] = field(default_factory=list)  # keyword, now, before

    @property
    def adoption_rate(self) -> float | None:
        return self.adopted / self.decided if self.decided else None


def summarise(
    items: list[Suggestion], ledger: list[LedgerRow], before: list[Suggestion]
) -> Summary:
    s = Summary(total=len(items))
    for it in items:
        s.by_unit[it.unit_name] += 1
        s.by_team[f"{it.unit_name}·{it.team_name}"] += 1
        s.by_state[it.state] += 1
        for t in it.topics:
            s.by_topic[t] += 1
    s.adopted = sum(s.by_state[x] for x in DECIDED)
    s.decided = s.adopted + s.by_state[REJECTED]
    s.points = sum(r.points for r in ledger)
    s.amount_fen = sum(r.amount_fen for r in ledger)
    s.rewards = len(ledger)
    now_kw = Counter(k for it in items for k in it.keywords)
    old_kw = Counter(k for it in before for k in it.keywords)
    rising = [(k, n, old_kw[k]) for k, n in now_kw.items() if n >= 2 and n > old_kw[k]]
    rising.sort(key=lambda r: (-(r[1] - r[2]), -r[1], r[0]))
    s.rising = rising[:TOP_KEYWORDS]
    return s


@dataclass(frozen=True)
class Report:
    text: str
    png: bytes
    xlsx: bytes
    stem: str
    empty: bool


async def build(
    repo: SuggestionsRepo,
    texts: Texts,
    lang: str,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    scope: Scope | None,
    label: str | None = None,
    *,
    at: datetime,
) -> Report:
    """The summary of [start, end), drawn up `at`; `label` names the period (e.g.
    2026年第四季度), else the dates do."""
    scope = scope or Scope()
    items = [s for s in await repo.created_between(start, end) if scope.covers(s)]
    previous = [
        s for s in await repo.created_between(start - (end - start), start) if scope.covers(s)
    ]
    known = {
        s.id
        for s in await repo.created_between(datetime(2000, 1, 1, tzinfo=tz), end)
        if scope.covers(s)
    }
    ledger = [r for r in await repo.ledger_between(start, end) if r.suggestion_id in known]
    summary = summarise(items, ledger, previous)
    last_day = (end - timedelta(seconds=1)).astimezone(tz)
    label = label or f"{start.astimezone(tz):%Y-%m-%d} – {last_day:%Y-%m-%d}"
    units = sorted(summary.by_unit)
    text = render_text(summary, texts, lang, label, units, False)
    return Report(
        text=text,
        png=render_png(summary, texts, lang, label, units),
        xlsx=render_xlsx(summary, items, ledger, texts, lang, label, tz, at),
        stem=f"suggestions_{start.astimezone(tz):%Y%m%d}_{last_day:%Y%m%d}",
        empty=not items and not ledger,
    )


def _topic(texts: Texts, topic: str, lang: str) -> str:
    return texts.get(f"suggestions.topic.{topic}", lang)


def _state(texts: Texts, state: str, lang: str) -> str:
    return texts.get(f"suggestions.state.{state}", lang)


def render_text(
    s: Summary, texts: Texts, lang: str, label: str, units: list[str], coded_units: bool
) -> str:
    g = texts.get
    rate = "—" if s.adoption_rate is None else f"{s.adoption_rate * 100:.0f}%"
    lines = [
        g("suggestions.report.title", lang, period=label),
        g("suggestions.report.totals", lang, total=s.total, rate=rate),
    ]
    lines.append(
        g(
            "suggestions.report.rewards",
            lang,
            count=s.rewards,
            points=s.points,
            amount=f"{s.amount_fen / 100:.2f}",
        )
    )
    if s.by_unit:
        parts = [
            f"{(f'U{i + 1} ' if coded_units else '')}{u} {s.by_unit[u]}"
            for i, u in enumerate(units)
        ]
        lines.append(
            g("suggestions.report.by_unit", lang, items=texts.join(parts, lang, kind="group"))
        )
    if s.by_topic:
        parts = [f"{_topic(texts, t, lang)} {n}" for t, n in s.by_topic.most_common()]
        lines.append(
            g("suggestions.report.by_topic", lang, items=texts.join(parts, lang, kind="group"))
        )
    if s.by_state:
        parts = [f"{_state(texts, st, lang)} {s.by_state[st]}" for st in STATES if s.by_state[st]]
        lines.append(
            g("suggestions.report.by_state", lang, items=texts.join(parts, lang, kind="group"))
        )
    if s.by_team:
        parts = [f"{t} {n}" for t, n in s.by_team.most_common(TOP_TEAMS)]
        lines.append(
            g("suggestions.report.teams", lang, items=texts.join(parts, lang, kind="group"))
        )
    if s.rising:
        parts = [f"{k} {before}→{now}" for k, now, before in s.rising]
        lines.append(
            g("suggestions.report.rising", lang, items=texts.join(parts, lang, kind="group"))
        )
    if not s.total:
        lines.append(g("suggestions.report.none", lang))
    return "\n".join(lines)


def render_png(s: Summary, texts: Texts, lang: str, label: str, units: list[str]) -> bytes:
    """Counts by topic, state and unit, each bar with its number; Chinese labels with the
    shipped font (`bot.views.chartkit`)."""
    topics = load_lexicon().topics
    g = texts.get
    unit_word = g("suggestions.report.chart_count", lang)
    panels = [
        (g("suggestions.report.chart_topic", lang), [_topic(texts, t, lang) for t in topics],
         [s.by_topic[t] for t in topics]),
        (g("suggestions.report.chart_state", lang), [_state(texts, st, lang) for st in STATES],
         [s.by_state[st] for st in STATES]),
        (g("suggestions.report.chart_unit", lang), units or ["—"],
         [s.by_unit[u] for u in units] or [0]),
    ]  # fmt: skip
    with chart_style():
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        fig = Figure(figsize=(12, 4.6), dpi=100)
        for i, (title, names, values) in enumerate(panels):
            ax = fig.add_subplot(1, 3, i + 1)
            bar_chart(
                ax, names, [float(v) for v in values], fmt=count, value_label=unit_word,
                horizontal=True,
            )  # fmt: skip
            ax.set_title(title, fontsize=10)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        title = g("suggestions.report.chart_title", lang)
        fig.suptitle(f"{title}（{label}）", fontsize=12)
        fig.tight_layout()
        return png_bytes(fig)


def render_xlsx(
    s: Summary,
    items: list[Suggestion],
    ledger: list[LedgerRow],
    texts: Texts,
    lang: str,
    label: str,
    tz: ZoneInfo,
    at: datetime,
    scope: str = "",
) -> bytes:
    """汇总, 建议明细 and 奖励台账 (one row per person rewarded), each with title and scope
    rows; the adoption rate is a percentage, dates are dates, worker text stays text."""
    g = texts.get
    title = g("suggestions.report.xlsx_title", lang, period=label)
    where = scope or g("suggestions.report.scope_all", lang)
    stamp = at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    scope_line = g("suggestions.report.xlsx_scope", lang, scope=where, period=label, at=stamp)
    anonymous = g("suggestions.anonymous", lang)

    def build(book: Workbook) -> None:
        summary = book.sheet(
            g("suggestions.report.sheet_summary", lang), title=title, scope=scope_line,
            columns=[Col(g("suggestions.report.h_item", lang)),
                     Col(g("suggestions.report.h_value", lang), "number")],
        )  # fmt: skip
        summary.row([g("suggestions.report.col_total", lang), s.total])
        rate = s.adoption_rate
        summary.row(
            [g("suggestions.report.col_rate", lang), "—" if rate is None else rate],
            kinds={1: "percent"},
        )
        summary.row([g("suggestions.report.col_points", lang), s.points])
        summary.row([g("suggestions.report.col_amount", lang), s.amount_fen / 100],
                    kinds={1: "money"})  # fmt: skip
        blocks: list[tuple[str, list[tuple[str, int]]]] = [
            (g("suggestions.report.chart_unit", lang), s.by_unit.most_common()),
            (g("suggestions.report.chart_topic", lang),
             [(_topic(texts, k, lang), n) for k, n in s.by_topic.most_common()]),
            (g("suggestions.report.chart_state", lang),
             [(_state(texts, k, lang), n) for k, n in s.by_state.most_common()]),
        ]  # fmt: skip
        for name, counts in blocks:
            summary.row([name, None], bold=True)
            for key, n in counts:
                summary.row([key, n])

        detail = book.sheet(
            g("suggestions.report.sheet_items", lang), title=title, scope=scope_line,
            columns=[Col(g("suggestions.report.h_id", lang), "int"),
                     Col(g("suggestions.report.h_date", lang), "date"),
                     *(Col(g(f"suggestions.report.h_{k}", lang))
                       for k in ("unit", "team", "author", "topics", "keywords", "state")),
                     Col(g("suggestions.report.h_text", lang), width=60)],
        )  # fmt: skip
        for it in items:
            detail.row(
                [it.id, it.created_at.astimezone(tz).date(), it.unit_name, it.team_name,
                 anonymous if it.anonymous else it.author_name,
                 texts.join((_topic(texts, t, lang) for t in it.topics), lang),
                 texts.join(it.keywords, lang), _state(texts, it.state, lang), it.text]
            )  # fmt: skip

        led = book.sheet(
            g("suggestions.report.sheet_ledger", lang), title=title, scope=scope_line,
            columns=[Col(g("suggestions.report.h_id", lang), "int"),
                     Col(g("suggestions.report.h_date", lang), "date"),
                     *(Col(g(f"suggestions.report.h_{k}", lang))
                       for k in ("unit", "team", "employee_no", "person", "role")),
                     Col(g("suggestions.report.h_points_each", lang), "int"),
                     Col(g("suggestions.report.h_amount_each", lang), "money"),
                     Col(g("suggestions.report.h_claim", lang))],
        )  # fmt: skip
        for r in ledger:
            shares = split_reward(r.amount_fen, r.points, len(r.payees))
            for k, (payee, (points, fen)) in enumerate(zip(r.payees, shares, strict=True)):
                role = g("suggestions.report.role_author" if k == 0 else
                         "suggestions.report.role_credited", lang)  # fmt: skip
                if payee.anonymous:
                    number, name = "", anonymous
                    claim = g("suggestions.report.claim_in_bot", lang, code=r.claim_code)
                else:
                    number, name, claim = payee.employee_no, payee.name, ""
                led.row(
                    [r.suggestion_id, r.at.astimezone(tz).date(), r.unit_name, r.team_name,
                     number, name, role, points, fen / 100, claim]
                )  # fmt: skip
        led.note(g("suggestions.report.ledger_note", lang))

    return to_bytes(build, tz=tz)


def split_reward(amount_fen: int, points: int, people: int) -> list[tuple[int, int]]:
    """(points, fen) per person when `people` share one reward: equal shares, the remainder
    of the division to the first (the author), so the shares add up to the reward exactly."""
    people = max(1, people)
    fen, fen_rest = divmod(amount_fen, people)
    pts, pts_rest = divmod(points, people)
    return [(pts + (pts_rest if i == 0 else 0), fen + (fen_rest if i == 0 else 0))
            for i in range(people)]  # fmt: skip


def summary_rows(built: Report, key: str, admins: list[int]) -> list[OutMessage]:
    """A scheduled summary's outbox rows: to each admin the text, the chart, the workbook."""
    png = OutFile(built.stem + ".png", built.png)
    xlsx = OutFile(built.stem + ".xlsx", built.xlsx)
    rows = []
    for admin in admins:
        base = f"sgsum:{key}:{admin}"
        rows += [
            OutMessage(admin, piece, purpose="summary", dedupe_key=f"{base}:text:{n}")
            for n, piece in enumerate(split_text(built.text))
        ]
        rows.append(OutMessage(admin, "", "summary", f"{base}:png", kind="photo", file=png))
        rows.append(OutMessage(admin, "", "summary", f"{base}:xlsx", kind="document", file=xlsx))
    return rows
