"""Casework outcomes the chat renders: which refusals keep a flow waiting, a follow-up whose
sealed number does not open, and the picker's toast."""

from __future__ import annotations

from typing import Any, cast
from zoneinfo import ZoneInfo

from bot.domain.casework import Category, Kind, State, case_key, seal
from bot.repos.casework import CaseRow, HandlerRow
from bot.services.casework import CaseworkService, DraftStale, Problem, Refused
from bot.texts import Texts
from bot.views import casework as view


def service(token: str = "1:a") -> CaseworkService:
    none = cast(Any, None)

    async def tag(text: str) -> tuple[str, ...]:
        return ()

    return CaseworkService(
        none, none, Texts(), case_key(token), ZoneInfo("Asia/Shanghai"), frozenset(), tag
    )


def test_only_a_bad_text_keeps_the_flow_waiting() -> None:
    assert {p for p in Problem if Refused(p).retry} == {Problem.EMPTY, Problem.TOO_LONG}


async def test_follow_up_sealed_under_another_token_is_stale() -> None:
    other = seal(case_key("2:b"), 7, b"\0" * 16).hex()
    ident = cast(Any, None)  # never looked at: the seal is checked first
    assert await service().add_sealed(ident, other, "再说一句", 5) == DraftStale()
    assert await service().add_sealed(ident, "not hex", "再说一句", 5) == DraftStale()


def test_picker_toast_names_who_is_on_or_off() -> None:
    case = CaseRow(
        3, Kind.ASSIST, Category.FEEDBACK, None, None, False, None, None, None,
        State.ASSIGNED, "2026-12-01", (), frozenset({11}),
    )  # fmt: skip
    pool = [HandlerRow(11, "刘建国"), HandlerRow(12, "王秀兰")]
    assert view.toggled(case, pool, 11, Texts(), "zh-CN") == "已指派给 刘建国。"
    assert view.toggled(case, pool, 12, Texts(), "zh-CN") == "已撤回 王秀兰。"
    assert view.toggled(case, pool, 99, Texts(), "zh-CN") == "已撤回 99。"
