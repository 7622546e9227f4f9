"""SQL of a complaint's life after intake: status changes, events, due dates, work lists."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from storage.codec import to_iso
from storage.db import Database, guarded_change

_FIELDS = frozenset(
    {
        "status",
        "accepted_at",
        "resolved_at",
        "closed_at",
        "close_reason",
        "rating",
        "ack_due_at",
        "resolve_due_at",
        "escalated_at",
        "grid_id",
        "department_id",
        "resolution_note",
        "satisfaction",
        "redo_count",
    }
)


# Update a complaint only if it is still in `expected_status` (else someone was faster).
change = guarded_change("complaints", _FIELDS)


async def add_event(
    conn: aiosqlite.Connection,
    complaint_id: int,
    *,
    kind: str,
    actor_id: int | None,
    from_status: str,
    to_status: str,
    note: str,
    now: datetime,
) -> None:
    """One line of a complaint's history."""
    await conn.execute(
        """INSERT INTO complaint_events (complaint_id, at, actor_id, kind, from_status,
               to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (complaint_id, to_iso(now), actor_id, kind, from_status, to_status, note),
    )


async def add_resolution_photo(
    conn: aiosqlite.Connection, complaint_id: int, file_id: str, file_unique_id: str
) -> None:
    """The photo of the finished work."""
    await conn.execute(
        """INSERT INTO complaint_photos (complaint_id, file_id, file_unique_id, position, stage)
           VALUES (?, ?, ?, (SELECT COUNT(*) FROM complaint_photos WHERE complaint_id = ?),
                   'resolution')""",
        (complaint_id, file_id, file_unique_id, complaint_id),
    )


async def set_due(
    conn: aiosqlite.Connection, complaint_id: int, ack_due: datetime, resolve_due: datetime
) -> None:
    """The deadlines to acknowledge and to resolve."""
    await conn.execute(
        "UPDATE complaints SET ack_due_at = ?, resolve_due_at = ? WHERE id = ?",
        (to_iso(ack_due), to_iso(resolve_due), complaint_id),
    )


async def is_supporter(db: Database, complaint_id: int, person_id: int) -> bool:
    """Whether a person said "me too" to a complaint."""
    found = await db.fetchval(
        "SELECT 1 FROM complaint_supporters WHERE complaint_id = ? AND person_id = ?",
        (complaint_id, person_id),
    )
    return found is not None


async def support(db: Database, complaint_id: int, person_id: int, now: datetime) -> bool:
    """Add a "me too"; False if the person already supports it."""
    async with db.transaction() as conn:
        return await support_in(conn, complaint_id, person_id, now)


async def support_in(
    conn: aiosqlite.Connection, complaint_id: int, person_id: int, now: datetime
) -> bool:
    """Add a supporter inside the caller's transaction; False if they support it already."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO complaint_supporters (complaint_id, person_id, at) VALUES (?, ?, ?)",
        (complaint_id, person_id, to_iso(now)),
    )
    return cur.rowcount == 1


async def similar_candidates(
    db: Database, grid_id: int, category_id: int, now: datetime, days: int = 30
) -> list[tuple[int, str, str]]:
    """Open complaints of a grid and category from the last `days` days: (id, number, text)."""
    rows = await db.fetchall(
        """SELECT id, number, description FROM complaints
           WHERE grid_id = ? AND category_id = ? AND created_at >= ?
             AND status IN ('submitted', 'accepted', 'transferred', 'reopened', 'escalated')
           ORDER BY id DESC LIMIT 200""",
        (grid_id, category_id, to_iso(now - timedelta(days=days))),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def inbox(
    db: Database, grid_ids: list[int], department_ids: list[int], limit: int = 30
) -> list[dict[str, Any]]:
    """Open work of these grids (not routed to a department) and departments, soonest first."""
    if not grid_ids and not department_ids:
        return []
    grid_marks = ",".join("?" * len(grid_ids)) or "NULL"
    dept_marks = ",".join("?" * len(department_ids)) or "NULL"
    rows = await db.fetchall(
        f"""SELECT id, number, status, description, accepted_at, ack_due_at, resolve_due_at,
                   escalated_at
            FROM complaints
            WHERE status IN ('submitted', 'accepted', 'transferred', 'reopened', 'escalated')
              AND ((department_id IS NULL AND grid_id IN ({grid_marks}))
                   OR department_id IN ({dept_marks}))
            ORDER BY CASE WHEN accepted_at IS NULL THEN ack_due_at ELSE resolve_due_at END,
                     id
            LIMIT ?""",
        (*grid_ids, *department_ids, limit),
    )
    return [dict(r) for r in rows]


async def stats_by_zone(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Counts by status and overdue, per zone."""
    rows = await db.fetchall(
        """SELECT z.name AS zone, c.status AS status, COUNT(*) AS n,
                  SUM(CASE WHEN c.status IN ('submitted', 'accepted', 'transferred',
                                             'reopened', 'escalated')
                            AND ((c.accepted_at IS NULL AND c.ack_due_at < ?)
                                 OR c.resolve_due_at < ?) THEN 1 ELSE 0 END) AS overdue
           FROM complaints c JOIN grids g ON g.id = c.grid_id
           JOIN communities m ON m.id = g.community_id JOIN zones z ON z.id = m.zone_id
           GROUP BY z.id, c.status ORDER BY z.id, c.status""",
        (to_iso(now), to_iso(now)),
    )
    return [dict(r) for r in rows]
