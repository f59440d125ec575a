"""`banzu org import|invites`: the organisation from the command line, same services as the bot."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import Subparsers, plain
from bot.db import Database
from bot.domain.org_import import render_summary
from bot.repos.org import OrgRepo, invite_link
from bot.settings import Settings
from bot.texts import Texts


def add_parser(sub: Subparsers) -> None:
    org = sub.add_parser("org", help="organisation: import rosters, invite links")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    imp = org_sub.add_parser("import", help="import units, teams and people from CSV or XLSX")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    imp.add_argument("--prune", action="store_true", help="deactivate people not in the file")
    inv = org_sub.add_parser("invites", help="print each team's invite link")
    inv.add_argument("--rotate", metavar="TEAM", help="replace a team's code (team name)")


async def main(settings: Settings, args: argparse.Namespace) -> int:
    db = Database(settings.db_path)
    await db.open()
    try:
        org, texts = OrgRepo(db), Texts(default=settings.language)
        if args.org_command == "import":
            return await _import(org, texts, args)
        return await _invites(org, texts, settings, args.rotate)
    finally:
        await db.close()


async def _import(org: OrgRepo, texts: Texts, args: argparse.Namespace) -> int:
    try:
        data = await asyncio.to_thread(args.file.read_bytes)
    except OSError as exc:
        print(f"banzu: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    result = await org.import_file(data, args.file.name, prune=args.prune, dry_run=args.dry_run)
    print(plain(render_summary(result, texts)))
    return 0 if result.ok else 1


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
        print(texts.get("org.invites.none"))
        return 1
    for inv in invites:
        print(f"{inv.unit_name}\t{inv.team_name}\t{invite_link(settings.bot_username, inv.code)}")
    return 0
