"""Roster import in chat, through the emulator: preview naming people, 确认导入 by an admin only,
once; the person moved is told; undo; a file in the middle of another flow is not imported."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from tests.botfixtures import ADMIN_ID, Harness

WORKER = 100003
HEADER = "序号,车间,班组,姓名,工号,职务,手机,备注\n"


def roster(team_of_10003: str = "蒸发二班") -> bytes:
    # The demo roster's people, as HR lays out a 花名册 (职务 instead of 角色).
    return (
        "XX盐场职工花名册,,,,,,,\n"
        + HEADER
        + f"1,一分场,{team_of_10003},陈志强,10003,操作工,,\n"
        + "2,一分场,蒸发一班,新来的,20001,副班长,13800138003,\n"
    ).encode()


async def send_file(h: Harness, user_id: int, name: str, data: bytes) -> list[str]:
    mark = h.mark()
    h.emu.send_document(user_id, user_id, name, data)
    await h.settle()
    return h.sent(user_id, mark)


def answers(events: list[dict[str, Any]]) -> list[str]:
    return [
        str(e["params"].get("text", "")) for e in events if e["method"] == "answerCallbackQuery"
    ]


async def forged(h: Harness, user_id: int, datas: list[str]) -> int:
    """A message from the bot carrying the given button data, as a modified client would send."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in datas])
    message = await h.app.bot.send_message(user_id, "旧消息", reply_markup=keyboard)
    await h.settle()
    return message.message_id


async def count(h: Harness, sql: str) -> int:
    return int(await h.svc.db.fetchval(sql))


async def test_preview_confirm_once_and_tell_the_moved(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    team = (
        "SELECT t.name FROM members m JOIN teams t ON t.id = m.team_id"
        " WHERE m.employee_no = '10003'"
    )
    before_team = await h.svc.db.fetchval(team)
    assert before_team != "机修班"
    members = await count(h, "SELECT count(*) FROM members")
    preview = "\n".join(await send_file(h, ADMIN_ID, "花名册.csv", roster("机修班")))
    assert "表头在第 2 行" in preview and "未使用的列：序号、备注" in preview
    assert f"陈志强（10003）：一分场 {before_team} → 一分场 机修班" in preview
    assert "新来的（20001）" in preview and "确认导入" in preview
    assert await count(h, "SELECT count(*) FROM members") == members  # nothing written yet
    message_id = int(h.last_message(ADMIN_ID)["message_id"])

    # a worker cannot confirm, even pressing the admin's button data
    data = h.last_message(ADMIN_ID)["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    events = await h.press(WORKER, WORKER, await forged(h, WORKER, [data]), data=data)
    assert any("只有管理员" in a for a in answers(events))
    assert await count(h, "SELECT count(*) FROM members") == members

    mark = h.mark()
    await h.press(ADMIN_ID, ADMIN_ID, message_id, button_text="确认导入")
    done = "\n".join(h.sent(ADMIN_ID, mark))
    assert "名单已导入（2 人）" in done and "/import_undo" in done
    assert await h.svc.db.fetchval(team) == "机修班"
    assert await count(h, "SELECT count(*) FROM members") == members + 1
    title = await h.svc.db.fetchval("SELECT title FROM members WHERE employee_no = '20001'")
    assert title == "副班长"
    roles = await h.svc.db.fetchval(
        "SELECT group_concat(role) FROM member_roles r JOIN members m ON m.id = r.member_id"
        " WHERE m.employee_no = '20001'"
    )
    assert roles == "team_leader"
    told = "\n".join(h.sent(WORKER, mark))
    assert f"你的班组已调整：一分场 {before_team} → 一分场 机修班" in told

    # a second press (a double tap, a forged replay) changes nothing
    events = await h.press(ADMIN_ID, ADMIN_ID, await forged(h, ADMIN_ID, [data]), data=data)
    assert any("已经处理过" in a for a in answers(events))
    assert await count(h, "SELECT count(*) FROM members") == members + 1


async def test_cancel_and_forged_buttons(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    members = await count(h, "SELECT count(*) FROM members")
    await send_file(h, ADMIN_ID, "r.csv", roster())
    message_id = int(h.last_message(ADMIN_ID)["message_id"])
    mark = h.mark()
    await h.press(ADMIN_ID, ADMIN_ID, message_id, button_text="取消")
    assert "已取消" in "\n".join(h.sent(ADMIN_ID, mark))
    bad = ["imp:v1:99999999999999999999999:ok", "imp:v1:0:ok", "imp:v1:1:boom", "imp:v9:1"]
    old = await forged(h, ADMIN_ID, bad)
    for data in bad:
        events = await h.press(ADMIN_ID, ADMIN_ID, old, data=data)
        assert [a for a in answers(events) if a], data  # every press answered, in words
    assert await count(h, "SELECT count(*) FROM members") == members


async def test_undo_last_import_by_admin_only(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await send_file(h, ADMIN_ID, "r.csv", roster())
    await h.press(
        ADMIN_ID, ADMIN_ID, int(h.last_message(ADMIN_ID)["message_id"]), button_text="确认导入"
    )
    assert await count(h, "SELECT active FROM members WHERE employee_no = '20001'") == 1
    await h.register(WORKER, "10003")
    assert "没有权限" in "\n".join(await h.say(WORKER, WORKER, "/import_undo"))
    assert await count(h, "SELECT active FROM members WHERE employee_no = '20001'") == 1
    undo = "\n".join(await h.say(ADMIN_ID, ADMIN_ID, "/import_undo"))
    assert "已撤销最近一次导入（r.csv）" in undo
    assert await count(h, "SELECT active FROM members WHERE employee_no = '20001'") == 0
    again = "\n".join(await h.say(ADMIN_ID, ADMIN_ID, "/import_undo"))
    assert "没有可以撤销的导入" in again


async def test_bad_file_is_refused_with_the_limit_or_the_row(harness: Harness) -> None:
    h = harness
    quote = (
        HEADER + '1,一分场,一班,"孙八,805008,操作工,,\n2,一分场,一班,李四,805009,,,\n'
    ).encode()
    text = "\n".join(await send_file(h, ADMIN_ID, "q.csv", quote))
    assert "第 2 行的引号不成对" in text and "确认导入" not in text
    big = b"a,b\n" * (2 * 1024 * 1024)
    assert "文件太大" in "\n".join(await send_file(h, ADMIN_ID, "big.csv", big))
    assert await count(h, "SELECT count(*) FROM members") == 0
    assert await count(h, "SELECT count(*) FROM roster_imports") == 0


async def test_file_during_another_flow_is_not_imported(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    await h.say(WORKER, WORKER, "/suggest")
    replies = await send_file(h, WORKER, "r.csv", roster())
    assert len(replies) == 1 and "/cancel" in replies[0]
    assert await count(h, "SELECT count(*) FROM roster_imports WHERE source = 'r.csv'") == 0


async def test_worker_file_without_flow_gets_a_useful_answer(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    replies = await send_file(h, WORKER, "photo.jpg", b"\xff\xd8\xff\xe0" + bytes(64))
    assert len(replies) == 1 and "/suggest" in replies[0]
