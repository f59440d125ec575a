"""Benchmark: how fast the bot is up with tagging ready, and how much memory it takes.

Runs, on localhost only, `banzu emulator` in a subprocess and then, several times each:

(a) the real bot, `python -m bot run` against that emulator: ready = the later of its first
    getUpdates call (seen by polling the emulator's /_emu/stats) and its "tagging ready" log
    line, both in seconds from just before the process was spawned;
(b) a naive process that imports python-telegram-bot, calls `jieba.initialize()` (the full
    dictionary) and imports `jieba.analyse` (its IDF table), then says "ready".

Peak RSS is the process's VmHWM from /proc once it is ready. Each figure is the median of the
runs, after one unmeasured warm-up run of each (jieba's dictionary caches and the .pyc files exist,
as on any machine that ran the bot before; the runs may write bytecode even where the calling
shell says PYTHONDONTWRITEBYTECODE). Prints one JSON line with both and the ratios.

    .venv/bin/python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from common import emulator_process

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST"
LIMIT_S = 30.0
NAIVE = (
    "import telegram.ext\n"
    "import jieba\n"
    "jieba.initialize()\n"
    "import jieba.analyse\n"
    "print('ready', flush=True)\n"
    "import time\n"
    "time.sleep(60)\n"
)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def _get_updates_calls(base: str) -> int:
    with urllib.request.urlopen(f"{base}/_emu/stats", timeout=2) as resp:
        stats = json.load(resp)
    return int(stats.get("calls", {}).get("getUpdates", 0))


def _post(base: str, path: str) -> None:
    req = urllib.request.Request(f"{base}{path}", data=b"{}", method="POST")
    req.add_header("Content-Type", "application/json")
    urllib.request.urlopen(req, timeout=2).read()


def _watch(stream: object, needle: str, seen: dict[str, float]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        if needle in line and "at" not in seen:
            seen["at"] = time.perf_counter()


def _with_bytecode(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without PYTHONDONTWRITEBYTECODE: the warm-up run is there to leave the
    .pyc files an installed bot has; with the variable set (some shells and containers set it)
    every measured run would compile Banzu's ~200 modules from source again (~0.3 s)."""
    return {k: v for k, v in environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_bot(base: str, tmp: Path) -> tuple[float, float]:
    _post(base, "/_emu/reset")
    env = {
        **_with_bytecode(os.environ),
        "BANZU_TOKEN": TOKEN,
        "BANZU_API_BASE": f"{base}/bot",
        "BANZU_DB": str(tmp / f"bench_{time.monotonic_ns()}.db"),
        "BANZU_LOG_LEVEL": "INFO",
    }
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: dict[str, float] = {}
    threading.Thread(target=_watch, args=(proc.stderr, "tagging ready", seen), daemon=True).start()
    polled = None
    try:
        while time.perf_counter() - began < LIMIT_S:
            if polled is None and _get_updates_calls(base) > 0:
                polled = time.perf_counter()
            if polled is not None and "at" in seen:
                break
            if proc.poll() is not None:
                raise RuntimeError("the bot exited early")
            time.sleep(0.002)
        else:
            raise RuntimeError("the bot was not ready in time")
        ready = max(polled, seen["at"]) - began
        return ready, peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_naive() -> tuple[float, float]:
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", NAIVE],
        cwd=ROOT,
        env=_with_bytecode(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError("the naive process failed")
        return time.perf_counter() - began, peak_rss_mb(proc.pid)
    finally:
        proc.kill()
        proc.wait()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    with emulator_process() as base, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        run_bot(base, tmp)  # warm-up: caches, .pyc files
        run_naive()
        bot_runs = [run_bot(base, tmp) for _ in range(args.runs)]
        naive_runs = [run_naive() for _ in range(args.runs)]
    bot_ready = statistics.median(r[0] for r in bot_runs)
    bot_rss = statistics.median(r[1] for r in bot_runs)
    naive_ready = statistics.median(r[0] for r in naive_runs)
    naive_rss = statistics.median(r[1] for r in naive_runs)
    line = {
        "runs": args.runs,
        "bot_ready_s": round(bot_ready, 3),
        "bot_peak_rss_mb": round(bot_rss, 1),
        "naive_ready_s": round(naive_ready, 3),
        "naive_peak_rss_mb": round(naive_rss, 1),
        "ready_ratio": round(bot_ready / naive_ready, 3),
        "rss_ratio": round(bot_rss / naive_rss, 3),
        "ready_ratio_max": 0.6,
        "rss_ratio_max": 0.75,
    }
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
