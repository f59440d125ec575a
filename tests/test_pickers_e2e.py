"""Pickers at a real site's size, end to end through the emulator: 150 teams in 15 units.

Telegram refuses more than 100 inline buttons ("reply markup is too long", a violation in
the emulator that fails the test), so every picker pages (≤ 8 rows, ◀ n/m ▶) and searches by
part of a name."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.views import paging
from bot.views.paging import Option
from tests.botfixtures import ADMIN_ID, Harness

UNITS, TEAMS_PER_UNIT = 15, 10


def big_roster() -> bytes:
    lines = ["单位,班组,工号,姓名,角色"]
    no = 20000
    for u in range(1, UNITS + 1):
        for t in range(1, TEAMS_PER_UNIT + 1):
            for k in range(2):
                no += 1
                role = "班组长" if k == 0 else "职工"
                lines.append(f"第{u}分场,{u}-{t}班,{no},员工{no},{role}")
    return ("\n".join(lines) + "\n").encode()


async def big_org(h: Harness) -> None:
    result = await h.svc.org.import_file(big_roster(), "roster.csv")
    assert result.ok, result
    h.svc.people.forget()


def current(h: Harness, user: int) -> dict[str, Any]:
    msg = h.emu.message(user, int(h.last_message(user)["message_id"]))
    assert msg is not None
    return msg


def buttons(h: Harness, user: int) -> list[str]:
    markup = current(h, user).get("reply_markup") or {"inline_keyboard": []}
    return [b["text"] for row in markup["inline_keyboard"] for b in row]


async def tap(h: Harness, user: int, button: str) -> str:
    await h.press(user, user, int(h.last_message(user)["message_id"]), button_text=button)
    return str(current(h, user).get("text", ""))


def team_buttons(h: Harness, user: int) -> list[str]:
    return [b for b in buttons(h, user) if "班" in b and "·" in b]


# ------------------------------------------------------------------ the view alone


def test_pages_are_bounded_and_wrap() -> None:
    items = list(range(150))
    first = paging.paginate(items, 0)
    assert first.items == tuple(range(8)) and first.pages == 19 and first.total == 150
    assert paging.paginate(items, 18).items == tuple(range(144, 150))
    assert paging.paginate(items, 99).number == 18  # the list shrank: nearest page
    assert paging.paginate([], 3).pages == 1


def test_search_folds_width_case_and_separators() -> None:
    names = ["一分场·蒸发一班", "二分场·蒸发二班", "包装班", "ＡＢ车间·甲班"]
    assert paging.matching(names, "蒸发", str) == names[:2]
    assert paging.matching(names, "一分场蒸发", str) == names[:1]
    assert paging.matching(names, "ab 甲", str) == names[3:]
    assert paging.matching(names, "\u200b", str) == names  # nothing visible: everything
    assert paging.clean_query("x" * 500) == "x" * paging.QUERY_MAX


def test_keyboard_refuses_more_than_a_page(harness: Harness) -> None:
    texts = harness.svc.texts
    options = [Option(str(i), f"x:v1:{i}") for i in range(9)]
    with pytest.raises(ValueError):
        paging.keyboard(texts, None, options, paging.paginate(options, 0), nav=str)


# ------------------------------------------------------------------ notice audience


async def test_notice_team_picker_pages_150_teams(harness: Harness) -> None:
    h = harness
    await big_org(h)
    assert "请发送通知内容" in (await h.say(ADMIN_ID, ADMIN_ID, "/notice"))[-1]
    await h.say(ADMIN_ID, ADMIN_ID, "全厂停电检修通知")
    text = await tap(h, ADMIN_ID, "按班组…")
    assert "第 1/19 页，共 150 项" in text
    first = team_buttons(h, ADMIN_ID)
    assert len(first) == 8 and len(buttons(h, ADMIN_ID)) == 8 + 3 + 2
    assert "1/19" in buttons(h, ADMIN_ID)
    text = await tap(h, ADMIN_ID, "▶")
    assert "第 2/19 页" in text and team_buttons(h, ADMIN_ID) != first
    text = await tap(h, ADMIN_ID, "◀")
    text = await tap(h, ADMIN_ID, "◀")  # wraps to the last page
    assert "第 19/19 页" in text and len(team_buttons(h, ADMIN_ID)) == 6
    # every team reachable by paging: walk all pages
    seen: set[str] = set()
    await tap(h, ADMIN_ID, "▶")
    for _ in range(19):
        seen.update(team_buttons(h, ADMIN_ID))
        await tap(h, ADMIN_ID, "▶")
    assert len(seen) == 150


async def test_notice_team_search_by_name_then_pick(harness: Harness) -> None:
    h = harness
    await big_org(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/notice")
    await h.say(ADMIN_ID, ADMIN_ID, "第十二分场专项通知")
    await tap(h, ADMIN_ID, "按班组…")
    asked = await tap(h, ADMIN_ID, "🔍 按名称搜索")
    assert "名称中的几个字" in asked
    found = (await h.say(ADMIN_ID, ADMIN_ID, "第12分场"))[-1]
    assert "名称含“第12分场”的有 10 项" in found and "第 1/2 页" in found
    assert all(b.startswith("第12分场·") for b in team_buttons(h, ADMIN_ID))
    await tap(h, ADMIN_ID, "▶")
    assert all(b.startswith("第12分场·") for b in team_buttons(h, ADMIN_ID))
    where = await tap(h, ADMIN_ID, "第12分场·12-10班")
    assert "第12分场·12-10班" in where  # the audience chosen is the one found


async def test_notice_search_bad_input(harness: Harness) -> None:
    h = harness
    await big_org(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/notice")
    await h.say(ADMIN_ID, ADMIN_ID, "通知")
    await tap(h, ADMIN_ID, "按班组…")
    await tap(h, ADMIN_ID, "🔍 按名称搜索")
    assert "名称中的几个字" in (await h.say(ADMIN_ID, ADMIN_ID, "\u200b"))[-1]
    reply = (await h.say(ADMIN_ID, ADMIN_ID, "<b>没有这个</b>" + "长" * 400))[-1]
    assert "没有名称含“<b>没有这个</b>" in reply  # shown as typed: escaped once
    assert "长" * 40 not in reply  # never echoed unbounded
    assert "↩ 显示全部" in buttons(h, ADMIN_ID)
    text = await tap(h, ADMIN_ID, "↩ 显示全部")
    assert "共 150 项" in text


async def test_forged_page_press_is_stale(harness: Harness) -> None:
    h = harness
    await big_org(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/notice")
    await h.say(ADMIN_ID, ADMIN_ID, "通知")
    await tap(h, ADMIN_ID, "按班组…")
    nonce = (await h.svc.conversations.get(ADMIN_ID, ADMIN_ID)).data["nonce"]  # type: ignore[union-attr]
    forged = [
        f"ntc:v1:c:{nonce}:pg:t:99999",
        f"ntc:v1:c:{nonce}:pg:z:1",
        "ntc:v1:c:ffffff:pg:t:1",
        f"ntc:v1:c:{nonce}:pg:t:-1",
        f"ntc:v1:c:{nonce}:px:t:1",
    ]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in forged])
    old = await h.app.bot.send_message(ADMIN_ID, "旧消息", reply_markup=keyboard)
    await h.settle()
    for data in forged:
        events = await h.press(ADMIN_ID, ADMIN_ID, old.message_id, data=data)
        answers = [e for e in events if e["method"] == "answerCallbackQuery"]
        assert len(answers) == 1 and "已失效" in str(answers[0]["params"].get("text")), data
    assert h.svc.last_alert == {}


async def test_unit_leader_pages_only_own_teams(harness: Harness) -> None:
    h = harness
    await big_org(h)
    # a team leader of 第3分场: the team picker is not offered, only 全班组
    leader = await h.svc.people.by_employee_no("20041")
    assert leader is not None and leader.team_name == "3-1班"
    await h.register(700001, "20041")
    await h.say(700001, 700001, "/notice")
    await h.say(700001, 700001, "班组通知")
    assert "按班组…" not in buttons(h, 700001)


# ------------------------------------------------------------------ /pledges


async def test_pledges_overview_reaches_all_150_teams(harness: Harness) -> None:
    h = harness
    await big_org(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    text = (await h.say(ADMIN_ID, ADMIN_ID, "/pledges"))[-1]
    assert "第 1/19 页，共 150 项" in text and text.count("：0/2") == 8
    seen = set(team_buttons(h, ADMIN_ID))
    for _ in range(18):
        await tap(h, ADMIN_ID, "▶")
        seen.update(team_buttons(h, ADMIN_ID))
    assert len(seen) == 150  # not 50


async def test_pledges_search_by_name(harness: Harness) -> None:
    h = harness
    await big_org(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    await h.say(ADMIN_ID, ADMIN_ID, "/pledges")
    await tap(h, ADMIN_ID, "🔍 按名称搜索")
    assert "名称中的几个字" in h.sent(ADMIN_ID)[-1]
    assert "请发送名称中的几个字" in (await h.say(ADMIN_ID, ADMIN_ID, "   "))[-1]
    found = (await h.say(ADMIN_ID, ADMIN_ID, "7-1"))[-1]
    assert "名称含“7-1”的有 2 项" in found  # 7-1班 and 7-10班
    assert sorted(team_buttons(h, ADMIN_ID)) == ["第7分场·7-10班", "第7分场·7-1班"]
    await h.press(ADMIN_ID, ADMIN_ID, int(h.last_message(ADMIN_ID)["message_id"]),
                  button_text="第7分场·7-10班")  # fmt: skip
    assert "7-10班" in h.sent(ADMIN_ID)[-1]
    none = (await h.say(ADMIN_ID, ADMIN_ID, "不存在"))[-1]  # a new search while results show
    assert "没有名称含“不存在”的项" in none
    assert "共 150 项" in await tap(h, ADMIN_ID, "↩ 显示全部")


async def test_pledges_pages_refused_to_a_worker(harness: Harness) -> None:
    h = harness
    await big_org(h)
    await h.register(700002, "20002")  # a worker
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("x", callback_data="plp:v1:all:1")],
         [InlineKeyboardButton("y", callback_data="plp:v1:all:99999")]]
    )  # fmt: skip
    old = await h.app.bot.send_message(700002, "旧消息", reply_markup=keyboard)
    await h.settle()
    events = await h.press(700002, 700002, old.message_id, data="plp:v1:all:1")
    answers = [e for e in events if e["method"] == "answerCallbackQuery"]
    assert "没有权限" in str(answers[0]["params"].get("text"))
    events = await h.press(700002, 700002, old.message_id, data="plp:v1:all:99999")
    answers = [e for e in events if e["method"] == "answerCallbackQuery"]
    assert "已失效" in str(answers[0]["params"].get("text"))
    assert "没有权限" in (await h.say(700002, 700002, "/pledges"))[-1]


# ------------------------------------------------------------------ contest rivals


async def test_challenge_rivals_page(harness: Harness) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.domain.contest import Kind, Level, week_of
    from bot.services.contest import Created, Draft
    from tests.test_contest_e2e import actor

    h = harness
    await big_org(h)
    await h.register(700001, "20001")  # leader of 第1分场·1-1班
    today = datetime.now(UTC).astimezone(h.svc.settings.tz).date()
    start = week_of(today)
    unit = await h.svc.db.fetchval("SELECT id FROM units WHERE name = '第1分场'")
    draft = Draft(
        "对手赛", Kind.CHALLENGE, Level.TEAM, int(unit), start, start + timedelta(days=27),
        ("output",),
    )  # fmt: skip
    created = await h.svc.contest.create(await actor(h, ADMIN_ID), draft)
    assert isinstance(created, Created)
    await h.say(700001, 700001, "/contest")
    await tap(h, 700001, "发起挑战")
    rivals = [b for b in buttons(h, 700001) if b.endswith("班")]
    assert "第 1/2 页，共 9 项" in h.sent(700001)[-1] and len(rivals) == 8
    text = await tap(h, 700001, "▶")
    assert "第 2/2 页" in text
    rest = [b for b in buttons(h, 700001) if b.endswith("班")]
    assert len(rest) == 1 and not set(rest) & set(rivals)
    assert not any(b.endswith("1-1班") and not b.endswith("11-1班") for b in rivals + rest)


async def test_figures_picker_pages_150_teams(harness: Harness) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.domain.contest import Kind, Level, week_of
    from bot.services.contest import Created, Draft
    from tests.test_contest_e2e import actor

    h = harness
    await big_org(h)
    await h.say(ADMIN_ID, ADMIN_ID, "/start")
    start = week_of(datetime.now(UTC).astimezone(h.svc.settings.tz).date())
    draft = Draft(
        "全厂联赛", Kind.LEAGUE, Level.TEAM, None, start, start + timedelta(days=27), ("output",)
    )
    assert isinstance(await h.svc.contest.create(await actor(h, ADMIN_ID), draft), Created)
    text = (await h.say(ADMIN_ID, ADMIN_ID, "/figures"))[-1]
    assert "第 1/19 页，共 150 项" in text
    seen: set[str] = set()
    for _ in range(19):
        seen.update(b for b in buttons(h, ADMIN_ID) if b.startswith("全厂联赛 · "))
        await tap(h, ADMIN_ID, "▶")
    assert len(seen) == 150  # was cut at 90
    # a worker pressing a copy of the pager gets no list
    await h.register(700002, "20002")
    kb = InlineKeyboardMarkup([[InlineKeyboardButton("▶", callback_data="ctq:v1:1")]])
    old = await h.app.bot.send_message(700002, "旧消息", reply_markup=kb)
    await h.settle()
    events = await h.press(700002, 700002, old.message_id, data="ctq:v1:1")
    answers = [e for e in events if e["method"] == "answerCallbackQuery"]
    assert "没有权限" in str(answers[0]["params"].get("text"))
