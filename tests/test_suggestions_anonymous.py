"""Anonymous suggestions keep their author out of the database (migration 0024): the author is
still told each step and finds it in /mine; an admin with every table cannot find who wrote
it; a database from before has its anonymous authors unlinked by the migration."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.db import Database
from bot.paths import MIGRATIONS
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_recognition_e2e import tables
from tests.test_suggestions_e2e import TEXT, buttons, last_with_buttons, settle_all, setup, submit

WORKER, OTHER, UNIT_LEADER = 100003, 100004, 100005


async def test_anonymous_author_told_and_listed_but_not_in_the_database(
    harness: Harness,
) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (OTHER, "10004"), (UNIT_LEADER, "10005"))
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    sid = await submit(h, WORKER, anonymous=True)
    named = await submit(h, OTHER, "食堂排队时间太长，建议增加一个打饭窗口")
    await settle_all(h)
    notice = next(
        e
        for e in h.emu.transcript(chat_id=UNIT_LEADER)
        if e["method"] == "sendMessage" and f"#{sid}" in str(e["text"]) and buttons(e)
    )
    await h.press(UNIT_LEADER, UNIT_LEADER, int(notice["message_id"]), button_text="查看并处理")
    mark = h.mark()
    card = last_with_buttons(h, UNIT_LEADER)
    await h.press(UNIT_LEADER, UNIT_LEADER, int(card["message_id"]), button_text="受理")
    await settle_all(h)
    told = h.sent(WORKER, mark)
    assert any(f"你的建议 #{sid}" in t and "已受理" in t for t in told), told
    # /mine: the author sees it, the other worker sees only their own.
    mine = "\n".join(await h.say(WORKER, WORKER, "/mine"))
    assert f"#{sid}" in mine
    theirs = "\n".join(await h.say(OTHER, OTHER, "/mine"))
    assert f"#{named}" in theirs and f"#{sid}" not in theirs
    # The attack: every table, looking for the worker.
    await h.svc.inbox.flush()
    db = h.svc.db
    row = await db.fetchone("SELECT * FROM suggestions WHERE id = ?", (sid,))
    assert row is not None and row["author_member_id"] is None and row["author_tag"]
    assert await db.fetchval("SELECT author_member_id FROM suggestions WHERE id = ?", (named,))
    member = await db.fetchone("SELECT id, name FROM members WHERE employee_no = '10003'")
    assert member is not None
    sealed = await db.fetchall("SELECT chat_id, text FROM outbox WHERE purpose = 'sealed'")
    assert sealed and all(r[0] == 0 and r[1] == "" for r in sealed)
    skip = {"inbox", "members", "member_roles", "member_tags", "team_history", "tg_users",
            "registration_attempts", "roster_imports", "audit_log"}  # fmt: skip
    for table, rows in (await tables(h)).items():
        if table in skip:
            continue
        for r in rows:
            cells = {str(c) for c in r}
            assert str(WORKER) not in cells and "10003" not in cells, (table, r)
            assert not any(member["name"] in c for c in cells), (table, r)
    # The worker's own submit left no actor, and no outbox row to their chat names the id.
    actors = await db.fetchall(
        "SELECT actor FROM suggestion_events WHERE suggestion_id = ?", (sid,)
    )
    assert WORKER not in {r[0] for r in actors}
    to_worker = await db.fetchall("SELECT text FROM outbox WHERE chat_id = ?", (WORKER,))
    assert not any(f"#{sid}" in r[0] for r in to_worker)


async def test_migration_unlinks_anonymous_authors_of_before(tmp_path: Path) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for f in MIGRATIONS.glob("*.sql"):
        if int(f.name[:4]) < 24:
            shutil.copy(f, before / f.name)
    db = Database(tmp_path / "old.db")
    await db.open(before)
    await db.execute("INSERT INTO units(id, name) VALUES (1, '一分场')")
    await db.execute("INSERT INTO teams(id, unit_id, name, invite_code) VALUES (1, 1, '一班', 'x')")
    await db.execute(
        "INSERT INTO members(id, employee_no, name, team_id, tg_user_id) VALUES"
        " (7, '10003', '陈志强', 1, 100003), (8, '10004', '赵振磊', 1, 100004)"
    )
    for sid, member, anon in ((1, 7, 1), (2, 8, 0), (3, 8, 1)):
        await db.execute(
            "INSERT INTO suggestions(id, author_member_id, team_id, unit_id, text, anonymous)"
            " VALUES (?, ?, 1, 1, ?, ?)",
            (sid, member, TEXT, anon),
        )
        await db.execute(
            "INSERT INTO suggestion_events(suggestion_id, actor, to_state)"
            " VALUES (?, ?, 'submitted')",
            (sid, 100000 + member - 4),
        )
    await db.execute(
        "INSERT INTO suggestion_credits(suggestion_id, member_id, via_id) VALUES (2, 7, 1)"
    )
    await db.execute(
        "INSERT INTO outbox(dedupe_key, purpose, chat_id, text, not_before, state)"
        " VALUES ('sg:1:adopted:100003', 'suggestion', 100003, '你的建议 #1 已采纳', 'x', 'sent')"
    )
    await db.close()
    db = Database(tmp_path / "old.db")
    await db.open(MIGRATIONS)
    rows = await db.fetchall("SELECT id, author_member_id FROM suggestions ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, None), (2, 8), (3, None)]
    events = await db.fetchall("SELECT suggestion_id, actor FROM suggestion_events ORDER BY 1")
    assert [tuple(r) for r in events] == [(1, 0), (2, 100004), (3, 0)]
    assert await db.fetchval("SELECT count(*) FROM suggestion_credits") == 0
    out = await db.fetchone("SELECT chat_id, text FROM outbox")
    assert out is not None and tuple(out) == (0, "")
    assert await db.fetchval("PRAGMA integrity_check") == "ok"
    # A named suggestion still needs its author: the constraint that stays is the foreign key.
    assert await db.fetchval("PRAGMA foreign_key_check") is None
    await db.close()
