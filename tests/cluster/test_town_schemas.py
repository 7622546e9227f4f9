"""Several towns in one PostgreSQL database, a schema each (`?search_path=<key>`): the same
migrations, nothing of one visible from another, a leader and channels of each town's own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.towns import town_database
from storage import catalog, cluster, inbound
from storage.db import Database, StorageError

NOW = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


async def test_each_town_gets_its_schema_migrated_and_sees_only_its_own_rows(url: str) -> None:
    zhili, nanxun = town_database(url, "zhili"), town_database(url, "nanxun")
    # Two processes of each town starting at once: the schema is made once, migrated once.
    opened = await asyncio.gather(*(Database(a).open() for a in (zhili, nanxun, zhili, nanxun)))
    try:
        a, b, a_again, _ = opened
        async with Database(url) as public:
            assert await a.schema_version() == await public.schema_version() > 0
            assert await b.schema_version() == await public.schema_version()
            assert await catalog.tables(a) == await catalog.tables(public)
            assert await catalog.tables(b) == await catalog.tables(public)
            async with a.transaction() as conn:  # the same zone code in both towns is fine
                await conn.execute("INSERT INTO zones (code, name) VALUES ('Z1', '织里一片')")
            async with b.transaction() as conn:
                await conn.execute("INSERT INTO zones (code, name) VALUES ('Z1', '南浔一片')")
            assert await inbound.store(a, 9, "chat:501", '{"update_id": 9}', NOW)
            # Every pooled connection is in the town's schema, several at once too.
            seen = await asyncio.gather(
                *(a_again.fetchval("SELECT name FROM zones WHERE code = 'Z1'") for _ in range(8))
            )
            assert seen == ["织里一片"] * 8
            assert await b.fetchall("SELECT name FROM zones") == [("南浔一片",)]
            assert await public.fetchall("SELECT name FROM zones") == []
            assert await inbound.waiting(b) == 0 and await inbound.waiting(public) == 0
            assert await inbound.waiting(a) == 1
            schemas = await public.fetchall(
                "SELECT nspname FROM pg_namespace WHERE nspname IN ('zhili', 'nanxun')"
            )
            assert sorted(r[0] for r in schemas) == ["nanxun", "zhili"]
    finally:
        for db in opened:
            await db.close()


async def test_each_town_has_its_own_leader_and_its_own_wake_ups(url: str) -> None:
    zhili, nanxun = town_database(url, "zhili"), town_database(url, "nanxun")
    async with Database(zhili) as a, Database(nanxun) as b:
        sessions = [await cluster.Session(u).open() for u in (zhili, nanxun, zhili)]
        heard = {"zhili": asyncio.Queue[str](), "nanxun": asyncio.Queue[str]()}
        try:
            first, other, second = sessions
            assert await first.try_lead()
            assert await other.try_lead()  # another town: a leader of its own
            assert not await second.try_lead()  # the same town: one leader
            await first.listen(cluster.INBOUND, lambda: heard["zhili"].put_nowait("zhili"))
            await other.listen(cluster.INBOUND, lambda: heard["nanxun"].put_nowait("nanxun"))
            # The server's queue is in commit order: were zhili's heard by nanxun's listener,
            # it would come before nanxun's own.
            await cluster.notify(a, cluster.INBOUND)
            await cluster.notify(b, cluster.INBOUND)
            assert await asyncio.wait_for(heard["nanxun"].get(), 10) == "nanxun"
            assert await asyncio.wait_for(heard["zhili"].get(), 10) == "zhili"
        finally:
            for session in sessions:
                await session.close()
    assert heard["nanxun"].empty() and heard["zhili"].empty()
    assert cluster.leader_lock(zhili) != cluster.leader_lock(nanxun) != cluster.LEADER_LOCK
    assert cluster.channel(cluster.INBOUND, nanxun) == "minhu_inbound_nanxun"
    assert cluster.channel(cluster.INBOUND, url) == cluster.INBOUND
    # `public` named outright is the database's own: the same leader, the same channels
    assert cluster.leader_lock(town_database(url, "public")) == cluster.LEADER_LOCK
    assert cluster.channel(cluster.OUTBOX, town_database(url, "public")) == cluster.OUTBOX


def test_a_search_path_that_is_not_one_schema_name_is_refused() -> None:
    with pytest.raises(StorageError, match="one schema name"):
        Database('postgresql:///minhu?search_path=a"; DROP')


async def test_a_grown_town_is_copied_into_its_schema_of_the_district(
    url: str, tmp_path: Path
) -> None:
    from bot.cli import main
    from bot.demo.run import prepare_database
    from storage.copy import table_rows

    town = tmp_path / "town.db"
    await prepare_database(town)
    zhili = town_database(url, "zhili")
    assert await asyncio.to_thread(main, ["db", "copy", str(town), zhili]) == 0
    async with Database(town) as a, Database(zhili) as pg, Database(url) as public:
        tables = await catalog.tables(a)
        assert set(tables) == set(await catalog.tables(pg))
        assert [t for t in tables if await table_rows(a, t) != await table_rows(pg, t)] == []
        assert await pg.fetchval("SELECT COUNT(*) FROM complaints") > 0
        assert await public.fetchval("SELECT COUNT(*) FROM complaints") == 0
