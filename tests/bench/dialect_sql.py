"""The dialect row's statements (tests/bench/dialect.py): each as the storage modules write it,
read from storage/ itself at import time (`storage_sql`: the one string constant of that
function that starts so, so the bench cannot drift from the product), and the same statement
hand-written in PostgreSQL's dialect (`RAW`, the floor and SQLAlchemy's `text()`)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import storage

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
    "update.store": ("inbound", "store", "INSERT OR IGNORE INTO inbound_updates"),
    "lease.insert": ("inbound", "store", "INSERT OR IGNORE INTO chat_leases"),
    "chat.claim": ("inbound", "claim", "UPDATE chat_leases"),
    "lease.renew": ("inbound", "next_update", "UPDATE chat_leases"),
    "update.next": ("inbound", "next_update", "UPDATE inbound_updates"),
    "update.done": ("inbound", "done", "UPDATE inbound_updates"),
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
    "sent_at = CASE WHEN $3 = 'sent' THEN $4 ELSE sent_at END WHERE id = $5",
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


@cache
def _functions(module: str) -> dict[str, list[str]]:
    tree = ast.parse((Path(storage.__file__).parent / f"{module}.py").read_text("utf-8"))
    found: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = [
                n.value
                for n in ast.walk(node)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
    return found


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


OURS = {key: storage_sql(*where) for key, where in _WHERE.items()}
