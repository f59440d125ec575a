"""Handlers never touch repositories, not even through the context: import-linter stops a
handler importing bot.repos, and this test stops the ways around it — `svc.<field>` where the
field is a repository or the database, a service's `.repo`, and building a repository (a class
that takes the Database) in a handler."""

from __future__ import annotations

import ast
import importlib
import inspect
import typing
from pathlib import Path

from bot.context import Services
from bot.db import Database

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"


def _storage_fields() -> set[str]:
    hints = typing.get_type_hints(Services)
    return {
        name
        for name, tp in hints.items()
        if tp is Database or getattr(tp, "__module__", "").startswith("bot.repos")
    }


def _svc_like(node: ast.expr) -> bool:
    """`svc`, `context.svc`, `app.bot_data.services`, or a service on it (`svc.sessions`), so
    a repository a service keeps as a field (`svc.sessions.people`) counts too."""
    if isinstance(node, ast.Name):
        return node.id in ("svc", "services")
    if not isinstance(node, ast.Attribute):
        return False
    return node.attr in ("svc", "services") or _svc_like(node.value)


def _aliases(tree: ast.AST) -> set[str]:
    """Names bound to the context's services (`s = context.svc`), which the scan follows."""
    out = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in ("svc", "services")
        ):
            out |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return out


def _takes_database(obj: object) -> bool:
    if not inspect.isclass(obj):
        return False
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.annotation in (Database, "Database") for p in params)


def scan(name: str, source: str, fields: set[str], builders: set[str]) -> list[str]:
    out, tree = [], ast.parse(source)
    aliases = _aliases(tree) - {"svc", "services"}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr in fields
        ):
            out.append(f"{name}:{node.lineno} {node.value.id}.{node.attr}")
            continue
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and _svc_like(node.value) and node.attr in fields:
            out.append(f"{where} svc.{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr == "repo":
            out.append(f"{where} .repo")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in builders:
            out.append(f"{where} {getattr(node.func, 'id', '')}(…)")
    return out


def offences() -> list[str]:
    fields, out = _storage_fields(), []
    for path in sorted(HANDLERS.glob("*.py")):
        module = importlib.import_module(f"handlers.{path.stem}")
        builders = {n for n, v in vars(module).items() if _takes_database(v)}
        out += scan(path.name, path.read_text(encoding="utf-8"), fields, builders)
    return out


def test_the_scan_finds_each_way_around() -> None:
    fields = _storage_fields()
    assert {"db", "people", "org", "groups"} <= fields  # the scan is not vacuous
    planted = (
        "async def h(update, context):\n"
        "    await context.svc.people.by_tg(1)\n"
        "    await svc.notices.repo.get(1)\n"
        "    ledger = TrendLedger(context.svc.db)\n"
        "    await context.svc.directory.teams()\n"  # a service: fine
        "    await context.svc.sessions.people.by_tg(1)\n"
        "    s = context.svc\n"
        "    await s.org.teams()\n"
    )
    from bot.repos.trends import TrendLedger

    assert _takes_database(TrendLedger)
    found = scan("x.py", planted, fields, {"TrendLedger"})
    assert sorted(found) == [
        "x.py:2 svc.people",
        "x.py:3 .repo",
        "x.py:4 TrendLedger(…)",
        "x.py:4 svc.db",
        "x.py:6 svc.people",
        "x.py:8 s.org",
    ]


def test_no_handler_touches_a_repository() -> None:
    assert offences() == []
