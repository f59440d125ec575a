"""谈心谈话 end to end: a leader records and plans talks with people in reach (bad input, wrong
role, out of reach, self), is reminded on the day, marks it held; only the recorder and admins
see records; admins see the monthly count per unit."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.clock import utcnow
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_casework_e2e import forge
from tests.test_suggestions_e2e import alerts, buttons, settle_all

LEADER, WANG, CHEN, SONG = 100001, 100002, 100003, 100015
PEOPLE = {LEADER: "10001", WANG: "10002", CHEN: "10003", SONG: "10015"}


async def setup(h: Harness) -> None:
    await h.import_demo_roster()
    for uid, number in PEOPLE.items():
        await h.register(uid, number)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")


async def test_record_plan_remind_and_who_sees_it(harness: Harness) -> None:
    h = harness
    await setup(h)
    assert "用法：/talk 工号 类别" in (await h.say(LEADER, LEADER, "/talk"))[0]
    assert "班组长、单位负责人和管理员" in (await h.say(CHEN, CHEN, "/talk 10002 思想 谈谈"))[0]
    assert "看不懂谈话类别" in (await h.say(LEADER, LEADER, "/talk 10003 聊天 谈谈"))[0]
    assert "请写上谈话内容" in (await h.say(LEADER, LEADER, "/talk 10003 思想 明天"))[0]
    assert "没有找到这个工号" in (await h.say(LEADER, LEADER, "/talk 99999 思想 谈谈"))[0]
    # 宋卫东 is in another unit: out of a team leader's reach, answered like an unknown number.
    assert "没有找到这个工号" in (await h.say(LEADER, LEADER, "/talk 10015 思想 谈谈"))[0]
    assert "不能记录和自己" in (await h.say(LEADER, LEADER, "/talk 10001 思想 谈谈"))[0]
    assert (
        "最多可以提前 90 天" in (await h.say(LEADER, LEADER, "/talk 10003 思想 2099-01-01 谈"))[0]
    )
    held = await h.say(LEADER, LEADER, "/talk 10003 家庭 家中老人住院，情绪低落，已联系工会帮扶")
    assert "已记录谈心谈话" in held[0] and "陈志强（蒸发一班）谈家庭" in held[0]
    planned = await h.say(LEADER, LEADER, "/talk 10002 工作 明天 谈岗位调整的想法")
    assert "已安排谈心谈话" in planned[0] and "计划" in planned[0]
    talk_id = int(await h.svc.db.fetchval("SELECT max(id) FROM talks"))
    # Nothing to remind today; tomorrow at 10:00 local the leader is reminded, once.
    tz = h.svc.settings.tz
    today = datetime.combine(utcnow().astimezone(tz).date(), time(10), tz)
    assert await h.svc.talks.remind(today) == 0  # planned for tomorrow: not due today
    tomorrow = today + timedelta(days=1)
    assert await h.svc.talks.remind(tomorrow) == 1
    assert await h.svc.talks.remind(tomorrow + timedelta(hours=1)) == 0
    await settle_all(h)
    reminder = h.last_message(LEADER)
    assert "提醒" in reminder["text"] and "王秀兰（蒸发一班）" in reminder["text"]
    assert [t for t, _ in buttons(reminder)] == [f"#{talk_id} 已谈", f"#{talk_id} 取消"]
    # Another leader cannot settle it, even with the button's data.
    other = await forge(h, SONG, [f"tk:v1:{talk_id}:held"])
    out = await h.press(SONG, SONG, other, data=f"tk:v1:{talk_id}:held")
    assert alerts(out) == ["没有找到这次计划谈话，或它已经办完。"]
    out = await h.press(LEADER, LEADER, int(reminder["message_id"]), button_text=f"#{talk_id} 已谈")
    assert alerts(out) == [f"#{talk_id} 已记为谈过。"]
    again = await forge(h, LEADER, [f"tk:v1:{talk_id}:cancel", "tk:v1:0:held", "tk:v1:1:x"])
    out = await h.press(LEADER, LEADER, again, data=f"tk:v1:{talk_id}:cancel")
    assert alerts(out) == ["没有找到这次计划谈话，或它已经办完。"]
    for data in ("tk:v1:0:held", "tk:v1:1:x"):
        assert alerts(await h.press(LEADER, LEADER, again, data=data)) == [
            "这个按钮已失效，请重新操作。"
        ]
    # Who sees what: the recorder their own; a worker nothing; another leader not these.
    mine = await h.say(LEADER, LEADER, "/talks")
    assert len(mine) == 1 and "陈志强" in mine[0] and "王秀兰" in mine[0]
    assert "班组长、单位负责人和管理员" in (await h.say(WANG, WANG, "/talks"))[0]
    # The admin: monthly counts per unit (held talks only, by the person's unit).
    month = utcnow().astimezone(tz).strftime("%Y-%m")  # both talks held today
    counts = await h.say(ADMIN_ID, ADMIN_ID, f"/talks {month}")
    assert "一分场：2 次，2 人" in counts[0], counts
    total = int(await h.svc.db.fetchval(
        "SELECT count(*) FROM talks WHERE state = 'held' AND substr(held_on, 1, 7) = ?", (month,)
    ))  # fmt: skip
    assert f"合计 {total} 次" in counts[0]
    assert "看不懂月份" in (await h.say(ADMIN_ID, ADMIN_ID, "/talks 下下个月"))[0]
