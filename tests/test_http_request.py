"""The aiohttp transport under PTB, against the HTTP emulator: every encoding PTB uses (form,
multipart with a file), and Telegram's errors mapped to PTB's exceptions as with httpx."""

from __future__ import annotations

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.delivery.http import AiohttpRequest
from bot.emulator.pytest_plugin import HttpEmulator

GROUP = -100


async def _bot(http: HttpEmulator, read_timeout: float = 5.0) -> Bot:
    emu = http.emulator
    emu.add_chat(GROUP, "group", "一班")
    emu.set_member(GROUP, emu.bot_id, "member")
    bot = Bot(
        emu.token,
        base_url=http.base_url,
        base_file_url=http.base_file_url,
        request=AiohttpRequest(read_timeout=read_timeout),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )
    await bot.initialize()
    return bot


async def test_messages_and_files_arrive_as_sent(http_emulator: HttpEmulator) -> None:
    bot = await _bot(http_emulator)
    try:
        m = await bot.send_message(GROUP, "<b>通知</b> & 说明", parse_mode="HTML")
        doc = await bot.send_document(
            GROUP, InputFile(b"a,b\n1,2\n", filename="名单.csv"), caption="名单"
        )
    finally:
        await bot.shutdown()
    emu = http_emulator.emulator
    sent = emu.transcript(GROUP)
    assert [e["method"] for e in sent] == ["sendMessage", "sendDocument"]
    assert sent[0]["text"] == "通知 & 说明" and m.message_id == sent[0]["message_id"]
    assert doc.document is not None
    assert emu.file_bytes(doc.document.file_id) == b"a,b\n1,2\n"


async def test_telegram_errors_map_to_ptb_exceptions(http_emulator: HttpEmulator) -> None:
    bot = await _bot(http_emulator, read_timeout=0.5)
    emu = http_emulator.emulator
    try:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(-999, "x")
        emu.fail_next("sendMessage", "429", retry_after=7)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "x")
        assert "7" in str(caught.value)
        emu.fail_next("sendMessage", "500")
        with pytest.raises(NetworkError):
            await bot.send_message(GROUP, "x")
        emu.fail_next("sendMessage", "timeout")
        with pytest.raises(TimedOut):
            await bot.send_message(GROUP, "x")
    finally:
        await bot.shutdown()
    emu.expect_429()


async def test_a_request_before_initialize_is_refused() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/x", "POST")
