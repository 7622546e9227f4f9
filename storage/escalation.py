"""The escalation ladder's tables: the 通报 mark on a complaint, the daily digests (a row
before each is due), and the cases a digest lists (new, overdue) by zone."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from storage.codec import from_iso, to_iso
from storage.db import Database

OPEN = "('submitted', 'accepted', 'transferred', 'reopened', 'escalated')"
# The deadline a case is held to now: to accept it, else to resolve it.
_DUE = "CASE WHEN c.accepted_at IS NULL THEN c.ack_due_at ELSE c.resolve_due_at END"
_CASE = f"""SELECT c.id, c.number, z.id AS zone_id, g.name AS grid, cat.name AS category,
                   cat.name_en AS category_en, c.status, c.accepted_at IS NOT NULL AS accepted,
                   {_DUE} AS due_at, c.reported_at, d.name AS department, cat.is_hazard
            FROM complaints c JOIN grids g ON g.id = c.grid_id
            JOIN communities m ON m.id = g.community_id JOIN zones z ON z.id = m.zone_id
            JOIN categories cat ON cat.id = c.category_id
            LEFT JOIN departments d ON d.id = c.department_id"""


@dataclass(frozen=True)
class Digest:
    day: date
    due_at: datetime
    since: datetime


@dataclass(frozen=True)
class Case:
    """One line of a digest."""

    id: int
    number: str
    zone_id: int
    grid: str
    category: str
    category_en: str
    status: str
    accepted: bool
    due_at: datetime | None
    reported: bool
    department: str | None
    hazard: bool


def _case(r: sqlite3.Row) -> Case:
    return Case(
        id=r["id"],
        number=r["number"],
        zone_id=r["zone_id"],
        grid=r["grid"],
        category=r["category"],
        category_en=r["category_en"] or r["category"],
        status=r["status"],
        accepted=bool(r["accepted"]),
        due_at=from_iso(r["due_at"]) if r["due_at"] else None,
        reported=r["reported_at"] is not None,
        department=r["department"],
        hazard=bool(r["is_hazard"]),
    )


async def mark_reported(conn: aiosqlite.Connection, complaint_id: int, now: datetime) -> bool:
    """The 通报 went out (once per case while it stays overdue); False if it was marked."""
    cur = await conn.execute(
        "UPDATE complaints SET reported_at = ? WHERE id = ? AND reported_at IS NULL",
        (to_iso(now), complaint_id),
    )
    return cur.rowcount == 1


async def clear_reported(conn: aiosqlite.Connection, complaint_id: int) -> None:
    """The case left the ladder (accepted, resolved, moved): a later overdue is 通报 anew."""
    await conn.execute("UPDATE complaints SET reported_at = NULL WHERE id = ?", (complaint_id,))


async def reported_at(db: Database, complaint_id: int) -> datetime | None:
    value = await db.fetchval("SELECT reported_at FROM complaints WHERE id = ?", (complaint_id,))
    return from_iso(value) if value else None


async def pending_digest(db: Database) -> Digest | None:
    """The next digest not yet sent."""
    row = await db.fetchone(
        "SELECT day, due_at, since FROM ladder_digests WHERE state = 'pending' "
        "ORDER BY due_at LIMIT 1"
    )
    if row is None:
        return None
    return Digest(date.fromisoformat(row[0]), from_iso(row[1]), from_iso(row[2]))


async def last_sent_at(db: Database) -> datetime | None:
    """When the latest digest that went out was due."""
    value = await db.fetchval("SELECT MAX(due_at) FROM ladder_digests WHERE state = 'sent'")
    return from_iso(value) if value else None


async def add_digest(db: Database, day: date, due_at: datetime, since: datetime) -> None:
    """The row of a coming digest (once per day)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO ladder_digests (day, due_at, since) VALUES (?, ?, ?)",
            (day.isoformat(), to_iso(due_at), to_iso(since)),
        )


async def finish_digest(conn: aiosqlite.Connection, day: date, state: str, now: datetime) -> bool:
    """Mark a digest sent or skipped inside the caller's transaction; False if it was not
    pending (another pass took it)."""
    cur = await conn.execute(
        "UPDATE ladder_digests SET state = ?, done_at = ? WHERE day = ? AND state = 'pending'",
        (state, to_iso(now), day.isoformat()),
    )
    return cur.rowcount == 1


async def new_cases(db: Database, since: datetime, until: datetime) -> list[Case]:
    """Cases filed in [since, until), oldest first."""
    rows = await db.fetchall(
        f"{_CASE} WHERE c.created_at >= ? AND c.created_at < ? ORDER BY c.created_at, c.id",
        (to_iso(since), to_iso(until)),
    )
    return [_case(r) for r in rows]


async def overdue_cases(db: Database, now: datetime) -> list[Case]:
    """Open cases past the deadline they are held to, the longest overdue first."""
    rows = await db.fetchall(
        f"{_CASE} WHERE c.status IN {OPEN} AND {_DUE} < ? ORDER BY {_DUE}, c.id",
        (to_iso(now),),
    )
    return [_case(r) for r in rows]


async def awaiting_cases(db: Database) -> list[Case]:
    """Cases with a 退回 or 延期申请 waiting for a dispatcher's ruling, oldest request first."""
    rows = await db.fetchall(
        f"""{_CASE} JOIN (SELECT complaint_id, MIN(id) AS first FROM dispatch_requests
                          WHERE status = 'pending' GROUP BY complaint_id) r
                    ON r.complaint_id = c.id
            ORDER BY r.first"""
    )
    return [_case(r) for r in rows]
