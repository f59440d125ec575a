"""Benchmark: can the HTTP emulator keep up with a PTB bot?

Measures ``sendMessage`` round trips per second from a python-telegram-bot ``Bot``
(``HTTPXRequest``, C concurrent senders) against

(a) the emulator's HTTP server (``python -m bot.emulator``, flood limits off), and
(b) a minimal aiohttp server written here that answers every call with a canned result,

each server in its own process so that neither shares an event loop with the client. The
ratio (a)/(b) says how much of a bot benchmark's time the emulator itself would eat; it must
stay >= 0.5. Prints one JSON line. Localhost only, bounded to well under a minute.

    .venv/bin/python bench/emulator.py [--requests N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import aiohttp
from aiohttp import web
from telegram import Bot
from telegram.request import HTTPXRequest

TOKEN = "123456:TEST"
CHAT_ID = -100
USER_ID = 1001
BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Banzu", "username": "banzu_demo_bot"}
CANNED_MESSAGE = {
    "message_id": 1,
    "from": BOT_USER,
    "chat": {"id": CHAT_ID, "type": "group", "title": "一班"},
    "date": 1_700_000_000,
    "text": "班前学习：今日安全要点",
}


# ------------------------------------------------------------------ the canned server


async def _canned(request: web.Request) -> web.Response:
    await request.read()
    result: Any = BOT_USER if request.match_info["method"].lower() == "getme" else CANNED_MESSAGE
    return web.Response(
        body=json.dumps({"ok": True, "result": result}).encode(), content_type="application/json"
    )


async def serve_canned() -> None:
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", _canned)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"listening on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


# ------------------------------------------------------------------ the client


async def start_process(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode().strip()
    if not line.startswith("listening on "):
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, line.removeprefix("listening on ")


async def prepare_emulator(root: str) -> None:
    async with aiohttp.ClientSession() as s:
        for path, body in (
            ("users", {"id": USER_ID, "first_name": "张"}),
            ("chats", {"id": CHAT_ID, "type": "group", "title": "一班"}),
            ("members", {"chat_id": CHAT_ID, "user_id": BOT_USER["id"], "status": "member"}),
            ("limits", {"enforce": False, "scale": 1}),
        ):
            async with s.post(f"{root}/_emu/{path}", json=body) as r:
                r.raise_for_status()


async def measure(root: str, total: int, concurrency: int) -> float:
    request = HTTPXRequest(connection_pool_size=concurrency, read_timeout=30, pool_timeout=30)
    bot = Bot(TOKEN, base_url=f"{root}/bot", request=request)
    per_task = total // concurrency

    async def sender(n: int) -> None:
        for i in range(n):
            await bot.send_message(CHAT_ID, f"班前学习 #{i}：今日安全要点")

    async with bot:
        await asyncio.gather(*(sender(20) for _ in range(concurrency)))  # warm-up
        start = time.perf_counter()
        await asyncio.gather(*(sender(per_task) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return per_task * concurrency / elapsed


async def run(total: int, concurrency: int, rounds: int) -> dict[str, Any]:
    emulator, emu_root = await start_process("-m", "bot.emulator", "--port", "0")
    canned, canned_root = await start_process(__file__, "--canned-server")
    try:
        await prepare_emulator(emu_root)
        emu_rps = canned_rps = 0.0
        # Alternate the two so that machine noise hits both alike; keep each one's best.
        for _ in range(rounds):
            emu_rps = max(emu_rps, await measure(emu_root, total, concurrency))
            canned_rps = max(canned_rps, await measure(canned_root, total, concurrency))
    finally:
        for proc in (emulator, canned):
            proc.terminate()
            await proc.wait()
    return {
        "bench": "emulator",
        "emulator_rps": round(emu_rps, 1),
        "canned_rps": round(canned_rps, 1),
        "ratio": round(emu_rps / canned_rps, 3),
        "requests": total,
        "concurrency": concurrency,
        "rounds": rounds,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--canned-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.canned_server:
        asyncio.run(serve_canned())
        return 0
    result = asyncio.run(run(args.requests, args.concurrency, args.rounds))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
