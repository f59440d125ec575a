"""`QuizService.offer_file`, the use case behind a file sent privately: a too large file named
like a bank is refused unread, any other file that is no bank is passed on (a roster), a bank
from a worker is refused and an admin's is imported — and the view's answer to each."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.auth import Actor, Role
from bot.services import quiz as qs
from bot.views import quiz as views
from tests.botfixtures import ADMIN_ID, Harness

HELDOUT = Path(__file__).parent / "data" / "quiz" / "heldout.csv"
ADMIN = Actor(ADMIN_ID, frozenset({Role.ADMIN}))
WORKER = Actor(100002, frozenset({Role.WORKER}), member_id=2, team_id=1, unit_id=1)
BIG = qs.MAX_BANK_MB * 1024 * 1024 + 1


async def never() -> bytes:
    raise AssertionError("a too large file is never downloaded")


@pytest.mark.parametrize(("name", "outcome"), [("题库.xlsx", qs.BankTooBig(5)),
                                               ("Quiz.csv", qs.BankTooBig(5)),
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
