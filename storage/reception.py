"""Reception days (接待日): liaison stations and points, the sessions representatives publish
there, residents' bookings with their topics, and what came of each."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import record, to_iso
from storage.db import Database


@dataclass(frozen=True)
class Station:
    id: int
    code: str | None
    name: str
    address: str
    zone_id: int | None  # None: the whole town
    kind: str  # station 联络站, point 联络点


@dataclass(frozen=True)
class Session:
    id: int
    station_id: int
    station_name: str
    station_address: str
    zone_id: int | None
    representative_id: int
    starts_at: datetime
    duration_minutes: int
    slots: int
    status: str
    booked: int

    @property
    def full(self) -> bool:
        return self.booked >= self.slots


@dataclass(frozen=True)
class Booking:
    id: int
    session_id: int
    person_id: int | None
    first_name: str
    grid_id: int | None
    topic: str
    outcome: str | None
    complaint_id: int | None
    complaint_number: str | None
    created_at: datetime


def _station(row: sqlite3.Row) -> Station:
    return record(Station, row)


async def stations(db: Database) -> list[Station]:
    """Every station and point: the town's station first."""
    rows = await db.fetchall("SELECT * FROM liaison_stations ORDER BY kind = 'point', zone_id, id")
    return [_station(r) for r in rows]


async def station(db: Database, station_id: int) -> Station | None:
    """One station or point."""
    row = await db.fetchone("SELECT * FROM liaison_stations WHERE id = ?", (station_id,))
    return _station(row) if row else None


_SESSION_SQL = """
SELECT s.id, s.station_id, st.name AS station_name, st.address AS station_address,
       st.zone_id, s.representative_id, s.starts_at, s.duration_minutes, s.slots, s.status,
       (SELECT COUNT(*) FROM reception_bookings b WHERE b.session_id = s.id) AS booked
FROM reception_sessions s JOIN liaison_stations st ON st.id = s.station_id
"""


def _session(row: sqlite3.Row) -> Session:
    return record(Session, row)


async def create_session(
    conn: aiosqlite.Connection,
    *,
    station_id: int,
    representative_id: int,
    starts_at: datetime,
    slots: int,
    duration_minutes: int,
    now: datetime,
) -> int:
    """A published session, inside the caller's transaction."""
    cur = await conn.execute(
        """INSERT INTO reception_sessions (station_id, representative_id, starts_at, slots,
               duration_minutes, status, created_at) VALUES (?, ?, ?, ?, ?, 'open', ?)""",
        (station_id, representative_id, to_iso(starts_at), slots, duration_minutes, to_iso(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def session(db: Database, session_id: int) -> Session | None:
    """One session with how many slots are booked."""
    row = await db.fetchone(_SESSION_SQL + " WHERE s.id = ?", (session_id,))
    return _session(row) if row else None


async def upcoming(
    db: Database, zone_id: int | None, now: datetime, limit: int = 10
) -> list[Session]:
    """Open sessions not yet started at the zone's points and the town's station."""
    rows = await db.fetchall(
        _SESSION_SQL
        + """ WHERE s.status = 'open' AND s.starts_at > ?
                AND (st.zone_id IS NULL OR st.zone_id = ?)
              ORDER BY s.starts_at, s.id LIMIT ?""",
        (to_iso(now), zone_id, limit),
    )
    return [_session(r) for r in rows]


async def of_representative(
    db: Database, representative_id: int, since: datetime, limit: int = 10
) -> list[Session]:
    """A representative's sessions from `since` on, the latest first."""
    rows = await db.fetchall(
        _SESSION_SQL
        + " WHERE s.representative_id = ? AND s.starts_at >= ? ORDER BY s.starts_at DESC LIMIT ?",
        (representative_id, to_iso(since), limit),
    )
    return [_session(r) for r in rows]


async def book(
    conn: aiosqlite.Connection, session_id: int, person_id: int, topic: str, now: datetime
) -> int | None:
    """Take a slot inside the caller's (BEGIN IMMEDIATE) transaction; None when all are taken.
    The caller checks first that the person has no booking of this session. The session's
    row is held first: on PostgreSQL two workers' counts would not see each other's slot."""
    await conn.execute("SELECT id FROM reception_sessions WHERE id = ? /* lock */", (session_id,))
    cur = await conn.execute(
        """INSERT INTO reception_bookings (session_id, person_id, topic, created_at)
           SELECT ?, ?, ?, ? WHERE
             (SELECT COUNT(*) FROM reception_bookings WHERE session_id = ?)
             < (SELECT slots FROM reception_sessions WHERE id = ?)""",
        (session_id, person_id, topic, to_iso(now), session_id, session_id),
    )
    return cur.lastrowid if cur.rowcount == 1 else None


async def has_booked(conn: aiosqlite.Connection, session_id: int, person_id: int) -> bool:
    """Whether a person holds a slot of a session (read inside a transaction)."""
    cur = await conn.execute(
        "SELECT 1 FROM reception_bookings WHERE session_id = ? AND person_id = ?",
        (session_id, person_id),
    )
    return await cur.fetchone() is not None


_BOOKING_SQL = """
SELECT b.id, b.session_id, b.person_id, COALESCE(p.first_name, '') AS first_name, p.grid_id,
       b.topic, b.outcome, b.complaint_id, c.number AS complaint_number, b.created_at
FROM reception_bookings b LEFT JOIN people p ON p.id = b.person_id
LEFT JOIN complaints c ON c.id = b.complaint_id
"""


def _booking(r: sqlite3.Row) -> Booking:
    return record(Booking, r)


async def bookings(db: Database, session_id: int) -> list[Booking]:
    """A session's bookings in the order they were made."""
    rows = await db.fetchall(_BOOKING_SQL + " WHERE b.session_id = ? ORDER BY b.id", (session_id,))
    return [_booking(r) for r in rows]


async def booking(db: Database, booking_id: int) -> Booking | None:
    """One booking."""
    row = await db.fetchone(_BOOKING_SQL + " WHERE b.id = ?", (booking_id,))
    return _booking(row) if row else None


async def booked_sessions(db: Database, person_id: int, now: datetime) -> set[int]:
    """The ids of sessions not yet started that a person booked."""
    rows = await db.fetchall(
        """SELECT b.session_id FROM reception_bookings b
           JOIN reception_sessions s ON s.id = b.session_id
           WHERE b.person_id = ? AND s.starts_at > ?""",
        (person_id, to_iso(now)),
    )
    return {int(r[0]) for r in rows}


async def set_outcome(
    conn: aiosqlite.Connection, booking_id: int, outcome: str, now: datetime
) -> None:
    """What came of a booking (may be written again until it became a suggestion)."""
    await conn.execute(
        "UPDATE reception_bookings SET outcome = ?, outcome_at = ? WHERE id = ?",
        (outcome, to_iso(now), booking_id),
    )


async def link_complaint(conn: aiosqlite.Connection, booking_id: int, complaint_id: int) -> bool:
    """Remember the suggestion a booking became; False if it already became one."""
    cur = await conn.execute(
        "UPDATE reception_bookings SET complaint_id = ? WHERE id = ? AND complaint_id IS NULL",
        (complaint_id, booking_id),
    )
    return cur.rowcount == 1
