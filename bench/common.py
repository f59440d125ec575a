"""Shared by the delivery benchmarks (broadcast, fanout, startup): the HTTP emulator in its own
process, reading its transcript and stats, and the figures they all report.

The scripts import this as `common` (each runs as `python bench/X.py`, so bench/ is on the path).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST"


@contextmanager
def emulator_process(token: str | None = None) -> Iterator[str]:
    """`banzu emulator` on a free port in a subprocess, so its work does not compete with the
    measured code's event loop; yields its root URL and stops it on leaving the block."""
    args = [sys.executable, "-m", "bot", "emulator", "--port", "0"]
    if token is not None:
        args += ["--token", token]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()  # "listening on http://127.0.0.1:PORT"
        if not first.startswith("listening on "):
            raise RuntimeError(f"emulator did not start: {first!r}")
        yield first.removeprefix("listening on ")
    finally:
        proc.terminate()
        proc.wait(10)


async def add_group(http: httpx.AsyncClient, chat_id: int, bot_id: int) -> None:
    """A supergroup with the bot in it; `http` is a client on the emulator's /_emu base."""
    await http.post("/chats", json={"id": chat_id, "type": "supergroup", "title": f"{chat_id}"})
    await http.post("/members", json={"chat_id": chat_id, "user_id": bot_id, "status": "member"})


async def transcript(root: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=60) as http:
        data: list[dict[str, Any]] = (await http.get(f"{root}/_emu/transcript")).json()
        return data


async def stats(root: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        data: dict[str, Any] = (await http.get(f"{root}/_emu/stats")).json()
        return data


def sent_per_chat(entries: list[dict[str, Any]], needle: str) -> Counter[int]:
    """How many messages containing `needle` the bot sent to each chat."""
    return Counter(
        int(e["chat_id"])
        for e in entries
        if e["method"] == "sendMessage" and needle in str(e["text"])
    )


def last_sent_at(entries: list[dict[str, Any]], needle: str) -> float:
    """The emulator's stamp on the last message containing `needle`."""
    return max(
        float(e["at"]) for e in entries if e["method"] == "sendMessage" and needle in str(e["text"])
    )


def duplicates(per_chat: Counter[int]) -> int:
    return sum(n - 1 for n in per_chat.values())


def result(
    bench: str,
    params: dict[str, Any],
    figures: dict[str, Any],
    floor_s: float,
    emulator_stats: dict[str, Any],
) -> dict[str, Any]:
    """The JSON line: what ran, what was measured, and elapsed_s against the theoretical floor."""
    return {
        "bench": bench,
        **params,
        **figures,
        "floor_s": round(floor_s, 3),
        "ratio": round(figures["elapsed_s"] / floor_s, 3),
        "flood_429": emulator_stats["flood_429"],
        "spec_violations": len(emulator_stats["spec_violations"]),
    }
