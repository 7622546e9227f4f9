"""Handlers read through storage, and every write goes through a service (issue 13, step 2).

A storage function writes when its body holds an INSERT, UPDATE or DELETE, or calls a function
of its module that writes. No module under `handlers/` may import or call one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b")


def writers() -> dict[str, set[str]]:
    """module name → the functions of `storage/<module>.py` that write."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "storage").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        functions = {
            node.name: node
            for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        writes = {
            name
            for name, node in functions.items()
            if WRITE.search(ast.get_source_segment(source, node) or "")
        }
        grown = True
        while grown:  # a function calling a writer of its module writes too
            grown = False
            for name, node in functions.items():
                called = {
                    n.func.id
                    for n in ast.walk(node)
                    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                }
                if name not in writes and called & writes:
                    writes.add(name)
                    grown = True
        found[path.stem] = writes
    return found


def storage_writes_in(path: Path, writes: dict[str, set[str]]) -> list[str]:
    """`module.function` for every storage writer a file imports or calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "storage":
            aliases.update({a.asname or a.name: a.name for a in node.names})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("storage."):
            module = (node.module or "").split(".")[1]
            hits += [f"{module}.{a.name}" for a in node.names if a.name in writes.get(module, ())]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr in writes.get(aliases[node.value.id], ())
        ):
            hits.append(f"{aliases[node.value.id]}.{node.attr}")
    return hits


def test_storage_writers_are_found() -> None:
    writes = writers()
    assert "enqueue" in writes["outbox"] and "grant" in writes["people"]
    assert "get" not in writes["people"]


def test_handlers_write_only_through_services() -> None:
    writes = writers()
    found = {
        str(path.relative_to(ROOT)): hits
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        if (hits := storage_writes_in(path, writes))
    }
    assert found == {}


def test_a_handler_writing_storage_is_caught(tmp_path: Path) -> None:
    source = "from storage import people as p\n\nasync def f(db):\n    await p.grant(db)\n"
    (tmp_path / "h.py").write_text(source, encoding="utf-8")
    assert storage_writes_in(tmp_path / "h.py", writers()) == ["people.grant"]
