"""The monthly thought-trend analysis (思想动态分析) on a schedule: an hourly job hands last
month's analyses to the outbox once (bot/services/trend_delivery.py)."""

from __future__ import annotations

from bot.clock import utcnow
from bot.context import BanzuApp, BanzuContext
from bot.repos.trends import TrendLedger
from bot.services.trend_delivery import TrendDeps, deliver_due

JOB = "trend_reports"


def deps_of(context: BanzuContext) -> TrendDeps:
    svc = context.svc
    return TrendDeps(
        db_path=str(svc.settings.db_path),
        ledger=TrendLedger(svc.db),
        people=svc.people,
        admins=svc.settings.admins,
        texts=svc.texts,
        lang=svc.settings.language,
        tz=svc.settings.tz,
    )


async def trend_job(context: BanzuContext) -> None:
    if await deliver_due(deps_of(context), utcnow()):
        context.svc.outbox.wake()


def register(app: BanzuApp) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(trend_job, interval=3600, first=90, name=JOB)
