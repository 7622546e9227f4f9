"""Service points (15分钟服务圈), their staff and their bookings. A counter ('services:version')
moves on every write of a point, so a running bot reloads its in-memory index
(`bot.services.index`)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import from_iso, to_iso
from storage.db import Database

VERSION = "services:version"
BOOKED, CANCELLED, ATTENDED, NO_SHOW = "booked", "cancelled", "attended", "no_show"

Hours = dict[int, list[tuple[int, int]]]  # weekday (0 = Monday) -> [(from, to) minutes]


@dataclass(frozen=True)
class Point:
    """One service point as stored."""

    id: int
    code: str
    name: str
    kind: str
    address: str
    latitude: float | None
    longitude: float | None
    grid_id: int | None
    zone_id: int | None
    hours: Hours
    holidays_closed: bool
    phone: str
    services: tuple[str, ...]
    accessibility: str
    slot_minutes: int
    slot_capacity: int
    private: bool
    visible: bool


@dataclass(frozen=True)
class PointIn:
    """One service point to write (an import's row, or the demo's)."""

    code: str
    name: str
    kind: str
    address: str
    latitude: float | None
    longitude: float | None
    grid_code: str | None
    hours: Hours
    holidays_closed: bool
    phone: str
    services: tuple[str, ...]
    accessibility: str
    slot_minutes: int
    slot_capacity: int
    private: bool


@dataclass(frozen=True)
class Booking:
    id: int
    point_id: int
    person_id: int
    starts_at: datetime
    topic: str
    status: str
    point_name: str
    first_name: str


def hours_json(hours: Hours) -> str:
    """The hours as stored."""
    return json.dumps({str(d): [list(r) for r in rs] for d, rs in sorted(hours.items())})


def _hours(text: str) -> Hours:
    return {int(d): [(int(a), int(b)) for a, b in rs] for d, rs in json.loads(text).items()}


_POINT_SQL = """
SELECT p.*, c.zone_id FROM service_points p
LEFT JOIN grids g ON g.id = p.grid_id LEFT JOIN communities c ON c.id = g.community_id
"""


def _point(r: sqlite3.Row) -> Point:
    return Point(
        id=int(r["id"]),
        code=r["code"],
        name=r["name"],
        kind=r["kind"],
        address=r["address"],
        latitude=r["latitude"],
        longitude=r["longitude"],
        grid_id=r["grid_id"],
        zone_id=r["zone_id"],
        hours=_hours(r["hours"]),
        holidays_closed=bool(r["holidays_closed"]),
        phone=r["phone"],
        services=tuple(json.loads(r["services"])),
        accessibility=r["accessibility"],
        slot_minutes=int(r["slot_minutes"]),
        slot_capacity=int(r["slot_capacity"]),
        private=bool(r["private"]),
        visible=bool(r["visible"]),
    )


async def version(db: Database) -> int:
    """Moves on every write of a point (0 before the first)."""
    return int(await db.fetchval("SELECT value FROM counters WHERE name = ?", (VERSION,)) or 0)


async def _bump(conn: aiosqlite.Connection) -> None:
    await conn.execute(
        "INSERT INTO counters (name, value) VALUES (?, 1)"
        " ON CONFLICT(name) DO UPDATE SET value = counters.value + 1",
        (VERSION,),
    )


async def all_points(db: Database) -> list[Point]:
    """Every point, hidden ones too."""
    return [_point(r) for r in await db.fetchall(_POINT_SQL + " ORDER BY p.id")]


async def point(db: Database, point_id: int) -> Point | None:
    """One point by id."""
    r = await db.fetchone(_POINT_SQL + " WHERE p.id = ?", (point_id,))
    return _point(r) if r else None


async def by_code(db: Database, code: str) -> Point | None:
    """One point by its code (case as typed, then upper)."""
    r = await db.fetchone(
        _POINT_SQL + " WHERE p.code = ? OR p.code = upper(?) LIMIT 1", (code, code)
    )
    return _point(r) if r else None


async def named(db: Database, words: str, limit: int = 10) -> list[Point]:
    """Points whose name or code contains `words`."""
    rows = await db.fetchall(
        _POINT_SQL + " WHERE instr(p.name, ?) > 0 OR instr(upper(p.code), upper(?)) > 0"
        " ORDER BY p.id LIMIT ?",
        (words, words, limit),
    )
    return [_point(r) for r in rows]


async def grid_ids(db: Database) -> dict[str, int]:
    """Grid code -> id."""
    return {r[0]: int(r[1]) for r in await db.fetchall("SELECT code, id FROM grids")}


async def save(
    conn: aiosqlite.Connection,
    points: list[tuple[PointIn, int | None]],
    now: datetime,
    *,
    demo: bool,
) -> int:
    """Insert or update points by code (with their grid id); how many."""
    stamp = to_iso(now)
    for p, grid_id in points:
        await conn.execute(
            """INSERT INTO service_points (code, name, kind, address, latitude, longitude, grid_id,
                   hours, holidays_closed, phone, services, accessibility, slot_minutes,
                   slot_capacity, private, is_demo, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                   address = excluded.address, latitude = excluded.latitude,
                   longitude = excluded.longitude, grid_id = excluded.grid_id,
                   hours = excluded.hours, holidays_closed = excluded.holidays_closed,
                   phone = excluded.phone, services = excluded.services,
                   accessibility = excluded.accessibility, slot_minutes = excluded.slot_minutes,
                   slot_capacity = excluded.slot_capacity, private = excluded.private,
                   updated_at = excluded.updated_at""",
            (
                p.code,
                p.name,
                p.kind,
                p.address,
                p.latitude,
                p.longitude,
                grid_id,
                hours_json(p.hours),
                int(p.holidays_closed),
                p.phone,
                json.dumps(list(p.services), ensure_ascii=False),
                p.accessibility,
                p.slot_minutes,
                p.slot_capacity,
                int(p.private),
                int(demo),
                stamp,
            ),
        )
    await _bump(conn)
    return len(points)


async def save_all(db: Database, points: list[tuple[PointIn, int | None]], now: datetime) -> int:
    """An import, in one transaction."""
    async with db.transaction() as conn:
        return await save(conn, points, now, demo=False)


async def update(db: Database, point_id: int, now: datetime, **columns: object) -> bool:
    """An admin's edit of `visible`, `hours` (JSON) or `phone`; False when nothing changed."""
    async with db.transaction() as conn:
        return await update_in(conn, point_id, now, **columns)


async def update_in(
    conn: aiosqlite.Connection, point_id: int, now: datetime, **columns: object
) -> bool:
    """`update` inside the caller's transaction."""
    assert set(columns) <= {"visible", "hours", "phone"}
    sets = ", ".join(f"{name} = ?" for name in columns)
    differs = " OR ".join(f"{name} IS NOT ?" for name in columns)
    values = list(columns.values())
    cur = await conn.execute(
        f"UPDATE service_points SET {sets}, updated_at = ? WHERE id = ? AND ({differs})",
        (*values, to_iso(now), point_id, *values),
    )
    if cur.rowcount:
        await _bump(conn)
    return cur.rowcount == 1


async def staff_of(db: Database, point_id: int) -> list[int]:
    """The point's staff."""
    rows = await db.fetchall(
        "SELECT user_id FROM service_staff WHERE point_id = ? ORDER BY user_id", (point_id,)
    )
    return [int(r[0]) for r in rows]


async def staffed_by(db: Database, user_id: int) -> list[int]:
    """The points a person works at."""
    rows = await db.fetchall(
        "SELECT point_id FROM service_staff WHERE user_id = ? ORDER BY point_id", (user_id,)
    )
    return [int(r[0]) for r in rows]


async def set_staff(db: Database, point_id: int, user_id: int, on: bool, now: datetime) -> bool:
    """Add or remove a point's staff member; False when it already was so."""
    async with db.transaction() as conn:
        if on:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO service_staff (point_id, user_id, granted_at)"
                " VALUES (?, ?, ?)",
                (point_id, user_id, to_iso(now)),
            )
        else:
            cur = await conn.execute(
                "DELETE FROM service_staff WHERE point_id = ? AND user_id = ?", (point_id, user_id)
            )
        return cur.rowcount == 1


_BOOKING_SQL = """
SELECT b.id, b.point_id, b.person_id, b.starts_at, b.topic, b.status, p.name AS point_name,
       COALESCE(u.first_name, '') AS first_name
FROM service_bookings b JOIN service_points p ON p.id = b.point_id
LEFT JOIN people u ON u.id = b.person_id
"""


def _booking(r: sqlite3.Row) -> Booking:
    return Booking(
        int(r["id"]),
        int(r["point_id"]),
        int(r["person_id"]),
        from_iso(r["starts_at"]),
        r["topic"],
        r["status"],
        r["point_name"],
        r["first_name"],
    )


async def booking(db: Database, booking_id: int) -> Booking | None:
    """One booking."""
    r = await db.fetchone(_BOOKING_SQL + " WHERE b.id = ?", (booking_id,))
    return _booking(r) if r else None


async def taken(db: Database, point_id: int, since: datetime, until: datetime) -> dict[str, int]:
    """Booked slots of a point in a time window: start (ISO text) -> how many."""
    rows = await db.fetchall(
        """SELECT starts_at, COUNT(*) FROM service_bookings WHERE point_id = ? AND status = ?
           AND starts_at >= ? AND starts_at < ? GROUP BY starts_at""",
        (point_id, BOOKED, to_iso(since), to_iso(until)),
    )
    return {r[0]: int(r[1]) for r in rows}


async def of_person(db: Database, person_id: int, since: datetime) -> list[Booking]:
    """A resident's bookings still ahead."""
    rows = await db.fetchall(
        _BOOKING_SQL + " WHERE b.person_id = ? AND b.status = ? AND b.starts_at >= ?"
        " ORDER BY b.starts_at, b.id",
        (person_id, BOOKED, to_iso(since)),
    )
    return [_booking(r) for r in rows]


async def ahead_at(conn: aiosqlite.Connection, point_id: int, since: datetime) -> list[Booking]:
    """A point's bookings still ahead, inside the caller's transaction."""
    cur = await conn.execute(
        _BOOKING_SQL + " WHERE b.point_id = ? AND b.status = ? AND b.starts_at >= ? ORDER BY b.id",
        (point_id, BOOKED, to_iso(since)),
    )
    return [_booking(r) for r in await cur.fetchall()]


async def of_points(
    db: Database, point_ids: list[int], since: datetime, until: datetime
) -> list[Booking]:
    """The bookings (not cancelled) of these points in a time window."""
    if not point_ids:
        return []
    marks = ",".join("?" * len(point_ids))
    rows = await db.fetchall(
        _BOOKING_SQL + f" WHERE b.point_id IN ({marks}) AND b.status <> ?"
        " AND b.starts_at >= ? AND b.starts_at < ? ORDER BY b.starts_at, b.id",
        (*point_ids, CANCELLED, to_iso(since), to_iso(until)),
    )
    return [_booking(r) for r in rows]


async def book_in(
    conn: aiosqlite.Connection,
    point_id: int,
    person_id: int,
    starts_at: datetime,
    topic: str,
    capacity: int,
    now: datetime,
) -> int | None:
    """Take a slot inside the caller's transaction; None when it is full, or the person
    already holds a slot of this point still ahead (-1). The point's row is held first: on
    PostgreSQL two workers counting a slot at once would both find room."""
    await conn.execute("SELECT id FROM service_points WHERE id = ? /* lock */", (point_id,))
    cur = await conn.execute(
        "SELECT COUNT(*) FROM service_bookings WHERE point_id = ? AND person_id = ?"
        " AND status = ? AND starts_at >= ?",
        (point_id, person_id, BOOKED, to_iso(now)),
    )
    row = await cur.fetchone()
    if row and row[0]:
        return -1
    cur = await conn.execute(
        "SELECT COUNT(*) FROM service_bookings WHERE point_id = ? AND starts_at = ? AND status = ?",
        (point_id, to_iso(starts_at), BOOKED),
    )
    row = await cur.fetchone()
    if row and row[0] >= capacity:
        return None
    cur = await conn.execute(
        """INSERT INTO service_bookings (point_id, person_id, starts_at, topic, created_at)
           VALUES (?, ?, ?, ?, ?)""",
        (point_id, person_id, to_iso(starts_at), topic, to_iso(now)),
    )
    return int(cur.lastrowid or 0)


async def set_status(
    conn: aiosqlite.Connection, booking_id: int, status: str, now: datetime
) -> bool:
    """Move a booked booking to `status`; False when it was not booked any more."""
    cur = await conn.execute(
        "UPDATE service_bookings SET status = ?, changed_at = ? WHERE id = ? AND status = ?",
        (status, to_iso(now), booking_id, BOOKED),
    )
    return cur.rowcount == 1


async def drop_reminders(conn: aiosqlite.Connection, booking_id: int) -> None:
    """The booking's pending reminders go (a cancelled booking is reminded of nothing)."""
    await conn.execute(
        "UPDATE outbox SET state = 'dropped', last_error = 'cancelled'"
        " WHERE state = 'pending' AND dedupe_key LIKE ?",
        (f"svc:b{booking_id}:r%",),
    )
