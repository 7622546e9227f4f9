"""Which complaints are representatives' suggestions (意见建议) and rectification items (督促整改),
who filed them and from what: a visit announced or not (暗访), or a reception day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import from_iso, to_iso
from storage.db import Database

SOURCES = ("announced", "unannounced", "reception")


@dataclass(frozen=True)
class FiledItem:
    complaint_id: int
    number: str
    kind: str
    status: str
    source: str
    created_at: datetime


async def add(
    conn: aiosqlite.Connection,
    complaint_id: int,
    *,
    representative_id: int,
    source: str,
    now: datetime,
    booking_id: int | None = None,
) -> None:
    """Record where a complaint came from, inside the transaction that filed it."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    await conn.execute(
        "INSERT INTO supervision_items (complaint_id, representative_id, source, booking_id, "
        "created_at) VALUES (?, ?, ?, ?, ?)",
        (complaint_id, representative_id, source, booking_id, to_iso(now)),
    )


async def of_representative(
    db: Database, representative_id: int, limit: int = 20
) -> list[FiledItem]:
    """What a representative filed, newest first."""
    rows = await db.fetchall(
        """SELECT c.id, c.number, c.kind, c.status, s.source, s.created_at
           FROM supervision_items s JOIN complaints c ON c.id = s.complaint_id
           WHERE s.representative_id = ? ORDER BY s.created_at DESC, c.id DESC LIMIT ?""",
        (representative_id, limit),
    )
    return [FiledItem(r[0], r[1], r[2], r[3], r[4], from_iso(r[5])) for r in rows]


async def source_of(db: Database, complaint_id: int) -> str | None:
    """announced / unannounced / reception, or None for a resident's complaint."""
    value = await db.fetchval(
        "SELECT source FROM supervision_items WHERE complaint_id = ?", (complaint_id,)
    )
    return str(value) if value else None
