"""Files and photos: what Telegram accepts, and the PhotoSize list it makes of a picture.

Limits (Bot API documentation, enforced by Telegram's servers; the words are the server's):
uploads up to 50 MB (larger: ``413 Request Entity Too Large``), photos up to 10 MB
(``PHOTO_SAVE_FILE_INVALID``), width + height at most 10000 and a side ratio at most 20
(``PHOTO_INVALID_DIMENSIONS``), a photo must be an image (``IMAGE_PROCESS_FAILED``). TDLib
refuses an empty file (``FileLoaderUtils.cpp``: "File must be non-empty"), and the Bot API
server refuses to hand out files over 20 MB (``Client::do_get_file``: "file is too big").
"""

from __future__ import annotations

import struct
from pathlib import Path

from .errors import ApiError, bad_request

MAX_UPLOAD = 50 * 1024 * 1024
MAX_PHOTO = 10 * 1024 * 1024
MAX_DOWNLOAD = 20 * 1024 * 1024  # Client.h MAX_DOWNLOAD_FILE_SIZE = 20 << 20
SAMPLE_PHOTO = Path(__file__).resolve().parent / "assets" / "photo.jpg"


def check_upload(content: bytes) -> None:
    if len(content) > MAX_UPLOAD:
        raise ApiError(413, "Request Entity Too Large", violation=True, rule="file_size")
    if not content:
        raise bad_request("file must be non-empty", rule="file_size")


def image_info(content: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) of a PNG, JPEG, GIF or WebP picture; None if it is not one."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return "png", int(width), int(height)
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return "gif", int(width), int(height)
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP" and len(content) >= 30:
        return _webp(content)
    if content[:3] == b"\xff\xd8\xff":
        return _jpeg(content)
    return None


def _webp(content: bytes) -> tuple[str, int, int] | None:
    chunk = content[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(content[24:27], "little") + 1
        height = int.from_bytes(content[27:30], "little") + 1
        return "webp", width, height
    if chunk == b"VP8 " and content[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", content[26:30])
        return "webp", width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and content[20:21] == b"\x2f":
        bits = int.from_bytes(content[21:25], "little")
        return "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg(content: bytes) -> tuple[str, int, int] | None:
    i, n = 2, len(content)
    while i + 9 < n:
        if content[i] != 0xFF:
            return None
        marker = content[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", content[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[i + 5 : i + 9])
            return "jpeg", int(width), int(height)
        i += 2 + length
    return None


def check_photo(content: bytes) -> tuple[int, int]:
    """The photo's size in pixels, or the server's refusal."""
    if len(content) > MAX_PHOTO:
        raise bad_request("PHOTO_SAVE_FILE_INVALID", rule="photo")
    info = image_info(content)
    if info is None:
        raise bad_request("IMAGE_PROCESS_FAILED", rule="photo")
    _, width, height = info
    if (
        width <= 0
        or height <= 0
        or width + height > 10000
        or max(width, height) > 20 * min(width, height)
    ):
        raise bad_request("PHOTO_INVALID_DIMENSIONS", rule="photo")
    return width, height


def photo_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The sizes Telegram keeps of a photo: a 90 px thumbnail, 320 and 800 px versions when
    the picture is larger, and the original (at most 1280 px on its longer side)."""
    longest = max(width, height)
    out: list[tuple[int, int]] = []
    for side in (90, 320, 800):
        if longest > side:
            out.append((max(1, width * side // longest), max(1, height * side // longest)))
    scale = min(1.0, 1280 / longest)
    out.append((max(1, round(width * scale)), max(1, round(height * scale))))
    return out
