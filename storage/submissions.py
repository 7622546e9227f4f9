"""Submissions: the idempotency keys of confirmed forms.

Every form that creates a record (a complaint, a meeting, a broadcast, an assignment, a
suggestion, a patrol ticket) carries a random key from the moment its draft is made. Confirming
writes `submissions(key, kind, record_id)` in the transaction of the record, after looking the
key up in that same transaction (`BEGIN IMMEDIATE`), so a second press — from any state, after
any crash — finds the first record instead of making another. On PostgreSQL two workers may
confirm the same form at once (an update handled again while its first worker still runs): the
look-up takes a lock on the key for the transaction, so the second waits for the first's commit
and finds its record.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import to_iso
from storage.db import Database

KEY_BYTES = 8  # 16 hex characters: short enough for callback data, never guessed
LOCKS = 0x5B  # PostgreSQL: the advisory locks' first key, the submission keys' (vs the leader's)


@dataclass(frozen=True)
class Submission:
    key: str
    kind: str
    record_id: int


def new_key() -> str:
    """A fresh random key for a new draft."""
    return secrets.token_hex(KEY_BYTES)


async def find(db: Database, key: str) -> Submission | None:
    """The record a key already created, if any."""
    row = await db.fetchone("SELECT kind, record_id FROM submissions WHERE key = ?", (key,))
    return Submission(key, row[0], int(row[1])) if row else None


async def find_in(conn: aiosqlite.Connection, key: str) -> Submission | None:
    """`find` inside the caller's transaction (check, then create, then `record`); on
    PostgreSQL the key stays locked until that transaction ends."""
    if not isinstance(conn, aiosqlite.Connection):  # SQLite: BEGIN IMMEDIATE, one writer
        await conn.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (LOCKS, key))
    cur = await conn.execute("SELECT kind, record_id FROM submissions WHERE key = ?", (key,))
    row = await cur.fetchone()
    return Submission(key, row[0], int(row[1])) if row else None


async def record(
    conn: aiosqlite.Connection, key: str, kind: str, record_id: int, now: datetime
) -> None:
    """Remember what the key created, inside the transaction that created it."""
    await conn.execute(
        "INSERT INTO submissions (key, kind, record_id, created_at) VALUES (?, ?, ?, ?)",
        (key, kind, record_id, to_iso(now)),
    )
