"""The layers hold: SQL lives only in storage/, and storage/ imports nothing above it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|PRAGMA|BEGIN|REPLACE)\b")
STATEMENT = re.compile(r"\b(FROM|INTO|SET|TABLE|WHERE|VALUES|TRANSACTION|AS)\b|^\s*BEGIN\s*$")


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal with its line; an f-string's text with its holes left empty."""
    found = []
    inside_f = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v for v in node.values if isinstance(v, ast.Constant)]
            inside_f.update(id(v) for v in parts)
            found.append((node.lineno, "".join(str(v.value) for v in parts)))
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and id(node) not in inside_f:
            found.append((node.lineno, node.value))
    return found


def sql_lines(source: str) -> list[int]:
    """Lines of string literals that read like an SQL statement (upper-case keywords)."""
    return sorted(
        {
            line
            for line, text in _strings(ast.parse(source))
            if SQL.match(text) and STATEMENT.search(text)
        }
    )


def _sql_outside_storage() -> dict[str, list[int]]:
    found = {}
    for package in ("bot", "handlers"):
        for path in _modules(package):
            if lines := sql_lines(path.read_text(encoding="utf-8")):
                found[str(path.relative_to(ROOT))] = lines
    return found


def test_sql_statements_are_written_only_in_storage() -> None:
    assert _sql_outside_storage() == {}


def test_the_sql_scan_sees_statements_and_f_strings_but_not_prose() -> None:
    source = '''
def f(db, table):
    """Insert a complaint and select who hears of it."""
    db.fetchval("SELECT id FROM grids WHERE code = ?", ("x",))
    db.fetchall(f"""SELECT r.user_id, {table} FROM role_grants r""")
    db.execute("BEGIN")
    return "UPDATE me later"
'''
    assert sql_lines(source) == [4, 5, 6]
    assert sql_lines((ROOT / "storage" / "people.py").read_text(encoding="utf-8"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_storage_imports_nothing_from_bot_or_handlers() -> None:
    upward = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imports(path) if name.split(".")[0] in ("bot", "handlers")
        )
        for path in _modules("storage")
    }
    assert {path: names for path, names in upward.items() if names} == {}
