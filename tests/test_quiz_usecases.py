"""The quiz use cases the handlers call, one outcome each. `offer_file`, behind a file sent
privately: a too large file named like a bank is refused unread, any other file that is no
bank is passed on (a roster), a bank from a worker is refused and an admin's is imported — and
the view's answer to each. `menu` (/quiz in a group or privately) and `start_from_menu` (a
private menu's button)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import Clock
from bot.domain.auth import Actor, Role
from bot.domain.quiz import Mode
from bot.services import quiz as qs
from bot.services.identity import Identity, identify
from bot.views import quiz as views
from tests.botfixtures import ADMIN_ID, Harness
from tests.test_quiz_e2e import GROUP, LEADER, STRANGER, W2, team  # noqa: F401

HELDOUT = Path(__file__).parent / "data" / "quiz" / "heldout.csv"
ADMIN = Actor(ADMIN_ID, frozenset({Role.ADMIN}))
WORKER = Actor(100002, frozenset({Role.WORKER}), member_id=2, team_id=1, unit_id=1)
BIG = qs.MAX_BANK_MB * 1024 * 1024 + 1


async def never() -> bytes:
    raise AssertionError("a too large file is never downloaded")


@pytest.mark.parametrize(("name", "outcome"), [("题库.xlsx", qs.BankTooBig(5)),
                                               ("Quiz.csv", qs.BankTooBig(5)),
                                               ("安全试题.xlsx", qs.BankTooBig(5)),
                                               ("花名册.xlsx", qs.NotABank())])  # fmt: skip
async def test_a_too_large_file_is_never_read(
    harness: Harness, name: str, outcome: qs.BankOffer
) -> None:
    assert await harness.svc.quiz.offer_file(ADMIN, name, BIG, never) == outcome


async def test_a_file_that_is_no_bank_is_passed_on(harness: Harness) -> None:
    async def roster() -> bytes:
        return "工号,姓名,班组\n10001,张三,蒸发一班\n".encode()

    assert await harness.svc.quiz.offer_file(ADMIN, "r.csv", 100, roster) == qs.NotABank()


async def test_a_bank_is_for_admins_only(harness: Harness) -> None:
    async def bank() -> bytes:
        return HELDOUT.read_bytes()

    refused = await harness.svc.quiz.offer_file(WORKER, "heldout.csv", 100, bank)
    assert refused == qs.Refused(qs.Refusal.NO_PERMISSION)
    imported = await harness.svc.quiz.offer_file(ADMIN, "heldout.csv", 100, bank)
    assert isinstance(imported, qs.ImportOutcome) and imported.ok
    texts = harness.svc.texts
    assert "新增 12 题" in views.bank_reply(texts, "zh-CN", imported)
    assert views.bank_reply(texts, "zh-CN", refused) == "只有管理员可以导入题库。"
    assert views.bank_reply(texts, "zh-CN", qs.BankTooBig(5)) == texts.get(
        "quiz.import.too_big", "zh-CN", limit=5
    )


async def ident(h: Harness, user_id: int) -> Identity:
    return await identify(h.svc.people, h.svc.settings, user_id)


async def test_the_quiz_menu_in_a_group_and_privately(harness: Harness, team: Clock) -> None:  # noqa: F811
    quiz, lead, w2 = harness.svc.quiz, await ident(harness, LEADER), await ident(harness, W2)
    stranger = await ident(harness, STRANGER)
    assert await quiz.menu(lead.actor, lead.person, GROUP, False) == qs.GroupMenu()
    refused = await quiz.menu(w2.actor, w2.person, GROUP, False)
    assert refused == qs.Refused(qs.Refusal.NO_PERMISSION)
    unbound = await quiz.menu(lead.actor, lead.person, -1009999, False)
    assert unbound == qs.Refused(qs.Refusal.NOT_BOUND)
    alone = await quiz.menu(stranger.actor, stranger.person, STRANGER, True)
    assert alone == qs.Refused(qs.Refusal.NOT_REGISTERED)
    mine = await quiz.menu(w2.actor, w2.person, W2, True)
    assert isinstance(mine, qs.PrivateMenu) and mine.topics and not mine.lead
    theirs = await quiz.menu(lead.actor, lead.person, LEADER, True)
    assert isinstance(theirs, qs.PrivateMenu) and theirs.lead


async def test_a_private_round_from_the_menu(harness: Harness, team: Clock) -> None:  # noqa: F811
    quiz, w2 = harness.svc.quiz, await ident(harness, W2)
    assert await quiz.start_from_menu(w2.person, "99") is None  # no such topic: stale
    assert await quiz.start_from_menu(None, "daily") == qs.Refused(qs.Refusal.NOT_REGISTERED)
    started = await quiz.start_from_menu(w2.person, "exam")
    assert isinstance(started, qs.Started) and started.mode is Mode.EXAM
    busy = await quiz.start_from_menu(w2.person, "challenge")
    assert busy == qs.Refused(qs.Refusal.BUSY)
