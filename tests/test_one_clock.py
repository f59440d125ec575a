"""The application has one "now" (`svc.clock`, bot/clock.py): a test, the demo or a chaos run
that moves it must move everything that counts days, deadlines and stamps. This scans the
code for reads of the wall clock that bypass it. The allow-list below names today's remaining
readers, each with its count and why; it can only shrink: a file whose count grows, or a new
file, fails, and so does a count that fell without the list being lowered with it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("bot", "handlers", "scheduler")
# The clock itself, and the emulator, which plays Telegram's side and keeps its own time.
EXEMPT = ("bot/clock.py", "bot/emulator/")

ALLOWED: dict[str, tuple[int, str]] = {
    "bot/cli/demo.py": (3, "the demo runs on real time, a little ahead, by design"),
    "bot/cli/quiz.py": (1, "CLI entry point: the command's clock, a test hands its own"),
    "bot/cli/report.py": (3, "CLI entry point: the command's clock, a test hands its own"),
    "bot/cli/schedule.py": (1, "CLI entry point: the command's clock, a test hands its own"),
    "bot/delivery/inbox.py": (7, "update inbox: seconds since each update arrived (hot path)"),
    "bot/delivery/sender.py": (3, "sender hot path (benchmarked): retry times, the 'seen' mark"),
    "bot/repos/inbox.py": (2, "update inbox rows: epoch-second stamps, pruned by age"),
    "bot/repos/outbox.py": (12, "outbox hot path (benchmarked): claim, sent and retry stamps"),
}


def _is(node: ast.expr, *names: str) -> bool:
    """`node` is the dotted name `names` (`datetime` or `datetime.datetime` for "datetime")."""
    if isinstance(node, ast.Name):
        return node.id == names[-1]
    if isinstance(node, ast.Attribute) and node.attr == names[-1]:
        return len(names) == 1 or _is(node.value, *names[:-1])
    return False


def _reads(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):  # utcnow(), or utcnow handed on as a clock
        return node.id == "utcnow" and isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.Attribute) and node.attr == "utcnow":
        return True
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    f = node.func
    if f.attr in ("now", "today"):
        return _is(f.value, "datetime") or _is(f.value, "date")
    return f.attr == "time" and _is(f.value, "time")


def wall_clock_reads(source: str) -> int:
    """How many times `source` reads the wall clock as "now": utcnow (called, or handed on as
    a default clock), datetime.now/utcnow/today, date.today, time.time. Monotonic and
    perf_counter time durations, not moments, and are not counted."""
    return sum(_reads(node) for node in ast.walk(ast.parse(source)))


def scan() -> dict[str, int]:
    found: dict[str, int] = {}
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(EXEMPT):
                continue
            n = wall_clock_reads(path.read_text(encoding="utf-8"))
            if n:
                found[rel] = n
    return found


def test_no_file_reads_the_wall_clock_beyond_its_allowance() -> None:
    found = scan()
    grown = {
        f: (n, ALLOWED.get(f, (0, ""))[0]) for f, n in found.items() if n > ALLOWED.get(f, (0,))[0]
    }
    assert not grown, f"read svc.clock (or take `now`) instead: (found, allowed) {grown}"


def test_the_allow_list_only_shrinks() -> None:
    found = scan()
    stale = {f: (found.get(f, 0), n) for f, (n, _) in ALLOWED.items() if found.get(f, 0) < n}
    assert not stale, (
        f"fewer wall-clock reads than allowed, lower ALLOWED: (found, allowed) {stale}"
    )


def test_the_scan_sees_each_way_of_reading_the_wall_clock() -> None:
    reads = {
        "utcnow()": 1,
        "clock = utcnow": 1,
        "def f(clock=utcnow): ...": 1,
        "datetime.now(UTC)": 1,
        "datetime.now(tz).date()": 1,
        "datetime.datetime.now()": 1,
        "datetime.utcnow()": 1,
        "date.today()": 1,
        "datetime.date.today()": 1,
        "time.time() - started": 1,
        "time.monotonic() + 5": 0,
        "time.perf_counter()": 0,
        "svc.clock.now()": 0,
        "self.clock()": 0,
        "from bot.clock import utcnow": 0,
        "datetime.fromisoformat(s)": 0,
    }
    assert {src: wall_clock_reads(src) for src in reads} == reads
    assert wall_clock_reads("a = utcnow()\nb = datetime.now(UTC)") == 2


def test_every_allowance_has_a_reason() -> None:
    assert all(reason.strip() and n > 0 for n, reason in ALLOWED.values())
