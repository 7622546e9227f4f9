"""The dialect row's statements (tests/bench/dialect.py): each as the storage modules write it,
read from storage/ itself at import time (`storage_sql`: the one string constant of that
function that starts so, so the bench cannot drift from the product), and the same statement
hand-written in PostgreSQL's dialect (`RAW`, the floor and SQLAlchemy's `text()`). And the
census of the code argument: every statement of storage/ and what the translator does to it."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Any

import storage
from storage import sql as dialect

Outcome = tuple[list[Any], int, Any]  # rows, rowcount, the id of an inserted row

_WHERE = {  # key: (storage module, function, how the statement starts)
    "people.get": ("people", "get", "SELECT * FROM people"),
    "conversations_of": ("inbound", "conversations_of", "SELECT name, key, state"),
    "submission.lock": ("submissions", "find_in", "SELECT pg_advisory_xact_lock"),
    "submission.find": ("submissions", "find_in", "SELECT kind, record_id"),
    "counter.upsert": ("complaints", "count_up", "INSERT INTO counters"),
    "counter.read": ("complaints", "count_up", "SELECT value FROM counters"),
    "complaint.insert": ("complaints", "insert", "INSERT INTO complaints"),
    "photos.insert": ("complaints", "insert", "INSERT INTO complaint_photos"),
    "event.insert": ("complaints", "insert", "INSERT INTO complaint_events"),
    "submission.record": ("submissions", "record", "INSERT INTO submissions"),
    "outbox.enqueue": ("outbox", "enqueue", "INSERT OR IGNORE INTO outbox"),
    "state.save": ("conversations", "save", "INSERT INTO ptb_conversations"),
    "outbox.claim_key": ("outbox", "claim_key", "UPDATE outbox"),
    "outbox.finish": ("outbox", "finish", "UPDATE outbox"),
    "chat.claim": ("inbound", "claim", "UPDATE chat_leases"),
}
# The update path's other statements as storage/inbound.py wrote them before issue 20's CPU cut
# (it now stores an update in one statement and marks one done and takes the next in one,
# `inbound.advance`): kept here, not read from storage/, so that this comparison of ways of
# running a statement goes on measuring the same 20 statements of these shapes.
_FORMER = {
    "update.store": "INSERT OR IGNORE INTO inbound_updates (update_id, chat_key, body, "
    "received_at) VALUES (?, ?, ?, ?)",
    "lease.insert": "INSERT OR IGNORE INTO chat_leases (chat_key) VALUES (?)",
    "lease.renew": "UPDATE chat_leases SET lease_until = ? "
    "WHERE chat_key = ? AND worker = ? AND lease_until >= ?",
    "update.next": "UPDATE inbound_updates SET attempts = attempts + 1 WHERE update_id = ("
    "SELECT update_id FROM inbound_updates "
    "WHERE chat_key = ? AND done_at IS NULL ORDER BY update_id LIMIT 1) "
    "RETURNING update_id, body, attempts",
    "update.done": "UPDATE inbound_updates SET done_at = ?, body = '' "
    "WHERE update_id = ? AND done_at IS NULL AND EXISTS (SELECT 1 FROM chat_leases "
    "WHERE chat_key = ? AND worker = ?)",
}

# The floor: the same statements as one would write them for PostgreSQL by hand.
RAW = {
    "people.get": "SELECT * FROM people WHERE id = $1",
    "conversations_of": "SELECT name, key, state FROM ptb_conversations "
    "WHERE key LIKE $1 OR key = $2",
    "submission.lock": "SELECT pg_advisory_xact_lock($1, hashtext($2))",
    "submission.find": "SELECT kind, record_id FROM submissions WHERE key = $1",
    "counter.upsert": "INSERT INTO counters (name, value) VALUES ($1, $2) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
    "counter.read": "SELECT value FROM counters WHERE name = $1",
    "complaint.insert": "INSERT INTO complaints (number, kind, category_id, grid_id, "
    "reporter_id, anonymous, description, address, latitude, longitude, status, department_id, "
    "parent_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
    "'submitted', $11, $12, $13, $14) RETURNING id",
    "photos.insert": "INSERT INTO complaint_photos (complaint_id, file_id, file_unique_id, "
    "position) VALUES ($1, $2, $3, $4)",
    "event.insert": "INSERT INTO complaint_events (complaint_id, at, actor_id, kind, to_status) "
    "VALUES ($1, $2, $3, 'submitted', 'submitted')",
    "submission.record": "INSERT INTO submissions (key, kind, record_id, created_at) "
    "VALUES ($1, $2, $3, $4)",
    "outbox.enqueue": "INSERT INTO outbox (chat_id, lane, kind, template, context, due_at, "
    "expires_at, dedupe_key, broadcast_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10) ON CONFLICT DO NOTHING",
    "state.save": "INSERT INTO ptb_conversations (name, key, state) VALUES ($1, $2, $3) "
    "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
    "outbox.claim_key": "UPDATE outbox SET state = 'sending', claimed_by = $1, claimed_at = $2 "
    "WHERE dedupe_key = $3 AND state = 'pending' AND due_at <= $4 "
    "RETURNING id, chat_id, lane, kind, template, context, attempts",
    "outbox.finish": "UPDATE outbox SET state = $1, attempts = attempts + 1, last_error = $2, "
    "sent_at = CASE WHEN $3 = 'sent' THEN $4 ELSE sent_at END "
    "WHERE id = $5 AND state = 'sending' AND COALESCE(claimed_by, '') = $6",
    "update.store": "INSERT INTO inbound_updates (update_id, chat_key, body, received_at) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    "lease.insert": "INSERT INTO chat_leases (chat_key) VALUES ($1) ON CONFLICT DO NOTHING",
    "chat.claim": "UPDATE chat_leases SET worker = $1, lease_until = $2 WHERE chat_key IN ("
    "SELECT l.chat_key FROM chat_leases l WHERE (l.lease_until < $3 OR l.worker = $4) "
    "AND EXISTS (SELECT 1 FROM inbound_updates u WHERE u.chat_key = l.chat_key "
    "AND u.done_at IS NULL) ORDER BY l.chat_key LIMIT $5 FOR UPDATE SKIP LOCKED) "
    "RETURNING chat_key",
    "lease.renew": "UPDATE chat_leases SET lease_until = $1 "
    "WHERE chat_key = $2 AND worker = $3 AND lease_until >= $4",
    "update.next": "UPDATE inbound_updates SET attempts = attempts + 1 WHERE update_id = ("
    "SELECT update_id FROM inbound_updates WHERE chat_key = $1 AND done_at IS NULL "
    "ORDER BY update_id LIMIT 1) RETURNING update_id, body, attempts",
    "update.done": "UPDATE inbound_updates SET done_at = $1, body = '' WHERE update_id = $2 "
    "AND done_at IS NULL AND EXISTS (SELECT 1 FROM chat_leases WHERE chat_key = $3 "
    "AND worker = $4)",
}
# What each statement gives back: rows, a row count, or the new row's id.
KIND = (
    {k: "rows" for k in RAW}
    | {
        k: "count"
        for k in (
            "counter.upsert",
            "event.insert",
            "submission.record",
            "outbox.enqueue",
            "outbox.finish",
            "update.store",
            "lease.insert",
            "lease.renew",
            "update.done",
            "submission.lock",
        )
    }
    | {"complaint.insert": "id"}
)


def _strings(node: ast.AST, names: dict[str, str]) -> list[str]:
    """A function's string constants; an f-string made of constants and the module's string
    names (e.g. outbox's `{_MINE}`) is read whole, its parts are not read apart."""
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v.value, ast.Name) and v.value.id in names:  # type: ignore[attr-defined]
                parts.append(names[v.value.id])  # type: ignore[attr-defined]
            else:
                return []  # built at run time: not one statement
        return ["".join(parts)]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return [s for child in ast.iter_child_nodes(node) for s in _strings(child, names)]


@cache
def _functions(module: str) -> dict[str, list[str]]:
    tree = ast.parse((Path(storage.__file__).parent / f"{module}.py").read_text("utf-8"))
    names = {
        t.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    return {
        node.name: _strings(node, names)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def storage_sql(module: str, function: str, start: str) -> str:
    """The one statement of storage/<module>.py's `function` that starts with `start`."""
    found = [
        s
        for s in _functions(module)[function]
        if " ".join(s.split()).upper().startswith(start.upper())
    ]
    if len(found) != 1:
        raise LookupError(f"storage.{module}.{function}: {len(found)} statements like {start!r}")
    return found[0]


OURS = {key: storage_sql(*where) for key, where in _WHERE.items()} | _FORMER


_SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
ISMS = {  # what the translator rewrites, as the storage modules write it
    "INSERT OR IGNORE": re.compile(r"\bINSERT\s+OR\s+IGNORE\b", re.I),
    "IFNULL": re.compile(r"\bIFNULL\s*\(", re.I),
    "instr": re.compile(r"\binstr\s*\(", re.I),
    "json_extract/each/replace": re.compile(r"\bjson_(extract|each|replace)\s*\(", re.I),
    "IS [NOT] ?": re.compile(r"\bIS\s+(NOT\s+)?\?", re.I),
    "INDEXED BY": re.compile(r"\bINDEXED\s+BY\b", re.I),
    "/* lock */, /* skip locked */": re.compile(r"/\*\s*(skip locked|lock)\s*\*/", re.I),
}
_ID_TABLE = re.compile(r"CREATE TABLE (\w+) \(\s*id\s+INTEGER PRIMARY KEY", re.IGNORECASE)


def _texts(tree: ast.AST) -> list[str]:
    """The string constants and f-strings (each `{…}` as `?`) of a module."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append(
                "".join(str(v.value) if isinstance(v, ast.Constant) else "?" for v in node.values)
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
    return found


def identity_tables() -> frozenset[str]:
    """The tables with an `id INTEGER PRIMARY KEY` (an identity on PostgreSQL)."""
    folder = Path(storage.__file__).parent / "migrations"
    text = "\n".join(p.read_text("utf-8") for p in sorted(folder.glob("*.sql")))
    return frozenset(_ID_TABLE.findall(text))


def census() -> dict[str, Any]:
    """The code argument: sql.py's lines (statements vs migrations), storage's statements and
    how many the translator rewrites beyond numbering placeholders."""
    root = Path(storage.__file__).parent
    lines = (root / "sql.py").read_text("utf-8").splitlines()
    migrations_at = next(i for i, line in enumerate(lines) if line.startswith("# Migrations"))
    id_tables = identity_tables()
    statements = set()
    for path in sorted(root.glob("*.py")):
        if path.name in {"sql.py", "postgres.py"}:
            continue
        for text in _texts(ast.parse(path.read_text("utf-8"))):
            if _SQL_START.match(text) and re.search(r"\b(FROM|INTO|SET|VALUES)\b", text, re.I):
                statements.add(" ".join(text.split()))
    kinds = dict.fromkeys(ISMS, 0) | {"RETURNING id (lastrowid)": 0}
    rewritten = 0
    for text in list(statements):
        try:
            translated = dialect.translate(text, id_tables)
        except ValueError:  # a fragment of an f-string (copy.py's INSERT INTO {table})
            statements.discard(text)
            continue
        for name, pattern in ISMS.items():
            kinds[name] += bool(pattern.search(text))
        kinds["RETURNING id (lastrowid)"] += translated.added_returning
        rewritten += _rewritten(text, id_tables)
    hot = sum(_rewritten(text, id_tables) for text in OURS.values())
    return {
        "sql_py_lines": len(lines),
        "statement_lines": migrations_at,
        "migration_lines": len(lines) - migrations_at,
        "statements": len(statements),
        "rewritten": rewritten,
        "kinds": kinds,
        "hot_path_rewritten": hot,
    }


def _rewritten(text: str, id_tables: frozenset[str]) -> bool:
    """Whether the translator changes more than the placeholders of a statement."""
    translated = dialect.translate(text, id_tables).text
    return translated != dialect._placeholders(text.strip().rstrip(";"))[0]
