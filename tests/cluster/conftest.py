"""The cluster runs on PostgreSQL only: a fresh, migrated database per test (skipped with one
line without a server, failed under CI=true)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import Database
from tests.support import databases


@pytest.fixture
async def url() -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database (the cluster runs on PostgreSQL only)."""
    address = await databases.fresh_postgres("empty")
    yield address
    await databases.drop(address)


@pytest.fixture
async def db(url: str) -> AsyncIterator[Database]:
    async with Database(url) as opened:
        yield opened
