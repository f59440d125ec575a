"""Files, photos and albums: size limits, real pictures, POST /_emu/photos (README.md)."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from bot.emulator import Emulator, UploadedFile
from bot.emulator.media import SAMPLE_PHOTO

from .conftest import GROUP, USER, Api

MB = 1024 * 1024


def picture(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def kinds(world: Emulator) -> list[str]:
    return [v["kind"] for v in world.stats()["spec_violations"]]


async def test_real_photo_round_trip(world: Emulator, api: Api) -> None:
    jpeg = picture(1600, 1200, "JPEG")
    status, body = await api(
        "sendPhoto", chat_id=USER, photo=UploadedFile("a.jpg", jpeg, "image/jpeg")
    )
    assert status == 200
    sizes = body["result"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [
        (90, 67),
        (320, 240),
        (800, 600),
        (1280, 960),
    ]
    _, file = await api("getFile", file_id=sizes[-1]["file_id"])
    assert file["result"]["file_size"] == len(jpeg)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.7 not a picture", "IMAGE_PROCESS_FAILED"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20 + b"x" * (10 * MB), "PHOTO_SAVE_FILE_INVALID"),
        (picture(9000, 1200), "PHOTO_INVALID_DIMENSIONS"),
        (picture(2100, 100), "PHOTO_INVALID_DIMENSIONS"),
        (b"", "file must be non-empty"),
    ],
)
async def test_photo_refusals(world: Emulator, api: Api, content: bytes, words: str) -> None:
    status, body = await api("sendPhoto", chat_id=USER, photo=UploadedFile("p.png", content))
    assert (status, body["description"]) == (400, f"Bad Request: {words}")
    assert len(kinds(world)) == 1


async def test_upload_over_50_mb_is_refused(world: Emulator, api: Api) -> None:
    status, body = await api(
        "sendDocument", chat_id=USER, document=UploadedFile("big.bin", b"x" * (50 * MB + 1))
    )
    assert (status, body["description"]) == (413, "Request Entity Too Large")
    status, _ = await api(
        "sendDocument", chat_id=USER, document=UploadedFile("ok.bin", b"x" * (50 * MB))
    )
    assert status == 200
    assert kinds(world) == ["file_size"]


async def test_get_file_over_20_mb_is_refused(world: Emulator, api: Api) -> None:
    sent = world.send_document(USER, USER, "录像.mp4", b"v" * (20 * MB + 1))
    _, body = await api("getFile", file_id=sent["file_id"])
    assert body["description"] == "Bad Request: file is too big"
    small = world.send_document(USER, USER, "名单.csv", b"a,b\n")
    assert (await api("getFile", file_id=small["file_id"]))[0] == 200


async def test_inject_photos(world: Emulator) -> None:
    status, body = await world.control(
        "POST", "/_emu/photos", {"chat_id": USER, "from_id": USER, "caption": "现场"}, {}
    )
    assert status == 200 and set(body) == {"update_id", "message_id", "file_id"}
    message = world.state.updates[-1]["message"]
    assert message["caption"] == "现场"
    assert (message["photo"][-1]["width"], message["photo"][-1]["height"]) == (320, 240)
    assert world.file_bytes(body["file_id"]) == SAMPLE_PHOTO.read_bytes()
    png = base64.b64encode(picture(64, 48)).decode()
    for _ in range(2):
        status, _ = await world.control(
            "POST",
            "/_emu/photos",
            {"chat_id": USER, "from_id": USER, "content_base64": png, "media_group_id": "A1"},
            {},
        )
        assert status == 200
    album = [u["message"] for u in world.state.updates[-2:]]
    assert {m["media_group_id"] for m in album} == {"A1"}
    bad = {"chat_id": USER, "from_id": USER, "content_base64": base64.b64encode(b"text").decode()}
    assert (await world.control("POST", "/_emu/photos", bad, {}))[0] == 400


async def test_media_group(world: Emulator, api: Api) -> None:
    files = {f"p{i}": UploadedFile(f"p{i}.png", picture(40, 30)) for i in range(3)}
    media: list[dict[str, Any]] = [
        {"type": "photo", "media": f"attach://p{i}", "caption": "<b>第一</b>" if i == 0 else ""}
        | ({"parse_mode": "HTML"} if i == 0 else {})
        for i in range(3)
    ]
    status, body = await api("sendMediaGroup", chat_id=GROUP, media=media, **files)
    assert status == 200, body
    messages = body["result"]
    assert len(messages) == 3 and len({m["media_group_id"] for m in messages}) == 1
    assert messages[0]["caption"] == "第一" and messages[0]["caption_entities"][0]["type"] == "bold"
    assert kinds(world) == []


@pytest.mark.parametrize(
    ("types", "words"),
    [
        (["photo", "document"], "document can't be mixed with other media types"),
        (["photo"] * 11, "too many messages to send as an album"),
    ],
)
async def test_media_group_refusals(
    world: Emulator, api: Api, types: list[str], words: str
) -> None:
    files = {f"f{i}": UploadedFile(f"f{i}.png", picture(20, 20)) for i in range(len(types))}
    media = [{"type": t, "media": f"attach://f{i}"} for i, t in enumerate(types)]
    status, body = await api("sendMediaGroup", chat_id=GROUP, media=media, **files)
    assert (status, body["description"]) == (400, f"Bad Request: {words}")
