"""Rectification outcomes the chat renders: /rectify_month's month as typed, and the reason
flow's next state or the move it completes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from bot.domain.auth import Actor, Role
from bot.domain.rectification import Move, ReasonStep, RectReason
from bot.services.rectification import Problem, ReasonGiven, RectificationService, Refused
from bot.texts import Texts

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
WORKER = Actor(tg_user_id=8, roles=frozenset({Role.WORKER}), member_id=1, team_id=1, unit_id=1)


def service() -> RectificationService:
    none = cast(Any, None)  # no storage reached by these outcomes
    return RectificationService(none, none, none, Texts(), ZoneInfo("Asia/Shanghai"), frozenset())


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        (["十三月"], Refused(Problem.BAD_MONTH, "十三月")),
        (["2027-05"], Refused(Problem.FUTURE_MONTH, "2027-05")),
        (["2026"], Refused(Problem.BAD_MONTH, "2026")),  # a year is not a month
        ([], Refused(Problem.FORBIDDEN)),  # 本月, but a worker sees no 台账
    ],
)
async def test_month_ledger_refusals(args: list[str], refused: Refused) -> None:
    out = await service().month_ledger(WORKER, args, NOW)
    assert out == refused
    text = Texts().get(f"rectification.problem.{out.problem.value}", detail=out.detail)
    assert text


def test_reason_then_date_then_the_move() -> None:
    rect = service()
    back = RectReason(ReasonStep.REASON, 4, 2, Move.SEND_BACK)
    assert rect.reason_step(back, "照片看不清", NOW) == ReasonGiven("照片看不清")
    assert isinstance(rect.reason_step(back, "  ", NOW), Refused)
    later = RectReason(ReasonStep.REASON, 4, 2, Move.POSTPONE, "2026-12-05")
    dated = rect.reason_step(later, "等备件", NOW)
    assert dated == RectReason(ReasonStep.DATE, 4, 2, Move.POSTPONE, "2026-12-05", "等备件")
    assert isinstance(dated, RectReason)
    assert rect.reason_step(dated, "2026-12-20", NOW) == ReasonGiven("等备件", date(2026, 12, 20))
    bad = rect.reason_step(dated, "明年某天吧", NOW)
    assert isinstance(bad, Refused) and bad.problem is Problem.BAD_DATE
