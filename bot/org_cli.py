"""`banzu org import|invites`: the organisation from the command line, same services as the bot."""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys

from bot.db import Database
from bot.org_import import render_summary
from bot.repos.org import OrgRepo, invite_link
from bot.settings import Settings
from bot.texts import Texts


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
    print(_plain(render_summary(result, texts)))
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
            _plain(texts.get("org.invites.rotated", unit=team.unit_name, team=team.name, link=link))
        )
        return 0
    invites = await org.list_invites()
    if not invites:
        print(texts.get("org.invites.none"))
        return 1
    for inv in invites:
        print(f"{inv.unit_name}\t{inv.team_name}\t{invite_link(settings.bot_username, inv.code)}")
    return 0


def _plain(text: str) -> str:
    """Chat texts are HTML; a terminal wants them without tags and entities."""
    return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text))
