"""The district reads every town from its own database — a SQLite file each, or a schema
each on PostgreSQL — and its figure for a town is the town bulletin's own."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.bulletins.report import BulletinConfig, build_report
from bot.core.periods import Period
from bot.core.towns import District
from bot.district.books import TownBooks
from bot.district.figures import district_report
from storage.db import Database
from tests.support import databases
from tests.support.bulletins import TZ, Town, local
from tests.support.district import make_district

NOVEMBER = Period("month", date(2026, 11, 1), date(2026, 12, 1))
AS_OF = local(2026, 12, 2, 9)


@pytest.fixture
async def district(tmp_path: Path, db_backend: str) -> AsyncIterator[District]:
    found, made = await make_district(tmp_path, db_backend)
    yield found
    for url in made:
        await databases.drop(url)


async def _record(district: District) -> None:
    """甲镇 handles 4 cases well (10 a year earlier), 乙镇 4 late, 丙镇 only 1."""
    for key, count, well, last_year in (("alpha", 4, True, 10), ("beta", 4, False, 2),
                                         ("gamma", 1, True, 0)):  # fmt: skip
        async with Database(district.town(key).settings.database) as db:
            town = await Town(db).load()
            if well:
                await town.handled_well("SQ-01-01", local(2026, 11, 10, 9), count)
            else:
                for _ in range(count):
                    await town.complaint("SQ-01-01", local(2026, 11, 10, 9))  # never accepted
            if last_year:
                await town.many("SQ-01-01", local(2025, 11, 12, 9), last_year, "sanitation")


async def test_each_town_is_read_from_its_own_database_and_ranked(district: District) -> None:
    await _record(district)
    async with Database(district.town("beta").settings.database) as own:
        books = TownBooks(district, "beta", own)
        report = await district_report(books, NOVEMBER, AS_OF)
        assert books.opened == ["alpha", "gamma"]  # its own town's database is the bot's
        await books.close()
        assert books.opened == []
    assert [(r.stats.name, r.rank) for r in report.ranked] == [("甲镇", 1), ("乙镇", 2)]
    assert [r.stats.name for r in report.short] == ["丙镇"]
    assert report.ranked[0].score == 100.0
    assert {k: (c.current, c.previous) for k, c in report.changes.items()} == {
        "alpha": (4, 10),
        "beta": (4, 2),
        "gamma": (1, 0),
    }
    # The district's figures for a town are its own bulletin's.
    for key in ("alpha", "beta"):
        async with Database(district.town(key).settings.database) as db:
            town = await build_report(db, NOVEMBER, AS_OF, BulletinConfig(tz=TZ))
        assert (town.total.current, town.total.previous) == (
            report.changes[key].current,
            report.changes[key].previous,
        )


async def test_a_town_whose_database_cannot_be_opened_is_named_not_counted(
    tmp_path: Path, db_backend: str
) -> None:
    district, made = await make_district(tmp_path, db_backend, towns=2)
    try:
        if db_backend == "postgres":
            base = made[0]
            import asyncpg  # type: ignore[import-untyped]

            conn = await asyncpg.connect(base)
            await conn.execute("DROP SCHEMA beta CASCADE")
            await conn.close()
        else:
            os.replace(district.town("beta").settings.database, tmp_path / "elsewhere.db")
            os.mkdir(district.town("beta").settings.database)  # not a database file
        async with Database(district.town("alpha").settings.database) as own:
            books = TownBooks(district, "alpha", own)
            report = await district_report(books, NOVEMBER, AS_OF)
            await books.close()
        assert report.unread == ["乙镇"]
        assert [r.stats.name for r in report.short] == ["甲镇"]
    finally:
        for url in made:
            await databases.drop(url)
