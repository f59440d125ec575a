"""The use cases behind the recognition handlers, by their typed outcomes: /award_new and
/rating_new (permission, usage, made), the /nominate flow (its state kept and ended), the
ballot's presses (tick, full, stale, cast, change) and the 民主评议 steps."""

from __future__ import annotations

from bot.domain.recognition import (
    CommentStep,
    Grade,
    NominateStep,
    Nomination,
    RatingComment,
    Stage,
)
from bot.services.recognition import (
    AdminAct,
    Advanced,
    AskNominee,
    AskReason,
    Ballot,
    BallotMove,
    BallotProblem,
    BallotRefused,
    CommentTaken,
    Created,
    NoLeaders,
    Nominated,
    NoRounds,
    Problem,
    Rated,
    Ratee,
    Receipt,
    Refused,
    ReviewList,
    RoundOpened,
    RoundReport,
    Shortlisted,
    Usage,
)
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_contest_e2e import actor
from tests.test_recognition_e2e import CHEN, WANG, create, setup, to_vote


async def test_new_campaign_outcomes(harness: Harness) -> None:
    h = harness
    await setup(h)
    rec, admin = h.svc.recognition, await actor(h, ADMIN_ID)
    worker = await actor(h, CHEN)
    assert await rec.new_campaign(worker, ["模范职工", "2026Q4"]) == Refused(Problem.FORBIDDEN)
    assert await rec.new_campaign(admin, ["模范职工"]) == Usage()
    assert await rec.new_campaign(admin, ["模范职工", "2026Q4", "0"]) == Refused(
        Problem.BAD_QUOTA, "0"
    )
    made = await rec.new_campaign(admin, ["模范职工", "2026Q4", "一分场", "2"])
    assert isinstance(made, Created)
    assert (made.campaign.quota, made.campaign.unit_name) == (2, "一分场")


async def test_nomination_flow_keeps_and_ends_its_state(harness: Harness) -> None:
    h = harness
    await setup(h)
    cid = await create(h)
    rec, chen = h.svc.recognition, await actor(h, CHEN)
    state = await rec.begin_nomination(chen, cid)
    assert isinstance(state, AskNominee) and state.campaign.id == cid
    kept = await h.svc.conversations.state(CHEN, CHEN, Nomination)
    assert kept == Nomination(NominateStep.NOMINEE, cid)
    assert await rec.nomination_text(chen, kept, "99999") == Refused(Problem.NOT_FOUND, "99999")
    asked = await rec.nomination_text(chen, kept, "10002")
    assert asked == AskReason("王秀兰（蒸发一班）")
    reason = await h.svc.conversations.state(CHEN, CHEN, Nomination)
    assert reason is not None and reason.step is NominateStep.REASON and reason.nid > 0
    assert await rec.nomination_text(chen, reason, " ") == Refused(Problem.BLANK)
    saved = await rec.nomination_text(chen, reason, "连续三年零违章")
    assert isinstance(saved, Nominated) and saved.new and saved.evidence is not None
    assert await h.svc.conversations.state(CHEN, CHEN, Nomination) is None
    gone = Nomination(NominateStep.REASON, cid + 99, reason.nid, reason.name)
    assert await rec.nomination_text(chen, gone, "x") == Refused(Problem.NO_CAMPAIGN)
    assert await rec.pick_place(chen, cid, 999_999) == Refused(Problem.NO_CAMPAIGN)
    admin = await actor(h, ADMIN_ID)
    await rec.advance(admin, cid, Stage.NOMINATION, h.svc.clock.now())
    assert await rec.begin_nomination(chen, cid) == Refused(Problem.WRONG_STAGE)


async def test_ballot_presses(harness: Harness) -> None:
    h = harness
    await setup(h)
    cid = await to_vote(h)  # 3 candidates, quota 2
    rec, wang = h.svc.recognition, await actor(h, WANG)
    blank = await rec.new_ballot(wang, cid)
    assert isinstance(blank, Ballot)
    token, pick = blank.token, BallotMove.PICK
    one = await rec.press_ballot(wang, cid, token, pick, frozenset(), 1)
    assert isinstance(one, Ballot) and one.choices == {1} and not one.cast
    full = await rec.press_ballot(wang, cid, token, pick, frozenset({1, 2}), 3)
    assert full == BallotRefused(BallotProblem.FULL, 2)
    off = await rec.press_ballot(wang, cid, token, pick, frozenset(), 4)
    assert off == BallotRefused(BallotProblem.STALE)
    cast = await rec.press_ballot(wang, cid, token, BallotMove.SUBMIT, frozenset({1, 2}))
    assert isinstance(cast, Receipt) and not cast.changed and cast.ballot.choices == {1, 2}
    shown = await rec.press_ballot(wang, cid, token, BallotMove.EDIT, frozenset())
    assert isinstance(shown, Ballot) and shown.cast and shown.choices == {1, 2}
    again = await rec.press_ballot(wang, cid, token, BallotMove.SUBMIT, frozenset({3}))
    assert isinstance(again, Receipt) and again.changed
    other = await rec.press_ballot(wang, cid, "x" * 22, BallotMove.SUBMIT, frozenset({3}))
    assert other == BallotRefused(BallotProblem.ALREADY)
    admin = await actor(h, ADMIN_ID)
    await rec.advance(admin, cid, Stage.VOTE, h.svc.clock.now())
    late = await rec.press_ballot(wang, cid, token, pick, frozenset(), 1)
    assert late == BallotRefused(BallotProblem.CLOSED)


async def test_rating_round_outcomes(harness: Harness) -> None:
    h = harness
    await setup(h)
    rec, admin, now = h.svc.recognition, await actor(h, ADMIN_ID), h.svc.clock.now()
    wang = await actor(h, WANG)
    assert await rec.start_round(wang, ["2026H2"], now) == Refused(Problem.FORBIDDEN)
    assert await rec.start_round(admin, [], now) == Usage()
    assert await rec.start_round(admin, ["2026H2", "0"], now) == Refused(Problem.BAD_DAYS, "0")
    assert await rec.start_round(admin, ["2026H2", "三分场"], now) == Refused(
        Problem.UNKNOWN_UNIT, "三分场"
    )
    opened = await rec.start_round(admin, ["2026H2", "一分场", "10"], now)
    assert isinstance(opened, RoundOpened)
    assert (opened.unit, opened.leaders, opened.round.state) == ("一分场", 3, "open")
    rid = opened.round.id
    liu = int(await h.svc.db.fetchval("SELECT id FROM members WHERE employee_no = '10001'"))
    ratee = await rec.choose_ratee(wang, rid, liu)
    assert isinstance(ratee, Ratee) and ratee.member_id == liu
    assert await rec.choose_ratee(wang, rid, 999_999) is Rated.NOT_ELIGIBLE
    graded = await rec.grade(wang, rid, liu, Grade.COMPETENT)
    assert isinstance(graded, Ratee)
    kept = await h.svc.conversations.state(WANG, WANG, RatingComment)
    assert kept == RatingComment(CommentStep.COMMENT, rid, liu)
    assert await rec.choose_ratee(wang, rid, liu) is Rated.ALREADY
    assert await rec.leave_comment(wang, kept, " ") is Problem.BLANK
    assert await rec.skip_comment(wang, liu + 1) is None  # another leader's 跳过: stale
    taken = await rec.skip_comment(wang, liu)
    assert isinstance(taken, CommentTaken) and not taken.closed and taken.next is not None
    assert liu in {p.member_id for p in taken.next.people if p.done}
    assert await h.svc.conversations.state(WANG, WANG, RatingComment) is None
    assert await rec.close_round_now(wang, rid, now) == Refused(Problem.FORBIDDEN)
    report = await rec.close_round_now(admin, rid, now)
    assert isinstance(report, RoundReport) and report.state == "closed"
    assert await rec.close_round_now(admin, rid, now) == Refused(Problem.WRONG_STAGE)
    late = await rec.leave_comment(wang, kept, "很负责")
    assert late == CommentTaken(True, None)


async def test_a_round_without_leaders_closes_at_once(harness: Harness) -> None:
    h = harness
    await setup(h)
    admin = await actor(h, ADMIN_ID)
    await h.svc.db.write(lambda c: c.execute("UPDATE members SET active = 0"))
    out = await h.svc.recognition.start_round(admin, ["2026H1"], h.svc.clock.now())
    assert out == NoLeaders()
    assert [r.state for r in await h.svc.recognition.rounds()] == ["closed"]


async def test_lists_shortlist_and_rounds(harness: Harness) -> None:
    h = harness
    await setup(h)
    rec, admin, now = h.svc.recognition, await actor(h, ADMIN_ID), h.svc.clock.now()
    chen = await actor(h, CHEN)
    cid = await create(h)
    live = await rec.campaign_list(chen)
    assert not live.admin and [c.id for c in live.campaigns] == [cid]
    listed = await rec.campaign_list(admin)
    assert listed.admin and [c.id for c in listed.campaigns] == [cid]
    asked = await rec.nomination_text(chen, Nomination(NominateStep.NOMINEE, cid), "10002")
    assert isinstance(asked, AskReason)
    reason = await h.svc.conversations.state(CHEN, CHEN, Nomination)
    assert reason is not None
    assert isinstance(await rec.nomination_text(chen, reason, "连续三年零违章"), Nominated)
    await rec.advance(admin, cid, Stage.NOMINATION, now)
    nid = reason.nid
    assert await rec.shortlist(chen, cid, nid) == Refused(Problem.FORBIDDEN)
    on = await rec.shortlist(admin, cid, nid)
    assert isinstance(on, Shortlisted) and on.on and on.review.campaign.id == cid
    off = await rec.shortlist(admin, cid, nid)
    assert isinstance(off, Shortlisted) and not off.on
    assert await rec.latest_round(chen) == Refused(Problem.FORBIDDEN)
    assert await rec.latest_round(admin) == NoRounds()
    assert await rec.my_ratees(chen) is None
    opened = await rec.start_round(admin, ["2026H2", "一分场"], now)
    assert isinstance(opened, RoundOpened)
    mine = await rec.my_ratees(chen)
    assert mine is not None and mine.round.id == opened.round.id and mine.people
    latest = await rec.latest_round(admin)
    assert isinstance(latest, RoundReport) and latest.round_id == opened.round.id


async def test_admin_presses(harness: Harness) -> None:
    h = harness
    await setup(h)
    rec, admin, now = h.svc.recognition, await actor(h, ADMIN_ID), h.svc.clock.now()
    cid = await create(h)
    chen = await actor(h, CHEN)
    assert await rec.admin_press(chen, cid, AdminAct.LIST, now) == Refused(Problem.FORBIDDEN)
    review = await rec.admin_press(admin, cid, AdminAct.LIST, now)
    assert isinstance(review, ReviewList) and review.entries == []
    turnout = await rec.admin_press(admin, cid, AdminAct.TURNOUT, now)
    assert isinstance(turnout, tuple) and turnout[0].id == cid
    early = await rec.admin_press(admin, cid, AdminAct.RESULTS, now)
    assert early == Refused(Problem.WRONG_STAGE)  # no counts before the vote has closed
    wrong = await rec.admin_press(admin, cid, AdminAct.CLOSE, now)  # a button of a later stage
    assert wrong == Refused(Problem.WRONG_STAGE)
    on = await rec.admin_press(admin, cid, AdminAct.REVIEW, now)
    assert isinstance(on, Advanced) and on.campaign.stage is Stage.REVIEW
    assert not on.vote_opened and not on.vote_closed
    empty = await rec.admin_press(admin, cid, AdminAct.VOTE, now)
    assert empty == Refused(Problem.EMPTY_SHORTLIST)
    gone = await rec.admin_press(admin, cid + 9, AdminAct.LIST, now)
    assert gone == Refused(Problem.NO_CAMPAIGN)
