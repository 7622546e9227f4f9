"""Patrols and hazard checks (巡查、隐患排查) by grid workers: where, when, a photo, what was
found, and the hazard ticket it became. The monthly assessment (一月一考核) counts them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import record, to_iso
from storage.db import Database


@dataclass(frozen=True)
class Patrol:
    id: int
    worker_id: int
    grid_id: int
    at: datetime
    latitude: float | None
    longitude: float | None
    address: str | None
    photo_file_id: str | None
    hazard_found: bool
    complaint_id: int | None
    complaint_number: str | None
    note: str


@dataclass(frozen=True)
class MonthlyCount:
    worker_id: int
    grid_id: int
    patrols: int
    hazards: int


def _patrol(r: sqlite3.Row) -> Patrol:
    return record(Patrol, r)


async def insert(
    conn: aiosqlite.Connection,
    *,
    worker_id: int,
    grid_id: int,
    now: datetime,
    latitude: float | None,
    longitude: float | None,
    address: str | None,
    photo_file_id: str | None,
    hazard_found: bool,
    complaint_id: int | None,
    note: str = "",
) -> int:
    """One patrol, inside the caller's transaction (with its hazard ticket, if any)."""
    cur = await conn.execute(
        """INSERT INTO patrols (worker_id, grid_id, at, latitude, longitude, address,
               photo_file_id, hazard_found, complaint_id, note)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            worker_id,
            grid_id,
            to_iso(now),
            latitude,
            longitude,
            address,
            photo_file_id,
            int(hazard_found),
            complaint_id,
            note,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def of_worker(db: Database, worker_id: int, limit: int = 10) -> list[Patrol]:
    """A worker's latest patrols."""
    rows = await db.fetchall(
        """SELECT p.*, c.number AS complaint_number FROM patrols p
           LEFT JOIN complaints c ON c.id = p.complaint_id
           WHERE p.worker_id = ? ORDER BY p.at DESC, p.id DESC LIMIT ?""",
        (worker_id, limit),
    )
    return [_patrol(r) for r in rows]


async def counts_between(db: Database, start: datetime, end: datetime) -> list[MonthlyCount]:
    """Patrols and hazards found per worker and grid in [start, end) — for the assessment."""
    rows = await db.fetchall(
        """SELECT worker_id, grid_id, COUNT(*), SUM(hazard_found) FROM patrols
           WHERE at >= ? AND at < ? GROUP BY worker_id, grid_id ORDER BY worker_id, grid_id""",
        (to_iso(start), to_iso(end)),
    )
    return [MonthlyCount(r[0], r[1], r[2], int(r[3] or 0)) for r in rows]


async def worker_and_complaint(db: Database, patrol_id: int) -> tuple[int, int | None] | None:
    """Who logged a patrol and the hazard complaint it filed, if any."""
    row = await db.fetchone(
        "SELECT worker_id, complaint_id FROM patrols WHERE id = ?", (patrol_id,)
    )
    return None if row is None else (int(row[0]), row[1])
