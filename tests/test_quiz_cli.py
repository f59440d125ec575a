"""`banzu quiz import | daily | config` and `banzu report quiz` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.paths import DEMO

HELDOUT = Path(__file__).parent / "data" / "quiz" / "heldout.csv"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("BANZU_DB", str(db))
    monkeypatch.delenv("BANZU_TOKEN", raising=False)
    monkeypatch.delenv("BANZU_CONFIG", raising=False)
    return db


def test_import_held_out_bank_dry_run_then_for_real(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quiz", "import", str(HELDOUT), "--dry-run"]) == 0
    assert "12 questions OK (dry run" in capsys.readouterr().out
    assert main(["quiz", "import", str(HELDOUT)]) == 0
    out = capsys.readouterr().out
    assert "新增 12 题" in out and "<" not in out  # the starter bank came first, then these
    assert main(["quiz", "import", str(HELDOUT)]) == 0
    assert "未变 12 题" in capsys.readouterr().out


def test_bad_bank_file_changes_nothing_and_exits_non_zero(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    lines = HELDOUT.read_bytes().decode("gb18030").splitlines()
    bad.write_bytes(("\n".join([*lines[:4], "只有题干,,,,,A,,安全生产,"]) + "\n").encode("gbk"))
    assert main(["quiz", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "第 5 行" in err and "选项要有 2～6 个" in err
    assert main(["quiz", "import", str(DEMO / "roster.csv")]) == 1
    assert "没有找到题库的表头" in capsys.readouterr().err
    assert main(["quiz", "import", str(tmp_path / "missing.csv")]) == 2


def test_daily_plan_and_settings(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "import", str(DEMO / "roster.csv"), "--yes"]) == 0
    capsys.readouterr()
    assert main(["quiz", "daily", "--at", "8:30", "--team", "蒸发一班"]) == 0
    assert "每天 8:30 发到蒸发一班" in capsys.readouterr().out
    assert main(["quiz", "daily", "--at", "07:00", "--workdays"]) == 0
    assert "每个工作日" in capsys.readouterr().out
    assert main(["quiz", "daily", "--at", "25:00"]) == 2
    assert main(["quiz", "daily", "--at", "07:00", "--team", "无此班"]) == 2
    capsys.readouterr()
    assert main(["quiz", "daily", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "#1 08:30 every day" in listed and "#2 07:00 workdays" in listed
    assert main(["quiz", "daily", "--stop", "1"]) == 0
    assert main(["quiz", "daily", "--stop", "1"]) == 1
    capsys.readouterr()
    assert main(["quiz", "config", "--daily-cap", "5", "--individual-ranking", "on"]) == 0
    assert "daily_cap=5 individual_ranking=on session_quiz=on" in capsys.readouterr().out
    assert main(["quiz", "config", "--session-quiz", "off"]) == 0
    assert "session_quiz=off" in capsys.readouterr().out
    assert main(["report", "quiz", "--month", "2026-13", "--out", str(env.parent / "x.xlsx")]) == 2
