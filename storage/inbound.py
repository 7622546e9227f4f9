"""Updates received by webhook and the chats' leases (several workers, PostgreSQL).

The receiver `store`s an update and answers Telegram only after the commit. A worker `claim`s
free or expired chats (`FOR UPDATE SKIP LOCKED`: two workers never take one chat), then goes
through each chat's updates with `advance`: one statement that marks the update just handled
done while the worker still holds the chat, renews the lease (failing once it was lost) and
takes the chat's next update with its person's saved user data. A worker keeps a chat while it
is active (`renew`) and `release`s it when idle. Times are seconds since the epoch, passed in
by the caller (its clock).

Each call here is one statement, run as its own transaction (no BEGIN/COMMIT round trips): on
this path the round trips to the server are most of a worker's CPU (issue 20's profile).
PostgreSQL only, like the cluster."""

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


_STORE = """WITH kept AS (
                INSERT INTO inbound_updates (update_id, chat_key, body, received_at)
                VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING RETURNING update_id),
            leased AS (INSERT INTO chat_leases (chat_key) VALUES (?2) ON CONFLICT DO NOTHING)
            SELECT update_id{notify} FROM kept"""


async def store(
    db: Database, update_id: int, chat_key: str, body: str, now: datetime, wake: str = ""
) -> bool:
    """Keep an update (and its chat's lease row); False if this update_id was already kept.
    A new one notifies the PostgreSQL channel `wake` (if given), its payload the chat key: the
    listeners hear it once the update is committed. One statement, one round trip (no
    BEGIN/COMMIT: PostgreSQL runs it as its own transaction)."""
    sql = _STORE.format(notify=", pg_notify(?5, ?2)" if wake else "")
    params: tuple[object, ...] = (update_id, chat_key, body, to_iso(now))
    rows = await db.fetchall(sql, (*params, wake) if wake else params)
    return len(rows) == 1


async def claim(db: Database, worker: str, now: float, until: float, limit: int) -> list[str]:
    """Take up to `limit` chats with updates waiting that nobody holds (free, or their
    holder's lease expired) or this worker holds already; skip rows another worker is taking
    at this moment (`SKIP LOCKED`: two workers never take one chat)."""
    rows = await db.fetchall(  # one statement: its own transaction, one round trip
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
    return sorted(str(r[0]) for r in rows)


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


@dataclass(frozen=True)
class Turn:
    """What `advance` found: the chat's next update (None when nothing waits) and the saved
    user data of the private chat's person (None when there is none, or none was asked)."""

    item: Inbound | None
    user_data: dict[Any, Any] | None
    finished: bool  # the update handed in was marked done


# One statement (its own transaction): mark the update just handled done while this worker
# holds the chat (`fin`), then, if that went (or there was none), renew the unexpired lease
# (`lease`) and take the chat's oldest other waiting update, counting its attempt (`nxt`); with
# it, the person's saved user data (the persistence's refresh, without a round trip of its
# own). Every part sees one snapshot: the update marked here still looks waiting to `nxt`,
# which therefore skips it by id.
_ADVANCE = """WITH fin AS (
        UPDATE inbound_updates SET done_at = ?6, body = ''
        WHERE update_id = ?5 AND done_at IS NULL
          AND EXISTS (SELECT 1 FROM chat_leases WHERE chat_key = ?1 AND worker = ?2)
        RETURNING update_id),
    lease AS (
        UPDATE chat_leases SET lease_until = ?4
        WHERE chat_key = ?1 AND worker = ?2 AND lease_until >= ?3
          AND (CAST(?5 AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM fin))
        RETURNING chat_key),
    nxt AS (
        UPDATE inbound_updates SET attempts = attempts + 1
        WHERE update_id = (SELECT update_id FROM inbound_updates
                           WHERE chat_key = ?1 AND done_at IS NULL
                             AND update_id IS DISTINCT FROM ?5
                           ORDER BY update_id LIMIT 1)
          AND EXISTS (SELECT 1 FROM lease)
        RETURNING update_id, body, attempts)
    SELECT (SELECT COUNT(*) FROM fin), (SELECT COUNT(*) FROM lease),
           nxt.update_id, nxt.body, nxt.attempts,
           (SELECT data FROM ptb_user_data WHERE user_id = ?7)
    FROM (SELECT 1) AS one LEFT JOIN nxt ON TRUE"""


async def advance(
    db: Database,
    chat_key: str,
    worker: str,
    now: float,
    until: float,
    finished: Inbound | None = None,
    done_at: datetime | None = None,
    user_id: int | None = None,
) -> Turn:
    """Mark `finished` done (at `done_at`) if this worker still holds its chat, then take the
    chat's oldest waiting update (its attempt counted), the lease renewed, and the saved user
    data of `user_id`; all in one round trip. The chat stays this worker's when nothing waits
    (its next updates come here, where its conversations are in memory). Raises `LeaseLost`
    if the chat is not ours (nothing marked, nothing taken)."""
    stamp = to_iso(done_at) if finished is not None and done_at is not None else None
    done_id = finished.update_id if finished is not None else None
    rows = await db.fetchall(_ADVANCE, (chat_key, worker, now, until, done_id, stamp, user_id))
    marked, leased, update_id, body, attempts, data = rows[0]
    if (finished is not None and marked != 1) or leased != 1:
        raise LeaseLost(chat_key)
    user_data = None if data is None else dict(json.loads(data))
    if update_id is None:
        return Turn(None, user_data, finished is not None)
    item = Inbound(int(update_id), chat_key, json.loads(body), int(attempts))
    return Turn(item, user_data, finished is not None)


async def next_update(
    db: Database, chat_key: str, worker: str, now: float, until: float
) -> Inbound | None:
    """The chat's oldest waiting update (its attempt counted), the lease renewed; None when
    nothing waits. Raises `LeaseLost` if the lease is not ours."""
    return (await advance(db, chat_key, worker, now, until)).item


async def done(db: Database, item: Inbound, worker: str, now: datetime) -> bool:
    """Mark an update handled and empty its body, if this worker still holds its chat."""
    rows = await db.fetchall(  # one statement: its own transaction
        "UPDATE inbound_updates SET done_at = ?, body = '' "
        "WHERE update_id = ? AND done_at IS NULL AND EXISTS (SELECT 1 FROM chat_leases "
        "WHERE chat_key = ? AND worker = ?) RETURNING update_id",
        (to_iso(now), item.update_id, item.chat_key, worker),
    )
    return len(rows) == 1


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
