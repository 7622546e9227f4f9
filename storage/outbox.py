"""The outbox: messages that are not direct replies are rows first, then sent.

States: pending → sending → sent | failed (recipient blocked us) | dead (Telegram refused the
message) | dropped (its moment passed, or the broadcast was cancelled). A row is claimed
('sending') before the request goes out; rows left 'sending' by a crash go back to 'pending'
at start-up, so at most the messages in flight at a crash can be sent twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.codec import from_iso, to_iso
from storage.db import Database

LANE_DIRECT, LANE_PERSONAL, LANE_BULK = 0, 1, 2
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    lane: int
    kind: str
    template: str
    context: dict[str, Any]
    attempts: int


def _row(
    chat_id: int,
    lane: int,
    kind: str,
    template: str,
    context: dict[str, Any],
    due_at: datetime,
    expires_at: datetime | None,
    dedupe_key: str,
) -> tuple[object, ...]:
    """A message's columns chat_id … dedupe_key, as the outbox stores them."""
    expires = to_iso(expires_at) if expires_at else None
    context_json = json.dumps(context, ensure_ascii=False)
    return (chat_id, lane, kind, template, context_json, to_iso(due_at), expires, dedupe_key)


async def enqueue(
    conn: aiosqlite.Connection,
    *,
    chat_id: int,
    kind: str,
    template: str,
    context: dict[str, Any],
    due_at: datetime,
    dedupe_key: str,
    now: datetime,
    lane: int = LANE_PERSONAL,
    expires_at: datetime | None = None,
    broadcast_id: int | None = None,
) -> bool:
    """Add a message inside the caller's transaction; False if the dedupe key exists."""
    cur = await conn.execute(
        """INSERT OR IGNORE INTO outbox (chat_id, lane, kind, template, context, due_at,
               expires_at, dedupe_key, broadcast_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            *_row(chat_id, lane, kind, template, context, due_at, expires_at, dedupe_key),
            broadcast_id,
            to_iso(now),
        ),
    )
    return cur.rowcount == 1


async def enqueue_many(
    conn: aiosqlite.Connection,
    items: list[tuple[int, dict[str, Any], str]],
    *,
    kind: str,
    template: str,
    due_at: datetime,
    now: datetime,
    lane: int = LANE_BULK,
    expires_at: datetime | None = None,
) -> None:
    """Many messages of one kind — (chat_id, context, dedupe_key) each — in one statement."""
    await conn.executemany(
        """INSERT OR IGNORE INTO outbox (chat_id, lane, kind, template, context, due_at,
               expires_at, dedupe_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (
                *_row(chat_id, lane, kind, template, context, due_at, expires_at, dedupe_key),
                to_iso(now),
            )
            for chat_id, context, dedupe_key in items
        ],
    )


async def claim(
    db: Database, now: datetime, limit: int = 200, claimer: str = ""
) -> list[OutboxItem]:
    """Take due rows for sending (lane, then due time), as `claimer` (this process); drop
    expired ones, fail blocked ones."""
    stamp = to_iso(now)
    async with db.transaction() as conn:
        cur = await conn.execute(
            """UPDATE outbox SET state = 'dropped', last_error = 'expired'
               WHERE state = 'pending' AND due_at <= ? AND expires_at IS NOT NULL
                 AND expires_at <= ?
               RETURNING id, kind, chat_id""",
            (stamp, stamp),
        )
        for row in await cur.fetchall():
            log.info("outbox %s (%s to %s) dropped: its moment has passed", *row)
        await conn.execute(
            """UPDATE outbox SET state = 'failed', last_error = 'blocked'
               WHERE state = 'pending' AND due_at <= ?
                 AND chat_id IN (SELECT id FROM people WHERE blocked_at IS NOT NULL)""",
            (stamp,),
        )
        cur = await conn.execute(
            # Several processes may claim at once (PostgreSQL): each skips the rows another
            # has locked (`/* skip locked */`: storage.sql; SQLite has one writer).
            """UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_at = ?
               WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND due_at <= ?
                            ORDER BY lane, due_at, id LIMIT ? /* skip locked */)
               RETURNING id, chat_id, lane, kind, template, context, attempts""",
            (claimer, stamp, stamp, limit),
        )
        rows = await cur.fetchall()
    items = [OutboxItem(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]
    items.sort(key=lambda i: (i.lane, i.id))
    return items


async def claim_key(
    db: Database, dedupe_key: str, now: datetime, claimer: str = ""
) -> OutboxItem | None:
    """Take one due row by its dedupe key (a reply sent right after its commit), as
    `claimer`; None when it is already sent or being sent."""
    stamp = to_iso(now)
    async with db.transaction() as conn:
        cur = await conn.execute(
            """UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_at = ?
               WHERE dedupe_key = ? AND state = 'pending' AND due_at <= ?
               RETURNING id, chat_id, lane, kind, template, context, attempts""",
            (claimer, stamp, dedupe_key, stamp),
        )
        r = await cur.fetchone()
    return OutboxItem(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) if r else None


# A claimed row's outcome is recorded only while the row is still this claimer's: a claim
# recovered (its claimer thought dead, or its lease over) and taken by another worker is
# theirs to record (PostgreSQL; SQLite has one process, whose rows are always its own).
_MINE = "state = 'sending' AND COALESCE(claimed_by, '') = ?"


async def finish(
    db: Database, item_id: int, state: str, now: datetime, error: str = "", claimer: str = ""
) -> bool:
    """Record the final outcome of a row `claimer` claimed: sent, failed, dead or dropped;
    False when the row is no longer its claim (recovered, maybe re-claimed by another)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            f"""UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,
                   sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
                WHERE id = ? AND {_MINE}""",
            (state, error or None, state, to_iso(now), item_id, claimer),
        )
        return cur.rowcount == 1


async def mark_sent(
    db: Database, item_ids: list[int], now: datetime, claimer: str = ""
) -> list[int]:
    """Record many successful sends in one transaction; returns the ids not recorded (no
    longer `claimer`'s: recorded already, or re-claimed by another worker). A row put back
    by a recovery and not taken again is recorded all the same: it went out."""
    if not item_ids:
        return []
    stamp, done = to_iso(now), set[int]()
    async with db.transaction() as conn:
        for at in range(0, len(item_ids), 500):
            chunk = item_ids[at : at + 500]
            cur = await conn.execute(
                f"""UPDATE outbox SET state = 'sent', attempts = attempts + 1,
                       last_error = NULL, sent_at = ?, claimed_by = ?
                    WHERE id IN ({", ".join("?" * len(chunk))})
                      AND ({_MINE} OR (state = 'pending' AND claimed_by IS NULL))
                    RETURNING id""",
                (stamp, claimer, *chunk, claimer),
            )
            done.update(r[0] for r in await cur.fetchall())
    return [i for i in item_ids if i not in done]


async def retry_at(
    db: Database, item_id: int, due_at: datetime, error: str, claimer: str = ""
) -> bool:
    """Put a row `claimer` claimed back, due again at `due_at` (after a timeout or flood
    control); False when it is no longer its claim."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            f"""UPDATE outbox SET state = 'pending', attempts = attempts + 1, last_error = ?,
                   due_at = ? WHERE id = ? AND {_MINE}""",
            (error, to_iso(due_at), item_id, claimer),
        )
        return cur.rowcount == 1


async def recover(
    db: Database, claimer: str = "", before: datetime | None = None, alive: int | None = None
) -> int:
    """Rows a crash left 'sending' go back to 'pending'; returns how many. Not `claimer`'s own
    (this process sends them still), and with `before` only those claimed before it: a
    claim younger than that may be another worker's send in flight (PostgreSQL) — unless, with
    `alive` (PostgreSQL), the claimer's lock `(alive, hashtext(claimer))` is free: a process
    holds it while it lives (`storage.cluster.Session.hold_claimer`), so its rows are put back
    at once when it died."""
    sql = """UPDATE outbox SET state = 'pending', claimed_by = NULL
             WHERE state = 'sending' AND COALESCE(claimed_by, '') <> ?"""
    params: tuple[object, ...] = (claimer,)
    if before is not None and alive is not None:
        sql += """ AND (claimed_at IS NULL OR claimed_at <= ?
                        OR pg_try_advisory_xact_lock(?, hashtext(claimed_by)))"""
        params = (claimer, to_iso(before), alive)
    elif before is not None:
        sql += " AND (claimed_at IS NULL OR claimed_at <= ?)"
        params = (claimer, to_iso(before))
    async with db.transaction() as conn:
        cur = await conn.execute(sql, params)
        return cur.rowcount


async def next_due(db: Database) -> datetime | None:
    """When the earliest pending row falls due."""
    value = await db.fetchval("SELECT MIN(due_at) FROM outbox WHERE state = 'pending'")
    return from_iso(value) if value else None


async def counts(db: Database, broadcast_id: int | None = None) -> dict[str, int]:
    """Rows per state (of one broadcast, or of all)."""
    if broadcast_id is None:
        rows = await db.fetchall("SELECT state, COUNT(*) FROM outbox GROUP BY state")
    else:
        rows = await db.fetchall(
            "SELECT state, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        )
    return {r[0]: r[1] for r in rows}
