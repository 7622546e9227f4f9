"""Updates received by webhook and the chats' leases (several workers, PostgreSQL).

The receiver `store`s an update and answers Telegram only after the commit. A worker `claim`s
free or expired chats (`FOR UPDATE SKIP LOCKED`: two workers never take one chat), then takes
each chat's updates one at a time (`next_update`, which also renews the lease and fails once
the lease was lost) and marks each `done` while it still holds the chat. A worker keeps a
chat while it is active (`renew`) and `release`s it when idle. Times are seconds
since the epoch, passed in by the caller (its clock).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.codec import to_iso
from storage.db import Database

FREE = 0.0  # lease_until of a chat nobody holds


@dataclass(frozen=True)
class Inbound:
    """One stored update, ready to handle."""

    update_id: int
    chat_key: str
    body: dict[str, Any]
    attempts: int  # including this one


class LeaseLost(Exception):
    """The chat's lease expired and may be another worker's now."""


async def store(
    db: Database, update_id: int, chat_key: str, body: str, now: datetime, wake: str = ""
) -> bool:
    """Keep an update (and its chat's lease row); False if this update_id was already kept.
    A new one notifies the PostgreSQL channel `wake` (if given) in the same transaction:
    the listeners hear it once the update is committed, with no round trip of its own."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT OR IGNORE INTO inbound_updates (update_id, chat_key, body, received_at) "
            "VALUES (?, ?, ?, ?)",
            (update_id, chat_key, body, to_iso(now)),
        )
        await conn.execute("INSERT OR IGNORE INTO chat_leases (chat_key) VALUES (?)", (chat_key,))
        if wake and cur.rowcount == 1:
            await conn.execute("SELECT pg_notify(?, '')", (wake,))
    return bool(cur.rowcount == 1)


async def claim(db: Database, worker: str, now: float, until: float, limit: int) -> list[str]:
    """Take up to `limit` chats with updates waiting that nobody holds (free, or their
    holder's lease expired) or this worker holds already; skip rows another worker is taking
    at this moment (`SKIP LOCKED`: two workers never take one chat)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            """UPDATE chat_leases SET worker = ?, lease_until = ?
               WHERE chat_key IN (
                   SELECT l.chat_key FROM chat_leases l
                   WHERE (l.lease_until < ? OR l.worker = ?)
                     AND EXISTS (SELECT 1 FROM inbound_updates u
                                 WHERE u.chat_key = l.chat_key AND u.done_at IS NULL)
                   ORDER BY l.chat_key LIMIT ?
                   FOR UPDATE SKIP LOCKED)
               RETURNING chat_key""",
            (worker, until, now, worker, limit),
        )
        return [str(r[0]) for r in await cur.fetchall()]


def _marks(keys: list[str]) -> str:
    return ", ".join("?" for _ in keys)


async def renew(db: Database, worker: str, keys: list[str], now: float, until: float) -> set[str]:
    """Extend this worker's unexpired leases of `keys`; return the chats it still holds."""
    if not keys:
        return set()
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE chat_leases SET lease_until = ? WHERE worker = ? AND lease_until >= ? "
            f"AND chat_key IN ({_marks(keys)}) RETURNING chat_key",
            (until, worker, now, *keys),
        )
        return {str(r[0]) for r in await cur.fetchall()}


async def release(db: Database, worker: str, keys: list[str]) -> None:
    """Free chats this worker holds (idle ones, or all at a clean stop)."""
    if not keys:
        return
    async with db.transaction() as conn:
        await conn.execute(
            f"UPDATE chat_leases SET lease_until = ? WHERE worker = ? AND chat_key IN "
            f"({_marks(keys)})",
            (FREE, worker, *keys),
        )


async def next_update(
    db: Database, chat_key: str, worker: str, now: float, until: float
) -> Inbound | None:
    """The chat's oldest waiting update (its attempt counted), the lease renewed; None when
    nothing waits (the chat stays this worker's: its next updates come here, where its
    conversations are in memory). Raises `LeaseLost` if the lease is not ours."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE chat_leases SET lease_until = ? "
            "WHERE chat_key = ? AND worker = ? AND lease_until >= ?",
            (until, chat_key, worker, now),
        )
        if cur.rowcount != 1:
            raise LeaseLost(chat_key)
        cur = await conn.execute(
            "UPDATE inbound_updates SET attempts = attempts + 1 WHERE update_id = ("
            "SELECT update_id FROM inbound_updates "
            "WHERE chat_key = ? AND done_at IS NULL ORDER BY update_id LIMIT 1) "
            "RETURNING update_id, body, attempts",
            (chat_key,),
        )
        row = await cur.fetchone()
        if row is None:
            return None
    return Inbound(int(row[0]), chat_key, json.loads(row[1]), int(row[2]))


async def done(db: Database, item: Inbound, worker: str, now: datetime) -> bool:
    """Mark an update handled and empty its body, if this worker still holds its chat."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE inbound_updates SET done_at = ?, body = '' "
            "WHERE update_id = ? AND done_at IS NULL AND EXISTS (SELECT 1 FROM chat_leases "
            "WHERE chat_key = ? AND worker = ?)",
            (to_iso(now), item.update_id, item.chat_key, worker),
        )
    return bool(cur.rowcount == 1)


async def waiting(db: Database) -> int:
    """How many updates wait to be handled."""
    return int(await db.fetchval("SELECT COUNT(*) FROM inbound_updates WHERE done_at IS NULL"))


async def prune(db: Database, before: datetime) -> int:
    """Forget handled updates older than `before` (their ids guarded against retries)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "DELETE FROM inbound_updates WHERE done_at IS NOT NULL AND done_at < ?",
            (to_iso(before),),
        )
    return int(cur.rowcount)


async def conversations_of(db: Database, chat_id: int) -> dict[str, dict[tuple[Any, ...], Any]]:
    """The saved conversation states of one chat (keys starting with its id), by handler."""
    rows = await db.fetchall(
        "SELECT name, key, state FROM ptb_conversations WHERE key LIKE ? OR key = ?",
        (f"[{chat_id},%", f"[{chat_id}]"),
    )
    found: dict[str, dict[tuple[Any, ...], Any]] = {}
    for name, key, state in rows:
        found.setdefault(str(name), {})[tuple(json.loads(key))] = json.loads(state)
    return found


async def user_data_of(db: Database, user_id: int) -> dict[Any, Any] | None:
    """One person's saved user data (None when there is none)."""
    text = await db.fetchval("SELECT data FROM ptb_user_data WHERE user_id = ?", (user_id,))
    return None if text is None else dict(json.loads(text))
