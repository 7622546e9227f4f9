"""The dispatch centre's tables: who dispatches where (role_grants), the requests handlers
make of it (dispatch_requests: 退回 and 延期), and the board of open work (/board)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import from_iso, to_iso
from storage.db import Database

PENDING = "pending"
OPEN_STATUSES = ("submitted", "accepted", "transferred", "reopened", "escalated")


@dataclass(frozen=True)
class Request:
    """A handler's request to the dispatch centre."""

    id: int
    complaint_id: int
    kind: str  # reject, extend
    requested_by: int | None
    reason: str
    due_before: datetime | None
    new_due_at: datetime | None
    status: str
    decided_by: int | None
    created_at: datetime


def _request(r: sqlite3.Row) -> Request:
    return Request(
        int(r[0]),
        int(r[1]),
        str(r[2]),
        None if r[3] is None else int(r[3]),
        str(r[4]),
        from_iso(r[5]) if r[5] else None,
        from_iso(r[6]) if r[6] else None,
        str(r[7]),
        None if r[8] is None else int(r[8]),
        from_iso(r[9]),
    )


_COLUMNS = (
    "id, complaint_id, kind, requested_by, reason, due_before, new_due_at, status, "
    "decided_by, created_at"
)


async def zone_id_by_code(db: Database, code: str) -> int | None:
    """The id of the zone with this code."""
    found = await db.fetchval("SELECT id FROM zones WHERE code = ?", (code,))
    return None if found is None else int(found)


async def dispatchers(db: Database, zone_id: int | None) -> list[int]:
    """User ids of a zone's dispatchers (分中心); of the town-wide ones when `zone_id` is None."""
    rows = await db.fetchall(
        "SELECT DISTINCT user_id FROM role_grants WHERE role = 'dispatcher' "
        "AND zone_id IS ? ORDER BY user_id",
        (zone_id,),
    )
    return [int(r[0]) for r in rows]


async def dispatch_zones(db: Database, user_id: int) -> tuple[bool, frozenset[int]]:
    """Where a person dispatches: (town-wide, the zones of their zone grants)."""
    rows = await db.fetchall(
        "SELECT zone_id FROM role_grants WHERE role = 'dispatcher' AND user_id = ?", (user_id,)
    )
    zones = frozenset(int(r[0]) for r in rows if r[0] is not None)
    return any(r[0] is None for r in rows), zones


async def add_request(
    conn: aiosqlite.Connection,
    complaint_id: int,
    kind: str,
    requested_by: int,
    reason: str,
    now: datetime,
    *,
    due_before: datetime | None = None,
    new_due_at: datetime | None = None,
) -> int | None:
    """A new pending request in the caller's transaction; None if one of its kind is pending."""
    cur = await conn.execute(
        """INSERT OR IGNORE INTO dispatch_requests (complaint_id, kind, requested_by, reason,
               due_before, new_due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (
            complaint_id,
            kind,
            requested_by,
            reason,
            to_iso(due_before) if due_before else None,
            to_iso(new_due_at) if new_due_at else None,
            to_iso(now),
        ),
    )
    return cur.lastrowid if cur.rowcount == 1 else None


async def request(db: Database, request_id: int) -> Request | None:
    """One request."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM dispatch_requests WHERE id = ?", (request_id,))
    return _request(row) if row else None


async def requests_of(db: Database, complaint_id: int) -> list[Request]:
    """A case's requests, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM dispatch_requests WHERE complaint_id = ? ORDER BY id",
        (complaint_id,),
    )
    return [_request(r) for r in rows]


async def settle(
    conn: aiosqlite.Connection, request_id: int, status: str, by: int | None, now: datetime
) -> bool:
    """Rule on a pending request in the caller's transaction; False if it was not pending."""
    cur = await conn.execute(
        "UPDATE dispatch_requests SET status = ?, decided_by = ?, decided_at = ? "
        "WHERE id = ? AND status = 'pending'",
        (status, by, to_iso(now), request_id),
    )
    return cur.rowcount == 1


async def settle_pending(
    conn: aiosqlite.Connection,
    complaint_id: int,
    kind: str,
    status: str,
    by: int | None,
    now: datetime,
) -> None:
    """Close a case's pending request of `kind` (the case moved on: re-routed, withdrawn)."""
    await conn.execute(
        "UPDATE dispatch_requests SET status = ?, decided_by = ?, decided_at = ? "
        "WHERE complaint_id = ? AND kind = ? AND status = 'pending'",
        (status, by, to_iso(now), complaint_id, kind),
    )


async def pending_requester(conn: aiosqlite.Connection, complaint_id: int, kind: str) -> int | None:
    """Who made a case's pending request of `kind`, read in the caller's transaction."""
    cur = await conn.execute(
        "SELECT requested_by FROM dispatch_requests WHERE complaint_id = ? AND kind = ? "
        "AND status = 'pending'",
        (complaint_id, kind),
    )
    row = await cur.fetchone()
    return None if row is None or row[0] is None else int(row[0])


async def pending_count(db: Database, zone_id: int | None = None) -> int:
    """Requests waiting for a ruling (in one zone when given)."""
    if zone_id is None:
        found = await db.fetchval(
            "SELECT COUNT(*) FROM dispatch_requests WHERE status = ?", (PENDING,)
        )
        return int(found or 0)
    found = await db.fetchval(
        """SELECT COUNT(*) FROM dispatch_requests r JOIN complaints c ON c.id = r.complaint_id
           JOIN grids g ON g.id = c.grid_id JOIN communities m ON m.id = g.community_id
           WHERE r.status = 'pending' AND m.zone_id = ?""",
        (zone_id,),
    )
    return int(found or 0)
