"""`banzu outbox status|cancel`: what the outbox holds, and stopping a notice while it drains.

Safe while the bot runs: the database is shared (WAL), and the sender claims a row only if it
is still pending, so a row cancelled here is never sent.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from bot.cli.common import Subparsers
from bot.db import Database
from bot.repos.outbox import STATES, OutboxRepo
from bot.services.notices import notice_batch
from bot.settings import Settings


def add_parser(sub: Subparsers) -> None:
    out = sub.add_parser("outbox", help="messages waiting to be sent: status, cancel a notice")
    out_sub = out.add_subparsers(dest="outbox_command", required=True)
    out_sub.add_parser("status", help="counts by state, per purpose and per notice")
    cancel = out_sub.add_parser("cancel", help="cancel a notice's messages not yet sent")
    cancel.add_argument("notice_id", type=int)


async def main(settings: Settings, args: argparse.Namespace) -> int:
    db = Database(settings.db_path)
    await db.open()
    try:
        repo = OutboxRepo(db)
        if args.outbox_command == "cancel":
            return await _cancel(repo, args.notice_id)
        return await _status(repo)
    finally:
        await db.close()


async def _status(repo: OutboxRepo) -> int:
    lines = await repo.status()
    if not lines:
        print("outbox is empty")
        return 0
    by_purpose: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    by_batch: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    for line in lines:
        by_purpose[line.purpose][line.state] += line.count
        if line.batch:
            by_batch[line.batch][line.state] += line.count
    header = f"{'':24}" + "".join(f"{s:>15}" for s in STATES)
    print(header)
    for name, counts in [*by_purpose.items(), *by_batch.items()]:
        print(f"{name:24}" + "".join(f"{counts[s]:>15}" for s in STATES))
    recovered = await repo.recovered_count()
    print(f"resent after a crash or stop (may have arrived twice): {recovered}")
    return 0


async def _cancel(repo: OutboxRepo, notice_id: int) -> int:
    cancelled = await repo.cancel(notice_batch(notice_id))
    print(f"notice {notice_id}: {cancelled} pending message(s) cancelled")
    return 0 if cancelled else 1
