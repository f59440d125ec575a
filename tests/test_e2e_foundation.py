"""End to end through the emulator: import, invites, registration, binding, help, bad input."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from tests.botfixtures import ADMIN_ID, Harness, build_test_app, start_polling

GROUP = -1001000000001
WORKER, LEADER, UNIT_LEADER, OTHER_LEADER = 100003, 100001, 100005, 100008
STALE_OR_REFUSED = (
    "这个按钮已失效，请重新操作。",
    "只有班组长（或单位负责人、管理员）可以绑定班组群。",
)
HEADER = "单位,班组,工号,姓名,角色,标签\n"
# unknown role; empty team; duplicate employee number
BAD_ROWS = HEADER + "一分场,甲班,1,张三,老大,\n一分场,,2,李四,职工,\n一分场,甲班,1,王五,职工,\n"


async def member_count(h: Harness) -> int:
    return int(await h.svc.db.fetchval("SELECT count(*) FROM members"))


async def send_file(h: Harness, user_id: int, name: str, data: bytes) -> list[str]:
    mark = h.mark()
    h.emu.send_document(user_id, user_id, name, data)
    await h.settle()
    return h.sent(user_id, mark)


async def import_file(h: Harness, user_id: int, name: str, data: bytes) -> list[str]:
    """Send a roster and press 确认导入 under its preview; the texts the bot sent."""
    preview = await send_file(h, user_id, name, data)
    assert "确认导入" in preview[-1], preview
    mark = h.mark()
    await h.press(
        user_id, user_id, int(h.last_message(user_id)["message_id"]), button_text="确认导入"
    )
    return preview + h.sent(user_id, mark)


# ---------------------------------------------------------------- import by document


async def test_admin_imports_roster_document(harness: Harness) -> None:
    await harness.say(ADMIN_ID, ADMIN_ID, "/start")
    replies = await import_file(
        harness,
        ADMIN_ID,
        "名单.csv",
        (HEADER + "一分场,甲班,1,张三,班组长,党员\n一分场,甲班,2,李四,职工,\n").encode(),
    )
    assert "名单已导入（2 人）" in replies[-1]
    assert await member_count(harness) == 2


async def test_gbk_and_xlsx_rosters_import(harness: Harness) -> None:
    gbk = (HEADER + "二分场,乙班,7,王五,职工,女工\n").encode("gbk")
    assert "名单已导入" in (await import_file(harness, ADMIN_ID, "gbk.csv", gbk))[-1]
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["单位", "班组", "工号", "姓名", "角色"])
    ws.append(["二分场", "乙班", 8, "赵六", "职工"])
    buf = io.BytesIO()
    wb.save(buf)
    assert "名单已导入" in (await import_file(harness, ADMIN_ID, "r.xlsx", buf.getvalue()))[-1]
    assert await member_count(harness) == 2


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("bad.csv", BAD_ROWS.encode(), ["第 2 行", "第 3 行", "第 4 行", "没有导入任何内容"]),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(100), ["不是"]),
        ("notes.csv", "日期,内容\n2026-11-01,开会\n".encode(), ["不是人员名单"]),
        ("empty.csv", b"", ["空"]),
    ],
)
async def test_bad_roster_files_import_nothing(
    harness: Harness, name: str, data: bytes, expected: list[str]
) -> None:
    replies = await send_file(harness, ADMIN_ID, name, data)
    text = "\n".join(replies)
    for needle in expected:
        assert needle in text
    assert await member_count(harness) == 0


async def test_worker_cannot_import(harness: Harness) -> None:
    await harness.import_demo_roster()
    await harness.register(WORKER, "10003")
    before = await member_count(harness)
    replies = await send_file(harness, WORKER, "x.csv", (HEADER + "a,b,99,c,职工,\n").encode())
    assert len(replies) == 1 and "只有管理员可以导入" in replies[0]
    assert await member_count(harness) == before


# ---------------------------------------------------------------- invites


async def test_invites_by_role(harness: Harness) -> None:
    await harness.import_demo_roster()
    admin = "\n".join(await harness.say(ADMIN_ID, ADMIN_ID, "/invites"))
    assert admin.count("https://t.me/banzu_demo_bot?start=") == 4
    await harness.register(LEADER, "10001")
    leader = "\n".join(await harness.say(LEADER, LEADER, "/invites"))
    assert leader.count("?start=") == 1 and "蒸发一班" in leader
    await harness.register(WORKER, "10003")
    assert await harness.say(WORKER, WORKER, "/invites") == ["你没有权限进行这个操作。"]


# ---------------------------------------------------------------- registration


async def test_registration_right_number(harness: Harness) -> None:
    await harness.import_demo_roster()
    code = await harness.invite_code("蒸发一班")
    harness.user(WORKER, "陈志强")
    ask = await harness.say(WORKER, WORKER, f"/start {code}")
    assert "一分场·蒸发一班" in ask[0] and "工号" in ask[0]
    done = await harness.say(WORKER, WORKER, "１０００３")  # full-width digits, as some IMEs type
    assert "登记成功" in done[0] and "陈志强" in done[0] and "蒸发一班" in done[0]
    person = await harness.svc.people.by_tg(WORKER)
    assert person is not None and person.employee_no == "10003"


async def test_registration_wrong_number_then_pause(harness: Harness) -> None:
    await harness.import_demo_roster()
    code = await harness.invite_code("蒸发一班")
    harness.user(WORKER)
    await harness.say(WORKER, WORKER, f"/start {code}")
    first = await harness.say(WORKER, WORKER, "10015")  # exists, but in another team
    assert "不在 蒸发一班 的名单中" in first[0] and "还可以尝试 4 次" in first[0]
    for _ in range(3):
        await harness.say(WORKER, WORKER, "55555")
    locked = await harness.say(WORKER, WORKER, "55555")
    assert "尝试次数过多" in locked[0]
    still = await harness.say(WORKER, WORKER, "10003")  # the right number, but paused
    assert "尝试次数过多" in still[0]
    assert await harness.svc.people.by_tg(WORKER) is None


async def test_registration_number_taken_is_refused_and_reported(harness: Harness) -> None:
    await harness.import_demo_roster()
    await harness.say(ADMIN_ID, ADMIN_ID, "/start")
    await harness.register(WORKER, "10003")
    intruder = harness.user(100099, "冒名者")
    await harness.say(intruder, intruder, f"/start {await harness.invite_code('蒸发一班')}")
    mark = harness.mark()
    replies = await harness.say(intruder, intruder, "10003")
    assert "已被其他 Telegram 账号登记" in replies[0]
    alerts = harness.sent(ADMIN_ID, mark)
    assert any("10003" in a and "100099" in a for a in alerts)
    person = await harness.svc.people.by_employee_no("10003")
    assert person is not None and person.tg_user_id == WORKER


async def test_start_without_code_and_bad_code(harness: Harness) -> None:
    harness.user(WORKER)
    assert "邀请链接" in (await harness.say(WORKER, WORKER, "/start"))[0]
    assert "无效" in (await harness.say(WORKER, WORKER, "/start nosuchcode"))[0]
    assert "管理员" in (await harness.say(ADMIN_ID, ADMIN_ID, "/start"))[0]


async def test_registration_survives_restart(harness: Harness) -> None:
    await harness.import_demo_roster()
    code = await harness.invite_code("蒸发一班")
    harness.user(WORKER)
    await harness.say(WORKER, WORKER, f"/start {code}")
    # Stop the bot mid-conversation and start a fresh process on the same database.
    assert harness.app.updater is not None
    await harness.app.updater.stop()
    await harness.app.stop()
    await harness.app.shutdown()
    app = build_test_app(harness.emu, harness.tmp)
    async with app:
        await start_polling(app)
        harness.app = app
        replies = await harness.say(WORKER, WORKER, "10003")
        assert "登记成功" in replies[0]
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()


# ---------------------------------------------------------------- binding


async def test_leader_binds_group(harness: Harness) -> None:
    await harness.import_demo_roster()
    await harness.register(LEADER, "10001")
    await harness.register(WORKER, "10003")
    await harness.group(GROUP, "蒸发一班群", [LEADER, WORKER])
    intro = harness.sent(GROUP)
    assert intro and "/bind" in intro[0]
    refused = await harness.say(GROUP, WORKER, "/bind")
    assert "只有班组长" in refused[0]
    done = await harness.say(GROUP, LEADER, "/bind")
    assert "本群已绑定为 一分场·蒸发一班 的班组群" in done[0]
    team = await harness.svc.org.team_by_invite(await harness.invite_code("蒸发一班"))
    assert team is not None and await harness.svc.groups.team_chat(team.id) == GROUP
    # The bot is removed: the binding is no longer active.
    harness.emu.set_member(GROUP, harness.emu.bot_id, "left")
    await harness.settle()
    assert await harness.svc.groups.team_chat(team.id) is None


async def test_unregistered_and_other_team_leader_cannot_bind(harness: Harness) -> None:
    await harness.import_demo_roster()
    stranger = harness.user(100077)
    await harness.register(LEADER, "10001")
    await harness.register(OTHER_LEADER, "10008")
    await harness.group(GROUP, "群", [LEADER, OTHER_LEADER, stranger])
    assert "先私聊我完成登记" in (await harness.say(GROUP, stranger, "/bind"))[0]
    await harness.say(GROUP, LEADER, "/bind")
    other = await harness.say(GROUP, OTHER_LEADER, "/bind")
    assert "只有管理员可以更改" in other[0]


async def test_unit_leader_picks_team_by_button(harness: Harness) -> None:
    await harness.import_demo_roster()
    await harness.register(UNIT_LEADER, "10005")
    await harness.register(WORKER, "10003")
    await harness.group(GROUP, "二班群", [UNIT_LEADER, WORKER])
    await harness.say(GROUP, UNIT_LEADER, "/bind")
    pick = harness.last_message(GROUP)
    labels = [b["text"] for row in pick["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["一分场·蒸发一班", "一分场·蒸发二班"]
    # Someone else pressing the leader's button changes nothing.
    await harness.press(GROUP, WORKER, pick["message_id"], button_text="一分场·蒸发二班")
    team = await harness.svc.org.team_by_invite(await harness.invite_code("蒸发二班"))
    assert team is not None and await harness.svc.groups.team_chat(team.id) is None
    await harness.press(GROUP, UNIT_LEADER, pick["message_id"], button_text="一分场·蒸发二班")
    assert await harness.svc.groups.team_chat(team.id) == GROUP
    assert "一分场·蒸发二班" in harness.sent(GROUP)[-1]


# ---------------------------------------------------------------- help and commands


async def test_help_follows_roles(harness: Harness) -> None:
    await harness.import_demo_roster()
    await harness.register(WORKER, "10003")
    await harness.register(LEADER, "10001")
    worker = (await harness.say(WORKER, WORKER, "/help"))[0]
    leader = (await harness.say(LEADER, LEADER, "/help"))[0]
    admin = (await harness.say(ADMIN_ID, ADMIN_ID, "/help"))[0]
    assert "/help" in worker and "/bind" not in worker and "/invites" not in worker
    assert "/bind" in leader and "/invites" in leader
    assert "CSV/XLSX" in admin
    stranger = harness.user(100066)
    assert "还没有登记" in (await harness.say(stranger, stranger, "/help"))[0]


async def test_command_menus_are_chinese(harness: Harness) -> None:
    calls = [e for e in harness.emu.transcript() if e["method"] == "setMyCommands"]
    assert calls
    params: dict[str, Any] = calls[0]["params"]
    assert any("帮助" in c["description"] for c in params["commands"])


# ---------------------------------------------------------------- bad input


async def test_bad_input_gets_clear_answers(harness: Harness) -> None:
    await harness.import_demo_roster()
    await harness.register(WORKER, "10003")
    before = await member_count(harness)
    assert "没有看懂" in (await harness.say(WORKER, WORKER, "字" * 5000))[0]
    assert "没有 /dance 这个命令" in (await harness.say(WORKER, WORKER, "/dance"))[0]
    await harness.group(GROUP, "群", [WORKER])
    assert await harness.say(GROUP, WORKER, "/dance") == []  # maybe another bot's command
    assert "没有 /dance 这个命令" in (await harness.say(GROUP, WORKER, "/dance@banzu_demo_bot"))[0]
    # Buttons left in chat by an earlier version of the bot, or crafted by a modified client:
    # each press gets a clear answer and changes nothing.
    forged = ["bind:v0:1:2", "bind:v1:abc:def", f"bind:v1:99999:{WORKER}", "zzz:v1", "bind:v1:1"]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in forged])
    old = await harness.app.bot.send_message(GROUP, "旧消息", reply_markup=keyboard)
    await harness.settle()
    for data in forged:
        events = await harness.press(GROUP, WORKER, old.message_id, data=data)
        answers = [e for e in events if e["method"] == "answerCallbackQuery"]
        assert len(answers) == 1, (data, events)
        assert answers[0]["params"].get("text") in STALE_OR_REFUSED
    assert await harness.svc.groups.binding(GROUP) is None
    assert await member_count(harness) == before


# ---------------------------------------------------------------- errors


async def test_a_failing_handler_apologises_alerts_admins_and_keeps_running(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await harness.import_demo_roster()
    await harness.say(ADMIN_ID, ADMIN_ID, "/start")
    await harness.register(WORKER, "10003")
    harness.svc.people.forget()

    async def broken(user_id: int) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(harness.svc.people, "by_tg", broken)
    mark = harness.mark()
    for _ in range(3):  # a bug hit three times is one notice to the admins
        replies = await harness.say(WORKER, WORKER, "/help")
        assert replies == ["抱歉，处理这条消息时出了点问题，已通知管理员。请稍后再试。"]
    alerts = harness.sent(ADMIN_ID, mark)
    assert len(alerts) == 1 and "RuntimeError: disk on fire" in alerts[0]
    monkeypatch.undo()
    assert "/help" in (await harness.say(WORKER, WORKER, "/help"))[0]  # still running
