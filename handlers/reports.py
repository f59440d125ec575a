"""/report [YYYY-MM]: the attendance report for the asker's reach (team, unit, everything):
a short text, a PNG chart and an XLSX workbook, sent as documents in the private chat."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from telegram import InputFile, Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler

from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action, Reach, can, reach, teams_for
from bot.domain.periods import PeriodError, parse_period
from bot.domain.textsplit import split_text
from bot.services import reports
from bot.services.identity import Identity
from handlers.common import lang_of, reply, send, who


async def scope_of(svc: Services, ident: Identity, lang: str) -> tuple[list[int] | None, str]:
    """Team ids the asker may see (None = all) and how to name that scope."""
    t = svc.texts
    if reach(ident.actor, Action.VIEW_REPORT) is Reach.ALL:
        return None, t.get("attendance.report.scope_all", lang)
    teams = teams_for(ident.actor, Action.VIEW_REPORT, await svc.org.teams())
    if len(teams) == 1:
        return [teams[0].id], t.get(
            "attendance.report.scope_team", lang, unit=teams[0].unit_name, team=teams[0].name
        )
    unit = teams[0].unit_name if teams else ""
    return [x.id for x in teams], t.get("attendance.report.scope_unit", lang, unit=unit)


async def report(update: Update, context: BanzuContext) -> None:
    svc, chat = context.svc, update.effective_chat
    assert chat is not None
    if chat.type != ChatType.PRIVATE:
        await reply(update, context, "common.private_only")
        return
    ident = await who(update, context)
    if not can(ident.actor, Action.VIEW_REPORT):
        await reply(update, context, "attendance.report.refused")
        return
    arg = " ".join(context.args or [])
    try:
        period = parse_period(arg, svc.attendance.now(), svc.attendance.tz)
    except PeriodError as err:
        await reply(update, context, f"attendance.report.{err.code}_month", value=err.value)
        return
    if period.kind != "month":
        await reply(update, context, "attendance.report.bad_month", value=arg)
        return
    month = reports.Month(period.year, period.index)
    lang = lang_of(update)
    team_ids, scope = await scope_of(svc, ident, lang)
    await reply(update, context, "attendance.report.working", month=month.label)
    with tempfile.TemporaryDirectory(prefix="banzu-report-") as tmp:
        files = await asyncio.to_thread(
            reports.build_files, svc.settings.db_path, month, team_ids, scope,
            svc.attendance.tz, svc.texts, lang, Path(tmp),
        )  # fmt: skip
    for piece in split_text(files.text):
        await send(context, chat.id, piece)
    name = f"attendance-{month.label}"
    if files.png is not None:
        await context.bot.send_photo(chat.id, InputFile(files.png, filename=f"{name}.png"))
    if files.xlsx is not None:
        await context.bot.send_document(chat.id, InputFile(files.xlsx, filename=f"{name}.xlsx"))


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands.append(CommandInfo("report", "attendance.report.cmd", Action.VIEW_REPORT))
    app.add_handler(CommandHandler("report", report))
