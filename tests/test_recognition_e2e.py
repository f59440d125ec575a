"""评先树优 end to end: a campaign through nomination (bad input, wrong roles), review,
secret ballot (change before close, one ballot per person, results hidden), close with
counts published; and the proof that an admin with every table and export cannot link a
voter to a choice."""

from __future__ import annotations

import argparse
import zipfile
from typing import Any

from bot.context import BanzuContext
from handlers.recognition import remind
from tests.botfixtures import ADMIN_ID, Harness, build_test_app, start_polling
from tests.test_contest_e2e import forge
from tests.test_suggestions_e2e import alerts, buttons, last_with_buttons, press_text, settle_all

LEADER, WANG, CHEN, ZHAO, SUN, ZHOU, WU = 100001, 100002, 100003, 100004, 100005, 100006, 100007
VOTERS = {
    LEADER: "10001",
    WANG: "10002",
    CHEN: "10003",
    ZHAO: "10004",
    SUN: "10005",
    ZHOU: "10006",
    WU: "10007",
}
GROUP = -100555
STALE = "这个按钮已失效，请重新操作。"
FLOW_STALE = "这个对话已过期（程序已更新），请重新开始。"


async def setup(h: Harness) -> None:
    await h.import_demo_roster()
    for uid, number in VOTERS.items():
        await h.register(uid, number)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")


async def create(h: Harness, args: str = "模范职工 2026Q4 2 一分场") -> int:
    out = await h.say(ADMIN_ID, ADMIN_ID, f"/award_new {args}")
    assert "已新建评选" in out[-1], out
    return int(await h.svc.db.fetchval("SELECT max(id) FROM award_campaigns"))


async def nominate(h: Harness, user: int, who: str, reason: str) -> list[str]:
    await h.say(user, user, "/nominate")
    await press_text(h, user, user, "提名：模范职工 2026年第四季度")
    await h.say(user, user, who)
    return await h.say(user, user, reason)


async def admin_press(h: Harness, label: str) -> list[dict[str, Any]]:
    await h.say(ADMIN_ID, ADMIN_ID, "/awards")
    return await press_text(h, ADMIN_ID, ADMIN_ID, label)


async def to_vote(h: Harness) -> int:
    cid = await create(h)
    assert (
        "已提交对王秀兰（蒸发一班）的提名"
        in (await nominate(h, CHEN, "10002", "连续三年零违章"))[0]
    )
    await nominate(h, WANG, "陈志强", "带徒弟五人，技术革新两项")
    await nominate(h, CHEN, "10004", "抢修及时")
    await admin_press(h, "1. 结束提名，开始审核")
    await admin_press(h, "1. 审核名单")
    for name in ("王秀兰（蒸发一班）", "陈志强（蒸发一班）", "赵振磊（蒸发一班）"):
        await press_text(h, ADMIN_ID, ADMIN_ID, f"⬜ {name}")
    out = await press_text(h, ADMIN_ID, ADMIN_ID, "开始投票")
    assert any("开始投票，共 3 名候选人" in str(e.get("text")) for e in out), out
    return cid


async def vote(h: Harness, user: int, names: list[str]) -> dict[str, Any]:
    await h.say(user, user, "/vote")
    await press_text(h, user, user, "投票：模范职工 2026年第四季度")
    for name in names:
        await press_text(h, user, user, f"⬜ {name}（蒸发一班）")
    await press_text(h, user, user, "✅ 提交选票")
    return last_with_buttons(h, user)


async def test_nomination_bad_input_and_wrong_roles(harness: Harness) -> None:
    h = harness
    await setup(h)
    assert await h.say(CHEN, CHEN, "/award_new 模范职工 2026Q4") == ["你没有权限进行这个操作。"]
    bad = await h.say(ADMIN_ID, ADMIN_ID, "/award_new 模范职工 下个季度")
    assert "看不懂期次" in bad[0]
    assert "名额要写" in (await h.say(ADMIN_ID, ADMIN_ID, "/award_new 模范职工 2026Q4 0"))[0]
    assert (
        "没有叫“三分场”的单位"
        in (await h.say(ADMIN_ID, ADMIN_ID, "/award_new 模范职工 2026Q4 三分场"))[0]
    )
    assert "目前没有你可以提名" in (await h.say(CHEN, CHEN, "/nominate"))[0]
    await create(h, "优秀班组长 2026Q4 一分场")
    await h.say(CHEN, CHEN, "/nominate")
    await press_text(h, CHEN, CHEN, "提名：优秀班组长 2026年第四季度")
    assert "没有找到“99999”" in (await h.say(CHEN, CHEN, "99999"))[0]
    assert "宋卫东" not in (await h.say(CHEN, CHEN, "10015"))[0]  # another unit: not found
    assert "不能提名自己" in (await h.say(CHEN, CHEN, "10003"))[0]
    assert "不符合本次评选的条件" in (await h.say(CHEN, CHEN, "10002"))[0]
    assert "请写提名理由" in (await h.say(CHEN, CHEN, "刘建国"))[0]
    assert "不能为空" in (await h.say(CHEN, CHEN, "\u200b  "))[0]
    assert "内容太长了（501 字）" in (await h.say(CHEN, CHEN, "安" * 501))[0]
    saved = await h.say(CHEN, CHEN, "班组连续 300 天无事故")
    assert "已提交对刘建国（蒸发一班）的提名" in saved[0] and "学习考勤" in saved[0]
    # A worker's list has no admin buttons; the campaign is where the admin left it.
    listing = await h.say(CHEN, CHEN, "/awards")
    assert "提名中" in listing[0] and not buttons(h.last_message(CHEN))
    assert await h.svc.db.fetchval("SELECT stage FROM award_campaigns") == "nomination"


async def test_vote_change_once_per_person_hidden_until_close(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.group(GROUP, "蒸发一班群", [LEADER, WANG, CHEN])
    await h.say(GROUP, LEADER, "/bind")
    cid = await to_vote(h)
    receipt = await vote(h, CHEN, ["王秀兰", "赵振磊"])
    assert "你的选票已记录" in receipt["text"] and "王秀兰" in receipt["text"]
    # The quota is 2: a third choice is refused.
    await h.say(ZHAO, ZHAO, "/vote")
    await press_text(h, ZHAO, ZHAO, "投票：模范职工 2026年第四季度")
    for name in ("王秀兰", "陈志强"):
        await press_text(h, ZHAO, ZHAO, f"⬜ {name}（蒸发一班）")
    full = await press_text(h, ZHAO, ZHAO, "⬜ 赵振磊（蒸发一班）")
    assert alerts(full) == ["最多只能选 2 名。请先取消一名再选。"]
    await press_text(h, ZHAO, ZHAO, "✅ 提交选票")
    # Change: the receipt's button brings the ballot back with the choices cast.
    await h.press(CHEN, CHEN, int(receipt["message_id"]), button_text="查看 / 修改我的选票")
    again = last_with_buttons(h, CHEN)
    assert [t for t, _ in buttons(again) if t.startswith("☑️")] == [
        "☑️ 王秀兰（蒸发一班）",
        "☑️ 赵振磊（蒸发一班）",
    ]
    await press_text(h, CHEN, CHEN, "☑️ 赵振磊（蒸发一班）")
    await press_text(h, CHEN, CHEN, "✅ 提交选票")
    assert "选票已修改" in last_with_buttons(h, CHEN)["text"]
    # One ballot per person: a second blank ballot is refused.
    await h.say(CHEN, CHEN, "/vote")
    second = await press_text(h, CHEN, CHEN, "投票：模范职工 2026年第四季度（已投）")
    assert "你已经投过票了" in alerts(second)[0]
    assert await h.svc.db.fetchval("SELECT count(*) FROM award_receipts") == 2
    # Someone outside the unit cannot vote.
    await h.register(100015, "10015")
    assert "目前没有你可以参加的投票" in (await h.say(100015, 100015, "/vote"))[0]
    # Hidden until close: the admin sees turnout, never counts.
    await admin_press(h, "1. 投票进度")
    progress = h.sent(ADMIN_ID)[-1]
    assert "已投票 2 人 / 应投 14 人" in progress and "票" not in progress.split("人 /")[0][-3:]
    await h.say(ADMIN_ID, ADMIN_ID, "/awards")
    mark = h.mark()
    await press_text(h, ADMIN_ID, ADMIN_ID, "1. 结束投票并计票")
    await settle_all(h)
    published = h.sent(GROUP, mark)
    assert published and "王秀兰（蒸发一班）：2 票" in published[0] and "★" in published[0]
    assert "投票 2 人（应投 14 人），有效选票 2 张" in published[0]
    # A ballot button after the close: refused, nothing changes.
    late = await h.press(CHEN, CHEN, int(receipt["message_id"]), button_text="查看 / 修改我的选票")
    assert alerts(late) == ["投票已经结束，选票不能再修改。"]
    rows = await h.svc.db.fetchall(
        "SELECT nominee_id, votes FROM award_results WHERE campaign_id = ?", (cid,)
    )
    assert sorted(r[1] for r in rows) == [0, 1, 2]


async def test_admin_with_the_database_cannot_link_voters_to_choices(harness: Harness) -> None:
    """Seven voters cast seven different ballots, one after the other; then the attacker (an
    admin with the database file - every table, the outbox, conversations, audit log - and
    the export) tries to line voters up with ballots and finds no link."""
    h = harness
    await setup(h)
    cid = await to_vote(h)
    order = [WU, LEADER, ZHOU, WANG, SUN, CHEN, ZHAO]  # not member order, on purpose
    ballots_cast = [
        [],
        ["王秀兰"],
        ["陈志强"],
        ["赵振磊"],
        ["王秀兰", "陈志强"],
        ["王秀兰", "赵振磊"],
        ["陈志强", "赵振磊"],
    ]
    chosen = {uid: frozenset(b) for uid, b in zip(order, ballots_cast, strict=True)}
    for uid in order:
        await vote(h, uid, sorted(chosen[uid]))
    await settle_all(h)
    db = h.svc.db
    member_of = {
        uid: int(await db.fetchval("SELECT id FROM members WHERE employee_no = ?", (VOTERS[uid],)))
        for uid in order
    }
    # 1. The ballot tables have no row id, no time, no voter column.
    for table in ("award_receipts", "award_choices", "award_voters"):
        sql = await db.fetchval("SELECT sql FROM sqlite_master WHERE name = ?", (table,))
        assert "WITHOUT ROWID" in sql
    cols = {r[1] for r in await db.fetchall("SELECT * FROM pragma_table_info('award_choices')")}
    assert cols == {"campaign_id", "receipt", "position"}
    cols = {r[1] for r in await db.fetchall("SELECT * FROM pragma_table_info('award_receipts')")}
    assert cols == {"campaign_id", "receipt"}
    cols = {r[1] for r in await db.fetchall("SELECT * FROM pragma_table_info('award_voters')")}
    assert cols == {"campaign_id", "member_id"}
    # 2. The tokens the voters hold (only in their own chats) are nowhere in the database.
    tokens = {
        data.split(":")[3]
        for uid in order
        for e in h.emu.transcript(chat_id=uid)
        for _, data in buttons(e)
        if data.startswith("awb:")
    }
    assert len(tokens) == len(order)
    await h.svc.inbox.flush()  # handled updates keep their id only, not what was pressed
    assert not await db.fetchval(
        "SELECT count(*) FROM inbox WHERE done_at IS NOT NULL AND body != ''"
    )
    dump = await tables(h)
    text = repr(dump)
    for token in tokens:
        assert token not in text
    # 3. Receipts appear in the two ballot tables only; no other row holds one.
    receipts = {bytes(r[0]) for r in await db.fetchall("SELECT receipt FROM award_receipts")}
    assert len(receipts) == len(order)
    for table, rows in dump.items():
        if table in ("award_receipts", "award_choices"):
            continue
        flat = repr(rows)
        assert not any(repr(x) in flat or x.hex() in flat for x in receipts), table
    # 4. Storage order follows the random receipts and the member ids, not the voting order.
    natural = [bytes(r[0]) for r in await db.fetchall("SELECT receipt FROM award_receipts")]
    assert natural == sorted(natural)
    voters = [r[0] for r in await db.fetchall("SELECT member_id FROM award_voters")]
    assert voters == sorted(voters) and set(voters) == set(member_of.values())
    # 5. The attack: pair the i-th voter (by voting order, or by member id) with the i-th
    #    ballot (by storage order): it does not recover everyone's choice.
    positions = {
        r[1]: r[0]
        for r in await db.fetchall(
            "SELECT a.position, m.name FROM award_candidates a"
            " JOIN members m ON m.id = a.nominee_id"
            " WHERE a.campaign_id = ?",
            (cid,),
        )
    }
    stored: list[frozenset[str]] = []
    for receipt in natural:
        picked = await db.fetchall(
            "SELECT position FROM award_choices WHERE receipt = ?", (receipt,)
        )
        names = {n for n, p in positions.items() if p in {r[0] for r in picked}}
        stored.append(frozenset(names))
    by_member = sorted(order, key=lambda u: member_of[u])
    assert [chosen[u] for u in order] != stored
    assert [chosen[u] for u in by_member] != stored
    # 6. The export: counts and candidates only; nobody who only voted is named.
    out = h.tmp / "awards.xlsx"
    from bot.cli import awards

    args = argparse.Namespace(out=out, chart=h.tmp / "awards.png", lang=None)
    await h.say(ADMIN_ID, ADMIN_ID, "/awards")
    await press_text(h, ADMIN_ID, ADMIN_ID, "1. 结束投票并计票")
    assert await awards.main(h.svc.settings, args, h.svc.clock) == 0
    assert (h.tmp / "awards.png").read_bytes()[:4] == b"\x89PNG"
    with zipfile.ZipFile(out) as z:
        xml = " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    assert "王秀兰" in xml and "评选结果" in xml
    for uid in (WU, LEADER, ZHOU, SUN):  # voted, not a candidate
        name = await db.fetchval("SELECT name FROM members WHERE id = ?", (member_of[uid],))
        assert name not in xml


async def tables(h: Harness) -> dict[str, list[tuple[Any, ...]]]:
    names = [
        r[0]
        for r in await h.svc.db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: [tuple(r) for r in await h.svc.db.fetchall(f'SELECT * FROM "{n}"')] for n in names}


async def test_reminders_reach_only_non_voters_once_a_day(harness: Harness) -> None:
    h = harness
    await setup(h)
    mark = h.mark()
    await to_vote(h)  # opening the vote tells everyone who may vote, once
    await settle_all(h)
    told = [uid for uid in VOTERS if any("还没有投票" in t for t in h.sent(uid, mark))]
    assert sorted(told) == sorted(VOTERS)
    assert not any("还没有投票" in t for t in h.sent(ADMIN_ID, mark))  # admins get no names
    await vote(h, CHEN, ["王秀兰"])
    mark = h.mark()
    context = BanzuContext(h.app)
    assert await remind(context, force_day=True) == 0  # everyone was told today already
    await h.svc.db.execute("DELETE FROM civic_reminders")  # as if a day had passed
    assert await remind(context, force_day=True) == len(VOTERS) - 1
    await settle_all(h)
    assert not h.sent(CHEN, mark)  # who has voted is not reminded
    for uid in VOTERS:
        for text in h.sent(uid, mark):
            assert not any(n in text for n in ("陈志强", "刘建国", "周婷"))  # nobody named


async def test_restart_keeps_the_nomination_flow_and_the_ballot(harness: Harness) -> None:
    h = harness
    await setup(h)
    await create(h)
    await h.say(CHEN, CHEN, "/nominate")
    await press_text(h, CHEN, CHEN, "提名：模范职工 2026年第四季度")
    await h.say(CHEN, CHEN, "10002")
    await restart(h)
    saved = await h.say(CHEN, CHEN, "爱岗敬业")
    assert "已提交对王秀兰（蒸发一班）的提名" in saved[0]
    await admin_press(h, "1. 结束提名，开始审核")
    await admin_press(h, "1. 审核名单")
    await press_text(h, ADMIN_ID, ADMIN_ID, "⬜ 王秀兰（蒸发一班）")
    await press_text(h, ADMIN_ID, ADMIN_ID, "开始投票")
    await h.say(WANG, WANG, "/vote")
    await press_text(h, WANG, WANG, "投票：模范职工 2026年第四季度")
    await press_text(h, WANG, WANG, "⬜ 王秀兰（蒸发一班）")
    await restart(h)  # the draft lives in the buttons, the vote in the database
    await press_text(h, WANG, WANG, "✅ 提交选票")
    assert "王秀兰" in last_with_buttons(h, WANG)["text"]
    assert await h.svc.db.fetchval("SELECT count(*) FROM award_choices") == 1
    await stop(h)


async def stop(h: Harness) -> None:
    await h.settle()
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()


async def restart(h: Harness) -> None:
    await stop(h)
    h.app = build_test_app(h.emu, h.tmp)
    await h.app.initialize()
    await start_polling(h.app)


async def test_democratic_evaluation_anonymous_five_or_more(harness: Harness) -> None:
    h = harness
    await setup(h)
    assert await h.say(WANG, WANG, "/rating_new 2026H2") == ["你没有权限进行这个操作。"]
    assert "看不懂期次" in (await h.say(ADMIN_ID, ADMIN_ID, "/rating_new 2026Q4"))[0]
    opened = await h.say(ADMIN_ID, ADMIN_ID, "/rating_new 2026年下半年 一分场")
    assert "3 位领导接受评议" in opened[0]
    await settle_all(h)
    raters = [WANG, CHEN, ZHAO, ZHOU, WU]
    grades = ["优秀", "称职", "称职", "基本称职", "优秀"]
    for uid, grade in zip(raters, grades, strict=True):
        await h.say(uid, uid, "/rate")
        await press_text(h, uid, uid, "评议：刘建国（蒸发一班）")
        await press_text(h, uid, uid, grade)
        if uid == WANG:
            assert "不能为空" in (await h.say(uid, uid, " "))[0]
            await h.say(uid, uid, "我是王秀兰，和陈志强都觉得刘班长很负责")
        else:
            await press_text(h, uid, uid, "不写意见")
    # Once only.
    await h.say(WANG, WANG, "/rate")
    listing = last_with_buttons(h, WANG)
    assert [t for t, _ in buttons(listing)] == ["评议：孙海波（一分场）"]
    # 孙海波 has one rater: hidden; 刘建国 has five: shown, the comment screened.
    await h.say(WANG, WANG, "/rate")
    await press_text(h, WANG, WANG, "评议：孙海波（一分场）")
    await press_text(h, WANG, WANG, "称职")
    await press_text(h, WANG, WANG, "不写意见")
    assert await h.say(CHEN, CHEN, "/ratings") == ["你没有权限进行这个操作。"]
    await h.say(ADMIN_ID, ADMIN_ID, "/ratings")
    results = h.sent(ADMIN_ID)[-1]
    assert "刘建国（蒸发一班）：参评 5/6 人" in results
    assert "优秀 2、称职 2、基本称职 1、不称职 0；满意率 80%" in results
    assert "觉得刘班长很负责" in results and "王秀兰" not in results and "陈志强" not in results
    assert "孙海波（一分场）：参评 1/13 人，不足 5 人" in results
    # The data model: who rated is apart from what was said; no rater column, no time.
    cols = {
        r[1] for r in await h.svc.db.fetchall("SELECT * FROM pragma_table_info('rating_grades')")
    }
    assert cols == {"round_id", "ratee_id", "token", "grade"}
    liu = await h.svc.db.fetchval("SELECT id FROM members WHERE employee_no = '10001'")
    stored = [
        r[0]
        for r in await h.svc.db.fetchall(
            "SELECT token FROM rating_grades WHERE ratee_id = ?", (liu,)
        )
    ]
    assert stored == sorted(stored)  # stored by a random key, not by the order of rating
    await press_text(h, ADMIN_ID, ADMIN_ID, "结束评议")
    late = await h.say(ZHAO, ZHAO, "/rate")
    assert "没有需要你参加的民主评议" in late[0]


async def test_forged_presses_are_stale_and_untyped_rows_end_politely(harness: Harness) -> None:
    h = harness
    await setup(h)
    cid = await to_vote(h)
    sel = "0" * 12
    for data in (
        f"awc:v1:{cid}:delete",
        f"awc:v1:{cid}0000000000000000000000:close",
        f"awb:v1:{cid}:tok:zzzzzzzzzzzz:s",
        f"awb:v1:{cid}:tok:{sel}:0",
        f"awb:v1:{cid}:tok:{sel}:49",
        "awn:v1:abc",
        "rtg:v1:1:1:excellent",
        "rtm:v1:1:open",
    ):
        assert await forge(h, ADMIN_ID, data) == [STALE], data
    assert await h.svc.db.fetchval("SELECT stage FROM award_campaigns") == "vote"
    # A position beyond this ballot's candidates (but within any ballot's) is stale too.
    assert await forge(h, CHEN, f"awb:v1:{cid}:tok:{sel}:9") == [STALE]
    assert await h.svc.db.fetchval("SELECT count(*) FROM award_receipts") == 0
    # What the untyped code stored (no version) ends with the polite 'start again'.
    await h.svc.conversations.repo.set(
        CHEN, CHEN, "award_nominate", "reason", {"cid": cid, "nid": 1}
    )
    assert await h.say(CHEN, CHEN, "爱岗敬业") == [FLOW_STALE]
    assert await h.svc.conversations.get(CHEN, CHEN) is None
    await h.svc.conversations.repo.set(
        CHEN, CHEN, "rating_comment", "comment", {"round": 1, "ratee": 2}
    )
    assert await forge(h, CHEN, "rtc:v1:1:2") == [STALE]
    assert await h.svc.conversations.get(CHEN, CHEN) is None
    await h.svc.conversations.repo.set(
        CHEN, CHEN, "rating_comment", "comment", {"round": 1, "ratee": 2}
    )
    assert await h.say(CHEN, CHEN, "很负责") == [FLOW_STALE]
    assert await h.svc.db.fetchval("SELECT count(*) FROM rating_comments") == 0
