"""Timers: what must happen to a complaint later is a row first (reminders, escalation,
closing an unanswered resolution, the 30-day follow-up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import from_iso, to_iso
from storage.db import Database


@dataclass(frozen=True)
class Timer:
    id: int
    kind: str
    complaint_id: int
    due_at: datetime


async def add(
    conn: aiosqlite.Connection, kind: str, complaint_id: int, due_at: datetime, now: datetime
) -> None:
    """Schedule inside the caller's transaction (once per complaint, kind and moment): one
    cancelled by a change that keeps its moment (a progress note) is pending again; one done
    stays done."""
    await conn.execute(
        "INSERT INTO timers (kind, complaint_id, due_at, dedupe_key, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO UPDATE SET state = 'pending' "
        "WHERE timers.state = 'cancelled'",
        (
            kind,
            complaint_id,
            to_iso(due_at),
            f"{kind}:{complaint_id}:{to_iso(due_at)}",
            to_iso(now),
        ),
    )


async def cancel_all(conn: aiosqlite.Connection, complaint_id: int) -> None:
    """Drop a complaint's pending timers (its state changed; new ones follow)."""
    await conn.execute(
        "UPDATE timers SET state = 'cancelled' WHERE complaint_id = ? AND state = 'pending'",
        (complaint_id,),
    )


async def due(db: Database, now: datetime, limit: int = 100) -> list[Timer]:
    """Pending timers whose time has come, oldest first."""
    rows = await db.fetchall(
        "SELECT id, kind, complaint_id, due_at FROM timers WHERE state = 'pending' "
        "AND due_at <= ? ORDER BY due_at, id LIMIT ?",
        (to_iso(now), limit),
    )
    return [Timer(r[0], r[1], r[2], from_iso(r[3])) for r in rows]


async def finish(conn: aiosqlite.Connection, timer_id: int, now: datetime) -> bool:
    """Mark a timer done inside the caller's transaction; False if it was not pending."""
    cur = await conn.execute(
        "UPDATE timers SET state = 'done', done_at = ? WHERE id = ? AND state = 'pending'",
        (to_iso(now), timer_id),
    )
    return cur.rowcount == 1


async def next_due(db: Database) -> datetime | None:
    """When the earliest pending timer falls due."""
    value = await db.fetchval("SELECT MIN(due_at) FROM timers WHERE state = 'pending'")
    return from_iso(value) if value else None


async def pending(db: Database, complaint_id: int) -> list[Timer]:
    """A complaint's pending timers (for tests and the admin view)."""
    rows = await db.fetchall(
        "SELECT id, kind, complaint_id, due_at FROM timers WHERE complaint_id = ? "
        "AND state = 'pending' ORDER BY due_at, id",
        (complaint_id,),
    )
    return [Timer(r[0], r[1], r[2], from_iso(r[3])) for r in rows]
