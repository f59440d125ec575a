"""`banzu run` as an operator meets it: each failure one line, the token nowhere in the output."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "424242:AAF-this_is_the_secret_half_0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def emulator_url() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "emulator", "--port", "0", "--token", "111:RIGHT"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("listening on "), first
        yield first.removeprefix("listening on ")
    finally:
        proc.terminate()
        proc.wait(10)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANZU_")}
    env.update({"BANZU_TOKEN": SECRET, "BANZU_DB": str(tmp_path / "banzu.db"), **extra})
    return env


def _run(env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text and "secret_half" not in text
        assert "Traceback" not in text


def test_wrong_token_one_line(emulator_url: str, tmp_path: Path) -> None:
    done = _run(_env(tmp_path, BANZU_API_BASE=f"{emulator_url}/bot"))
    assert done.returncode == 1
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("banzu:")]
    assert len(errors) == 1 and "BANZU_TOKEN" in errors[0], done.stderr
    assert len(done.stderr.splitlines()) <= 3, done.stderr  # that line, maybe a log line
    _no_secret(done.stdout, done.stderr)


def test_unwritable_database_one_line(tmp_path: Path) -> None:
    env = _env(tmp_path, BANZU_DB=str(tmp_path / "no" / "such" / "dir" / "banzu.db"))
    done = _run(env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"banzu: database {env['BANZU_DB']}: folder {Path(env['BANZU_DB']).parent} does not "
        "exist (create it or set BANZU_DB)"
    ]
    _no_secret(done.stdout, done.stderr)


def test_unreachable_api_retries_with_backoff(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    env = _env(tmp_path, BANZU_API_BASE=f"http://127.0.0.1:{port}/bot")
    log = tmp_path / "stderr.txt"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )
    try:
        # Attempts at 0 s, 1 s, 3 s after start-up; start-up itself takes seconds on a busy
        # machine, so wait for the second attempt rather than a fixed time.
        deadline = time.monotonic() + 60
        while log.read_text().count("cannot reach the Bot API") < 2:
            assert proc.poll() is None, "it must keep retrying, not exit"
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert proc.poll() is None, "it must keep retrying, not exit"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    err = log.read_text()
    retries = [ln for ln in err.splitlines() if "cannot reach the Bot API" in ln]
    assert len(retries) >= 2, err
    assert "retrying in 1 s" in retries[0] and "retrying in 2 s" in retries[1]
    assert all(f"127.0.0.1:{port}" in ln for ln in retries)
    _no_secret(out, err)
