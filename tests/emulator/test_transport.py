"""Both transports: wire encodings, PTB on top (Bot and a polling Application), the CLI."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.emulator import (
    IN_PROCESS_BASE_URL,
    IN_PROCESS_FILE_URL,
    Emulator,
    EmulatorRequest,
    start_server,
)
from bot.emulator.pytest_plugin import HttpEmulator, _check

USER, GROUP = 1001, -100
KB = {"inline_keyboard": [[{"text": "收到", "callback_data": "ack:v1:1"}]]}


def populate(emu: Emulator) -> None:
    emu.add_user(USER, "张", username="zhang")
    emu.add_chat(GROUP, "group", "一班")
    emu.set_member(GROUP, emu.bot_id, "member")
    emu.set_member(GROUP, USER, "member")
    emu.send_message(USER, USER, "/start")
    emu.state.updates.clear()


def comparable(emu: Emulator) -> list[tuple[Any, ...]]:
    return [
        (e["method"], e["chat_id"], e["text"], e["reply_markup"], e["params"])
        for e in emu.transcript()
    ]


def form(fields: dict[str, Any]) -> aiohttp.FormData:
    data = aiohttp.FormData()
    for key, value in fields.items():
        if isinstance(value, bytes):
            data.add_field(key, value, filename="名单.csv", content_type="text/csv")
        else:
            data.add_field(key, value if isinstance(value, str) else json.dumps(value))
    return data


async def test_all_wire_encodings_decode_alike(http_emulator: HttpEmulator) -> None:
    emu = http_emulator.emulator
    populate(emu)
    emu.set_limits(enforce=False)
    url = f"{http_emulator.base_url}{emu.token}"
    text = {
        "chat_id": GROUP,
        "text": "<b>通知</b> & 说明",
        "parse_mode": "HTML",
        "reply_markup": KB,
    }
    as_strings = {k: v if isinstance(v, str) else json.dumps(v) for k, v in text.items()}
    async with aiohttp.ClientSession() as s:
        replies = [
            await s.post(f"{url}/sendMessage", json=text),
            await s.post(f"{url}/sendMessage", data=as_strings),  # form-urlencoded
            await s.post(f"{url}/sendMessage", data=form(text)),  # multipart
            await s.get(f"{url}/sendMessage", params=as_strings),  # query string
            await s.post(
                f"{url}/SendMessage?chat_id={GROUP}",
                data={
                    "text": "<b>通知</b> & 说明",
                    "parse_mode": "HTML",
                    "reply_markup": json.dumps(KB),
                },
            ),
        ]
        bodies = [await r.json() for r in replies]
        assert [r.status for r in replies] == [200] * 5, bodies
        doc = await s.post(
            f"{url}/sendDocument",
            data=form({"chat_id": USER, "document": b"a,b\n", "caption": "c"}),
        )
        doc_body = await doc.json()
        assert doc.status == 200, doc_body
        file_id = doc_body["result"]["document"]["file_id"]
        got = await s.get(f"{http_emulator.control_url}/files/{file_id}")
        assert await got.read() == b"a,b\n"
        broken = await s.post(
            f"{url}/sendMessage", data=b"{", headers={"Content-Type": "application/json"}
        )
        assert broken.status == 400
        stats = await (await s.get(f"{http_emulator.control_url}/stats")).json()
    results = [{k: v for k, v in b["result"].items() if k not in ("message_id",)} for b in bodies]
    assert all(r == results[0] for r in results)
    assert results[0]["text"] == "通知 & 说明" and results[0]["reply_markup"] == KB
    assert len({e[4]["parse_mode"] for e in comparable(emu)[:5]}) == 1
    assert stats["calls"]["sendMessage"] == 5  # the unparsable body never reached the core


async def test_control_api_over_http_rejects_garbage(http_emulator: HttpEmulator) -> None:
    async with aiohttp.ClientSession() as s:
        r = await s.post(f"{http_emulator.control_url}/users", data=b"garbage")
        assert r.status == 400 and "not valid JSON" in (await r.json())["error"]
        r = await s.post(f"{http_emulator.control_url}/messages", json={"chat_id": 1})
        assert r.status == 400 and (await r.json())["error"] == "missing field 'from_id'"
        r = await s.post(f"{http_emulator.control_url}/users", json={"id": 9, "first_name": "x"})
        assert r.status == 200


def ptb_bot(emu: Emulator, http: HttpEmulator | None, read_timeout: float = 5.0) -> Bot:
    if http is None:
        request: Any = EmulatorRequest(emu, read_timeout=read_timeout)
        return Bot(
            emu.token,
            base_url=IN_PROCESS_BASE_URL,
            base_file_url=IN_PROCESS_FILE_URL,
            request=request,
            get_updates_request=EmulatorRequest(emu),
        )
    return Bot(
        emu.token,
        base_url=http.base_url,
        base_file_url=http.base_file_url,
        request=HTTPXRequest(read_timeout=read_timeout),
    )


async def _ptb_session(bot: Bot, emu: Emulator) -> None:
    kb = InlineKeyboardMarkup([[InlineKeyboardButton("收到", callback_data="ack:v1:1")]])
    async with bot:
        assert (await bot.get_me()).username == "banzu_demo_bot"
        msg = await bot.send_message(GROUP, "<b>今日学习</b>", parse_mode="HTML", reply_markup=kb)
        await bot.send_message(USER, "私聊", reply_markup=kb)
        doc = await bot.send_document(USER, b"x,y\n", filename="r.csv", caption="报表")
        file = await doc.document.get_file()  # type: ignore[union-attr]
        assert bytes(await file.download_as_bytearray()) == b"x,y\n"
        await bot.edit_message_text("今日学习 1/3", GROUP, msg.message_id, reply_markup=kb)
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("今日学习 1/3", GROUP, msg.message_id, reply_markup=kb)
        await bot.set_my_commands([("start", "开始"), ("checkin", "签到")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "checkin"]
        emu.fail_next("sendMessage", "429", retry_after=3)
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "x")
        emu.fail_next("sendMessage", "403")
        with pytest.raises(Forbidden):
            await bot.send_message(USER, "x")
        emu.fail_next("sendMessage", "500")
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "x")
        poll = await bot.send_poll(GROUP, "满意吗", ["是", "否"], is_anonymous=False)
        emu.answer_poll(poll.poll.id, USER, [0])  # type: ignore[union-attr]
        updates = await bot.get_updates()
        assert updates[-1].poll is not None and updates[-2].poll_answer is not None


async def test_ptb_bot_in_process(emulator: Emulator) -> None:
    populate(emulator)
    emulator.set_limits(enforce=False)
    await _ptb_session(ptb_bot(emulator, None), emulator)


async def test_ptb_bot_over_http_matches_in_process(http_emulator: HttpEmulator) -> None:
    emu = http_emulator.emulator
    populate(emu)
    emu.set_limits(enforce=False)
    await _ptb_session(ptb_bot(emu, http_emulator), emu)
    local = Emulator()
    populate(local)
    local.set_limits(enforce=False)
    await _ptb_session(ptb_bot(local, None), local)
    assert comparable(emu) == comparable(local)


Target = tuple[Emulator, HttpEmulator | None]


@pytest_asyncio.fixture(params=["inproc", "http"])
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    """The same emulator reached in-process (http is None) or over HTTP."""
    emu = Emulator()
    populate(emu)
    if request.param == "inproc":
        yield emu, None
    else:
        runner, port = await start_server(emu)
        root = f"http://127.0.0.1:{port}"
        yield emu, HttpEmulator(emu, port, f"{root}/bot", f"{root}/file/bot", f"{root}/_emu")
        await runner.cleanup()
    _check(emu)


async def test_timeout_fault_raises_timed_out(target: Target) -> None:
    emu, http = target
    bot = ptb_bot(emu, http, read_timeout=0.2)
    async with bot:
        emu.fail_next("sendMessage", "timeout")
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "x")
        assert (await bot.send_message(USER, "again")).text == "again"


def build_app(emu: Emulator, http: HttpEmulator | None) -> Application:  # type: ignore[type-arg]
    builder = Application.builder().token(emu.token)
    if http is None:
        builder = (
            builder.base_url(IN_PROCESS_BASE_URL)
            .base_file_url(IN_PROCESS_FILE_URL)
            .request(EmulatorRequest(emu))
            .get_updates_request(EmulatorRequest(emu))
        )
    else:
        builder = builder.base_url(http.base_url).base_file_url(http.base_file_url)
    app = builder.build()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("已学", callback_data="learn:v1:9")]])
        assert update.effective_message is not None
        await update.effective_message.reply_text("今日安全要点", reply_markup=kb)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data == "learn:v1:9"
        await query.answer("已记录")
        await query.edit_message_text("今日安全要点 ✓")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


async def test_polling_application(target: Target) -> None:
    emu, http = target
    app = build_app(emu, http)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            emu.send_message(GROUP, USER, "/start")
            assert await emu.wait_idle(idle_ms=50, timeout_ms=5000)
            sent = emu.transcript(GROUP)[-1]
            assert (sent["text"], sent["reply_markup"]["inline_keyboard"][0][0]["text"]) == (
                "今日安全要点",
                "已学",
            )
            emu.press(GROUP, USER, sent["message_id"], button_text="已学")
            assert await emu.wait_idle(idle_ms=50, timeout_ms=5000)
            assert emu.message(GROUP, sent["message_id"])["text"] == "今日安全要点 ✓"  # type: ignore[index]
            assert [e["method"] for e in emu.transcript()][-2:] == [
                "answerCallbackQuery",
                "editMessageText",
            ]
        finally:
            await app.updater.stop()
            await app.stop()


def test_plugin_check_fails_on_problems() -> None:
    emu = Emulator()
    emu.state.stats.violations.append(
        {"method": "sendMessage", "kind": "x", "detail": "d", "params": {}}
    )
    with pytest.raises(pytest.fail.Exception, match="spec violation"):
        _check(emu)
    emu.expect_violations(1)
    _check(emu)
    emu.state.stats.flood_429 = 2
    emu.expect_429(1)
    with pytest.raises(pytest.fail.Exception, match="2 flood 429"):
        _check(emu)


async def test_cli_prints_address_first_and_stops_on_sigterm() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.emulator",
        "--port",
        "0",
        "--bot-username",
        "other_bot",
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        assert line.startswith("listening on http://127.0.0.1:")
        root = line.split()[-1]
        async with aiohttp.ClientSession() as s:
            me = await (await s.get(f"{root}/bot123456:TEST/getMe")).json()
            assert me["result"]["username"] == "other_bot"
            assert (await s.get(f"{root}/_emu/stats")).status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
