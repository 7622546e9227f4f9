"""`minhu db copy`: the demo town (with its invented history) from SQLite to PostgreSQL and
back, every table identical."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.cli import main
from bot.demo.run import prepare_database
from storage import catalog
from storage.copy import table_rows
from storage.db import Database
from tests.support import databases


async def _same(a: Database, b: Database) -> list[str]:
    """The tables that differ between two databases (none, when the copy is whole)."""
    tables = await catalog.tables(a)
    assert tables and set(tables) == set(await catalog.tables(b))
    return [t for t in tables if await table_rows(a, t) != await table_rows(b, t)]


async def test_the_demo_town_goes_to_postgresql_and_back_with_every_table_identical(
    tmp_path: Path,
) -> None:
    first, back = tmp_path / "town.db", tmp_path / "back.db"
    await prepare_database(first)
    url = await databases.fresh_postgres("empty")
    try:
        # the command in this process (it runs its own event loop: in a thread)
        assert await asyncio.to_thread(main, ["db", "copy", str(first), url]) == 0
        assert await asyncio.to_thread(main, ["db", "copy", url, str(back)]) == 0
        async with Database(first) as a, Database(url) as pg, Database(back) as b:
            assert await a.fetchval("SELECT COUNT(*) FROM complaints") > 0
            assert await a.fetchval("SELECT COUNT(*) FROM complaint_sums") > 0
            assert await _same(a, pg) == []
            assert await _same(a, b) == []
            # the copy goes on working: the next complaint id comes after the copied ones
            async with pg.transaction() as conn:
                cur = await conn.execute("INSERT INTO zones (code, name) VALUES ('NEW', '新片区')")
                assert cur.lastrowid == 1 + int(await a.fetchval("SELECT MAX(id) FROM zones"))
    finally:
        await databases.drop(url)
