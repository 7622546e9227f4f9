"""Shared fixtures: a fresh database file and the bot driven in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from storage.seed import seed_demo
from tests.support.browser import find_chromium
from tests.support.harness import Harness, User

ADMIN_ID = 900001


@pytest.fixture
async def seeded_db(tmp_path: Path) -> AsyncIterator[Path]:
    """A database file with the demo town loaded."""
    path = tmp_path / "minhu.db"
    async with Database(path) as db:
        await seed_demo(db)
    yield path


@pytest.fixture
async def bot(seeded_db: Path) -> AsyncIterator[Harness]:
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
