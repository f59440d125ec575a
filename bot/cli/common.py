"""What every command shares."""

from __future__ import annotations

import argparse
from typing import TypeAlias

from bot.texts import to_plain as plain

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

__all__ = ["Subparsers", "plain"]  # chat texts are HTML; a terminal wants them plain
