"""`banzu` command line: run, demo, emulator, org import / invites, schedule."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="banzu", description="班组助手 Banzu — work-team study bot")
    p.add_argument("--config", help="TOML settings file (default: $BANZU_CONFIG)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot against Telegram (needs BANZU_TOKEN)")
    demo = sub.add_parser("demo", help="emulator + bot + sample organisation, no token needed")
    demo.add_argument("--port", type=int, default=0, help="emulator port (0 = any free port)")
    demo.add_argument("--no-wait", action="store_true", help="exit after the scripted scene")
    emu = sub.add_parser("emulator", help="only the Telegram Bot API emulator")
    emu.add_argument("--port", type=int, default=0)
    emu.add_argument("--bot-username", default="banzu_demo_bot")
    org = sub.add_parser("org", help="organisation: import rosters, invite links")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    imp = org_sub.add_parser("import", help="import units, teams and people from CSV or XLSX")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    imp.add_argument("--prune", action="store_true", help="deactivate people not in the file")
    inv = org_sub.add_parser("invites", help="print each team's invite link")
    inv.add_argument("--rotate", metavar="TEAM", help="replace a team's code (team name)")
    out = sub.add_parser("outbox", help="messages waiting to be sent: status, cancel a notice")
    out_sub = out.add_subparsers(dest="outbox_command", required=True)
    out_sub.add_parser("status", help="counts by state, per purpose and per notice")
    cancel = out_sub.add_parser("cancel", help="cancel a notice's messages not yet sent")
    cancel.add_argument("notice_id", type=int)
    from bot import schedule_cli

    schedule_cli.add_parser(sub)
    from bot import report_cli

    report_cli.add_parser(sub)
    from bot import tag_cli

    tag_cli.add_parsers(sub)  # `banzu tag`, `banzu report suggestions`
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["emulator"]:
        from bot.emulator.server import main as emulator_main

        return emulator_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(config_file=args.config)
        if args.command == "run":
            return _run(settings)
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(settings, port=args.port, wait=not args.no_wait))
        if args.command == "org":
            from bot import org_cli

            return asyncio.run(org_cli.main(settings, args))
        if args.command == "outbox":
            from bot import outbox_cli

            return asyncio.run(outbox_cli.main(settings, args))
        if args.command == "tag":
            from bot import tag_cli

            return tag_cli.tag_main()
        if args.command == "report" and args.report_command == "suggestions":
            from bot import tag_cli

            return asyncio.run(tag_cli.report_main(settings, args))
        if args.command == "report":
            from bot import report_cli

            return asyncio.run(report_cli.main(settings, args))
        if args.command == "schedule":
            from bot import schedule_cli

            return asyncio.run(schedule_cli.main(settings, args))
    except SettingsError as exc:
        print(f"banzu: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


def _run(settings: Settings) -> int:
    from telegram import Update

    from bot.app import build_application
    from bot.logs import setup_logging

    settings.require_token()
    setup_logging(settings.log_level, settings.token)
    app = build_application(settings)
    app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
