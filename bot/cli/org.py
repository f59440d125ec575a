"""`banzu org import|invites`: the organisation from the command line, same services as the bot."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import Subparsers, plain
from bot.db import Database
from bot.delivery.outbox import Outbox
from bot.repos.org import OrgRepo
from bot.services.roster import RosterImports
from bot.settings import Settings
from bot.texts import Texts
from bot.views.org import invite_link
from bot.views.roster_import import render_summary


def add_parser(sub: Subparsers) -> None:
    org = sub.add_parser("org", help="organisation: import rosters, invite links")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    imp = org_sub.add_parser("import", help="import units, teams and people from CSV or XLSX")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    imp.add_argument("--prune", action="store_true", help="deactivate people not in the file")
    imp.add_argument("--yes", action="store_true", help="import after the preview without asking")
    org_sub.add_parser("undo", help="undo the last roster import (once)")
    inv = org_sub.add_parser("invites", help="print each team's invite link")
    inv.add_argument("--rotate", metavar="TEAM", help="replace a team's code (team name)")


async def main(settings: Settings, args: argparse.Namespace) -> int:
    db = Database(settings.db_path)
    await db.open()
    try:
        org = OrgRepo(db, settings.political_titles)
        texts = Texts(default=settings.language)
        if args.org_command == "import":
            return await _import(org, texts, args)
        if args.org_command == "undo":
            return await _undo(org, texts)
        return await _invites(org, texts, settings, args.rotate)
    finally:
        await db.close()


async def _import(org: OrgRepo, texts: Texts, args: argparse.Namespace) -> int:
    try:
        data = await asyncio.to_thread(args.file.read_bytes)
    except OSError as exc:
        print(f"banzu: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    # Every import is previewed first, naming who is added, moved, deactivated, re-activated.
    result, staged = await org.stage(data, args.file.name, prune=args.prune)
    if args.dry_run or staged is None:
        print(plain(render_summary(result, texts)))
        if staged is not None:
            await org.cancel(staged)
        return 0 if result.ok else 1
    if not args.yes:
        print(plain(render_summary(result, texts)))
        if not sys.stdin.isatty():
            await org.cancel(staged)
            print(texts.plain("org.confirm.cli_hint"))
            return 0
        answer = await asyncio.to_thread(input, texts.get("org.confirm.cli_question"))
        if answer.strip().lower() not in ("y", "yes", "是", "确认"):
            await org.cancel(staged)
            print(texts.plain("org.confirm.cli_cancelled"))
            return 1
    # No sender runs here: the notices wait in the outbox for the bot to deliver them.
    imports = RosterImports(org, Outbox(org.db), texts)
    applied = await imports.confirm(staged, actor=None)
    print(plain(render_summary(applied.result, texts)))
    if applied.result.ok:
        print(plain(texts.get("org.confirm.undo_hint")).replace("/import_undo", "banzu org undo"))
    return 0 if applied.result.ok else 1


async def _undo(org: OrgRepo, texts: Texts) -> int:
    undone = await org.undo_last(actor=None)
    if undone is None:
        print(texts.plain("org.undo.none"))
        return 1
    print(
        plain(
            texts.get(
                "org.undo.done",
                source=undone.source,
                restored=undone.restored,
                deactivated=undone.deactivated,
            )
        )
    )
    return 0


async def _invites(org: OrgRepo, texts: Texts, settings: Settings, rotate: str | None) -> int:
    if rotate:
        matches = [t for t in await org.teams() if rotate in (t.name, f"{t.unit_name}{t.name}")]
        if len(matches) != 1:
            print(
                f"banzu: {len(matches)} teams match {rotate!r}; name exactly one", file=sys.stderr
            )
            return 1
        team = matches[0]
        code = await org.rotate_invite(team.id)
        link = invite_link(settings.bot_username, code)
        print(
            plain(texts.get("org.invites.rotated", unit=team.unit_name, team=team.name, link=link))
        )
        return 0
    invites = await org.list_invites()
    if not invites:
        print(texts.plain("org.invites.none"))
        return 1
    for inv in invites:
        print(f"{inv.unit_name}\t{inv.team_name}\t{invite_link(settings.bot_username, inv.code)}")
    return 0
