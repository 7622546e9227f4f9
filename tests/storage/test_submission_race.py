"""A form confirmed by two workers at once (an update handled again while its first worker
still runs): the second waits for the first's commit and finds its record, instead of failing
on the key (UniqueViolation on PostgreSQL, where the two look-ups ran side by side)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from storage import submissions
from storage.db import Database
from tests.conftest import Address

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def test_two_workers_confirming_one_form_make_one_record(seeded_db: Address) -> None:
    key = submissions.new_key()
    async with Database(seeded_db) as one, Database(seeded_db) as two:
        first_looked, second_started = asyncio.Event(), asyncio.Event()

        async def first() -> int:
            async with one.transaction() as conn:
                assert await submissions.find_in(conn, key) is None
                first_looked.set()
                await second_started.wait()
                await asyncio.sleep(0.2)  # the second's look-up is under way meanwhile
                await submissions.record(conn, key, "complaint", 41, NOW)
                return 41

        async def second() -> int:
            await first_looked.wait()
            second_started.set()
            async with two.transaction() as conn:
                found = await submissions.find_in(conn, key)
                if found is not None:
                    return found.record_id
                await submissions.record(conn, key, "complaint", 42, NOW)
                return 42

        made = await asyncio.gather(first(), second())
        assert made == [41, 41]
        assert await submissions.find(one, key) == submissions.Submission(key, "complaint", 41)
