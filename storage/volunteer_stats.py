"""SQL of the bulletin's volunteer table (志愿服务): per community, the activities held and the
minutes served — counts only. Volunteers are returned as ids so the caller can count each once
per community, zone and town; no name, phone or word of a resident leaves this module."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.codec import to_iso
from storage.db import Database


@dataclass(frozen=True)
class Place:
    """Where an activity was held: a community, or a whole zone (community_id 0, code '')."""

    zone_id: int
    community_id: int
    zone_code: str
    zone_name: str
    community_code: str
    community_name: str


@dataclass(frozen=True)
class Served:
    """One volunteer's attended minutes at one place in a period."""

    place: Place
    person_id: int
    minutes: int


_PLACE = """FROM volunteer_activities a JOIN zones z ON z.id = a.zone_id
           LEFT JOIN communities c ON c.id = a.community_id"""
_PLACE_COLUMNS = (
    "z.id, COALESCE(c.id, 0), z.code, z.name, COALESCE(c.code, ''), COALESCE(c.name, '')"
)


def _place(r: sqlite3.Row) -> Place:
    return Place(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]))


async def held(db: Database, start: datetime, end: datetime) -> dict[Place, int]:
    """Activities confirmed by their organiser that started in [start, end), per place."""
    rows = await db.fetchall(
        f"""SELECT {_PLACE_COLUMNS}, COUNT(*) {_PLACE}
            WHERE a.status = 'confirmed' AND a.starts_at >= ? AND a.starts_at < ?
            GROUP BY z.id, c.id""",
        (to_iso(start), to_iso(end)),
    )
    return {_place(r): int(r[6]) for r in rows}


async def served(db: Database, start: datetime, end: datetime) -> list[Served]:
    """Attended minutes per volunteer and place, of activities started in [start, end)."""
    rows = await db.fetchall(
        f"""SELECT {_PLACE_COLUMNS}, s.person_id, SUM(s.minutes)
            {_PLACE} JOIN volunteer_signups s ON s.activity_id = a.id
            WHERE s.status = 'attended' AND a.status <> 'cancelled'
              AND a.starts_at >= ? AND a.starts_at < ?
            GROUP BY z.id, c.id, s.person_id""",
        (to_iso(start), to_iso(end)),
    )
    return [Served(_place(r), int(r[6]), int(r[7] or 0)) for r in rows]
