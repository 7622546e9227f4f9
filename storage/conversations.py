"""What the bot framework persists: conversation states and per-user data (the `ptb_*` tables).

Keys and values are JSON text. User data is written only for people who consented: the row
references `people` and disappears with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from storage.db import Database, count_commit


async def user_data(db: Database) -> dict[int, Any]:
    """Every person's saved user data."""
    rows = await db.fetchall("SELECT user_id, data FROM ptb_user_data")
    return {int(r[0]): json.loads(r[1]) for r in rows}


async def states(db: Database, name: str) -> dict[tuple[Any, ...], Any]:
    """The saved state of every open conversation of one handler."""
    rows = await db.fetchall("SELECT key, state FROM ptb_conversations WHERE name = ?", (name,))
    return {tuple(json.loads(r[0])): json.loads(r[1]) for r in rows}


@dataclass
class Writes:
    """One round of writes: conversation states by (handler name, key), None ending one; user
    data by user id, empty data deleting it."""

    states: dict[tuple[str, tuple[Any, ...]], object | None] = field(default_factory=dict)
    user_data: dict[int, dict[Any, Any]] = field(default_factory=dict)

    def add(self, later: Writes) -> None:
        """Take in later writes (a later write of the same key wins)."""
        self.states.update(later.states)
        self.user_data.update(later.user_data)


# PostgreSQL: the round in one statement (its own transaction), the rows as JSON arrays: one
# round trip instead of BEGIN, a statement per kind and COMMIT (a cluster worker saves after
# every update: issue 20's profile). The kinds never touch one row twice (a key is ended or
# kept, a person's data dropped or saved).
_SAVE_PG = """WITH ended AS (
        DELETE FROM ptb_conversations c
        USING jsonb_to_recordset(CAST(?1 AS TEXT)::jsonb) AS e(name TEXT, key TEXT)
        WHERE c.name = e.name AND c.key = e.key RETURNING 1),
    kept AS (
        INSERT INTO ptb_conversations (name, key, state)
        SELECT k.name, k.key, k.state
        FROM jsonb_to_recordset(CAST(?2 AS TEXT)::jsonb) AS k(name TEXT, key TEXT, state TEXT)
        ON CONFLICT (name, key) DO UPDATE SET state = excluded.state RETURNING 1),
    dropped AS (
        DELETE FROM ptb_user_data WHERE user_id IN (
            SELECT CAST(d.value AS BIGINT)
            FROM jsonb_array_elements(CAST(?3 AS TEXT)::jsonb) AS r,
                 jsonb_array_elements_text(r.value) AS d) RETURNING 1),
    saved AS (
        INSERT INTO ptb_user_data (user_id, data)
        SELECT u.user_id, u.data
        FROM jsonb_to_recordset(CAST(?4 AS TEXT)::jsonb) AS u(user_id BIGINT, data TEXT)
        WHERE EXISTS (SELECT 1 FROM people WHERE id = u.user_id)
        ON CONFLICT (user_id) DO UPDATE SET data = excluded.data RETURNING 1)
    SELECT (SELECT COUNT(*) FROM ended) + (SELECT COUNT(*) FROM kept)
         + (SELECT COUNT(*) FROM dropped) + (SELECT COUNT(*) FROM saved)"""


async def save(db: Database, writes: Writes) -> None:
    """Save a round of writes in one transaction, a statement per kind of write (one statement
    for all on PostgreSQL)."""
    states = [(name, json.dumps(list(key)), state) for (name, key), state in writes.states.items()]
    ended = [(name, key) for name, key, state in states if state is None]
    kept = [(name, key, json.dumps(state)) for name, key, state in states if state is not None]
    dropped = [(user_id,) for user_id, data in writes.user_data.items() if not data]
    saved = [
        (user_id, json.dumps(data, ensure_ascii=False), user_id)
        for user_id, data in writes.user_data.items()
        if data
    ]
    if db.backend == "postgres":
        rows = [[{"name": n, "key": k, "state": v} for n, k, v in kept], dropped]
        rows += [[{"user_id": u, "data": d} for u, d, _ in saved]]
        ends = [{"name": n, "key": k} for n, k in ended]
        await db.fetchall(_SAVE_PG, [json.dumps(x, ensure_ascii=False) for x in [ends, *rows]])
        count_commit()
        return
    async with db.transaction() as conn:
        if ended:
            await conn.executemany(
                "DELETE FROM ptb_conversations WHERE name = ? AND key = ?", ended
            )
        if kept:
            await conn.executemany(
                "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT(name, key) DO UPDATE SET state = excluded.state",
                kept,
            )
        if dropped:
            await conn.executemany("DELETE FROM ptb_user_data WHERE user_id = ?", dropped)
        if saved:
            # Only for people who registered: nothing personal before consent.
            await conn.executemany(
                "INSERT INTO ptb_user_data (user_id, data) "
                "SELECT ?, ? WHERE EXISTS (SELECT 1 FROM people WHERE id = ?) "
                "ON CONFLICT(user_id) DO UPDATE SET data = excluded.data",
                saved,
            )


async def set_state(db: Database, name: str, key: tuple[Any, ...], state: object | None) -> None:
    """Save one conversation's state; None ends it."""
    await save(db, Writes(states={(name, key): state}))
