"""Registration cannot be taken over by a colleague: where the roster holds a mobile, the last
4 digits are asked after the number; wrong answers are audited, admins alerted, and count
towards the lock."""

from __future__ import annotations

from tests.botfixtures import ADMIN_ID, Harness

ROSTER = (
    "单位,班组,工号,姓名,职务,手机\n"
    "一分场,蒸发一班,30001,刘建国,班长,13800138001\n"
    "一分场,蒸发一班,30002,王秀兰,操作工,139-0013-9002\n"
    "一分场,蒸发一班,30003,陈志强,操作工,\n"
)
OWNER, COLLEAGUE, NO_PHONE = 200001, 200002, 200003


async def start_with_invite(h: Harness, user_id: int) -> None:
    team = next(t for t in await h.svc.org.teams() if t.name == "蒸发一班")
    h.user(user_id, "测试")
    await h.say(user_id, user_id, f"/start {team.invite_code}")


async def linked(h: Harness, employee_no: str) -> int | None:
    value = await h.svc.db.fetchval(
        "SELECT tg_user_id FROM members WHERE employee_no = ?", (employee_no,)
    )
    return None if value is None else int(value)


async def test_owner_registers_with_number_and_phone_tail(harness: Harness) -> None:
    h = harness
    assert (await h.svc.org.import_file(ROSTER.encode(), "r.csv")).ok
    await start_with_invite(h, OWNER)
    ask = "\n".join(await h.say(OWNER, OWNER, "30002"))
    assert "手机号后 4 位" in ask and await linked(h, "30002") is None
    done = "\n".join(await h.say(OWNER, OWNER, "９００２"))  # full-width digits, as an IME types
    assert "登记成功" in done and await linked(h, "30002") == OWNER


async def test_colleague_typing_a_number_is_stopped_audited_and_reported(
    harness: Harness,
) -> None:
    h = harness
    await h.say(ADMIN_ID, ADMIN_ID, "/start")  # the admin can be reached privately
    assert (await h.svc.org.import_file(ROSTER.encode(), "r.csv")).ok
    await start_with_invite(h, COLLEAGUE)
    await h.say(COLLEAGUE, COLLEAGUE, "30001")
    mark = h.mark()
    wrong = "\n".join(await h.say(COLLEAGUE, COLLEAGUE, "1234"))
    assert "不符" in wrong and "还可以尝试 4 次" in wrong
    assert await linked(h, "30001") is None
    alerts = "\n".join(h.sent(ADMIN_ID, mark))
    assert "30001" in alerts and "手机号后 4 位不符" in alerts and str(COLLEAGUE) in alerts
    for _ in range(3):
        await h.say(COLLEAGUE, COLLEAGUE, "0000")
    locked = "\n".join(await h.say(COLLEAGUE, COLLEAGUE, "0000"))  # the 5th: a pause
    assert "尝试次数过多" in locked
    await h.say(COLLEAGUE, COLLEAGUE, "8001")  # the right digits, too late: flow ended
    await start_with_invite(h, COLLEAGUE)
    again = "\n".join(await h.say(COLLEAGUE, COLLEAGUE, "30001"))
    assert "尝试次数过多" in again and await linked(h, "30001") is None
    audits = await h.svc.db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'registration.phone_mismatch'"
    )
    assert audits == 5


async def test_no_phone_on_roster_registers_with_number_alone(harness: Harness) -> None:
    h = harness
    assert (await h.svc.org.import_file(ROSTER.encode(), "r.csv")).ok
    await start_with_invite(h, NO_PHONE)
    assert "登记成功" in "\n".join(await h.say(NO_PHONE, NO_PHONE, "30003"))


async def test_deactivated_number_cannot_register(harness: Harness) -> None:
    h = harness
    assert (await h.svc.org.import_file(ROSTER.encode(), "r.csv")).ok
    pruned = "\n".join(ROSTER.splitlines()[:3]) + "\n"
    assert (await h.svc.org.import_file(pruned.encode(), "r.csv", prune=True)).ok
    await start_with_invite(h, NO_PHONE)
    text = "\n".join(await h.say(NO_PHONE, NO_PHONE, "30003"))
    assert "已停用" in text and await linked(h, "30003") is None
