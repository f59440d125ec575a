"""`banzu demo --no-wait` end to end, as a person runs it: a separate process (the demo sets up
logging and its own emulator server), every step's title and the lines that show each feature
worked, no warning or traceback, no 429 and no spec violation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.texts import Texts

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("admin", "invites", "register", "wrong", "groups", "refused", "help", "bad")
FEATURES = ("preshift", "study", "notice", "pledge", "suggest", "report", "quiz")
EXPECTED = (
    "登记成功",  # registration
    "已学 4/7",  # the pre-shift post's who-has-not list after four presses
    "已私信提醒 2 人",  # ... and the private reminders (not to the leader who pressed)
    "已签到 2/7",  # the live tally, edited
    "记为迟到",  # the late check-in, eight minutes in
    "已批准",  # leave approved
    "缺勤：赵振磊",  # the summary names the absent
    "已确认收到",  # 收到 on a notice
    "32 个聊天",  # the notice to every group and person, printed on one line
    "已确认 2/28 人",  # /notice status
    "第 1 版",  # pledge saved
    "已私信提醒 5 人",  # pledge reminders (not to the leader who pressed)
    "话题：生活福利",  # suggestion topics
    "已被采纳",  # the submitter is told
    "📎 attendance-",  # report files by name
    "📊 【学习测验 1/3】",  # the quiz polls after the study session
    "已答（3）",  # the leader's view of who answered
    "知识征答排行榜",  # the leaderboard
)


def test_demo_plays_every_feature_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "default", "HOME": str(tmp_path)}
    env = {k: v for k, v in env.items() if not k.startswith("BANZU_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--no-wait"],
        cwd=tmp_path,  # no banzu.toml here: the demo needs no configuration
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == "", done.stderr[-2000:]
    texts = Texts()
    for key in STEPS + FEATURES:
        assert texts.get(f"demo.step.{key}") in out, key
    for line in EXPECTED:
        assert line in out, line
    assert out.index(texts.get("demo.step.notice")) < out.index("32 个聊天")
    assert "png" in out and ".xlsx" in out
    assert "0 x 429, 0 spec violations" in out
