"""`/trends` end to end through the emulator: an admin gets the whole site, a unit leader their
own unit (text + PNG, the XLSX behind a button), a chosen month, bad and future months, wrong
roles refused, forged and stale buttons, and the command in /help for those who may use it."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import iso
from bot.services.reports import Month, current_month
from bot.views.trends import TrendFile
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_suggestions_e2e import (
    FAR_UNIT_LEADER,
    LEADER,
    UNIT_LEADER,
    WORKER,
    alerts,
    buttons,
    setup,
    submit,
)

TZ = ZoneInfo("Asia/Shanghai")
SHEETS = [
    "话题汇总", "各单位", "请假缺勤原因", "共性问题", "参与情况", "出勤趋势", "答题趋势",
    "保密诉求合计", "意见反映话题",
]  # fmt: skip
NO_PERMISSION = "你没有权限进行这个操作。"


def methods(h: Harness, chat: int, mark: int) -> list[str]:
    return [e["method"] for e in h.emu.transcript(chat_id=chat, after_seq=mark)]


async def message_with(h: Harness, chat: int, *data: str) -> int:
    """A bot message carrying buttons with this data (as a forwarded or forged one would)."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])
    sent = await h.app.bot.send_message(chat, "旧消息", reply_markup=keyboard)
    await h.settle()
    return sent.message_id


def texts_of(h: Harness, chat: int, mark: int) -> str:
    return "\n".join(h.sent(chat, mark))


async def people(h: Harness) -> None:
    await setup(
        h, (WORKER, "10003"), (UNIT_LEADER, "10005"), (FAR_UNIT_LEADER, "10018"), (LEADER, "10001")
    )
    await h.say(ADMIN_ID, ADMIN_ID, "/start")


async def test_admin_gets_the_site_and_the_workbook_on_request(harness: Harness) -> None:
    h = harness
    await people(h)
    await submit(h, WORKER)
    mark = h.mark()
    await h.say(ADMIN_ID, ADMIN_ID, "/trends")
    assert methods(h, ADMIN_ID, mark)[-2:] == ["sendMessage", "sendPhoto"]
    month = current_month(datetime.now(UTC), TZ).label
    text = texts_of(h, ADMIN_ID, mark)
    assert f"{month} 思想动态分析" in text and "全场" in text
    assert "本月合理化建议 1 条" in text
    photo = h.emu.transcript(chat_id=ADMIN_ID, after_seq=mark)[-1]
    [(label, data)] = buttons(photo)
    assert "XLSX" in label
    assert "sendDocument" not in methods(h, ADMIN_ID, mark)  # the workbook only when asked
    mark = h.mark()
    entries = await h.press(ADMIN_ID, ADMIN_ID, int(photo["message_id"]), data=data)
    assert any(e["method"] == "answerCallbackQuery" for e in entries)
    [doc] = [e for e in h.emu.transcript(chat_id=ADMIN_ID, after_seq=mark)]
    assert doc["method"] == "sendDocument"
    message = h.emu.message(ADMIN_ID, int(doc["message_id"]))
    assert message is not None and message["document"]["file_name"].endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(h.emu.file_bytes(message["document"]["file_id"])))
    assert book.sheetnames == SHEETS


async def test_unit_leader_gets_only_their_unit(harness: Harness) -> None:
    h = harness
    await people(h)
    await submit(h, WORKER)  # 一分场
    mark = h.mark()
    await h.say(UNIT_LEADER, UNIT_LEADER, "/trends 本月")
    text = texts_of(h, UNIT_LEADER, mark)
    assert "一分场" in text and "全场" not in text and "本月合理化建议 1 条" in text
    assert methods(h, UNIT_LEADER, mark)[-1] == "sendPhoto"
    # 二分场 has nothing this month: said so, no chart, no button.
    mark = h.mark()
    await h.say(FAR_UNIT_LEADER, FAR_UNIT_LEADER, "/trends")
    assert methods(h, FAR_UNIT_LEADER, mark) == ["sendMessage"]
    assert "二分场" in texts_of(h, FAR_UNIT_LEADER, mark) and "不出分析" in texts_of(
        h, FAR_UNIT_LEADER, mark
    )


async def test_a_chosen_month(harness: Harness) -> None:
    h = harness
    await people(h)
    sid = await submit(h, WORKER)
    last = current_month(datetime.now(UTC), TZ).shift(-1)
    start, _ = last.bounds(TZ)
    await h.svc.db.execute("UPDATE suggestions SET created_at = ? WHERE id = ?", (iso(start), sid))
    for arg in ("上月", last.label, f"{last.year}年{last.month}月"):
        mark = h.mark()
        await h.say(ADMIN_ID, ADMIN_ID, f"/trends {arg}")
        text = texts_of(h, ADMIN_ID, mark)
        assert f"{last.label} 思想动态分析" in text and "本月合理化建议 1 条" in text, arg
    mark = h.mark()
    await h.say(ADMIN_ID, ADMIN_ID, "/trends")  # this month: the suggestion is last month's
    assert "本月合理化建议 0 条" in texts_of(h, ADMIN_ID, mark) or "不出分析" in texts_of(
        h, ADMIN_ID, mark
    )


async def test_bad_future_and_non_month_periods_are_refused(harness: Harness) -> None:
    h = harness
    await people(h)
    assert "看不懂月份「下下个月」" in (await h.say(ADMIN_ID, ADMIN_ID, "/trends 下下个月"))[0]
    assert "还没有开始" in (await h.say(ADMIN_ID, ADMIN_ID, "/trends 2099-01"))[0]
    assert "不是一个月" in (await h.say(ADMIN_ID, ADMIN_ID, "/trends 2026-Q4"))[0]
    reply = (await h.say(ADMIN_ID, ADMIN_ID, "/trends <b>" + "x" * 500))[0]
    assert "&lt;b&gt;" not in reply and len(reply) < 300  # escaped once, never echoed unbounded
    mark = h.mark()
    await h.say(ADMIN_ID, ADMIN_ID, "/trends 13月")
    assert methods(h, ADMIN_ID, mark) == ["sendMessage"]  # nothing built for a bad month


async def test_wrong_roles_are_refused(harness: Harness) -> None:
    h = harness
    await people(h)
    await submit(h, WORKER)
    assert await h.say(WORKER, WORKER, "/trends") == [NO_PERMISSION]
    assert await h.say(LEADER, LEADER, "/trends 上月") == [NO_PERMISSION]  # a team leader
    # Refused before the month is read: a worker learns nothing about the periods either.
    assert await h.say(WORKER, WORKER, "/trends 下下个月") == [NO_PERMISSION]
    # Pressing the workbook button (forwarded, or forged) does not help a worker.
    data = TrendFile.of(current_month(datetime.now(UTC), TZ)).encode()
    await h.say(ADMIN_ID, ADMIN_ID, "/trends")
    photo = h.emu.transcript(chat_id=ADMIN_ID)[-1]
    old = await message_with(h, WORKER, data)
    mark = h.mark()
    entries = await h.press(WORKER, WORKER, old, data=data)
    assert alerts(entries) == [NO_PERMISSION]
    assert "sendDocument" not in methods(h, WORKER, mark)
    assert photo["method"] == "sendPhoto"


async def test_forged_button_is_stale(harness: Harness) -> None:
    h = harness
    await people(h)
    forged_data = ("trx:v1:99999999999999999999999", "trx:v1:-1", "trx:v1:abc", "trx:v0:24300")
    old = await message_with(h, ADMIN_ID, *forged_data)
    for forged in forged_data:
        mark = h.mark()
        entries = await h.press(ADMIN_ID, ADMIN_ID, old, data=forged)
        assert alerts(entries) == ["这个按钮已失效，请重新操作。"], forged
        assert "sendDocument" not in methods(h, ADMIN_ID, mark)


async def test_unit_leader_button_gives_their_unit_workbook(harness: Harness) -> None:
    h = harness
    await people(h)
    await submit(h, WORKER)
    await h.say(UNIT_LEADER, UNIT_LEADER, "/trends")
    photo = h.emu.transcript(chat_id=UNIT_LEADER)[-1]
    [(_, data)] = buttons(photo)
    mark = h.mark()
    await h.press(UNIT_LEADER, UNIT_LEADER, int(photo["message_id"]), data=data)
    [doc] = h.emu.transcript(chat_id=UNIT_LEADER, after_seq=mark)
    message = h.emu.message(UNIT_LEADER, int(doc["message_id"]))
    assert message is not None
    book = openpyxl.load_workbook(io.BytesIO(h.emu.file_bytes(message["document"]["file_id"])))
    heading = " ".join(str(c.value) for row in book["话题汇总"].iter_rows(max_row=3) for c in row)
    assert "一分场" in heading and "全场" not in heading, heading


async def test_help_lists_trends_for_those_who_may_use_it(harness: Harness) -> None:
    h = harness
    await people(h)
    assert "/trends" in "\n".join(await h.say(ADMIN_ID, ADMIN_ID, "/help"))
    assert "/trends" in "\n".join(await h.say(UNIT_LEADER, UNIT_LEADER, "/help"))
    assert "/trends" not in "\n".join(await h.say(WORKER, WORKER, "/help"))
    assert "/trends" not in "\n".join(await h.say(LEADER, LEADER, "/help"))


def test_button_month_round_trip() -> None:
    for m in (Month(2026, 1), Month(2026, 12), Month(2031, 7)):
        assert TrendFile.of(m).as_month == m
