"""Scheduled delivery of the monthly thought-trend analysis: once a month has ended, the whole
site's analysis to the admins and each unit's to its leaders, as text + PNG + XLSX through the
outbox. Each (month, scope) is claimed with its messages in one transaction, so a restart
neither repeats nor loses one; a scope with nothing to analyse is recorded and not sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.htmlsplit import split_html
from bot.repos.outbox import OutFile, OutMessage
from bot.repos.people import PeopleRepo
from bot.repos.trends import TrendLedger as TrendLedger  # re-exported for handlers
from bot.repos.trends import TrendQueries, open_readonly
from bot.services import trends
from bot.services.reports import Month
from bot.tagging.lexicon import load_lexicon
from bot.texts import Texts
from bot.views import trends as view

PURPOSE = "trends"
SITE_SCOPE = "site"


@dataclass(frozen=True)
class TrendDeps:
    db_path: str
    ledger: TrendLedger
    people: PeopleRepo
    admins: frozenset[int]
    texts: Texts
    lang: str
    tz: ZoneInfo


def last_month(now: datetime, tz: ZoneInfo) -> Month:
    local = now.astimezone(tz)
    return Month(local.year, local.month).shift(-1)


def rows_for(out: view.Rendered, key: str, chats: list[int]) -> list[OutMessage]:
    png = OutFile(out.stem + ".png", out.png)
    xlsx = OutFile(out.stem + ".xlsx", out.xlsx)
    rows: list[OutMessage] = []
    for chat in chats:
        base = f"trends:{key}:{chat}"
        rows += [
            OutMessage(chat, piece, PURPOSE, f"{base}:text:{n}")
            for n, piece in enumerate(split_html(out.text))
        ]
        rows.append(OutMessage(chat, "", PURPOSE, f"{base}:png", kind="photo", file=png))
        rows.append(OutMessage(chat, "", PURPOSE, f"{base}:xlsx", kind="document", file=xlsx))
    return rows


def _build_all(
    deps: TrendDeps, month: Month, scopes: list[tuple[str, int | None, str]], now: datetime
) -> dict[str, view.Rendered]:
    topics = load_lexicon().topics
    conn = open_readonly(deps.db_path)
    try:
        q = TrendQueries(conn)
        out = {}
        for scope, unit_id, name in scopes:
            rep = trends.build(q, month, deps.tz, topics, unit_id, name)
            out[scope] = view.render(rep, deps.texts, deps.lang, deps.tz, now)
        return out
    finally:
        conn.close()


async def deliver_due(deps: TrendDeps, now: datetime) -> int:
    """Claims and enqueues every analysis of last month not yet sent; the number enqueued."""
    month = last_month(now, deps.tz)
    period = month.label
    conn = open_readonly(deps.db_path)
    try:
        units = TrendQueries(conn).units()
    finally:
        conn.close()
    scopes: list[tuple[str, int | None, str]] = [(SITE_SCOPE, None, "")]
    scopes += [(f"unit:{uid}", uid, name) for uid, name in units]
    todo = [s for s in scopes if not await deps.ledger.sent(period, s[0])]
    if not todo:
        return 0
    built = await asyncio.to_thread(_build_all, deps, month, todo, now)
    sent = 0
    for scope, unit_id, _name in todo:
        out = built[scope]
        if out.empty:
            chats: list[int] = []
        elif unit_id is None:
            chats = await deps.people.reachable_admins(deps.admins)
        else:
            chats = await deps.people.reachable_unit_leaders(unit_id)
        if await deps.ledger.claim(period, scope, now, rows_for(out, f"{period}:{scope}", chats)):
            sent += bool(chats)
    return sent
