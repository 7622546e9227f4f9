"""Complaints and hazard reports: numbering, intake, history."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import from_iso, record, to_iso
from storage.db import Database
from storage.models import Complaint, ComplaintEvent


@dataclass(frozen=True)
class NewComplaint:
    """What a resident has confirmed; becomes a complaint in one transaction."""

    reporter_id: int
    category_id: int
    grid_id: int
    description: str
    anonymous: bool
    photos: tuple[tuple[str, str], ...] = ()  # (file_id, file_unique_id)
    voices: tuple[tuple[str, str, int], ...] = ()  # (file_id, file_unique_id, seconds)
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    kind: str = "complaint"
    parent_id: int | None = None  # a relapse points at the complaint that came back


def format_number(year: int, seq: int) -> str:
    """MH-YYYY-NNNNNN."""
    return f"MH-{year:04d}-{seq:06d}"


async def next_number(conn: aiosqlite.Connection, year: int) -> str:
    """Allocate the next number of the year inside the caller's transaction."""
    return format_number(year, await count_up(conn, f"complaint:{year}"))


async def count_up(conn: aiosqlite.Connection, name: str, first: int = 1) -> int:
    """The next value of a named counter (`first` when it is new), inside the caller's
    transaction. The upsert holds the counter's row to the end: two workers get two values."""
    await conn.execute(
        "INSERT INTO counters (name, value) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET value = counters.value + 1",
        (name, first),
    )
    cur = await conn.execute("SELECT value FROM counters WHERE name = ?", (name,))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def insert(
    conn: aiosqlite.Connection,
    new: NewComplaint,
    now: datetime,
    *,
    year: int,
    department_id: int | None,
) -> tuple[int, str]:
    """Insert a complaint, its photos and its first event inside the caller's transaction."""
    number = await next_number(conn, year)
    stamp = to_iso(now)
    cur = await conn.execute(
        """INSERT INTO complaints (number, kind, category_id, grid_id, reporter_id, anonymous,
               description, address, latitude, longitude, status, department_id,
               parent_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?)""",
        (
            number,
            new.kind,
            new.category_id,
            new.grid_id,
            new.reporter_id,
            int(new.anonymous),
            new.description,
            new.address,
            new.latitude,
            new.longitude,
            department_id,
            new.parent_id,
            stamp,
            stamp,
        ),
    )
    complaint_id = cur.lastrowid
    assert complaint_id is not None
    await conn.executemany(
        "INSERT INTO complaint_photos (complaint_id, file_id, file_unique_id, position) "
        "VALUES (?, ?, ?, ?)",
        [(complaint_id, fid, uid, i) for i, (fid, uid) in enumerate(new.photos)],
    )
    await conn.executemany(
        "INSERT INTO complaint_voices (complaint_id, file_id, file_unique_id, duration, position) "
        "VALUES (?, ?, ?, ?, ?)",
        [(complaint_id, f, u, d, i) for i, (f, u, d) in enumerate(new.voices)],
    )
    await conn.execute(
        """INSERT INTO complaint_events (complaint_id, at, actor_id, kind, to_status)
           VALUES (?, ?, ?, 'submitted', 'submitted')""",
        (complaint_id, stamp, new.reporter_id),
    )
    return complaint_id, number


def row_to_complaint(
    row: sqlite3.Row,
    photos: tuple[str, ...] = (),
    events: tuple[ComplaintEvent, ...] = (),
    voices: tuple[str, ...] = (),
) -> Complaint:
    """A complaints row as a dataclass."""
    return record(Complaint, row, photo_file_ids=photos, events=events, voice_file_ids=voices)


_VOICES = "SELECT file_id FROM complaint_voices WHERE complaint_id = ? ORDER BY position"


async def events(db: Database, complaint_id: int) -> tuple[ComplaintEvent, ...]:
    """A complaint's history, oldest first."""
    rows = await db.fetchall(
        "SELECT at, kind, from_status, to_status, note FROM complaint_events "
        "WHERE complaint_id = ? ORDER BY at, id",
        (complaint_id,),
    )
    return tuple(
        ComplaintEvent(from_iso(r["at"]), r["kind"], r["from_status"], r["to_status"], r["note"])
        for r in rows
    )


async def get(db: Database, complaint_id: int) -> Complaint | None:
    """One complaint with its photos and history."""
    row = await db.fetchone("SELECT * FROM complaints WHERE id = ?", (complaint_id,))
    if row is None:
        return None
    photos = await db.fetchall(
        "SELECT file_id FROM complaint_photos WHERE complaint_id = ? AND stage = 'report' "
        "ORDER BY position",
        (complaint_id,),
    )
    voices = await db.fetchall(_VOICES, (complaint_id,))
    return row_to_complaint(
        row,
        tuple(p[0] for p in photos),
        await events(db, complaint_id),
        tuple(v[0] for v in voices),
    )


async def by_number(db: Database, number: str) -> Complaint | None:
    """One complaint by its MH number."""
    cid = await db.fetchval("SELECT id FROM complaints WHERE number = ?", (number,))
    return await get(db, int(cid)) if cid is not None else None


async def of_reporter(db: Database, reporter_id: int, limit: int = 10) -> list[Complaint]:
    """A resident's most recent complaints (without photos and history)."""
    rows = await db.fetchall(
        "SELECT * FROM complaints WHERE reporter_id = ? ORDER BY id DESC LIMIT ?",
        (reporter_id, limit),
    )
    return [row_to_complaint(r, (), ()) for r in rows]


async def count_of_reporter(db: Database, reporter_id: int) -> int:
    """How many complaints a resident has filed."""
    return int(
        await db.fetchval("SELECT COUNT(*) FROM complaints WHERE reporter_id = ?", (reporter_id,))
    )


async def supporter_ids(db: Database, complaint_id: int) -> list[int]:
    """Who said "me too" to a complaint, first first."""
    rows = await db.fetchall(
        "SELECT person_id FROM complaint_supporters WHERE complaint_id = ? ORDER BY at",
        (complaint_id,),
    )
    return [r[0] for r in rows]


async def number_in(conn: aiosqlite.Connection, complaint_id: int) -> str | None:
    """A complaint's number, read through the writer."""
    cur = await conn.execute("SELECT number FROM complaints WHERE id = ?", (complaint_id,))
    found = await cur.fetchone()
    return found[0] if found else None


async def get_in(conn: aiosqlite.Connection, complaint_id: int) -> Complaint:
    """A complaint just written, with all its photos, read through the writer (no history)."""
    cur = await conn.execute("SELECT * FROM complaints WHERE id = ?", (complaint_id,))
    row = await cur.fetchone()
    assert row is not None
    cur = await conn.execute(
        "SELECT file_id FROM complaint_photos WHERE complaint_id = ? ORDER BY position",
        (complaint_id,),
    )
    photos = tuple(r[0] for r in await cur.fetchall())
    cur = await conn.execute(_VOICES, (complaint_id,))
    voices = tuple(r[0] for r in await cur.fetchall())
    return row_to_complaint(row, photos, voices=voices)


async def relapse_of(db: Database, complaint_id: int) -> int | None:
    """The id of the complaint that reopened this one, if any."""
    found = await db.fetchval("SELECT id FROM complaints WHERE parent_id = ?", (complaint_id,))
    return None if found is None else int(found)
