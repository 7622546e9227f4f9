"""A due timer fired by two workers at the same moment (two Database objects, as two
processes; only the leader runs timers, but a leader that has just lost its lock may still be
in a pass): it is finished once, so its notice and its action happen once. `finish` is one
conditional UPDATE: the second waits for the first one's row lock, then finds it done."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage import complaints, people, timers
from storage.db import Database
from tests.conftest import Address
from tests.support.races import meet

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def test_a_due_timer_is_finished_once_by_two_workers(seeded_db: Address) -> None:
    async with Database(seeded_db) as one, Database(seeded_db) as two:
        grid_id = int(await one.fetchval("SELECT MIN(id) FROM grids"))
        category_id = int(await one.fetchval("SELECT MIN(id) FROM categories"))
        await people.register(one, 700, "甲", "zh-CN", grid_id, NOW)
        new = complaints.NewComplaint(700, category_id, grid_id, "路灯坏了", anonymous=False)
        async with one.transaction() as conn:
            complaint_id, _ = await complaints.insert(
                conn, new, NOW, year=NOW.year, department_id=None
            )
            await timers.add(conn, "ack_remind", complaint_id, NOW - timedelta(minutes=1), NOW)
        (due,) = [t for t in await timers.due(one, NOW) if t.complaint_id == complaint_id]

        async def fire(db: Database) -> bool:
            async with db.transaction() as conn:
                return await timers.finish(conn, due.id, NOW)

        meeting = meet([one, two], "UPDATE timers SET state = 'done'")
        fired = await asyncio.gather(fire(one), fire(two))
        assert sorted(fired) == [False, True]
        assert due.id not in {t.id for t in await timers.due(one, NOW)}
        if one.backend == "postgres":
            assert meeting.lock_waits == 1
