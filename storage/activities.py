"""Volunteer activities and their sign-ups (places, the waiting list in the order people
joined, check-in and check-out). Functions taking a connection run inside the caller's
transaction, where the decisions about places are made."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from storage import codes
from storage.codec import from_iso, to_iso
from storage.db import Database


@dataclass(frozen=True)
class NewActivity:
    title: str
    task: str
    place: str
    starts_at: datetime
    duration_minutes: int
    places: int
    points_per_hour: int
    zone_id: int
    community_id: int | None
    campaign: str


@dataclass(frozen=True)
class Activity:
    id: int
    title: str
    task: str
    place: str
    starts_at: datetime
    duration_minutes: int
    places: int
    points_per_hour: int
    zone_id: int
    community_id: int | None
    campaign: str
    checkin_code: str
    checkout_code: str
    status: str
    created_by: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class Signup:
    id: int
    activity_id: int
    person_id: int
    status: str
    code: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    minutes: int
    name: str = ""


def _activity(r: sqlite3.Row) -> Activity:
    return Activity(
        id=r["id"],
        title=r["title"],
        task=r["task"],
        place=r["place"],
        starts_at=from_iso(r["starts_at"]),
        duration_minutes=r["duration_minutes"],
        places=r["places"],
        points_per_hour=r["points_per_hour"],
        zone_id=r["zone_id"],
        community_id=r["community_id"],
        campaign=r["campaign"],
        checkin_code=r["checkin_code"],
        checkout_code=r["checkout_code"],
        status=r["status"],
        created_by=r["created_by"],
    )


def _when(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _signup(r: sqlite3.Row) -> Signup:
    return Signup(
        id=r["id"],
        activity_id=r["activity_id"],
        person_id=r["person_id"],
        status=r["status"],
        code=r["code"],
        checked_in_at=_when(r["checked_in_at"]),
        checked_out_at=_when(r["checked_out_at"]),
        minutes=r["minutes"],
        name=r["name"] or "",
    )


_SIGNUPS = """SELECT s.*, p.first_name AS name FROM volunteer_signups s
              LEFT JOIN people p ON p.id = s.person_id"""


async def insert(
    conn: aiosqlite.Connection, new: NewActivity, codes: tuple[str, str], by: int, now: datetime
) -> int:
    """A new activity; its id."""
    cur = await conn.execute(
        """INSERT INTO volunteer_activities (title, task, place, starts_at, duration_minutes,
               places, points_per_hour, zone_id, community_id, campaign, checkin_code,
               checkout_code, created_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            new.title,
            new.task,
            new.place,
            to_iso(new.starts_at),
            new.duration_minutes,
            new.places,
            new.points_per_hour,
            new.zone_id,
            new.community_id,
            new.campaign,
            *codes,
            by,
            to_iso(now),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def code_taken(conn: aiosqlite.Connection, code: str) -> bool:
    """Whether a code is any activity's or sign-up's already, inside the transaction that
    will insert it if free (the code held until that transaction ends: `storage.codes`)."""
    await codes.hold(conn, code)
    cur = await conn.execute(
        """SELECT 1 FROM volunteer_activities WHERE checkin_code = ?1 OR checkout_code = ?1
           UNION ALL SELECT 1 FROM volunteer_signups WHERE code = ?1""",
        (code,),
    )
    return await cur.fetchone() is not None


async def get(db: Database, activity_id: int) -> Activity | None:
    """One activity (for showing)."""
    r = await db.fetchone("SELECT * FROM volunteer_activities WHERE id = ?", (activity_id,))
    return _activity(r) if r else None


async def get_in(
    conn: aiosqlite.Connection, activity_id: int, *, hold: bool = False
) -> Activity | None:
    """One activity, inside the caller's transaction; `hold` keeps its row locked until the
    end (PostgreSQL: workers deciding about its places take turns; SQLite has one writer)."""
    lock = " /* lock */" if hold else ""
    cur = await conn.execute(
        "SELECT * FROM volunteer_activities WHERE id = ?" + lock, (activity_id,)
    )
    r = await cur.fetchone()
    return _activity(r) if r else None


async def by_code(conn: aiosqlite.Connection, code: str) -> tuple[Activity, str] | None:
    """The activity whose check-in or check-out code this is, and which ('in' or 'out')."""
    cur = await conn.execute(
        "SELECT * FROM volunteer_activities WHERE checkin_code = ?1 OR checkout_code = ?1",
        (code,),
    )
    r = await cur.fetchone()
    if r is None:
        return None
    return _activity(r), "in" if r["checkin_code"] == code else "out"


async def coming(db: Database, person_id: int, now: datetime, limit: int = 10) -> list[Activity]:
    """Open activities not yet ended for a person: their zone (or community), a zone they
    follow, or one they signed up for."""
    rows = await db.fetchall(
        """SELECT a.* FROM volunteer_activities a
           WHERE a.status = 'open' AND a.starts_at > ?2
             AND (EXISTS (SELECT 1 FROM people p JOIN grids g ON g.id = p.grid_id
                          JOIN communities c ON c.id = g.community_id
                          WHERE p.id = ?1 AND c.zone_id = a.zone_id
                            AND (a.community_id IS NULL OR a.community_id = c.id))
                  OR a.zone_id IN (SELECT zone_id FROM subscriptions WHERE person_id = ?1)
                  OR EXISTS (SELECT 1 FROM volunteer_signups s WHERE s.activity_id = a.id
                             AND s.person_id = ?1 AND s.status IN ('booked', 'waitlisted')))
           ORDER BY a.starts_at, a.id LIMIT ?3""",
        (person_id, to_iso(now), limit),
    )
    return [_activity(r) for r in rows]


async def audience(db: Database, a: Activity) -> list[tuple[int, str]]:
    """(id, language) of the people an activity is announced to: living in its zone (or
    community) or following its zone; reachable and not muting announcements."""
    place_sql = "g.community_id = ?" if a.community_id is not None else "c.zone_id = ?"
    rows = await db.fetchall(
        f"""SELECT p.id, p.language FROM people p
            LEFT JOIN grids g ON g.id = p.grid_id
            LEFT JOIN communities c ON c.id = g.community_id
            WHERE p.blocked_at IS NULL AND p.mute_broadcasts = 0
              AND ({place_sql} OR p.id IN (SELECT person_id FROM subscriptions
                                           WHERE zone_id = ?))
            ORDER BY p.id""",
        (a.community_id if a.community_id is not None else a.zone_id, a.zone_id),
    )
    return [(int(r[0]), str(r[1])) for r in rows]


async def booked_count(conn: aiosqlite.Connection, activity_id: int) -> int:
    """Places taken, inside the caller's transaction."""
    cur = await conn.execute(
        "SELECT COUNT(*) FROM volunteer_signups WHERE activity_id = ? AND status = 'booked'",
        (activity_id,),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def live_signup(
    conn: aiosqlite.Connection, activity_id: int, person_id: int
) -> Signup | None:
    """A person's place or waiting-list place, inside the caller's transaction."""
    cur = await conn.execute(
        _SIGNUPS + " WHERE s.activity_id = ? AND s.person_id = ? "
        "AND s.status IN ('booked', 'waitlisted')",
        (activity_id, person_id),
    )
    r = await cur.fetchone()
    return _signup(r) if r else None


async def live_activities_of(conn: aiosqlite.Connection, person_id: int) -> list[int]:
    """The activities a person holds a place or waits for, inside the caller's transaction, in
    the activities' order (their rows are held in it: two erasures never lock crosswise)."""
    cur = await conn.execute(
        "SELECT activity_id FROM volunteer_signups WHERE person_id = ? "
        "AND status IN ('booked', 'waitlisted') ORDER BY activity_id, id",
        (person_id,),
    )
    return [int(r[0]) for r in await cur.fetchall()]


async def my_signup(db: Database, activity_id: int, person_id: int) -> Signup | None:
    """A person's latest sign-up for an activity (for showing)."""
    r = await db.fetchone(
        _SIGNUPS + " WHERE s.activity_id = ? AND s.person_id = ? ORDER BY s.id DESC LIMIT 1",
        (activity_id, person_id),
    )
    return _signup(r) if r else None


async def add_signup(
    conn: aiosqlite.Connection,
    activity_id: int,
    person_id: int,
    *,
    status: str,
    code: str,
    now: datetime,
) -> int:
    """A place or a waiting-list place; its id."""
    cur = await conn.execute(
        """INSERT INTO volunteer_signups (activity_id, person_id, status, code, created_at,
               updated_at) VALUES (?, ?, ?, ?, ?, ?)""",
        (activity_id, person_id, status, code, to_iso(now), to_iso(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def set_status(
    conn: aiosqlite.Connection, signup_id: int, status: str, now: datetime, minutes: int = 0
) -> None:
    """A sign-up's new status (and the minutes served, when attended)."""
    await conn.execute(
        "UPDATE volunteer_signups SET status = ?, minutes = ?, updated_at = ? WHERE id = ?",
        (status, minutes, to_iso(now), signup_id),
    )


async def signups(db: Database, activity_id: int) -> list[Signup]:
    """Every live or settled sign-up of an activity, in the order people joined."""
    rows = await db.fetchall(
        _SIGNUPS + " WHERE s.activity_id = ? AND s.status <> 'cancelled' ORDER BY s.id",
        (activity_id,),
    )
    return [_signup(r) for r in rows]


async def signups_in(conn: aiosqlite.Connection, activity_id: int, status: str) -> list[Signup]:
    """The sign-ups of one status, inside the caller's transaction."""
    cur = await conn.execute(
        _SIGNUPS + " WHERE s.activity_id = ? AND s.status = ? ORDER BY s.id",
        (activity_id, status),
    )
    return [_signup(r) for r in await cur.fetchall()]


async def stamp(conn: aiosqlite.Connection, signup_id: int, which: str, now: datetime) -> None:
    """Check a volunteer in ('in') or out ('out')."""
    column = "checked_in_at" if which == "in" else "checked_out_at"
    await conn.execute(
        f"UPDATE volunteer_signups SET {column} = ?, updated_at = ? WHERE id = ?",
        (to_iso(now), to_iso(now), signup_id),
    )


async def signup_by_code(conn: aiosqlite.Connection, code: str) -> Signup | None:
    """The sign-up with a volunteer's own code."""
    cur = await conn.execute(_SIGNUPS + " WHERE s.code = ?", (code,))
    r = await cur.fetchone()
    return _signup(r) if r else None


async def confirm(conn: aiosqlite.Connection, activity_id: int, now: datetime) -> bool:
    """Mark an open activity confirmed; False when it was not open (a second press)."""
    cur = await conn.execute(
        "UPDATE volunteer_activities SET status = 'confirmed', confirmed_at = ? "
        "WHERE id = ? AND status = 'open'",
        (to_iso(now), activity_id),
    )
    return cur.rowcount == 1


async def cancel(conn: aiosqlite.Connection, activity_id: int) -> bool:
    """Mark an open activity cancelled (called off by its organiser); False when it was not
    open (a second press, or already confirmed)."""
    cur = await conn.execute(
        "UPDATE volunteer_activities SET status = 'cancelled' WHERE id = ? AND status = 'open'",
        (activity_id,),
    )
    return cur.rowcount == 1
