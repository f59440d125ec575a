"""In-process transport: a ``telegram.request.BaseRequest`` that talks to an ``Emulator``.

Convention: give the bot ``base_url="http://emulator/bot"`` (and optionally
``base_file_url="http://emulator/file/bot"``). The host is never contacted; the request only
uses the path, ``.../bot<token>/<method>`` for API calls and ``.../file/bot<token>/<path>``
for file downloads, so any base URL of that shape works:

    emu = Emulator()
    app = (
        Application.builder()
        .token(emu.token)
        .base_url(IN_PROCESS_BASE_URL)
        .base_file_url(IN_PROCESS_FILE_URL)
        .request(EmulatorRequest(emu))
        .get_updates_request(EmulatorRequest(emu))
        .build()
    )
"""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from .core import Emulator
from .errors import ApiError
from .wire import decode_params, files_from_ptb

IN_PROCESS_BASE_URL = "http://emulator/bot"
IN_PROCESS_FILE_URL = "http://emulator/file/bot"

_API_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)$")
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


class EmulatorRequest(BaseRequest):
    """Hands PTB's requests to the emulator without a network, with httpx-like timeouts."""

    def __init__(self, emulator: Emulator, read_timeout: float | None = 5.0) -> None:
        self.emulator = emulator
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        parts = urlsplit(url)
        path = unquote(parts.path)
        file_match = _FILE_PATH.search(path)
        if file_match:
            return self._file(file_match.group("token"), file_match.group("path"))
        api_match = _API_PATH.search(path)
        if api_match is None:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        fields = request_data.json_parameters if request_data else {}
        files = files_from_ptb(request_data.multipart_data) if request_data else []
        params = decode_params(parse_qsl(parts.query), [*fields.items(), *files])
        call = self.emulator.handle_api(
            api_match.group("token"), api_match.group("method"), params, read_timeout=timeout
        )
        try:
            status, body = await asyncio.wait_for(call, timeout)
        except TimeoutError:
            raise TimedOut from None
        return status, json.dumps(body, ensure_ascii=False).encode()

    def _file(self, token: str, path: str) -> tuple[int, bytes]:
        if token != self.emulator.token:
            return 401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}'
        for stored in self.emulator.state.files.values():
            if stored.path == path:
                return 200, stored.content
        return 404, json.dumps(ApiError(404, "Not Found").body()).encode()
