""" "📌 在班组群置顶：是" where the bot may not pin: Telegram refuses, the author is told which
groups and how to fix it — on the progress message and in a private message, never silently."""

from __future__ import annotations

from tests.botfixtures import ADMIN_ID, Harness
from tests.test_notices import G1, G2, G3, buttons, compose, drain, org, tap


def pins(h: Harness, chat: int) -> list[dict[str, object]]:
    return [
        e for e in h.emu.transcript(chat_id=chat)
        if e["method"] == "pinChatMessage" and not e.get("error")
    ]  # fmt: skip


async def test_author_told_which_groups_could_not_be_pinned(harness: Harness) -> None:
    h = harness
    await org(h, [])
    h.emu.set_member(G1, h.emu.bot_id, "administrator")  # may pin; G2 and G3: plain member
    h.emu.expect_violations(2)  # Telegram refuses the two pins: the bot sends them as a user would
    await compose(h, ADMIN_ID, "全员安全大会通知", "全体人员", "班组群")
    await tap(h, ADMIN_ID, "📌 在班组群置顶：否")
    assert "📌 在班组群置顶：是" in buttons(h, ADMIN_ID)
    mark = h.mark()
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    assert await h.svc.outbox.wait_idle(20)
    await h.settle()
    assert len(pins(h, G1)) == 1
    told = [t for t in h.sent(ADMIN_ID, mark) if "没有置顶" in t]
    assert told, h.sent(ADMIN_ID, mark)
    last = told[-1]
    assert "2 个群" in last and "蒸发二班群" in last and "包装班群" in last
    assert "蒸发一班群" not in last
    assert "设为管理员" in last and "置顶消息" in last and f"@{h.emu.bot_username}" in last
    private = [
        e for e in h.emu.transcript(chat_id=ADMIN_ID, after_seq=mark)
        if e["method"] == "sendMessage" and "没有置顶" in str(e.get("text"))
    ]  # fmt: skip
    assert len(private) == 1  # told once, by a message that makes a sound


async def test_no_word_when_every_pin_worked(harness: Harness) -> None:
    h = harness
    await org(h, [])
    for chat in (G1, G2, G3):
        h.emu.set_member(chat, h.emu.bot_id, "administrator")
    await compose(h, ADMIN_ID, "置顶通知", "全体人员", "班组群")
    await tap(h, ADMIN_ID, "📌 在班组群置顶：否")
    mark = h.mark()
    await tap(h, ADMIN_ID, "✅ 确认发送")
    await drain(h)
    assert all(len(pins(h, c)) == 1 for c in (G1, G2, G3))
    assert not [t for t in h.sent(ADMIN_ID, mark) if "没有置顶" in t]
