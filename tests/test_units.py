"""Small domain rules: callback data, text splitting, settings, employee numbers, flood windows."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks
from bot.delivery.flood import FloodController, FloodLimits, Window, chat_kind
from bot.domain.textsplit import split_text
from bot.logs import RedactToken
from bot.services.registration import normalize_employee_no
from bot.settings import SettingsError, load_settings
from bot.texts import Texts


def test_callback_roundtrip() -> None:
    data = callbacks.encode("bind", 1, 12, 34)
    assert data == "bind:v1:12:34"
    decoded = callbacks.decode(data, "bind", 1, 2)
    assert decoded is not None and decoded.int_part(0) == 12 and decoded.int_part(1) == 34


@pytest.mark.parametrize(
    "data",
    [
        "",
        "bind",
        "bind:v2:1:2",
        "bind:v1:1",
        "bind:v1:1:2:3",
        "other:v1:1:2",
        "bind:v1:1:<b>",
        "bind:v1:" + "9" * 70 + ":1",
    ],
)
def test_callback_forged_or_stale(data: str) -> None:
    assert callbacks.decode(data, "bind", 1, 2) is None


def test_callback_too_long_refused() -> None:
    with pytest.raises(ValueError):
        callbacks.encode("x", 1, "a" * 70)


@given(st.text(min_size=0, max_size=20000), st.integers(min_value=10, max_value=4096))
def test_split_text_never_exceeds_and_keeps_content(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    # whitespace at the cuts may be dropped, nothing else
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_split_text_prefers_line_breaks() -> None:
    text = "\n".join(f"第{i}行" + "字" * 50 for i in range(200))
    pieces = split_text(text, 4096)
    assert len(pieces) > 1
    assert all(p.startswith("第") for p in pieces)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("10023", "10023"),
        (" １００２３ ", "10023"),
        ("A-17", "A-17"),
        ("10 023", "10023"),
        ("abc!", None),
        ("", None),
        ("9" * 40, None),
    ],
)
def test_employee_no_normalised(typed: str, stored: str | None) -> None:
    assert normalize_employee_no(typed) == stored


def test_settings_env_over_toml(tmp_path: Path) -> None:
    cfg = tmp_path / "b.toml"
    cfg.write_text('[banzu]\ndb = "x.db"\nadmins = [1, 2]\ntz = "Asia/Shanghai"\n')
    s = load_settings({"BANZU_DB": "y.db", "BANZU_TOKEN": "1:SECRET"}, cfg)
    assert s.db_path == "y.db" and s.admins == frozenset({1, 2})
    assert "SECRET" not in repr(s)


@pytest.mark.parametrize(
    "env",
    [{"BANZU_ADMINS": "12,abc"}, {"BANZU_TZ": "Mars/Olympus"}],
)
def test_settings_errors_are_one_line(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert "\n" not in str(err.value)


def test_missing_token_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="BANZU_TOKEN"):
        load_settings({}).require_token()


def test_token_redacted_from_logs() -> None:

    record = logging.LogRecord(
        "x", logging.INFO, "", 0, "POST %s", ("https://h/bot1:SECRET/x",), None
    )
    RedactToken("1:SECRET").filter(record)
    assert "SECRET" not in record.getMessage()


def test_texts_complete_in_english_and_valid() -> None:
    texts = Texts()
    assert texts.missing_in("en") == set()
    assert texts.get("common.unknown_command", command="<x>") == texts.get(
        "common.unknown_command", command="&lt;x&gt;"
    ).replace("&amp;", "&")


def test_window_slides() -> None:
    w = Window(2, 1.0)
    w.add(0.0)
    w.add(0.5)
    assert w.wait(0.6) == pytest.approx(0.4)
    assert w.wait(1.01) == 0.0


def test_chat_kind() -> None:
    assert chat_kind(-100123) == ("group", -100123)
    assert chat_kind("42") == ("private", 42)
    assert chat_kind(None) == ("none", None)


async def test_flood_controller_spaces_private_messages() -> None:
    now = [0.0]
    fc = FloodController(FloodLimits(margin=0.0), clock=lambda: now[0])
    await fc.acquire(42)
    assert fc.delay(42) == pytest.approx(1.0)
    assert fc.delay(43) == 0.0  # another chat is not held up
    fc.block(43, 5)
    assert fc.delay(43) == pytest.approx(5.0)
    assert fc.delay(44) == 0.0


async def test_bulk_yields_to_interactive() -> None:
    fc = FloodController(FloodLimits(global_count=1, global_period=0.05, margin=0.0))
    order: list[str] = []

    async def send(name: str, chat: int, bulk: bool) -> None:
        from bot.delivery.flood import Priority

        await fc.acquire(chat, Priority.BULK if bulk else Priority.INTERACTIVE)
        order.append(name)

    await fc.acquire(1)  # fill the global window
    bulk = [asyncio.create_task(send(f"b{i}", 100 + i, True)) for i in range(3)]
    await asyncio.sleep(0)
    inter = asyncio.create_task(send("i", 200, False))
    await asyncio.gather(*bulk, inter)
    assert order[0] == "i"


def test_split_sql_keeps_semicolons_in_comments_literals_and_triggers() -> None:
    from bot.db import split_sql

    script = """
    -- a comment; with a semicolon
    CREATE TABLE a (x TEXT DEFAULT 'x;y');  -- trailing; comment
    CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'z'; END;
    CREATE INDEX i ON a(x)
    """
    assert [s.split()[1] for s in split_sql(script)] == ["TABLE", "TRIGGER", "INDEX"]


def test_no_double_full_stop_after_a_value_that_ends_a_sentence() -> None:
    from bot.texts import Texts

    t = Texts()
    for reason, shown in (("成本太高。", "成本太高。欢迎"), ("太贵了！", "太贵了！欢迎"),
                          ("成本高", "成本高。欢迎")):  # fmt: skip
        text = t.get("suggestions.notify.rejected", id=1, text="x", reason=reason)
        assert shown in text and "。。" not in text and "！。" not in text


def test_notice_reminders_never_go_to_who_asked_for_them() -> None:
    from datetime import UTC, datetime

    from bot.repos.notices import Member
    from bot.services.notices import reminders
    from bot.texts import Texts

    people = [
        Member(1, "班长", 1, 1, 501, True),
        Member(2, "职工", 1, 1, 502, True),
        Member(3, "未登记", 1, 1, None, False),
    ]
    at = datetime(2026, 12, 2, tzinfo=UTC)
    out, unreachable = reminders(Texts(), 7, "停电", people, at, by=501)
    assert [m.chat_id for m in out] == [502] and unreachable == 1
