"""An offline Telegram Bot API for tests, benchmarks and the demo (DESIGN.md §6).

One core (:class:`Emulator`), two transports: :class:`EmulatorRequest` plugs into PTB
in-process; :func:`start_server` / ``banzu emulator`` serve it over HTTP on localhost.
"""

from .core import Emulator
from .errors import ApiError, ControlError, EmulatorBug
from .inproc import IN_PROCESS_BASE_URL, IN_PROCESS_FILE_URL, EmulatorRequest
from .server import main, start_server
from .spec import Spec, load_spec
from .wire import UploadedFile, decode_body, decode_params

__all__ = [
    "IN_PROCESS_BASE_URL",
    "IN_PROCESS_FILE_URL",
    "ApiError",
    "ControlError",
    "Emulator",
    "EmulatorBug",
    "EmulatorRequest",
    "Spec",
    "UploadedFile",
    "decode_body",
    "decode_params",
    "load_spec",
    "main",
    "start_server",
]
