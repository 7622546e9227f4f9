"""The outbox: messages that are not direct replies are rows first, then sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import to_iso
from storage.db import Database

LANE_DIRECT, LANE_PERSONAL, LANE_BULK = 0, 1, 2


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    kind: str
    template: str
    context: dict[str, Any]
    attempts: int


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
) -> bool:
    """Add a message inside the caller's transaction; False if the dedupe key exists."""
    cur = await conn.execute(
        """INSERT OR IGNORE INTO outbox (chat_id, lane, kind, template, context, due_at,
               expires_at, dedupe_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            chat_id,
            lane,
            kind,
            template,
            json.dumps(context, ensure_ascii=False),
            to_iso(due_at),
            to_iso(expires_at) if expires_at else None,
            dedupe_key,
            to_iso(now),
        ),
    )
    return cur.rowcount == 1


async def due(db: Database, now: datetime, limit: int = 100) -> list[OutboxItem]:
    """Pending messages whose time has come, by lane then due time."""
    rows = await db.fetchall(
        """SELECT id, chat_id, kind, template, context, attempts FROM outbox
           WHERE state = 'pending' AND due_at <= ? ORDER BY lane, due_at, id LIMIT ?""",
        (to_iso(now), limit),
    )
    return [
        OutboxItem(
            r["id"], r["chat_id"], r["kind"], r["template"], json.loads(r["context"]), r["attempts"]
        )
        for r in rows
    ]


async def mark(db: Database, item_id: int, state: str, now: datetime, error: str = "") -> None:
    """Record the outcome of one attempt."""
    async with db.transaction() as conn:
        await conn.execute(
            """UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,
                   sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?""",
            (state, error or None, state, to_iso(now), item_id),
        )


async def counts(db: Database) -> dict[str, int]:
    """Rows per state (for tests and /stats)."""
    rows = await db.fetchall("SELECT state, COUNT(*) FROM outbox GROUP BY state")
    return {r[0]: r[1] for r in rows}
