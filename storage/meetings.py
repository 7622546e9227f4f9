"""Deliberation meetings (议事会): meetings, proposed topics, decisions, and who hears about a
meeting (bookings are in `storage.meeting_bookings`). Functions taking a connection run
inside the caller's transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from storage import people
from storage.codec import from_iso, to_iso
from storage.db import Database


@dataclass(frozen=True)
class NewMeeting:
    title: str
    topic: str
    zone_id: int
    community_id: int | None
    place: str
    starts_at: datetime
    duration_minutes: int
    capacity: int
    reserved_seats: int
    registration_until: datetime


@dataclass(frozen=True)
class Meeting:
    id: int
    title: str
    topic: str
    zone_id: int
    community_id: int | None
    place: str
    starts_at: datetime
    duration_minutes: int
    capacity: int
    reserved_seats: int
    registration_until: datetime
    status: str
    revision: int
    created_by: int
    created_at: datetime
    result_summary: str | None = None
    attendance: int | None = None
    result_at: datetime | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class Topic:
    id: int
    person_id: int | None
    text: str
    created_at: datetime
    name: str = ""


@dataclass(frozen=True)
class Decision:
    id: int
    meeting_id: int
    text: str
    position: int


def _opt(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _meeting(r: sqlite3.Row) -> Meeting:
    return Meeting(
        id=r["id"],
        title=r["title"],
        topic=r["topic"],
        zone_id=r["zone_id"],
        community_id=r["community_id"],
        place=r["place"],
        starts_at=from_iso(r["starts_at"]),
        duration_minutes=r["duration_minutes"],
        capacity=r["capacity"],
        reserved_seats=r["reserved_seats"],
        registration_until=from_iso(r["registration_until"]),
        status=r["status"],
        revision=r["revision"],
        created_by=r["created_by"],
        created_at=from_iso(r["created_at"]),
        result_summary=r["result_summary"],
        attendance=r["attendance"],
        result_at=_opt(r["result_at"]),
    )


def from_row(r: sqlite3.Row) -> Meeting:
    """A meeting from a `SELECT m.*` row (for `storage.meeting_outcomes`)."""
    return _meeting(r)


# Meetings ---------------------------------------------------------------------------------


async def insert(
    conn: aiosqlite.Connection, new: NewMeeting, created_by: int, now: datetime
) -> int:
    """A new open meeting; returns its id."""
    cur = await conn.execute(
        """INSERT INTO meetings (title, topic, zone_id, community_id, place, starts_at,
               duration_minutes, capacity, reserved_seats, registration_until, created_by,
               created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            new.title,
            new.topic,
            new.zone_id,
            new.community_id,
            new.place,
            to_iso(new.starts_at),
            new.duration_minutes,
            new.capacity,
            new.reserved_seats,
            to_iso(new.registration_until),
            created_by,
            to_iso(now),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def get(db: Database, meeting_id: int) -> Meeting | None:
    """One meeting."""
    row = await db.fetchone("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
    return _meeting(row) if row else None


async def get_in(
    conn: aiosqlite.Connection, meeting_id: int, *, hold: bool = False
) -> Meeting | None:
    """One meeting, read inside the caller's transaction; `hold` keeps its row locked until
    the end (PostgreSQL: workers deciding about its seats take turns; SQLite has one writer)."""
    lock = " /* lock */" if hold else ""
    cur = await conn.execute("SELECT * FROM meetings WHERE id = ?" + lock, (meeting_id,))
    row = await cur.fetchone()
    return _meeting(row) if row else None


# The meetings `m` meant for a person — of their zone (or community), of zones they follow,
# and any they booked or waited for; its parameters are `for_person(person_id, grid_id)`.
FOR_PERSON = """(
    (m.zone_id IN (SELECT c.zone_id FROM grids g
                   JOIN communities c ON c.id = g.community_id WHERE g.id = ?)
     AND (m.community_id IS NULL
          OR m.community_id = (SELECT community_id FROM grids WHERE id = ?)))
    OR m.zone_id IN (SELECT zone_id FROM subscriptions WHERE person_id = ?)
    OR m.id IN (SELECT meeting_id FROM meeting_bookings
                WHERE person_id = ? AND status IN ('booked', 'waitlisted')))"""


def for_person(person_id: int, grid_id: int | None) -> tuple[int | None, ...]:
    """The parameters of `FOR_PERSON`, in order."""
    return (grid_id, grid_id, person_id, person_id)


async def upcoming_for(
    db: Database, person_id: int, grid_id: int | None, now: datetime, limit: int = 10
) -> list[Meeting]:
    """Open meetings not yet started for a person: of their zone or community, of zones they
    follow, and any they booked."""
    rows = await db.fetchall(
        f"""SELECT m.* FROM meetings m
            WHERE m.status = 'open' AND m.starts_at > ? AND {FOR_PERSON}
            ORDER BY m.starts_at, m.id LIMIT ?""",
        (to_iso(now), *for_person(person_id, grid_id), limit),
    )
    return [_meeting(r) for r in rows]


async def for_admins(db: Database, now: datetime, limit: int = 15) -> list[Meeting]:
    """Open meetings (upcoming, or held and waiting for a result), soonest first."""
    rows = await db.fetchall(
        "SELECT * FROM meetings WHERE status = 'open' ORDER BY starts_at, id LIMIT ?", (limit,)
    )
    return [_meeting(r) for r in rows]


async def set_time(
    conn: aiosqlite.Connection,
    meeting_id: int,
    revision: int,
    starts_at: datetime,
    registration_until: datetime,
) -> bool:
    """Move an open meeting (the revision must still be `revision`; it is bumped)."""
    cur = await conn.execute(
        """UPDATE meetings SET starts_at = ?, registration_until = ?, revision = revision + 1
           WHERE id = ? AND status = 'open' AND revision = ?""",
        (to_iso(starts_at), to_iso(registration_until), meeting_id, revision),
    )
    return cur.rowcount == 1


async def set_place(conn: aiosqlite.Connection, meeting_id: int, revision: int, place: str) -> bool:
    """Change the place of an open meeting (the revision is bumped)."""
    cur = await conn.execute(
        "UPDATE meetings SET place = ?, revision = revision + 1 "
        "WHERE id = ? AND status = 'open' AND revision = ?",
        (place, meeting_id, revision),
    )
    return cur.rowcount == 1


async def set_cancelled(conn: aiosqlite.Connection, meeting_id: int, now: datetime) -> bool:
    """Cancel an open meeting."""
    cur = await conn.execute(
        "UPDATE meetings SET status = 'cancelled', cancelled_at = ? "
        "WHERE id = ? AND status = 'open'",
        (to_iso(now), meeting_id),
    )
    return cur.rowcount == 1


async def set_result(
    conn: aiosqlite.Connection,
    meeting_id: int,
    summary: str,
    attendance: int,
    decisions: list[str],
    by: int,
    now: datetime,
) -> list[int] | None:
    """Record the result of an open meeting (once); returns the decision ids, None if it was
    not open any more."""
    cur = await conn.execute(
        """UPDATE meetings SET status = 'held', result_summary = ?, attendance = ?,
               result_at = ?, result_by = ? WHERE id = ? AND status = 'open'""",
        (summary, attendance, to_iso(now), by, meeting_id),
    )
    if cur.rowcount != 1:
        return None
    ids = []
    for position, text in enumerate(decisions, start=1):
        cur = await conn.execute(
            "INSERT INTO meeting_decisions (meeting_id, text, position) VALUES (?, ?, ?)",
            (meeting_id, text, position),
        )
        assert cur.lastrowid is not None
        ids.append(cur.lastrowid)
    return ids


async def decisions(db: Database, meeting_id: int) -> list[Decision]:
    """A meeting's decisions in order."""
    rows = await db.fetchall(
        "SELECT * FROM meeting_decisions WHERE meeting_id = ? ORDER BY position", (meeting_id,)
    )
    return [Decision(r["id"], r["meeting_id"], r["text"], r["position"]) for r in rows]


async def decision(db: Database, decision_id: int) -> Decision | None:
    """One decision."""
    r = await db.fetchone("SELECT * FROM meeting_decisions WHERE id = ?", (decision_id,))
    return Decision(r["id"], r["meeting_id"], r["text"], r["position"]) if r else None


# Topics -----------------------------------------------------------------------------------


async def add_topic(
    conn: aiosqlite.Connection, meeting_id: int, person_id: int, text: str, now: datetime
) -> int:
    """A proposed topic."""
    cur = await conn.execute(
        "INSERT INTO meeting_topics (meeting_id, person_id, text, created_at) VALUES (?, ?, ?, ?)",
        (meeting_id, person_id, text, to_iso(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def topics_by(conn: aiosqlite.Connection, meeting_id: int, person_id: int) -> int:
    """How many topics a person proposed for a meeting."""
    cur = await conn.execute(
        "SELECT COUNT(*) FROM meeting_topics WHERE meeting_id = ? AND person_id = ?",
        (meeting_id, person_id),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def topics(db: Database, meeting_id: int, limit: int = 50) -> tuple[list[Topic], int]:
    """The first proposed topics with their proposers' names, and how many there are."""
    rows = await db.fetchall(
        """SELECT t.id, t.person_id, t.text, t.created_at, p.first_name AS name
           FROM meeting_topics t LEFT JOIN people p ON p.id = t.person_id
           WHERE t.meeting_id = ? ORDER BY t.id LIMIT ?""",
        (meeting_id, limit),
    )
    total = await db.fetchval(
        "SELECT COUNT(*) FROM meeting_topics WHERE meeting_id = ?", (meeting_id,)
    )
    found = [Topic(r[0], r[1], r[2], from_iso(r[3]), r[4] or "") for r in rows]
    return found, int(total or 0)


# Who hears about a meeting ----------------------------------------------------------------


async def audience(db: Database, meeting: Meeting, *, include_muted: bool) -> list[tuple[int, str]]:
    """(id, language) of the people a meeting is for: living in its zone (or community), or
    following its zone; reachable, and unless `include_muted` not muting announcements."""
    place_sql = "g.community_id = ?" if meeting.community_id is not None else "c.zone_id = ?"
    rows = await db.fetchall(
        f"""SELECT p.id, p.language FROM people p
            LEFT JOIN grids g ON g.id = p.grid_id
            LEFT JOIN communities c ON c.id = g.community_id
            WHERE p.blocked_at IS NULL AND (? = 1 OR p.mute_broadcasts = 0)
              AND ({place_sql} OR p.id IN (SELECT person_id FROM subscriptions
                                           WHERE zone_id = ?))
            ORDER BY p.id""",
        (
            int(include_muted),
            meeting.community_id if meeting.community_id is not None else meeting.zone_id,
            meeting.zone_id,
        ),
    )
    return [(int(r[0]), str(r[1])) for r in rows]


async def follows(db: Database, person_id: int, zone_id: int) -> bool:
    """Whether a person follows a zone (its meetings and results reach them)."""
    found = await db.fetchval(
        "SELECT 1 FROM subscriptions WHERE person_id = ? AND zone_id = ?", (person_id, zone_id)
    )
    return found is not None


async def staff_choices(db: Database, role: str, zone_id: int) -> list[tuple[int, str]]:
    """(user id, name) of representatives, or of the grid workers of a zone (at most 30)."""
    zone = zone_id if role == "grid_worker" else None
    return await people.holders(db, role, zone, limit=30, opened_only=False)


async def drop_pending(conn: aiosqlite.Connection, prefix: str, reason: str) -> int:
    """Drop the pending outbox rows whose dedupe key starts with `prefix` (a meeting's
    reminders when it moves or is cancelled); uses the key's index as a range."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    cur = await conn.execute(
        "UPDATE outbox SET state = 'dropped', last_error = ? "
        "WHERE dedupe_key >= ? AND dedupe_key < ? AND state = 'pending'",
        (reason, prefix, upper),
    )
    return cur.rowcount


@dataclass(frozen=True)
class OpenMeeting:
    id: int
    title: str
    starts_at: datetime


async def open_meetings(db: Database, limit: int = 20) -> list[OpenMeeting]:
    """Deliberation meetings still open, soonest first (their registrants are an audience)."""
    rows = await db.fetchall(
        "SELECT id, title, starts_at FROM meetings WHERE status = 'open' "
        "ORDER BY starts_at, id LIMIT ?",
        (limit,),
    )
    return [OpenMeeting(int(r[0]), str(r[1]), from_iso(r[2])) for r in rows]
