"""``python -m bot.emulator --port N``: the same as ``banzu emulator``."""

from .server import main

raise SystemExit(main())
