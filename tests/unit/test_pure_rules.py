"""The pure rule modules import nothing of the database or the web: checked on their source, transitively."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Every feature's rules.py (found, so a new feature's rules are checked from the start), and the engine's other
# pure modules.
PURE = sorted(
    {f"tfclaims.{path.parent.name}.rules" for path in ROOT.glob("tfclaims/*/rules.py")}
    | {"tfclaims.engine.kinds", "tfclaims.engine.criteria", "tfclaims.engine.lists", "tfclaims.people"}
    | {"tfclaims.pathway.lists", "tfclaims.pathway.vocabulary", "tfclaims.pathway.indicators",
       "tfclaims.pathway.distance"}
    # The partner imports' pure modules: a file read, checked, linked and turned into records without the database.
    | {f"tfclaims.imports.{name}" for name in ("reading", "values", "sources", "records", "linkage", "identification",
                                                "templates", "nicknames", "vocabulary")}
)
FORBIDDEN = ("sqlalchemy", "flask", "flask_sqlalchemy", "wtforms")


def _imports(module: str) -> set[str]:
    path = ROOT / (module.replace(".", "/") + ".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # "from tfclaims.engine import kinds" imports the module tfclaims.engine.kinds
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if not name.startswith("tfclaims") or _source(name).exists()}


def _source(module: str) -> Path:
    return ROOT / (module.replace(".", "/") + ".py")


def _closure(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name.startswith("tfclaims"):
            todo.extend(_imports(name))
    return seen


@pytest.mark.parametrize("module", PURE)
def test_rule_modules_import_nothing_of_the_database(module):
    closure = _closure(module)
    bad = sorted(n for n in closure if n.split(".")[0] in FORBIDDEN or n.endswith((".models", ".extensions")))
    assert not bad, f"{module} imports {bad}"


def test_the_day_of_a_moment_is_the_day_in_england():
    """Late on a summer evening in UTC is already the next day in England (British Summer Time); in winter it is
    the same day. Outside an application there is no fixed today."""
    from datetime import UTC, date, datetime

    from tfclaims import clock

    assert clock.day_of(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert clock.day_of(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)
