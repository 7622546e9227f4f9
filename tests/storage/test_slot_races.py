"""The last slot of a reception session and of a service point's hour, taken by two workers
at the same moment (two Database objects, as two processes): one gets it, never both. Each
was a count then an insert: on PostgreSQL neither count sees the other's uncommitted row. The
two transactions are held side by side after their counts (tests/support/races.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage import reception
from storage import services as points
from storage.db import Database
from tests.conftest import Address
from tests.support.races import meet

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PEOPLE = (100041, 100042)


async def _people(db: Database) -> None:
    stamp = NOW.isoformat()
    async with db.transaction() as conn:
        for person_id in PEOPLE:
            await conn.execute(
                "INSERT INTO people (id, first_name, language, consented_at, created_at, "
                "updated_at) VALUES (?, '居民', 'zh-CN', ?, ?, ?)",
                (person_id, stamp, stamp, stamp),
            )


async def test_two_workers_taking_the_last_reception_slot_take_it_once(
    seeded_db: Address,
) -> None:
    async with Database(seeded_db) as one, Database(seeded_db) as two:
        await _people(one)
        station_id = int(await one.fetchval("SELECT MIN(id) FROM liaison_stations"))
        representative = int(await one.fetchval("SELECT MIN(id) FROM people"))
        async with one.transaction() as conn:
            session_id = await reception.create_session(
                conn, station_id=station_id, representative_id=representative,
                starts_at=NOW + timedelta(days=2), slots=1, duration_minutes=60, now=NOW,
            )  # fmt: skip

        async def take(db: Database, person_id: int) -> int | None:
            async with db.transaction() as conn:
                return await reception.book(conn, session_id, person_id, "路灯", NOW)

        meeting = meet([one, two], "INSERT INTO reception_bookings")
        taken = await asyncio.gather(take(one, PEOPLE[0]), take(two, PEOPLE[1]))
        assert sum(t is not None for t in taken) == 1
        assert len(await reception.bookings(one, session_id)) == 1
        if one.backend == "postgres":
            assert meeting.lock_waits == 1


async def test_two_workers_taking_a_service_points_last_slot_take_it_once(
    seeded_db: Address,
) -> None:
    starts_at = NOW + timedelta(days=1)
    async with Database(seeded_db) as one, Database(seeded_db) as two:
        await _people(one)
        point_id = int(await one.fetchval("SELECT MIN(id) FROM service_points"))

        async def take(db: Database, person_id: int) -> int | None:
            async with db.transaction() as conn:
                return await points.book_in(conn, point_id, person_id, starts_at, "", 1, NOW)

        meeting = meet([one, two], "WHERE point_id = ? AND starts_at = ? AND status = ?")
        taken = await asyncio.gather(take(one, PEOPLE[0]), take(two, PEOPLE[1]))
        assert sum(t is not None for t in taken) == 1
        booked = await one.fetchval(
            "SELECT COUNT(*) FROM service_bookings WHERE point_id = ? AND starts_at = ?",
            (point_id, starts_at.isoformat()),
        )
        assert booked == 1
        if one.backend == "postgres":
            assert meeting.lock_waits == 1
