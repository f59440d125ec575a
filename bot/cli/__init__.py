"""`banzu` command line: one module per command group, each adding its own subparser.

`run` and `demo` start the bot; `emulator` is only the Bot API emulator; `org`, `outbox`,
`schedule`, `report`, `quiz` and `tag` work on the database (or standard input) through the
same services the bot uses.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.cli import contest, org, outbox, quiz, report, schedule, tag
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
    org.add_parser(sub)
    outbox.add_parser(sub)
    schedule.add_parser(sub)
    report.add_parser(sub)
    tag.add_parser(sub)
    quiz.add_parser(sub)
    contest.add_parser(sub)
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
            from bot.cli.demo import run_demo

            return asyncio.run(run_demo(settings, port=args.port, wait=not args.no_wait))
        if args.command == "tag":
            return tag.tag_main()
        if args.command == "org":
            return asyncio.run(org.main(settings, args))
        if args.command == "outbox":
            return asyncio.run(outbox.main(settings, args))
        if args.command == "quiz":
            return asyncio.run(quiz.main(settings, args))
        if args.command == "report":
            return asyncio.run(report.main(settings, args))
        if args.command == "contest":
            return asyncio.run(contest.main(settings, args))
        if args.command == "schedule":
            return asyncio.run(schedule.main(settings, args))
    except SettingsError as exc:
        print(f"banzu: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


def _run(settings: Settings) -> int:
    from bot.cli.run import run

    return run(settings)
