"""Reviewers' topic corrections keep improving the tagging (#20): a reviewer's change through
/review is stored, learnt at once, and learnt again from the database after a restart, so the
next similar suggestion is tagged as the reviewer would — and an unrelated one is not moved."""

from __future__ import annotations

from tests.botfixtures import Harness, build_test_app, start_polling
from tests.test_suggestions_e2e import (
    UNIT_LEADER,
    WORKER,
    buttons,
    last_with_buttons,
    press_text,
    setup,
    submit,
)

CORRECTED = "仓库的劳保鞋码数老是不全"
SIMILAR = "劳保鞋发的码数不全，大号的总没有"
UNRELATED = "食堂夜班就剩冷馒头，能不能给夜班留点热菜"


async def correct(h: Harness, topic: str) -> None:
    await h.say(UNIT_LEADER, UNIT_LEADER, "/review")
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "🏷 改话题")
    for _ in range(3):  # clear the tagger's choice, one press at a time (each edits the keyboard)
        ticked = [b[0] for b in buttons(last_with_buttons(h, UNIT_LEADER)) if b[0].startswith("✓ ")]
        if not ticked:
            break
        await press_text(h, UNIT_LEADER, UNIT_LEADER, ticked[0])
    assert not [b for b in buttons(last_with_buttons(h, UNIT_LEADER)) if b[0].startswith("✓ ")]
    await press_text(h, UNIT_LEADER, UNIT_LEADER, topic)
    await press_text(h, UNIT_LEADER, UNIT_LEADER, "完成")


async def test_a_reviewers_correction_changes_the_next_similar_tagging(harness: Harness) -> None:
    h = harness
    await setup(h, (WORKER, "10003"), (UNIT_LEADER, "10005"))
    before = await h.svc.suggestions.tag(SIMILAR)
    unrelated = (await h.svc.suggestions.tag(UNRELATED)).topics
    assert "安全" not in before.topics  # the shipped tagger reads shoes as welfare
    sid = await submit(h, WORKER, CORRECTED)
    await correct(h, "安全")
    s = await h.svc.suggestions.repo.get(sid)
    assert s is not None and s.topics == ("安全",)
    row = await h.svc.db.fetchone("SELECT by_reviewer, new_topics FROM topic_corrections")
    assert row is not None and row[0] == 1 and "安全" in row[1]
    assert (await h.svc.suggestions.tag(SIMILAR)).topics[0] == "安全"
    assert (await h.svc.suggestions.tag(UNRELATED)).topics == unrelated

    # A restart learns it again, from the stored correction (a new tagger, nothing in memory).
    old_tagger = h.svc.suggestions.tagger
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    await h.app.shutdown()
    app = build_test_app(h.emu, h.tmp)
    async with app:
        await start_polling(app)
        h.app = app
        assert h.svc.suggestions.tagger is not old_tagger
        assert (await h.svc.suggestions.tag(SIMILAR)).topics[0] == "安全"
        assert (await h.svc.suggestions.tag(UNRELATED)).topics == unrelated
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
