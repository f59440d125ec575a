"""帮扶救助 and 意见反映 end to end: a named request with a photo through assignment, an audited
read, a relayed reply and resolution; wrong roles and forged buttons; an anonymous request whose
author an admin with the whole database cannot find, yet who is told every step."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import utcnow
from tests.botfixtures import ADMIN_ID, Harness, build_test_app, start_polling
from tests.test_recognition_e2e import tables
from tests.test_suggestions_e2e import alerts, buttons, last_with_buttons, press_text, settle_all

WANG, CHEN, ZHAO, JIANG, LEADER = 100002, 100003, 100004, 100024, 100001
PEOPLE = {WANG: "10002", CHEN: "10003", ZHAO: "10004", JIANG: "10024", LEADER: "10001"}
GROUP = -100777
STORY = "家属突发重病住院，手术费用约八万元，家里一时凑不齐，希望工会帮助申请大病救助。"


async def setup(h: Harness) -> None:
    await h.import_demo_roster()
    for uid, number in PEOPLE.items():
        await h.register(uid, number)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    await union_tag(h, "10004", on=True)  # 赵振磊: union staff (工会), not an admin
    await h.group(GROUP, "蒸发一班群", [LEADER, WANG, CHEN])
    await h.say(GROUP, LEADER, "/bind")


async def union_tag(h: Harness, employee_no: str, on: bool) -> None:
    """As a roster import with 标签 工会 would (the demo roster has no union staff)."""
    sql = (
        "INSERT INTO member_tags(member_id, tag)"
        " SELECT id, '工会' FROM members WHERE employee_no = ?"
        if on
        else "DELETE FROM member_tags WHERE tag = '工会' AND member_id ="
        " (SELECT id FROM members WHERE employee_no = ?)"
    )
    await h.svc.db.execute(sql, (employee_no,))
    h.svc.people.forget()


async def request_assist(h: Harness, user: int, anonymous: bool) -> int:
    ask = await h.say(user, user, "/assist")
    assert "请选择求助类别" in ask[0]
    await press_text(h, user, user, "大病")
    h.emu.send_photo(user, user)
    await h.settle()
    assert "请再写下文字说明" in h.sent(user)[-1]
    how = await h.say(user, user, STORY)
    assert "附件 1 个" in how[-1]
    out = await press_text(h, user, user, "匿名提交" if anonymous else "实名提交")
    await settle_all(h)
    done = [str(e["text"]) for e in out if e["method"] == "editMessageText"]
    assert done and "编号" in done[-1], out
    return int(done[-1].split("编号 ")[1][:6])


async def forge(h: Harness, chat: int, data: list[str]) -> int:
    """A message of ours carrying any button data (a forged or an old button)."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])
    msg = await h.app.bot.send_message(chat, "旧消息", reply_markup=keyboard)
    await h.settle()
    return msg.message_id


def texts_to(h: Harness, chat: int, after: int = 0) -> list[str]:
    return h.sent(chat, after)


async def assign(h: Harness, case_id: int, name: str) -> list[dict[str, Any]]:
    await h.say(ADMIN_ID, ADMIN_ID, "/cases")
    await press_text(h, ADMIN_ID, ADMIN_ID, f"指派 {case_id}")
    out = await press_text(h, ADMIN_ID, ADMIN_ID, f"⬜ {name}")
    await settle_all(h)
    return out


async def test_named_request_assigned_read_replied_resolved(harness: Harness) -> None:
    h = harness
    await setup(h)
    group_mark = h.mark()
    case_id = await request_assist(h, WANG, anonymous=False)
    # Admins hear that a request came in and its number, never what it says.
    admin_news = texts_to(h, ADMIN_ID, group_mark)
    assert any(f"编号 {case_id}" in t and "帮扶救助申请" in t for t in admin_news)
    assert not any("手术" in t for t in admin_news)
    listing = await h.say(ADMIN_ID, ADMIN_ID, "/cases")
    assert str(case_id) in listing[0] and "未指派" in listing[0] and "手术" not in listing[0]
    # An admin who is not assigned cannot read the content.
    assert "没有权限查看" in (await h.say(ADMIN_ID, ADMIN_ID, f"/case {case_id}"))[0]
    # Workers and team leaders: no list, no content, not even whether the number exists.
    assert "没有权限" in (await h.say(CHEN, CHEN, "/cases"))[0]
    assert "没有找到" in (await h.say(CHEN, CHEN, f"/case {case_id}"))[0]
    assert "没有找到" in (await h.say(LEADER, LEADER, f"/case {case_id}"))[0]
    out = await assign(h, case_id, "蒋桂芳")
    assert alerts(out) == ["已指派给 蒋桂芳。"]
    assert any(f"/case {case_id}" in t for t in texts_to(h, JIANG))
    assert any("已指派处理人" in t for t in texts_to(h, WANG))
    # The assigned handler reads it (with the author's name) and opens the photo.
    mark = h.mark()
    content = await h.say(JIANG, JIANG, f"/case {case_id}")
    assert "手术费用" in content[0] and "王秀兰（蒸发一班）" in content[0]
    await press_text(h, JIANG, JIANG, "附件 1")
    assert any(e["method"] == "sendPhoto" for e in h.emu.transcript(chat_id=JIANG, after_seq=mark))
    await press_text(h, JIANG, JIANG, "回复申请人")
    assert "机器人会转给对方" in texts_to(h, JIANG)[-1]
    assert "内容不能为空" in (await h.say(JIANG, JIANG, "\u200b "))[0]
    sent = await h.say(JIANG, JIANG, "已收到，明天上午请带上诊断书到工会办公室。")
    assert "回复已转给申请人" in sent[0]
    await settle_all(h)
    relayed = texts_to(h, WANG)[-1]
    assert "处理人就你的帮扶救助·大病" in relayed and "诊断书" in relayed
    await h.say(JIANG, JIANG, f"/case {case_id}")
    out = await press_text(h, JIANG, JIANG, "办结")
    assert alerts(out) == [f"编号 {case_id} 已办结，已告知申请人。"]
    await settle_all(h)
    assert "已办结" in texts_to(h, WANG)[-1]
    # A second press of the same (now gone) move changes nothing.
    old = await forge(h, JIANG, [f"cwa:v1:{case_id}:resolve"])
    again = await h.press(JIANG, JIANG, old, data=f"cwa:v1:{case_id}:resolve")
    assert alerts(again) == ["这件申请现在不能这样操作。"]
    # The author follows it in /mycases.
    mine = await h.say(WANG, WANG, "/mycases")
    assert f"{case_id} 帮扶救助·大病" in mine[0] and "已办结" in mine[0]
    own = await press_text(h, WANG, WANG, f"查看 {case_id}")
    own_text = next(str(e["text"]) for e in own if e["method"] == "sendMessage")
    assert not any(buttons(e) for e in own if e["method"] == "sendMessage")  # resolved: no 补充
    assert "手术费用" in own_text and "诊断书" in own_text and "蒋桂芳" not in own_text
    # The admin reads the audit: who saw and did what, when.
    assert str(case_id) not in (await h.say(ADMIN_ID, ADMIN_ID, "/cases"))[0]  # open ones
    await h.say(ADMIN_ID, ADMIN_ID, "/cases 全部")
    audit = await press_text(h, ADMIN_ID, ADMIN_ID, f"记录 {case_id}")
    record = next(str(e["text"]) for e in audit if e["method"] == "sendMessage")
    done = ("李主任：指派", "蒋桂芳：查看内容", "蒋桂芳：查看附件", "蒋桂芳：回复", "蒋桂芳：办结")
    for line in done:
        assert line in record, record
    # Nothing of it ever reached the team's group.
    assert not any("手术" in t or str(case_id) in t for t in texts_to(h, GROUP, group_mark))


async def test_wrong_roles_and_forged_buttons(harness: Harness) -> None:
    h = harness
    await setup(h)
    case_id = await request_assist(h, WANG, anonymous=False)
    await assign(h, case_id, "赵振磊")
    forged = [
        f"cwa:v1:{case_id}:open",
        f"cwa:v1:{case_id}:assign",
        f"cwa:v1:{case_id}:audit",
        f"cwa:v1:{case_id}:resolve",
        f"cwa:v1:{case_id}:reply",
        f"cwf:v1:{case_id}:0",
        f"cwh:v1:{case_id}:{CHEN}",
        f"cwo:v1:{case_id}",
        f"cwp:v1:{case_id}",
    ]
    stale = ["cwa:v1:99999999999999999999:open", "cwa:v1:1:explode", "cwn:v1:feedback",
             "cws:v1:0:anon", "cwh:v1:1:x", "cwf:v1:1:100"]  # fmt: skip
    extra = [f"cwh:v1:{case_id}:{CHEN}", f"cwa:v1:{case_id}:audit", "cws:v1:5:named"]
    msg_id = {u: await forge(h, u, forged + stale + extra) for u in (CHEN, ADMIN_ID, ZHAO, WANG)}
    for data in forged:
        out = await h.press(CHEN, CHEN, msg_id[CHEN], data=data)
        said = alerts(out)
        assert said and ("没有找到" in said[0] or "没有权限" in said[0]), (data, out)
        assert not any(e["method"] == "sendPhoto" for e in out)
    for data in stale:
        out = await h.press(CHEN, CHEN, msg_id[CHEN], data=data)
        assert alerts(out) == ["这个按钮已失效，请重新操作。"], (data, out)
    # An admin may assign only people who may handle requests (admins, union staff).
    out = await h.press(ADMIN_ID, ADMIN_ID, msg_id[ADMIN_ID], data=f"cwh:v1:{case_id}:{CHEN}")
    assert alerts(out) == ["这个人不能处理申请。"]
    # The union handler reads the content but cannot assign or read the audit.
    assert "手术费用" in (await h.say(ZHAO, ZHAO, f"/case {case_id}"))[0]
    out = await h.press(ZHAO, ZHAO, msg_id[ZHAO], data=f"cwa:v1:{case_id}:audit")
    assert alerts(out) == ["没有找到这件申请。"]
    out = await h.press(ZHAO, ZHAO, msg_id[ZHAO], data=f"cwh:v1:{case_id}:{CHEN}")
    assert alerts(out) == ["没有找到这件申请。"]
    # Once the union tag is gone, the old assignment opens nothing.
    await union_tag(h, "10004", on=False)
    assert "没有找到" in (await h.say(ZHAO, ZHAO, f"/case {case_id}"))[0]
    # The old submit button of a finished form is refused.
    out = await h.press(WANG, WANG, msg_id[WANG], data="cws:v1:5:named")
    assert "已经结束或已提交" in alerts(out)[0]
    state = await h.svc.db.fetchval("SELECT state FROM case_requests WHERE id = ?", (case_id,))
    assert state == "assigned"
    handlers = await h.svc.db.fetchall("SELECT handler_tg FROM case_handlers")
    assert [r[0] for r in handlers] == [ZHAO]


async def test_bad_input_and_private_only(harness: Harness) -> None:
    h = harness
    await setup(h)
    assert "私聊" in (await h.say(GROUP, WANG, "/assist"))[0]
    h.user(100099, "游客")
    assert "登记" in (await h.say(100099, 100099, "/feedback"))[0]
    await h.say(WANG, WANG, "/feedback")
    assert "内容不能为空" in (await h.say(WANG, WANG, "\u200b\u200b"))[0]
    assert "2000 字以内" in (await h.say(WANG, WANG, "安" * 2001))[0]
    how = await h.say(WANG, WANG, "班组休息室空调坏了两个月，夏天中暑风险大。")
    assert "选择提交方式" in how[-1]
    out = await press_text(h, WANG, WANG, "取消")
    assert any("已取消" in str(e.get("text")) for e in out)
    assert await h.svc.db.fetchval("SELECT count(*) FROM case_requests") == 0
    assert "/case 123456" in (await h.say(JIANG, JIANG, "/case abc"))[0]


async def test_anonymous_author_is_told_but_not_findable(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.say(CHEN, CHEN, "/feedback")
    await h.say(CHEN, CHEN, "车间主任安排加班从不登记，加班费少算，大家不敢说。")
    out = await press_text(h, CHEN, CHEN, "匿名提交")
    await settle_all(h)
    done = [str(e["text"]) for e in out if e["method"] == "editMessageText"][-1]
    assert "已匿名收到你的意见反映" in done
    case_id = int(done.split("编号 ")[1][:6])
    await assign(h, case_id, "李主任")
    assert "已指派处理人" in texts_to(h, CHEN)[-1]
    content = await h.say(ADMIN_ID, ADMIN_ID, f"/case {case_id}")
    assert "申请人：匿名" in content[0] and "陈志强" not in content[0]
    await press_text(h, ADMIN_ID, ADMIN_ID, "回复申请人")
    await h.say(ADMIN_ID, ADMIN_ID, "已转劳资科核查加班记录，一周内答复。")
    await settle_all(h)
    assert "一周内答复" in texts_to(h, CHEN)[-1]
    # The author sees it in /mycases; another worker does not.
    assert f"{case_id} 意见反映（匿名）" in (await h.say(CHEN, CHEN, "/mycases"))[0]
    assert "还没有提交过" in (await h.say(WANG, WANG, "/mycases"))[0]
    own = f"cwo:v1:{case_id}"
    out = await h.press(WANG, WANG, await forge(h, WANG, [own]), data=own)
    assert alerts(out) == ["没有找到这件申请。"]
    # The author adds to it; the handler is told and reads it, still without a name.
    await h.say(CHEN, CHEN, "/mycases")
    await press_text(h, CHEN, CHEN, f"查看 {case_id}")
    await press_text(h, CHEN, CHEN, "补充说明")
    assert "处理人会看到" in texts_to(h, CHEN)[-1]
    # The unfinished follow-up (it may be left for good) does not hold the request's number.
    conv = await h.svc.db.fetchall(
        "SELECT flow, data FROM conversations WHERE user_id = ?", (CHEN,)
    )
    assert [r[0] for r in conv] == ["case_add"] and str(case_id) not in conv[0][1]
    mark = h.mark()
    assert "已补充" in (await h.say(CHEN, CHEN, "上个月加班 36 小时，工资条只算了 20 小时。"))[0]
    await settle_all(h)
    assert any("申请人补充了" in t for t in texts_to(h, ADMIN_ID, mark))
    again = await h.say(ADMIN_ID, ADMIN_ID, f"/case {case_id}")
    assert "工资条只算了 20 小时" in again[0] and "陈志强" not in again[0]
    add = f"cwp:v1:{case_id}"
    out = await h.press(WANG, WANG, await forge(h, WANG, [add]), data=add)
    assert alerts(out) == ["没有找到这件申请。"]
    # The attack: an admin with every table of the database looks for Chen.
    await h.svc.inbox.flush()
    db = h.svc.db
    member = await db.fetchone(
        "SELECT id, employee_no, name FROM members WHERE employee_no = ?", ("10003",)
    )
    assert member is not None
    row = await db.fetchone("SELECT * FROM case_requests WHERE id = ?", (case_id,))
    assert row is not None and row["author_member_id"] is None and row["anonymous"] == 1
    assert len(row["created_on"]) == 10  # a day, no time to line up with other rows
    seen = await db.fetchval("SELECT last_seen FROM tg_users WHERE user_id = ?", (CHEN,))
    assert len(seen) == 10  # nor the author's last message to the bot, to the millisecond
    assert not await db.fetchval("SELECT count(*) FROM inbox WHERE body != ''")
    identity_tables = {
        "inbox",  # update ids and times only (bodies checked empty above)
        "members", "member_roles", "member_tags", "team_history", "tg_users",
        "registration_attempts", "roster_imports", "people_audit", "audit_log",
    }  # fmt: skip
    dump = await tables(h)
    # Outbox rows that told Chen of the steps keep neither address nor text.
    sealed = await db.fetchall("SELECT chat_id, text FROM outbox WHERE purpose = 'sealed'")
    assert len(sealed) == 2 and all(r[0] == 0 and r[1] == "" for r in sealed)
    needles = {str(CHEN), member["employee_no"], member["name"]}
    for table, rows in dump.items():
        if table in identity_tables:
            continue
        for r in rows:
            cells = {str(c) for c in r}
            assert not needles & cells, (table, r)
            assert not any(member["name"] in c for c in cells), (table, r)
    # Outbox rows to Chen's chat say nothing of a request.
    to_chen = await db.fetchall("SELECT text FROM outbox WHERE chat_id = ?", (CHEN,))
    assert not any(str(case_id) in r[0] or "意见反映" in r[0] for r in to_chen)


async def test_a_request_in_progress_survives_a_restart(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.say(WANG, WANG, "/assist")
    await press_text(h, WANG, WANG, "子女就学")
    h.emu.send_photo(WANG, WANG, caption="录取通知书")
    await h.settle()
    how = last_with_buttons(h, WANG)
    # Stop the bot between two steps and start a fresh process on the same database.
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()
    app = build_test_app(h.emu, h.tmp)
    async with app:
        await start_polling(app)
        h.app = app
        more = await h.say(WANG, WANG, "孩子考上大学，学费一万二，家里困难。")
        assert "附件 1 个" in more[-1]
        # The button shown before the restart still works: same draft, same nonce.
        out = await h.press(WANG, WANG, int(how["message_id"]), button_text="实名提交")
        await settle_all(h)
        assert any("已收到你的帮扶救助申请" in str(e.get("text")) for e in out), out
        body = await h.svc.db.fetchval("SELECT body FROM case_entries")
        assert body == "录取通知书\n孩子考上大学，学费一万二，家里困难。"
        assert await h.svc.db.fetchval("SELECT category FROM case_requests") == "schooling"
        # An old-shape conversation of this flow is ended with "start again", nothing saved.
        await h.svc.conversations.repo.set(WANG, WANG, "case_new", "how", {"text": "x"})
        stale = await h.say(WANG, WANG, "补充一句")
        assert stale == ["这个对话已过期（程序已更新），请重新开始。"]
        assert await h.svc.db.fetchval("SELECT count(*) FROM case_requests") == 1
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()


async def test_waiting_requests_are_reminded_once_a_day(harness: Harness) -> None:
    h = harness
    await setup(h)
    case_id = await request_assist(h, WANG, anonymous=True)
    tz = h.svc.settings.tz
    today = datetime.combine(utcnow().astimezone(tz).date(), time(10), tz)
    remind = h.svc.casework.remind_waiting
    assert await remind(today) == 0  # submitted today: not waiting yet
    assert await remind(today.replace(hour=7) + timedelta(days=1)) == 0  # not before 09:00
    mark = h.mark()
    admins = await h.svc.people.reachable_admins(h.svc.settings.admins)
    assert admins == sorted([ADMIN_ID, JIANG])
    assert await remind(today + timedelta(days=1)) == 2  # each admin
    assert await remind(today + timedelta(days=1, hours=3)) == 0  # once that day
    await settle_all(h)
    said = texts_to(h, ADMIN_ID, mark)
    assert any(f"编号 {case_id}）已等了 1 天，还没有指派处理人" in t for t in said), said
    await assign(h, case_id, "蒋桂芳")
    assert await remind(today + timedelta(days=1, hours=4)) == 0  # assigned 1 day ago: not yet
    assert await remind(today + timedelta(days=2)) == 1
    await settle_all(h)
    assert "还没有回复申请人" in texts_to(h, JIANG)[-1]
    await h.say(JIANG, JIANG, f"/case {case_id}")
    await press_text(h, JIANG, JIANG, "回复申请人")
    await h.say(JIANG, JIANG, "收到，正在核实。")
    assert await remind(today + timedelta(days=3)) == 0  # answered


async def test_a_caption_that_does_not_fit_is_told_not_dropped_silently(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.say(WANG, WANG, "/assist")
    await press_text(h, WANG, WANG, "大病")
    story = "家" * 1990
    await h.say(WANG, WANG, story)
    h.emu.send_photo(WANG, WANG, caption="这是诊断书的第一页，上面写着住院的时间和费用")
    await h.settle()
    told = h.sent(WANG)[-2:]
    assert any("说明文字放不下" in t and "2000" in t for t in told), told
    assert "附件 1 个" in told[-1]
    # The text is the story alone, the photo kept: the request submits as it was written.
    out = await press_text(h, WANG, WANG, "实名提交")
    await settle_all(h)
    done = [str(e["text"]) for e in out if e["method"] == "editMessageText"]
    assert done and "编号" in done[-1], out
    texts = await h.svc.db.fetchall("SELECT body FROM case_entries")
    assert any(r[0] == story for r in texts), texts
