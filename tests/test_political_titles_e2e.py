"""`political_titles = "admin"`: a roster's 书记 / 政工员 become admins at import (the site's
choice, a documented settings key); with the default they keep only their tag."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.repos.org import OrgRepo
from bot.settings import SettingsError, load_settings
from tests.botfixtures import Harness

ROSTER = """序号,车间,班组,姓名,工号,职务
1,一分场,蒸发一班,刘建国,10001,班长
2,一分场,蒸发一班,王秀兰,10002,党支部书记
3,一分场,蒸发一班,陈志强,10003,安全员
4,一分场,蒸发二班,赵振磊,10004,政工员
"""


def test_setting_read_from_file_and_env(tmp_path: Path) -> None:
    conf = tmp_path / "banzu.toml"
    conf.write_text('[banzu]\npolitical_titles = "admin"\n', encoding="utf-8")
    assert load_settings({}, conf).political_titles == "admin"
    assert load_settings({}).political_titles == "tag"
    assert load_settings({"BANZU_POLITICAL_TITLES": "admin"}).political_titles == "admin"
    conf.write_text('[banzu]\npolitical_titles = "boss"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="political_titles"):
        load_settings({}, conf)


async def roles_after_import(h: Harness, staff_as: str) -> dict[str, set[str]]:
    repo = OrgRepo(h.svc.db, staff_as)
    result = await repo.import_file(ROSTER.encode(), "roster.csv")
    assert result.ok, result
    out = {}
    for no in ("10001", "10002", "10003", "10004"):
        person = await h.svc.people.by_employee_no(no)
        assert person is not None
        out[person.name] = {r.value for r in person.roles}
    return out


async def test_default_keeps_staff_as_tags(harness: Harness) -> None:
    roles = await roles_after_import(harness, "tag")
    assert roles["王秀兰"] == {"worker"} and roles["赵振磊"] == {"worker"}
    assert roles["刘建国"] == {"team_leader"}


async def test_admin_setting_makes_secretary_and_political_worker_admins(
    harness: Harness,
) -> None:
    h = harness
    roles = await roles_after_import(h, "admin")
    assert "admin" in roles["王秀兰"] and "admin" in roles["赵振磊"]
    assert roles["陈志强"] == {"worker"}  # 安全员: tag only
    # the 书记 registers and may send a notice to everyone
    await h.register(300002, "10002")
    h.svc.people.forget()
    assert "请发送通知内容" in (await h.say(300002, 300002, "/notice"))[-1]
    await h.say(300002, 300002, "全体通知")
    shown = h.emu.message(300002, int(h.last_message(300002)["message_id"]))
    assert shown is not None
    labels = [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert "按单位…" in labels
