"""A deactivated person (pruned by an import, moved, left) is told so and whom to ask — in
replies AND in toasts (签到, 收到, /bind), never "you have not registered" (#14)."""

from __future__ import annotations

from tests.botfixtures import ADMIN_ID, Harness
from tests.test_attendance_e2e import GROUP, LEADER, T0, W3, Clock, press, start, team

__all__ = ["team"]  # the fixture, used by name


async def deactivate(h: Harness, number: str) -> None:
    from bot.paths import DEMO

    roster = (DEMO / "roster.csv").read_text(encoding="utf-8")
    without = "\n".join(ln for ln in roster.splitlines() if f",{number}," not in ln) + "\n"
    result = await h.svc.org.import_file(without.encode(), "r.csv", prune=True)
    assert result.ok and any(c.kind == "deactivated" for c in result.changes)
    h.svc.people.forget()


def told(text: str) -> None:
    assert "已停用" in text and "还没有登记" not in text and "请先登记" not in text, text
    assert "刘建国" in text  # 蒸发一班's leader, named: whom to ask


async def test_deactivated_checkin_toast_and_replies(harness: Harness, team: Clock) -> None:
    h = harness
    assert T0
    msg = await start(h)
    await deactivate(h, "10003")  # W3, registered in 蒸发一班
    answer = await press(h, W3, int(msg["message_id"]))
    told(str(answer["params"]["text"]))
    assert len(str(answer["params"]["text"])) <= 200  # Telegram's toast limit
    for command in ("/help", "/mine", "/suggest", "/quiz", "/leave 发烧"):
        told("\n".join(await h.say(W3, W3, command)))
    # a deactivated leader binding a group hears the same
    await deactivate(h, "10001")
    text = "\n".join(await h.say(GROUP, LEADER, "/bind"))
    assert "已停用" in text and "登记" not in text.replace("已停用", ""), text


async def test_admin_named_when_the_team_has_no_other_leader(harness: Harness, team: Clock) -> None:
    h = harness
    await deactivate(h, "10001")  # the leader himself
    text = "\n".join(await h.say(LEADER, LEADER, "/mine"))
    assert "已停用" in text and "管理员" in text and "刘建国" not in text
    assert ADMIN_ID
