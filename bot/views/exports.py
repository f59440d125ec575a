"""Workbooks for two exports admins ask for: who confirmed a notice (per team, then per
person) and the year's pledges (决心书汇编). Title and scope rows, frozen headers, real dates
and percentages, worker text kept as text (`bot.views.workbook`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.texts import Texts
from bot.views.workbook import Col, Workbook, to_bytes

XLSX_LANG = "zh-CN"

ConfirmationRow = tuple[str, str, str, str, datetime | None, str]
PledgeRow = tuple[str, str, str, str, int | None, datetime | None, str, str]


def _cols(texts: Texts, key: str, kinds: str) -> list[Col]:
    headers = texts.get(key, XLSX_LANG).split(",")
    kind_of = {"t": "text", "i": "int", "p": "percent", "w": "datetime"}
    assert len(headers) == len(kinds), key
    return [Col(h, kind_of[k]) for h, k in zip(headers, kinds, strict=True)]  # type: ignore[arg-type]


def confirmations(
    texts: Texts,
    tz: ZoneInfo,
    notice_id: int,
    title: str,
    sent_at: datetime,
    rows: Sequence[ConfirmationRow],
    now: datetime,
) -> bytes:
    """按班组 (every team of the audience: expected, confirmed, not yet, rate, who not yet)
    and 明细 (every recipient with the time they confirmed)."""
    g = texts.get
    lang = XLSX_LANG
    scope = g(
        "notices.xlsx.scope", lang, id=notice_id, sent=f"{sent_at.astimezone(tz):%Y-%m-%d %H:%M}",
        at=f"{now.astimezone(tz):%Y-%m-%d %H:%M}",
    )  # fmt: skip
    heading = g("notices.xlsx.title", lang, title=title)
    teams: dict[tuple[str, str], list[ConfirmationRow]] = {}
    for r in rows:
        teams.setdefault((r[0], r[1]), []).append(r)

    def build(book: Workbook) -> None:
        per_team = book.sheet(
            g("notices.xlsx.sheet_teams", lang), title=heading, scope=scope,
            columns=_cols(texts, "notices.xlsx.team_headers", "ttiiipt"),
        )  # fmt: skip
        total = done = 0
        for (unit, team), people in teams.items():
            acked = [p for p in people if p[4] is not None]
            missing = texts.join((p[3] for p in people if p[4] is None), lang)
            per_team.row([unit, team, len(people), len(acked), len(people) - len(acked),
                          len(acked) / len(people), missing])  # fmt: skip
            total, done = total + len(people), done + len(acked)
        per_team.row([g("notices.xlsx.total", lang), "", total, done, total - done,
                      done / total if total else "—", ""], bold=True)  # fmt: skip
        detail = book.sheet(
            g("notices.xlsx.sheet_people", lang), title=heading, scope=scope,
            columns=_cols(texts, "notices.xlsx.people_headers", "ttttwt"),
        )  # fmt: skip
        waiting = g("notices.xlsx.waiting", lang)
        for unit, team, number, name, acked_at, via in rows:
            detail.row([unit, team, number, name, acked_at if acked_at else waiting,
                        g(f"notices.xlsx.via_{via}", lang) if via else ""])  # fmt: skip

    return to_bytes(build, tz=tz)


def pledges(
    texts: Texts, tz: ZoneInfo, year: int, scope: str, rows: Sequence[PledgeRow], now: datetime
) -> bytes:
    """汇总 (per team: members, written, not yet, share) and 决心书 (every member; the pledge in
    force and its plan, or 未写)."""
    g = texts.get
    lang = XLSX_LANG
    heading = g("pledges.xlsx.title", lang, year=year)
    scope_line = g(
        "pledges.xlsx.scope", lang, scope=scope, at=f"{now.astimezone(tz):%Y-%m-%d %H:%M}"
    )
    teams: dict[tuple[str, str], list[PledgeRow]] = {}
    for r in rows:
        teams.setdefault((r[0], r[1]), []).append(r)

    def build(book: Workbook) -> None:
        summary = book.sheet(
            g("pledges.xlsx.sheet_summary", lang), title=heading, scope=scope_line,
            columns=_cols(texts, "pledges.xlsx.summary_headers", "ttiiip"),
        )  # fmt: skip
        for (unit, team), people in teams.items():
            written = sum(1 for p in people if p[4] is not None)
            summary.row([unit, team, len(people), written, len(people) - written,
                         written / len(people)])  # fmt: skip
        book_sheet = book.sheet(
            g("pledges.xlsx.sheet_pledges", lang), title=heading, scope=scope_line,
            columns=[*_cols(texts, "pledges.xlsx.pledge_headers", "ttttiwt"),
                     Col(g("pledges.xlsx.h_pledge", lang), width=60),
                     Col(g("pledges.xlsx.h_plan", lang), width=60)],
        )  # fmt: skip
        missing = g("pledges.xlsx.missing", lang)
        for unit, team, number, name, version, at, pledge, plan in rows:
            state = missing if version is None else g("pledges.xlsx.written", lang)
            book_sheet.row([unit, team, number, name, version, at, state, pledge, plan])

    return to_bytes(build, tz=tz)
