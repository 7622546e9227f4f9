"""Storage: migrations from scratch, transactions, persistence only after consent (on both
backends; the backup and the file upgraded in place are SQLite's own)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.runtime.persistence import SQLitePersistence
from storage import people, privacy
from storage.db import (
    INLINE_STEPS,
    Database,
    _migration_files,
    committed_here,
    latest_version,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
NewDatabase = Callable[..., Awaitable["str | Path"]]
TABLES_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgres": "SELECT table_name FROM information_schema.tables"
    " WHERE table_schema = current_schema()",
}


async def test_a_fresh_database_is_built_through_every_migration(
    new_database: NewDatabase, db_backend: str
) -> None:
    address = await new_database("fresh.db")
    async with Database(address) as db:
        assert await db.schema_version() == latest_version() == len(_migration_files())
        tables = {r[0] for r in await db.fetchall(TABLES_SQL[db_backend])}
        for table in (
            "zones",
            "communities",
            "grids",
            "people",
            "role_grants",
            "complaints",
            "complaint_events",
            "complaint_photos",
            "meetings",
            "meeting_bookings",
            "assignments",
            "outbox",
            "broadcasts",
            "bulletins",
            "ptb_conversations",
        ):
            assert table in tables
        if db_backend == "sqlite":
            assert await db.fetchval("PRAGMA foreign_keys") == 1
            assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.upgrade() == []  # nothing left to apply
    async with Database(address) as again:  # reopening is idempotent
        assert await again.schema_version() == latest_version()


async def test_a_failed_transaction_leaves_nothing(new_database: NewDatabase) -> None:
    async with Database(await new_database("t.db")) as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO zones (code, name) VALUES ('Z', 'zone')")
                raise RuntimeError("crash in the middle")
        assert await db.fetchval("SELECT COUNT(*) FROM zones") == 0


async def test_foreign_keys_are_enforced(new_database: NewDatabase) -> None:
    async with Database(await new_database("fk.db")) as db:
        with pytest.raises(Exception, match=r"(?i)FOREIGN KEY"):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO grids (community_id, code, name) VALUES (999, 'G', 'g')"
                )


async def test_user_data_is_persisted_only_for_people_who_consented(
    new_database: NewDatabase,
) -> None:
    async with Database(await new_database("p.db")) as db:
        persistence = SQLitePersistence(db)
        await persistence.update_user_data(5, {"language": "en"})
        assert await persistence.get_user_data() == {}
        await db.fetchval("SELECT 1")
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO zones (code, name) VALUES ('Z', 'z')")
            await conn.execute("INSERT INTO communities (zone_id, code, name) VALUES (1, 'C', 'c')")
            await conn.execute("INSERT INTO grids (community_id, code, name) VALUES (1, 'G', 'g')")
        await people.register(db, 5, "Ann", "en", 1, NOW)
        await persistence.update_user_data(5, {"draft": {"description": "x"}})
        assert await persistence.get_user_data() == {5: {"draft": {"description": "x"}}}
        async with db.transaction() as conn:
            await privacy.erase_in(conn, 5)
        assert await persistence.get_user_data() == {}  # erased with the person


async def test_conversations_round_trip(new_database: NewDatabase) -> None:
    async with Database(await new_database("c.db")) as db:
        persistence = SQLitePersistence(db)
        await persistence.update_conversation("report", (7, 7), 12)
        assert await persistence.get_conversations("report") == {(7, 7): 12}
        await persistence.update_conversation("report", (7, 7), None)
        assert await persistence.get_conversations("report") == {}


async def test_the_writes_the_framework_hands_over_together_are_one_transaction(
    new_database: NewDatabase,
) -> None:
    async with Database(await new_database("r.db")) as db:
        persistence = SQLitePersistence(db)
        await persistence.update_conversation("report", (7, 7), 12)
        before = committed_here()
        await asyncio.gather(  # as python-telegram-bot's update_persistence does
            persistence.update_conversation("report", (7, 7), None),
            persistence.update_conversation("report", (8, 8), 3),
            persistence.update_conversation("settings", (8, 8), 1),
            persistence.update_user_data(5, {"draft": {}}),  # not registered: not kept
            persistence.drop_user_data(6),
        )
        assert committed_here() == before + 1
        assert await persistence.get_conversations("report") == {(8, 8): 3}
        assert await persistence.get_conversations("settings") == {(8, 8): 1}
        assert await persistence.get_user_data() == {}


async def test_a_read_too_big_for_the_event_loop_gives_the_same_answer(
    new_database: NewDatabase,
) -> None:
    """Small reads run on the loop's thread; one past INLINE_STEPS is run again on a thread."""
    async with Database(await new_database("big.db")) as db:
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO counters (name, value) VALUES (?, ?)",
                [(f"k{i}", i) for i in range(INLINE_STEPS)],
            )
        assert await db.fetchval("SELECT value FROM counters WHERE name = 'k7'") == 7
        total = await db.fetchval("SELECT SUM(value) FROM counters")
        assert total == INLINE_STEPS * (INLINE_STEPS - 1) // 2
        assert len(await db.fetchall("SELECT name FROM counters")) == INLINE_STEPS


async def test_backup_is_a_consistent_readable_copy(tmp_path: Path) -> None:
    async with Database(tmp_path / "live.db") as db:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO zones (code, name) VALUES ('Z', '上强片区')")
        await db.backup(tmp_path / "copy.db")
    async with Database(tmp_path / "copy.db") as copy:
        assert await copy.fetchval("SELECT name FROM zones") == "上强片区"


async def test_an_old_database_is_upgraded_in_place(tmp_path: Path) -> None:
    """A file at version 1 with data gets the later migrations and keeps its rows."""
    import sqlite3

    path = tmp_path / "old.db"
    first = _migration_files()[0]
    with sqlite3.connect(path) as conn:
        conn.executescript(first[2])
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO zones (code, name) VALUES ('SQ', '上强片区')")
    async with Database(path) as db:
        assert await db.schema_version() == latest_version()
        assert await db.fetchval("SELECT name FROM zones") == "上强片区"


async def test_a_write_is_visible_to_the_next_read_under_concurrent_reads(
    new_database: NewDatabase,
) -> None:
    """Read-your-writes while other coroutines keep reading (no stale WAL snapshot)."""
    async with Database(await new_database("rw.db")) as db:
        stop = asyncio.Event()

        async def reader_loop() -> None:
            while not stop.is_set():
                await db.fetchone("SELECT COUNT(*) FROM zones")

        readers = [asyncio.create_task(reader_loop()) for _ in range(5)]
        misses = 0
        for n in range(200):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO zones (code, name) VALUES (?, 'z')", (f"Z{n}",))
            if await db.fetchval("SELECT id FROM zones WHERE code = ?", (f"Z{n}",)) is None:
                misses += 1
        stop.set()
        await asyncio.gather(*readers)
        assert misses == 0
