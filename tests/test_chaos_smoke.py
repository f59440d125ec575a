"""A short chaos run on every `make test`: the real `banzu run` process SIGKILLed a few times
during a broadcast, check-ins, a quiz and a vote, with Telegram faults injected, must lose
nothing, leave no press unanswered, record nothing wrongly, repeat no more than what was in
flight at each kill, and leave the database intact. The long run (30+ kills, the schedule
fan-out too) is `bench/chaos.py`; this one catches a regression in the sender, the outbox or
the inbox the day it is made."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
# Run alone by `make test` (after the parallel suite): its limits are wall-clock times
# (Telegram's 15 s answer window, a minute for the next message), and on two cores shared
# with the other tests' emulators and bots the load, not the bot, could decide them.
pytestmark = pytest.mark.chaos


@pytest.fixture
def chaos(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(BENCH))
    monkeypatch.chdir(BENCH.parent)
    sys.modules.pop("chaos", None)
    return importlib.import_module("chaos")


# Kills per scenario; the four run side by side (own emulator, database and bot each).
PLAN = {"broadcast": 1, "checkin": 2, "quiz": 1, "vote": 2}


async def test_a_short_chaos_run_loses_and_repeats_nothing(chaos: Any) -> None:
    names = list(PLAN)
    results = await asyncio.gather(
        *(chaos.run_one(n, chaos.SCENARIOS[n][0], PLAN[n], 7, 0.2) for n in names)
    )
    out = dict(zip(names, results, strict=True))
    # As one string, so a failure shows every figure (pytest shortens a dict it prints).
    summary = json.dumps(out, ensure_ascii=False, default=str)
    assert sum(r["kills"] for r in results) >= 4, summary
    for name, r in out.items():
        assert r["integrity"] == "ok", f"{name}: {summary}"
        assert not r["bot_exits"], f"{name}: the bot exited by itself: {summary}"
        for key in ("lost", "unanswered", "wrongly_recorded"):
            assert r.get(key, 0) == 0, f"{name} {key}: {summary}"
        assert r["repeats_within_in_flight"], f"{name}: {summary}"
