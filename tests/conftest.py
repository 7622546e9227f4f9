"""Shared fixtures: a fresh database (a SQLite file, or a PostgreSQL database: every test
asking for one runs on both backends) and the bot driven in-process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from storage.db import Database
from storage.seed import seed_demo
from tests.support import databases
from tests.support.browser import find_chromium
from tests.support.harness import Harness, User

ADMIN_ID = 900001
Address = str | Path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test that uses a database runs once per backend (but those about the SQLite file
    itself, marked `sqlite_only`)."""
    if "db_backend" in metafunc.fixturenames:
        if metafunc.definition.get_closest_marker("sqlite_only") is not None:
            metafunc.parametrize("db_backend", ["sqlite"])
        else:
            metafunc.parametrize("db_backend", list(databases.BACKENDS))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if databases._made:
        asyncio.run(databases.drop_all())


@pytest.fixture
async def new_database(
    tmp_path: Path, db_backend: str
) -> AsyncIterator[Callable[[str], Awaitable[Address]]]:
    """Make a new empty database: a file named so in tmp_path, or a PostgreSQL database."""
    made: list[str] = []

    async def make(name: str = "minhu.db") -> Address:
        if db_backend == "sqlite":
            return tmp_path / name
        url = await databases.fresh_postgres("empty")
        made.append(url)
        return url

    yield make
    for url in made:
        await databases.drop(url)


@pytest.fixture
async def seeded_db(tmp_path: Path, db_backend: str) -> AsyncIterator[Address]:
    """A database with the demo town loaded (a file path, or a postgresql:// URL)."""
    if db_backend == "postgres":
        url = await databases.fresh_postgres("seeded")
        yield url
        await databases.drop(url)
        return
    path = tmp_path / "minhu.db"
    async with Database(path) as db:
        await seed_demo(db)
    yield path


@pytest.fixture
async def bot(seeded_db: Address) -> AsyncIterator[Harness]:
    """The application over the demo town, with one configured admin."""
    harness = await Harness(seeded_db, admin_ids=frozenset({ADMIN_ID})).start()
    yield harness
    if harness.app is not None:
        await harness.stop()


@pytest.fixture
def resident() -> User:
    return User(100001, "王阿姨")


@pytest.fixture
def english_resident() -> User:
    return User(100002, "Alice", language_code="en")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, checked to launch (a skip locally, a failure under CI=true)."""
    return find_chromium()
