"""`minhu db copy SOURCE --town KEY`: a town that outgrew its own file joins the district — its
rows go into that town's database of MINHU_TOWNS (its schema of the deployment's PostgreSQL
database, or its file `minhu-<key>.db`), no other town's touched."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.db import Database
from storage.seed import seed_demo
from tests.core.test_cli_towns import minhu
from tests.support import databases


async def _town_file(path: Path) -> int:
    """The demo town in its own SQLite file; its number of grids."""
    async with Database(path) as db:
        await seed_demo(db)
        return int(await db.fetchval("SELECT COUNT(*) FROM grids"))


async def _count(address: str | Path, sql: str) -> int:
    async with Database(address) as db:
        return int(await db.fetchval(sql))


async def test_a_towns_file_goes_into_its_schema_of_the_district(tmp_path: Path) -> None:
    grids = await _town_file(tmp_path / "zhili-old.db")
    assert grids > 0
    url = await databases.fresh_postgres("empty")
    try:
        done = await asyncio.to_thread(
            minhu, tmp_path, "db", "copy", "zhili-old.db", "--town", "zhili", database=url
        )
        assert done.returncode == 0, done.stderr
        zhili = f"{url}?search_path=zhili"
        assert await _count(zhili, "SELECT COUNT(*) FROM grids") == grids
        assert await _count(url, "SELECT COUNT(*) FROM grids") == 0  # the deployment's own
        schemas = await _count(
            url, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'nanxun'"
        )
        assert schemas == 0  # no other town made or touched
    finally:
        await databases.drop(url)


async def test_a_towns_file_goes_into_its_file_beside_the_deployments(tmp_path: Path) -> None:
    grids = await _town_file(tmp_path / "zhili-old.db")
    done = await asyncio.to_thread(minhu, tmp_path, "db", "copy", "zhili-old.db", "--town", "zhili")
    assert done.returncode == 0, done.stderr
    assert await _count(tmp_path / "minhu-zhili.db", "SELECT COUNT(*) FROM grids") == grids
    assert not (tmp_path / "minhu-nanxun.db").exists() and not (tmp_path / "minhu.db").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["a.db", "b.db", "--town", "zhili"], "give the target or --town, not both"),
        (["a.db"], "MINHU_TOWNS has 2 towns: name one with --town (zhili, nanxun)"),
    ],
)
def test_a_copy_names_its_target_once(tmp_path: Path, args: list[str], says: str) -> None:
    done = minhu(tmp_path, "db", "copy", *args)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"minhu: configuration error: {says}"]
    assert not list(tmp_path.glob("*.db"))
