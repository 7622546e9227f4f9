"""Every town's database, as one town's bot reads them for the district.

Each town keeps its own data (a schema, or a file: bot/core/towns.py). A district admin may
ask any town's bot for the district's figures, so that bot opens the other towns' databases
on first use (to read: each town's own bot migrates its database), keeps them open, and closes
them when it stops; its own town's is the bot's own database, never opened twice.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from typing import Any

from bot.core.towns import District
from storage.db import Database, StorageError, latest_version

BOOKS_KEY = "minhu.district_books"  # the application's TownBooks (bot/app.py puts it there)
# The towns whose application runs in this process (`minhu run` with several towns), by their
# database's address: their Services (weakly: a stopped bot is forgotten with it).
_HERE: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()


def runs_here(address: str, services: Any) -> None:
    """This process runs the town at `address`: another town's bot that writes rows into its
    outbox (the district bulletin) kicks its delivery directly."""
    _HERE[address] = services


def running_here(address: str) -> Any | None:
    """The Services of the town at `address` if its application runs in this process."""
    return _HERE.get(address)


class TownBooks:
    """The towns' databases, opened lazily and cached."""

    def __init__(self, district: District, own_key: str, own_db: Database) -> None:
        self.district = district
        self._own_key, self._own_db = own_key, own_db
        self._open: dict[str, Database] = {}
        self._lock = asyncio.Lock()

    async def db(self, key: str) -> Database:
        """The town's database, open (StorageError if it cannot be opened)."""
        if key == self._own_key:
            return self._own_db
        found = self._open.get(key)
        if found is not None:
            return found
        async with self._lock:
            found = self._open.get(key)
            if found is None:
                self._open[key] = found = await self._opened(key)
        return found

    async def _opened(self, key: str) -> Database:
        """Open a town's database to read it; its own bot migrates it, never this one."""
        db = Database(self.district.town(key).settings.database)
        try:
            await db.open(migrate=False)
            version = await db.schema_version()
        except (sqlite3.Error, OSError) as exc:  # PostgreSQL's are StorageErrors
            await db.close()
            raise StorageError(f"town {key}'s database cannot be opened: {exc}") from exc
        if version < latest_version():
            await db.close()
            raise StorageError(f"town {key}'s database is not migrated yet (version {version})")
        return db

    @property
    def opened(self) -> list[str]:
        """The keys of the other towns' databases this bot holds open."""
        return sorted(self._open)

    async def close(self) -> None:
        """Close the other towns' databases (the bot's own is closed with the bot)."""
        opened, self._open = self._open, {}
        for db in opened.values():
            await db.close()


def books_of(bot_data: dict[Any, Any]) -> TownBooks | None:
    """The application's TownBooks; None in a deployment of one town."""
    found = bot_data.get(BOOKS_KEY)
    return found if isinstance(found, TownBooks) else None
