"""Bookings of deliberation meetings: seats, the waiting list (in the order people joined),
registration codes and check-in. Functions taking a connection run inside the caller's
transaction, where the decisions about seats are made."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import codes
from storage.codec import from_iso, to_iso
from storage.db import Database


@dataclass(frozen=True)
class Booking:
    id: int
    meeting_id: int
    person_id: int | None
    status: str
    code: str
    representative: bool
    checked_in_at: datetime | None
    created_at: datetime
    name: str = ""


def _booking(r: sqlite3.Row) -> Booking:
    return Booking(
        id=r["id"],
        meeting_id=r["meeting_id"],
        person_id=r["person_id"],
        status=r["status"],
        code=r["code"],
        representative=bool(r["representative"]),
        checked_in_at=from_iso(r["checked_in_at"]) if r["checked_in_at"] else None,
        created_at=from_iso(r["created_at"]),
        name=r["name"] or "",
    )


_BOOKING_VIEW = """SELECT b.*, p.first_name AS name FROM meeting_bookings b
                   LEFT JOIN people p ON p.id = b.person_id"""


async def seat_counts(conn: aiosqlite.Connection, meeting_id: int) -> tuple[int, int]:
    """(residents, representatives) holding a seat, inside the caller's transaction."""
    cur = await conn.execute(
        "SELECT COALESCE(SUM(representative = 0), 0), COALESCE(SUM(representative = 1), 0) "
        "FROM meeting_bookings WHERE meeting_id = ? AND status = 'booked'",
        (meeting_id,),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


async def seats_now(db: Database, meeting_id: int) -> tuple[int, int]:
    """(residents, representatives) holding a seat now (for showing, not for deciding)."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(representative = 0), 0), COALESCE(SUM(representative = 1), 0) "
        "FROM meeting_bookings WHERE meeting_id = ? AND status = 'booked'",
        (meeting_id,),
    )
    assert row is not None
    return int(row[0]), int(row[1])


async def my_booking(db: Database, meeting_id: int, person_id: int) -> Booking | None:
    """A person's booking or waiting-list place for a meeting (for showing)."""
    row = await db.fetchone(
        _BOOKING_VIEW + " WHERE b.meeting_id = ? AND b.person_id = ? "
        "AND b.status IN ('booked', 'waitlisted')",
        (meeting_id, person_id),
    )
    return _booking(row) if row else None


async def live_booking(
    conn: aiosqlite.Connection, meeting_id: int, person_id: int
) -> Booking | None:
    """A person's booking or waiting-list place for a meeting, if any."""
    cur = await conn.execute(
        _BOOKING_VIEW + " WHERE b.meeting_id = ? AND b.person_id = ? "
        "AND b.status IN ('booked', 'waitlisted')",
        (meeting_id, person_id),
    )
    row = await cur.fetchone()
    return _booking(row) if row else None


async def booking_in(conn: aiosqlite.Connection, booking_id: int) -> Booking | None:
    """One booking, inside the caller's transaction."""
    cur = await conn.execute(_BOOKING_VIEW + " WHERE b.id = ?", (booking_id,))
    row = await cur.fetchone()
    return _booking(row) if row else None


async def booking(db: Database, booking_id: int) -> Booking | None:
    """One booking."""
    row = await db.fetchone(_BOOKING_VIEW + " WHERE b.id = ?", (booking_id,))
    return _booking(row) if row else None


async def booking_by_code(conn: aiosqlite.Connection, code: str) -> Booking | None:
    """The booking with a registration code."""
    cur = await conn.execute(_BOOKING_VIEW + " WHERE b.code = ?", (code,))
    row = await cur.fetchone()
    return _booking(row) if row else None


async def code_taken(conn: aiosqlite.Connection, code: str) -> bool:
    """Whether a booking has this code, inside the transaction that will insert it if free
    (the code held until that transaction ends: `storage.codes`)."""
    await codes.hold(conn, code)
    cur = await conn.execute("SELECT 1 FROM meeting_bookings WHERE code = ?", (code,))
    return await cur.fetchone() is not None


async def add_booking(
    conn: aiosqlite.Connection,
    meeting_id: int,
    person_id: int,
    *,
    status: str,
    code: str,
    representative: bool,
    now: datetime,
) -> int:
    """A booking or a place on the waiting list."""
    cur = await conn.execute(
        """INSERT INTO meeting_bookings (meeting_id, person_id, status, code, representative,
               created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (meeting_id, person_id, status, code, int(representative), to_iso(now), to_iso(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def set_status(
    conn: aiosqlite.Connection, booking_id: int, expected: str, status: str, now: datetime
) -> bool:
    """Change a booking's status if it is still `expected`."""
    cur = await conn.execute(
        "UPDATE meeting_bookings SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
        (status, to_iso(now), booking_id, expected),
    )
    return cur.rowcount == 1


async def waiting(conn: aiosqlite.Connection, meeting_id: int) -> list[Booking]:
    """The waiting list in order, inside the caller's transaction."""
    cur = await conn.execute(
        _BOOKING_VIEW + " WHERE b.meeting_id = ? AND b.status = 'waitlisted' "
        "ORDER BY b.created_at, b.id",
        (meeting_id,),
    )
    return [_booking(r) for r in await cur.fetchall()]


async def waiting_position(db: Database, booking: Booking) -> int:
    """1 for the first in line."""
    value = await db.fetchval(
        "SELECT COUNT(*) FROM meeting_bookings WHERE meeting_id = ? AND status = 'waitlisted' "
        "AND (created_at < ? OR (created_at = ? AND id <= ?))",
        (booking.meeting_id, to_iso(booking.created_at), to_iso(booking.created_at), booking.id),
    )
    return int(value or 0)


async def of_status(db: Database, meeting_id: int, status: str) -> list[Booking]:
    """A meeting's bookings of one status, in order, with names."""
    rows = await db.fetchall(
        _BOOKING_VIEW + " WHERE b.meeting_id = ? AND b.status = ? ORDER BY b.created_at, b.id",
        (meeting_id, status),
    )
    return [_booking(r) for r in rows]


async def registrants(conn: aiosqlite.Connection, meeting_id: int) -> list[int]:
    """People booked or waiting, inside the caller's transaction."""
    cur = await conn.execute(
        "SELECT person_id FROM meeting_bookings WHERE meeting_id = ? AND person_id IS NOT NULL "
        "AND status IN ('booked', 'waitlisted') ORDER BY id",
        (meeting_id,),
    )
    return [int(r[0]) for r in await cur.fetchall()]


async def check_in(conn: aiosqlite.Connection, booking_id: int, now: datetime) -> bool:
    """Mark a booked person present (once)."""
    cur = await conn.execute(
        "UPDATE meeting_bookings SET checked_in_at = ? "
        "WHERE id = ? AND status = 'booked' AND checked_in_at IS NULL",
        (to_iso(now), booking_id),
    )
    return cur.rowcount == 1


async def checked_in_count(db: Database, meeting_id: int) -> int:
    """How many booked people were checked in."""
    value = await db.fetchval(
        "SELECT COUNT(*) FROM meeting_bookings WHERE meeting_id = ? AND status = 'booked' "
        "AND checked_in_at IS NOT NULL",
        (meeting_id,),
    )
    return int(value or 0)


async def live_of_person(conn: aiosqlite.Connection, person_id: int) -> list[int]:
    """The ids of a person's seats and places in line (any meeting), in a transaction, in the
    meetings' order (their rows are held in it: two erasures never lock crosswise)."""
    cur = await conn.execute(
        "SELECT id FROM meeting_bookings WHERE person_id = ? "
        "AND status IN ('booked', 'waitlisted') ORDER BY meeting_id, id",
        (person_id,),
    )
    return [int(r[0]) for r in await cur.fetchall()]


async def booked_ids(conn: aiosqlite.Connection, meeting_id: int) -> list[int]:
    """Ids of the meeting's seats still booked, inside the caller's transaction."""
    cur = await conn.execute(
        "SELECT id FROM meeting_bookings WHERE meeting_id = ? AND status = 'booked'", (meeting_id,)
    )
    return [int(r[0]) for r in await cur.fetchall()]
