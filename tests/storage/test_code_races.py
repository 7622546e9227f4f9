"""Random codes under several workers: the code drawn is checked free and inserted in one
transaction; a second worker checking the same code meanwhile waits for the first's end and
sees its row, instead of both finding it free and one failing on the UNIQUE (or, across two
tables, both keeping it). Two Database objects on one database stand for two workers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import aiosqlite
import pytest

from storage import activities, codes, meeting_bookings, people, points
from storage.db import Database
from tests.conftest import Address

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CHECKS: dict[str, Callable[[aiosqlite.Connection, str], Awaitable[bool]]] = {
    "booking": meeting_bookings.code_taken,
    "activity": activities.code_taken,
    "voucher": points.code_taken,
}


async def _until_waiting(watcher: Database, other: asyncio.Task[bool]) -> None:
    """Until the other worker waits for the code (PostgreSQL), or has answered. On SQLite its
    BEGIN IMMEDIATE waits for the first writer's commit: nothing to watch."""
    if watcher.backend != "postgres":
        return
    while not other.done():
        waiting = await watcher.fetchval(
            """SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                 AND classid = ? AND objsubid = 2
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
            (codes.CODES,),
        )
        if waiting:
            return


async def _check(db: Database, kind: str, code: str) -> bool:
    async with db.transaction() as conn:
        return await CHECKS[kind](conn, code)


@pytest.mark.parametrize("kind", sorted(CHECKS))
async def test_a_code_being_checked_is_held_until_its_transaction_ends(
    new_database: Callable[..., Awaitable[Address]], kind: str
) -> None:
    address = await new_database()
    async with Database(address) as one, Database(address) as two, Database(address) as watcher:
        async with one.transaction() as conn:
            assert not await CHECKS[kind](conn, "K7QX2M")
            other = asyncio.create_task(_check(two, kind, "K7QX2M"))
            await _until_waiting(watcher, other)
            assert not other.done()  # it waits for the first worker's transaction
        assert await other is False  # nothing was inserted: free


async def test_two_workers_drawing_the_same_code_never_both_keep_it(
    seeded_db: Address,
) -> None:
    async with Database(seeded_db) as one, Database(seeded_db) as two, Database(seeded_db) as w:
        grid_id = int(await one.fetchval("SELECT MIN(id) FROM grids"))
        await people.register(one, 910101, "甲", "zh-CN", grid_id, NOW)
        async with one.transaction() as conn:
            assert not await points.code_taken(conn, "ABCD2345")
            other = asyncio.create_task(_check(two, "voucher", "ABCD2345"))
            await _until_waiting(w, other)
            await points.add_invite(conn, "ABCD2345", 910101, NOW, NOW + timedelta(hours=48))
        assert await other is True  # the second worker sees the first's code: draws another
