"""Home visits (网格走亲): the register of households that need visits, the visits logged, and
the rows of what falls due (reminders, 催办, the dispatchers' notice)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import from_iso, record, to_iso
from storage.db import Database


@dataclass(frozen=True)
class Household:
    id: int
    grid_id: int
    kind: str
    cadence_days: int
    name: str | None
    address: str | None
    phone: str | None
    emergency_contact: str | None
    notes: str | None
    consent_by: int
    consent_at: datetime
    registered_by: int
    registered_at: datetime
    status: str
    erased_at: datetime | None
    last_visit_at: datetime | None  # the latest visit, if any


@dataclass(frozen=True)
class NewHousehold:
    grid_id: int
    kind: str
    cadence_days: int
    name: str
    address: str
    phone: str | None
    emergency_contact: str | None
    notes: str


@dataclass(frozen=True)
class Visit:
    id: int
    household_id: int
    worker_id: int
    grid_id: int
    at: datetime
    finding: str
    complaint_id: int | None


@dataclass(frozen=True)
class VisitTimer:
    id: int
    kind: str
    household_id: int
    due_at: datetime


_HOUSEHOLD = """SELECT h.*, (SELECT MAX(v.at) FROM visits v WHERE v.household_id = h.id)
                    AS last_visit_at FROM households h"""


def _household(r: sqlite3.Row) -> Household:
    return record(Household, r)


async def insert_household(
    conn: aiosqlite.Connection, new: NewHousehold, *, worker_id: int, now: datetime
) -> int:
    """Register a household with its consent, recorded by `worker_id` now (caller's
    transaction)."""
    cur = await conn.execute(
        """INSERT INTO households (grid_id, kind, cadence_days, name, address, phone,
               emergency_contact, notes, consent_by, consent_at, registered_by, registered_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            new.grid_id,
            new.kind,
            new.cadence_days,
            new.name,
            new.address,
            new.phone,
            new.emergency_contact,
            new.notes,
            worker_id,
            to_iso(now),
            worker_id,
            to_iso(now),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def household(db: Database, household_id: int) -> Household | None:
    row = await db.fetchone(f"{_HOUSEHOLD} WHERE h.id = ?", (household_id,))
    return _household(row) if row else None


async def of_grids(db: Database, grid_ids: list[int]) -> list[Household]:
    """The active households of these grids."""
    if not grid_ids:
        return []
    marks = ",".join("?" * len(grid_ids))
    rows = await db.fetchall(
        f"{_HOUSEHOLD} WHERE h.status = 'active' AND h.grid_id IN ({marks}) ORDER BY h.id",
        tuple(grid_ids),
    )
    return [_household(r) for r in rows]


async def all_registered(db: Database, before: datetime) -> list[Household]:
    """Every household registered by `before` (erased ones too: for coverage figures)."""
    rows = await db.fetchall(
        f"{_HOUSEHOLD} WHERE h.registered_at <= ? ORDER BY h.id", (to_iso(before),)
    )
    return [_household(r) for r in rows]


async def insert_visit(
    conn: aiosqlite.Connection,
    *,
    household_id: int,
    worker_id: int,
    grid_id: int,
    now: datetime,
    latitude: float | None,
    longitude: float | None,
    finding: str,
    note: str,
    photo_file_id: str | None,
    complaint_id: int | None,
) -> int:
    """One visit, inside the caller's transaction (with the case it opened, if any)."""
    cur = await conn.execute(
        """INSERT INTO visits (household_id, worker_id, grid_id, at, latitude, longitude,
               finding, note, photo_file_id, complaint_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            household_id,
            worker_id,
            grid_id,
            to_iso(now),
            latitude,
            longitude,
            finding,
            note,
            photo_file_id,
            complaint_id,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def visits_between(db: Database, start: datetime, end: datetime) -> list[Visit]:
    """Visits in [start, end), oldest first."""
    rows = await db.fetchall(
        """SELECT id, household_id, worker_id, grid_id, at, finding, complaint_id FROM visits
           WHERE at >= ? AND at < ? ORDER BY at, id""",
        (to_iso(start), to_iso(end)),
    )
    return [record(Visit, r) for r in rows]


async def visit_worker_and_complaint(db: Database, visit_id: int) -> tuple[int, int | None] | None:
    row = await db.fetchone("SELECT worker_id, complaint_id FROM visits WHERE id = ?", (visit_id,))
    return None if row is None else (int(row[0]), row[1])


async def erase_household(conn: aiosqlite.Connection, household_id: int, now: datetime) -> bool:
    """Clear a household's personal data and its visits' notes and photos; stop its timers.
    The anonymised row and the visits stay (coverage figures). False if already erased."""
    cur = await conn.execute(
        """UPDATE households SET name = NULL, address = NULL, phone = NULL,
               emergency_contact = NULL, notes = NULL, person_id = NULL, status = 'erased',
               erased_at = ? WHERE id = ? AND status = 'active'""",
        (to_iso(now), household_id),
    )
    if cur.rowcount != 1:
        return False
    await conn.execute(
        """UPDATE visits SET note = '', photo_file_id = NULL, latitude = NULL, longitude = NULL
           WHERE household_id = ?""",
        (household_id,),
    )
    await cancel_timers(conn, household_id)
    return True


async def scrub_notices(conn: aiosqlite.Connection, household_id: int) -> None:
    """The household's name and address leave every notice about it (sent ones too)."""
    await conn.execute(
        """UPDATE outbox SET context = json_replace(context, '$.name', NULL, '$.address', NULL,
                                                    '$.note', NULL)
           WHERE template LIKE 'visits.%' AND json_extract(context, '$.household') = ?""",
        (household_id,),
    )


async def link_phone(
    conn: aiosqlite.Connection, phone: str, person_id: int
) -> list[tuple[int, str, int]]:
    """Link the active households registered with this contact phone to the resident who
    shared it as their own; the ones linked now as (id, kind, cadence days), by id."""
    cur = await conn.execute(
        """UPDATE households SET person_id = ? WHERE phone = ? AND status = 'active'
             AND person_id IS NULL RETURNING id, kind, cadence_days""",
        (person_id, phone),
    )
    rows = await cur.fetchall()
    return sorted((int(r[0]), str(r[1]), int(r[2])) for r in rows)


async def linked_to(db: Database, person_id: int) -> list[int]:
    rows = await db.fetchall(
        "SELECT id FROM households WHERE person_id = ? AND status = 'active'", (person_id,)
    )
    return [int(r[0]) for r in rows]


# Timers ------------------------------------------------------------------------------------


async def add_timer(
    conn: aiosqlite.Connection, kind: str, household_id: int, due_at: datetime, now: datetime
) -> None:
    """Schedule inside the caller's transaction (once per household, kind and moment)."""
    await conn.execute(
        """INSERT INTO visit_timers (kind, household_id, due_at, dedupe_key, created_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO UPDATE SET state = 'pending'
           WHERE visit_timers.state = 'cancelled'""",
        (
            kind,
            household_id,
            to_iso(due_at),
            f"{kind}:{household_id}:{to_iso(due_at)}",
            to_iso(now),
        ),
    )


async def cancel_timers(conn: aiosqlite.Connection, household_id: int) -> None:
    await conn.execute(
        "UPDATE visit_timers SET state = 'cancelled' WHERE household_id = ? AND state = 'pending'",
        (household_id,),
    )


async def due_timers(db: Database, now: datetime, limit: int = 100) -> list[VisitTimer]:
    rows = await db.fetchall(
        """SELECT id, kind, household_id, due_at FROM visit_timers
           WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?""",
        (to_iso(now), limit),
    )
    return [VisitTimer(r[0], r[1], r[2], from_iso(r[3])) for r in rows]


async def finish_timer(conn: aiosqlite.Connection, timer_id: int, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE visit_timers SET state = 'done', done_at = ? WHERE id = ? AND state = 'pending'",
        (to_iso(now), timer_id),
    )
    return cur.rowcount == 1


async def next_timer(db: Database) -> datetime | None:
    value = await db.fetchval("SELECT MIN(due_at) FROM visit_timers WHERE state = 'pending'")
    return from_iso(value) if value else None


async def pending_timers(db: Database, household_id: int) -> list[VisitTimer]:
    rows = await db.fetchall(
        """SELECT id, kind, household_id, due_at FROM visit_timers
           WHERE household_id = ? AND state = 'pending' ORDER BY due_at, id""",
        (household_id,),
    )
    return [VisitTimer(r[0], r[1], r[2], from_iso(r[3])) for r in rows]
