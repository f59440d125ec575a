"""Text people wrote reaches every surface exactly as written (#23): escaped once where it
meets HTML, never escaped where Telegram shows plain text (toasts, button labels). The
harness fixture checks every test's transcript for entities a reader would see; this file
drives the flows with names and titles full of "<", ">" and "&"."""

from __future__ import annotations

import re
from pathlib import Path

from tests.botfixtures import ADMIN_ID, Harness, shown_entities
from tests.test_attendance_e2e import (
    GROUP,
    LEADER,
    W3,
    W4,
    Clock,
    button_text,
    press,
    press_button,
    start,
)
from tests.test_attendance_e2e import team as team  # the fixture the first test asks for
from tests.test_suggestions_e2e import press_text

W4_NAME = "赵<b>振磊</b> & 子"
LEADER_NAME = "刘<建国> & 师傅"
TEAM_NAME = "蒸发一班 <i>A&B</i>"


async def nasty(h: Harness) -> None:
    for number, name in (("10004", W4_NAME), ("10001", LEADER_NAME)):
        await h.svc.db.execute("UPDATE members SET name = ? WHERE employee_no = ?", (name, number))
    await h.svc.db.execute(
        "UPDATE teams SET name = ? WHERE id = (SELECT team_id FROM members WHERE employee_no = ?)",
        (TEAM_NAME, "10004"),
    )
    h.svc.people.forget()


def texts_of(entries: list[dict[str, object]]) -> list[str]:
    return [str(e.get("text") or "") for e in entries]


async def test_names_reach_toasts_and_messages_as_written(harness: Harness, team: Clock) -> None:
    h = harness
    await nasty(h)
    msg = await start(h)
    # The leave request names the worker; the leader's decision toast names the leader.
    replies = await h.say(GROUP, W4, "/leave 家中<老人>住院 & 陪护")
    assert "等待班组长审批" in replies[0]
    request = h.last_message(LEADER)
    assert W4_NAME in request["text"] and "家中<老人>住院 & 陪护" in request["text"]
    toast = await press_button(h, LEADER, LEADER, request["message_id"], "✅ 批准")
    assert toast == f"✅ 已批准（{LEADER_NAME}）"
    # A check-in toast and the roll call's name buttons and toasts.
    await press(h, W3, msg["message_id"])
    await h.say(GROUP, LEADER, "/roll")
    roll = h.last_message(LEADER)
    label = button_text(roll, "振磊")
    assert W4_NAME in label
    answered = await h.press(LEADER, LEADER, roll["message_id"], button_text=label)
    toasts = [t for e in answered if e["method"] == "answerCallbackQuery" for t in [e["text"]]]
    assert toasts and all(W4_NAME in str(t) for t in toasts if "振磊" in str(t))
    assert shown_entities(h.emu.transcript()) == []


async def test_titles_in_schedule_list_and_notice_picker(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await nasty(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/schedule")
    await press_text(h, ADMIN_ID, ADMIN_ID, "➕ 新建")
    await press_text(h, ADMIN_ID, ADMIN_ID, "学习日提醒")
    await h.say(ADMIN_ID, ADMIN_ID, "全体")
    await h.say(ADMIN_ID, ADMIN_ID, "每周二下午2点")
    preview = await h.say(ADMIN_ID, ADMIN_ID, "<i>学习日</i> & 安全")
    assert "<i>学习日</i> & 安全" in preview[0]
    await press_text(h, ADMIN_ID, ADMIN_ID, "✅ 保存")
    listing = await h.say(ADMIN_ID, ADMIN_ID, "/schedule")
    assert "<i>学习日</i> & 安全" in listing[0]
    # The notice audience picker shows team names as written on its buttons.
    await h.say(ADMIN_ID, ADMIN_ID, "/notice")
    await h.say(ADMIN_ID, ADMIN_ID, "明天上午停电检修 & 通知")
    await press_text(h, ADMIN_ID, ADMIN_ID, "按班组…")
    picker = h.emu.message(ADMIN_ID, h.last_message(ADMIN_ID)["message_id"])
    assert picker is not None
    labels = [b["text"] for row in picker["reply_markup"]["inline_keyboard"] for b in row]
    assert any(TEAM_NAME in label for label in labels), labels
    assert shown_entities(h.emu.transcript()) == []


def test_no_handler_answers_a_press_with_html() -> None:
    """A toast made with `tr` (HTML) shows "&lt;" for a "<" in a name: handlers use `toast`."""
    html_toasts = [
        f"{path.name}:{text[: m.start()].count(chr(10)) + 1}"
        for path in sorted(Path("handlers").glob("*.py"))
        for text in [path.read_text(encoding="utf-8")]
        for m in re.finditer(r"\.answer\(\s*(?:None if \w+ else )?tr\(", text)
    ]
    assert html_toasts == []
