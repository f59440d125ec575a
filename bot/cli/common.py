"""What every command shares."""

from __future__ import annotations

import argparse
import html
import re
from typing import TypeAlias

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def plain(text: str) -> str:
    """Chat texts are HTML; a terminal wants them without tags and entities."""
    return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text))
