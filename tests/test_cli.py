"""The command line: org import / invites, and a missing token as one line, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.paths import DEMO


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("BANZU_DB", str(db))
    monkeypatch.delenv("BANZU_TOKEN", raising=False)
    monkeypatch.delenv("BANZU_CONFIG", raising=False)
    return db


def test_import_then_invites_then_rotate(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "import", str(DEMO / "roster.csv"), "--dry-run"]) == 0
    assert "试导入" in capsys.readouterr().out
    assert main(["org", "invites"]) == 1  # the dry run wrote nothing
    capsys.readouterr()
    assert main(["org", "import", str(DEMO / "roster.csv"), "--yes"]) == 0
    assert "名单已导入（28 人）" in capsys.readouterr().out
    assert main(["org", "invites"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    unit, team, link = lines[0].split("\t")
    assert (unit, team) == ("一分场", "蒸发一班")
    assert link.startswith("https://t.me/banzu_demo_bot?start=")
    assert main(["org", "invites", "--rotate", "蒸发一班"]) == 0
    rotated = capsys.readouterr().out
    assert "已更换" in rotated and link not in rotated
    assert main(["org", "invites", "--rotate", "不存在的班"]) == 1


def test_bad_roster_lists_rows_and_exits_non_zero(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("单位,班组,工号,姓名,角色\n一分场,甲班,1,张三,老大\n", encoding="gbk")
    assert main(["org", "import", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "第 2 行" in out and "<" not in out  # plain text on a terminal, not HTML
    assert main(["org", "import", str(tmp_path / "missing.csv")]) == 2


def test_run_without_token_is_one_line(env: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "BANZU_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr
