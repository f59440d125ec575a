"""HTTP transport: the emulator as a local Bot API server (aiohttp).

- ``/bot<token>/<method>``: the Bot API, GET or POST, parameters in the query string,
  form-urlencoded, JSON or multipart (decoded by ``wire`` like the in-process transport);
- ``/file/bot<token>/<file_path>``: downloads of files from ``getFile``;
- ``/_emu/...``: the control API of DESIGN.md §6.

``banzu emulator --port N`` runs it; the first line printed is
``listening on http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from typing import Any

from aiohttp import web

from .core import Emulator
from .errors import ApiError
from .wire import decode_body, decode_params

EMULATOR_KEY = web.AppKey("emulator", Emulator)
MAX_BODY = 64 * 1024 * 1024


def _json(status: int, value: Any) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(value, ensure_ascii=False).encode(),
        content_type="application/json",
    )


async def _api(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR_KEY]
    try:
        pairs = decode_body(request.headers.get("Content-Type", ""), await request.read())
    except ApiError as exc:
        return _json(exc.code, exc.body())
    params = decode_params(request.query.items(), pairs)
    status, body = await emu.handle_api(
        request.match_info["token"], request.match_info["method"], params
    )
    return _json(status, body)


async def _file(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR_KEY]
    if request.match_info["token"] != emu.token:
        return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    path = request.match_info["path"]
    for stored in emu.state.files.values():
        if stored.path == path:
            return web.Response(body=stored.content, content_type=stored.mime_type)
    return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def _control(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR_KEY]
    body = await request.read()
    status, value = await emu.control(
        request.method, request.match_info["tail"], body, dict(request.query)
    )
    if isinstance(value, bytes):
        return web.Response(status=status, body=value, content_type="application/octet-stream")
    return _json(status, value)


def make_app(emulator: Emulator) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[EMULATOR_KEY] = emulator
    app.router.add_route("*", "/bot{token}/{method}", _api)
    app.router.add_get("/file/bot{token}/{path:.+}", _file)
    app.router.add_route("*", "/_emu/{tail:.*}", _control)
    return app


async def start_server(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, int]:
    """Serve ``emulator`` on ``host:port`` (0: any free port); the runner and the real port."""
    # handler_cancellation: a client that gives up (e.g. on a "timeout" fault) ends its handler.
    runner = web.AppRunner(make_app(emulator), handler_cancellation=True, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, int(bound)


async def serve(emulator: Emulator, host: str, port: int) -> None:
    runner, bound = await start_server(emulator, host, port)
    print(f"listening on http://{host}:{bound}", flush=True)
    print(f"token {emulator.token} bot @{emulator.bot_username}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="banzu emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081, help="TCP port, 0 for any free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--bot-username", default="banzu_demo_bot")
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument(
        "--no-privacy", action="store_true", help="the bot sees every group message"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    emulator = Emulator(
        token=args.token, bot_username=args.bot_username, privacy_mode=not args.no_privacy
    )
    try:
        asyncio.run(serve(emulator, args.host, args.port))
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
