"""Competitions from the command line: create from a spec, correct with a reason, the workbook
(standings, figures, changes) and the PNG; bad specs are one clear line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.paths import DEMO

SPEC = """
name = "=HYPERLINK(\\"http://x\\",\\"赛\\")"
kind = "league"
unit = "二分场"
start = 2026-12-01
end = 2026-12-31
metrics = ["output", "energy"]
weights = { output = 2 }
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BANZU_DB", str(tmp_path / "cli.db"))
    monkeypatch.delenv("BANZU_TOKEN", raising=False)
    monkeypatch.delenv("BANZU_CONFIG", raising=False)
    assert main(["org", "import", str(DEMO / "roster.csv"), "--yes"]) == 0
    return tmp_path


def test_create_correct_and_report(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = env / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    assert main(["contest", "create", str(spec)]) == 0
    assert "2 participants" in capsys.readouterr().out  # 包装班 and 机修班
    assert main(["contest", "list"]) == 0
    assert "联赛" in capsys.readouterr().out
    fix = ["contest", "correct", "--contest", "1", "--participant", "包装班"]
    fix += ["--metric", "output", "--week", "2026-12-02", "--value", "1500"]
    assert main([*fix, "--reason", "月报更正"]) == 0
    assert "1 figure changed" in capsys.readouterr().out
    assert main([*fix[:-2], "--value", "-1", "--reason", "x"]) == 1  # outside the range
    capsys.readouterr()
    out, chart = env / "contest.xlsx", env / "contest.png"
    assert main(["report", "contest", "--out", str(out), "--chart", str(chart)]) == 0
    assert chart.read_bytes()[:4] == b"\x89PNG"
    book = load_workbook(out)
    standings = book.worksheets[0]
    assert str(standings["A1"].value).startswith("劳动竞赛：=HYPERLINK")
    assert standings["A1"].data_type == "s"  # a worker's text is never a formula
    assert (
        standings["B4"].value == "包装班" and standings["C4"].value == 66.67
    )  # energy not entered: 0 of its 1
    figures = book.worksheets[1]
    assert figures["A4"].value.date() == date(2026, 11, 30)  # a real date, the week's Monday
    assert figures["D4"].value == 1500
    audit = book.worksheets[2]
    assert audit["J4"].value == "月报更正"


def test_bad_spec_is_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = env / "bad.toml"
    spec.write_text('name = "x"\nstart = 2026-12-01\nend = 2026-12-31\nmetrics = ["nope"]\n')
    assert main(["contest", "create", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "unknown metrics" in err and len(err.strip().splitlines()) == 1
