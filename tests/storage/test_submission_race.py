"""A form confirmed by two workers at once (an update handled again while its first worker
still runs): the second waits for the first's commit and finds its record, instead of failing
on the key (UniqueViolation on PostgreSQL, where the two look-ups ran side by side)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from storage import submissions
from storage.db import Database
from tests.conftest import Address
from tests.support.races import meet

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def test_two_workers_confirming_one_form_make_one_record(seeded_db: Address) -> None:
    key = submissions.new_key()
    async with Database(seeded_db) as one, Database(seeded_db) as two:
        # Each confirm is held right after its look-up until the other looked too (the race),
        # or until the server shows the other waiting on this one's lock (the fix).
        meeting = meet([one, two], "FROM submissions WHERE key")

        async def confirm(db: Database, record_id: int) -> int:
            async with db.transaction() as conn:
                found = await submissions.find_in(conn, key)
                if found is not None:
                    return found.record_id
                await submissions.record(conn, key, "complaint", record_id, NOW)
                return record_id

        made = await asyncio.gather(confirm(one, 41), confirm(two, 42))
        assert made[0] == made[1], made
        first = submissions.Submission(key, "complaint", made[0])
        assert await submissions.find(one, key) == first
        if one.backend == "postgres":
            assert meeting.lock_waits == 1 and meeting.reached == 2
