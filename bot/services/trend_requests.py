"""`/trends` in chat: one month's thought-trend analysis for the person asking — the whole site
for an admin, their own unit for a unit leader; anyone else is refused. The scope always comes
from who asks, never from the request, so a forged button cannot reach another unit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.auth import Action, Actor, Reach, reach
from bot.domain.periods import PeriodError, parse_period
from bot.repos.trends import TrendQueries, open_readonly
from bot.services import trends
from bot.services.reports import Month
from bot.tagging.lexicon import load_lexicon
from bot.texts import Texts
from bot.views import trends as view


@dataclass(frozen=True)
class TrendAsk:
    db_path: str
    texts: Texts
    tz: ZoneInfo


@dataclass(frozen=True)
class Refused:
    """Neither an admin nor the leader of a unit."""


@dataclass(frozen=True)
class BadMonth:
    code: str  # "bad" (not a period), "future" (not begun), "not_month" (a quarter or year)
    value: str


@dataclass(frozen=True)
class Ready:
    month: Month
    out: view.Rendered


Outcome = Refused | BadMonth | Ready


@dataclass(frozen=True)
class Scope:
    unit_id: int | None  # None: the whole site


def scope_for(actor: Actor) -> Scope | None:
    r = reach(actor, Action.VIEW_TRENDS)
    if r is Reach.ALL:
        return Scope(None)
    if r is Reach.UNIT and actor.unit_id is not None:
        return Scope(actor.unit_id)
    return None


def parse_month(text: str, now: datetime, tz: ZoneInfo) -> Month | BadMonth:
    """This month when `text` is empty; otherwise the month it names (本月, 上月, 2026-11,
    2026年11月 …). A quarter or a year is refused: the analysis compares single months."""
    try:
        period = parse_period(text, now, tz)
    except PeriodError as err:
        return BadMonth(err.code, err.value)
    if period.kind != "month":
        return BadMonth("not_month", text.strip())
    return Month(period.year, period.index)


def _build(ask: TrendAsk, month: Month, unit_id: int | None, lang: str, now: datetime) -> Ready:
    conn = open_readonly(ask.db_path)
    try:
        q = TrendQueries(conn)
        name = dict(q.units(unit_id)).get(unit_id, "") if unit_id is not None else ""
        rep = trends.build(q, month, ask.tz, load_lexicon().topics, unit_id, name)
    finally:
        conn.close()
    return Ready(month, view.render(rep, ask.texts, lang, ask.tz, now))


async def analysis(
    ask: TrendAsk, actor: Actor, month: Month | BadMonth, lang: str, now: datetime
) -> Outcome:
    """The analysis of `month` in the asker's scope (built off the event loop: a site-wide
    month reads tens of thousands of rows)."""
    scope = scope_for(actor)
    if scope is None:
        return Refused()
    if isinstance(month, BadMonth):
        return month
    return await asyncio.to_thread(_build, ask, month, scope.unit_id, lang, now)
