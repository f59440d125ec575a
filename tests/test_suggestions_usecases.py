"""The suggestion use cases the handlers call, one outcome each: writing a draft (privately,
in a group, photos), the preview's buttons (stale, cancel, topics, submit), a reviewer's card,
topic buttons and 重复, and /suggestion_report's refusals — and the topic rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services import suggestions as sv
from bot.services.identity import Identity, identify
from bot.services.suggestions import Decision, DraftAct, DraftReply, DraftStep
from bot.tagging import OTHER
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_suggestions_e2e import TEXT, WORKER, setup

UNIT_LEADER, FAR_UNIT_LEADER = 100005, 100018
STRANGER = 100099
NOW = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)


@pytest.fixture
async def h(harness: Harness) -> Harness:
    await setup(harness, (WORKER, "10003"), (UNIT_LEADER, "10005"), (FAR_UNIT_LEADER, "10018"))
    return harness


async def ident(h: Harness, user_id: int) -> Identity:
    return await identify(h.svc.people, h.svc.settings, user_id)


async def preview(h: Harness, text: str = TEXT) -> sv.SuggestDraft:
    w = await ident(h, WORKER)
    out = await h.svc.suggestions.start_draft(w.person, WORKER, True, text)
    assert out.reply is None and out.preview is not None
    return out.preview


def test_a_third_topic_replaces_the_older_and_other_stands_alone() -> None:
    assert sv.toggle_topic(["a"], "b") == ["a", "b"]
    assert sv.toggle_topic(["a", "b"], "c") == ["b", "c"]
    assert sv.toggle_topic(["a", "b"], "a") == ["b"]
    assert sv.toggle_topic(["a"], OTHER) == [OTHER]
    assert sv.toggle_topic([OTHER], "a") == ["a"]


async def test_writing_a_draft_privately(h: Harness) -> None:
    sg, w = h.svc.suggestions, await ident(h, WORKER)
    assert (await sg.start_draft(None, STRANGER, True, "")).reply is DraftReply.NOT_REGISTERED
    assert (await sg.start_draft(w.person, WORKER, True, "")).reply is DraftReply.ASK
    too_long = await sg.start_draft(w.person, WORKER, True, "长" * (sv.MAX_CHARS + 1))
    assert too_long == sv.DraftOutcome(DraftReply.TOO_LONG, length=sv.MAX_CHARS + 1)
    draft = await preview(h)
    assert draft.step is DraftStep.PREVIEW and draft.text == TEXT and draft.topics
    use_buttons = await sg.draft_text(WORKER, draft, "再说一句")
    assert use_buttons.reply is DraftReply.USE_BUTTONS


async def test_a_draft_from_a_group_is_previewed_privately(h: Harness) -> None:
    sg, w = h.svc.suggestions, await ident(h, WORKER)
    empty = await sg.start_draft(w.person, WORKER, False, "")
    assert empty == sv.DraftOutcome(DraftReply.GROUP_EMPTY, length=0)
    ack = await sg.start_draft(w.person, WORKER, False, TEXT)
    assert ack.reply is DraftReply.GROUP_ACK and ack.preview is not None
    again = await sg.start_draft(w.person, WORKER, True, "")  # /suggest privately: that draft
    assert again == sv.DraftOutcome(None, ack.preview)
    await h.svc.people.set_private_ok(WORKER, False)
    shut = await sg.start_draft(w.person, WORKER, False, TEXT)
    assert shut == sv.DraftOutcome(DraftReply.GROUP_OPEN_PRIVATE)


async def test_photos_of_a_draft(h: Harness) -> None:
    sg, w = h.svc.suggestions, await ident(h, WORKER)
    assert (await sg.add_photo(WORKER, "f0", None)).reply is DraftReply.PHOTO_NO_FLOW
    assert (await sg.start_draft(w.person, WORKER, True, "")).reply is DraftReply.ASK
    first = await sg.add_photo(WORKER, "f1", None)
    assert first == sv.DraftOutcome(DraftReply.PHOTO_NEED_TEXT, photos=1)
    with_text = await sg.add_photo(WORKER, "f2", TEXT)
    assert with_text.preview is not None and with_text.preview.photos == ("f1", "f2")
    for n in range(3, sv.MAX_PHOTOS + 1):
        shown = await sg.add_photo(WORKER, f"f{n}", None)
        assert shown.reply is None and shown.preview is not None
    assert (await sg.add_photo(WORKER, "one more", None)).reply is DraftReply.PHOTO_LIMIT


async def test_preview_buttons(h: Harness) -> None:
    sg, w = h.svc.suggestions, await ident(h, WORKER)
    draft = await preview(h)
    press = sg.press_draft
    assert await press(w.person, WORKER, draft.nonce + 1, DraftAct.SUBMIT, 0) == sv.DraftStale()
    assert await press(w.person, WORKER, draft.nonce, DraftAct.BACK, 0) == sv.DraftPreview(draft)
    shown = await press(w.person, WORKER, draft.nonce, DraftAct.TOPICS, 0)
    topics = sg.tagger.topics
    assert shown == sv.TopicChoice(draft.nonce, topics, draft.topics)
    other = topics.index(OTHER)
    only_other = await press(w.person, WORKER, draft.nonce, DraftAct.TOPIC, other)
    assert isinstance(only_other, sv.TopicChoice) and only_other.chosen == (OTHER,)
    assert await press(w.person, WORKER, draft.nonce, DraftAct.TOPIC, other) == sv.NeedOneTopic()
    assert await press(None, WORKER, draft.nonce, DraftAct.SUBMIT, 0) == sv.DraftUnregistered()
    assert await press(w.person, WORKER, draft.nonce, DraftAct.CANCEL, 0) == sv.DraftCancelled()
    assert await press(w.person, WORKER, draft.nonce, DraftAct.BACK, 0) == sv.DraftStale()


async def test_submitted_goes_to_the_unit_leaders_else_to_the_admins(h: Harness) -> None:
    sg, w = h.svc.suggestions, await ident(h, WORKER)
    draft = await preview(h)
    done = await sg.press_draft(w.person, WORKER, draft.nonce, DraftAct.ANONYMOUS, 0)
    assert isinstance(done, sv.Submitted) and done.anonymous
    assert done.reviewers == (UNIT_LEADER,) and done.suggestion.topics == draft.topics
    again = await sg.press_draft(w.person, WORKER, draft.nonce, DraftAct.SUBMIT, 0)
    assert again == sv.DraftStale()
    await h.svc.people.set_private_ok(UNIT_LEADER, False)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    draft = await preview(h)
    done = await sg.press_draft(w.person, WORKER, draft.nonce, DraftAct.SUBMIT, 0)
    assert isinstance(done, sv.Submitted) and done.reviewers == (ADMIN_ID,)


async def submitted(h: Harness, text: str = TEXT) -> sv.Suggestion:
    sg, w = h.svc.suggestions, await ident(h, WORKER)
    draft = await preview(h, text)
    done = await sg.press_draft(w.person, WORKER, draft.nonce, DraftAct.SUBMIT, 0)
    assert isinstance(done, sv.Submitted)
    return done.suggestion


async def test_a_reviewers_card_and_topic_buttons(h: Harness) -> None:
    sg, s = h.svc.suggestions, await submitted(h)
    lead, far = (await ident(h, UNIT_LEADER)).actor, (await ident(h, FAR_UNIT_LEADER)).actor
    card = await sg.open_card(lead, s.id)
    assert isinstance(card, sv.Card) and card.moves[0] is sv.Move.TAKE
    assert card.topics_mask == sg.mask_of(s.topics) and not card.rectify
    assert await sg.open_card(far, s.id) is Decision.NO_PERMISSION
    assert await sg.open_card(lead, 10**6) is Decision.STALE
    mask = card.topics_mask
    assert await sg.press_topic(far, s.id, mask, sv.SAVE) is Decision.NO_PERMISSION
    assert await sg.press_topic(lead, s.id, 1 << len(sg.tagger.topics), 0) is Decision.STALE
    other = sg.tagger.topics.index(OTHER)
    shown = await sg.press_topic(lead, s.id, mask, other)
    assert isinstance(shown, sv.TopicsShown) and shown.chosen == (OTHER,)
    saved = await sg.press_topic(lead, s.id, shown.mask, sv.SAVE)
    assert isinstance(saved, sv.TopicsSaved) and saved.card.suggestion.topics == (OTHER,)


async def test_duplicate_asks_for_its_target_with_the_similar_ones(h: Harness) -> None:
    sg = h.svc.suggestions
    first, second = await submitted(h), await submitted(h, TEXT + "，越快越好")
    lead = (await ident(h, UNIT_LEADER)).actor
    pick = await sg.press(lead, second.id, sv.Move.DUPLICATE)
    assert pick.decision is Decision.PICK_TARGET
    assert [m.suggestion.id for m in pick.similar] == [first.id]
    merged = await sg.press(lead, second.id, sv.Move.DUPLICATE, first.id)
    assert merged.decision is Decision.DONE
    assert (await sg.get(second.id)).state == sv.MERGED  # type: ignore[union-attr]


async def test_report_refusals(h: Harness) -> None:
    sg, texts, tz = h.svc.suggestions, h.svc.texts, h.svc.settings.tz
    w, lead = (await ident(h, WORKER)).actor, (await ident(h, UNIT_LEADER)).actor
    assert await sg.asked_report(w, "", texts, "zh-CN", tz, NOW) == sv.ReportRefused(None)
    bad = await sg.asked_report(lead, "下辈子", texts, "zh-CN", tz, NOW)
    assert bad == sv.ReportRefused("bad", "下辈子")


async def test_review_shows_the_first_cards_to_reviewers_only(h: Harness) -> None:
    sg = h.svc.suggestions
    w, lead = (await ident(h, WORKER)).actor, (await ident(h, UNIT_LEADER)).actor
    assert await sg.review(w) is None
    assert await sg.review(lead) == sv.ReviewQueue(0, [])
    for n in range(sv.MAX_CARDS + 1):
        await submitted(h, f"{TEXT}，第 {n} 条")
    queue = await sg.review(lead)
    assert queue is not None and queue.total == sv.MAX_CARDS + 1
    assert len(queue.cards) == sv.MAX_CARDS and queue.cards[0].moves[0] is sv.Move.TAKE


def test_a_rejection_reason_is_visible_text_of_a_bounded_length() -> None:
    assert sv.parse_reason("  与现有规定重复 ") == "与现有规定重复"
    assert sv.parse_reason("\u200b ") is None and sv.parse_reason(None) is None
    assert sv.parse_reason("长" * sv.MAX_REASON) == "长" * sv.MAX_REASON
    assert sv.parse_reason("长" * (sv.MAX_REASON + 1)) is None
