"""Two workers opening mediation cases at the same moment get two numbers (the number was a
count of the year's cases: both counted the same and the second crashed on the UNIQUE
number). On PostgreSQL the two transactions are held side by side (tests/support/races.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage import mediation as store
from storage.db import Database
from tests.conftest import Address
from tests.support.races import meet

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def _open(db: Database, grid_id: int, summary: str) -> str:
    async with db.transaction() as conn:
        _, number = await store.insert(
            conn, grid_id=grid_id, kind="neighbour", summary=summary, now=NOW,
            contact_due_at=NOW + timedelta(days=1), result_due_at=NOW + timedelta(days=15),
            mediator_id=None,
        )  # fmt: skip
    return number


async def test_two_workers_opening_cases_at_once_get_two_numbers(seeded_db: Address) -> None:
    async with Database(seeded_db) as one, Database(seeded_db) as two:
        grid_id = int(await one.fetchval("SELECT MIN(id) FROM grids"))
        before = int(await one.fetchval("SELECT COUNT(*) FROM mediations"))
        meeting = meet([one, two], "FROM mediations WHERE number LIKE")
        numbers = await asyncio.gather(_open(one, grid_id, "噪音"), _open(two, grid_id, "漏水"))
        together = meeting.reached == 2 and meeting.lock_waits == 0  # both counted at once
        assert len(set(numbers)) == 2
        assert sorted(numbers) == [f"TJ-2026-{before + 1:06d}", f"TJ-2026-{before + 2:06d}"]
        assert await _open(one, grid_id, "占道") == f"TJ-2026-{before + 3:06d}"
        if one.backend == "postgres":  # they counted the cases together, yet got two numbers
            assert together
