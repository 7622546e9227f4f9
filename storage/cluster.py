"""What processes sharing one PostgreSQL database say to each other: who leads (an advisory
lock, held by a connection of its own and freed by the server when that connection dies) and
wake-ups (LISTEN/NOTIFY: an update stored, an outbox row to send)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from storage.db import Database, StorageError
from storage.sql import redact

LEADER_LOCK = 0x6D696E68_6C656164  # "minh" "lead": not the migration lock
INBOUND = "minhu_inbound"  # an update was stored
OUTBOX = "minhu_outbox"  # a worker committed outbox rows: the leader sends them


class Session:
    """One dedicated connection of this process: leadership, and the channels it listens to."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None

    async def open(self) -> Session:
        import asyncpg

        try:
            self._conn = await asyncpg.connect(self.url)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"cannot connect to {redact(self.url)}: {exc}") from exc
        return self

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
        self._conn = None

    @property
    def conn(self) -> Any:
        if self._conn is None:
            raise StorageError("session is not open")
        return self._conn

    async def try_lead(self, key: int = LEADER_LOCK) -> bool:
        """Take the leader's lock if it is free (held until this connection closes)."""
        return bool(await self.conn.fetchval("SELECT pg_try_advisory_lock($1)", key))

    async def alive(self) -> bool:
        """Whether the connection still answers (a leader that cannot ask is no leader)."""
        import asyncpg

        if self._conn is None or self._conn.is_closed():
            return False
        try:
            await asyncio.wait_for(self._conn.fetchval("SELECT 1"), timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False
        return True

    async def listen(self, channel: str, heard: Callable[[], None]) -> None:
        """Call `heard()` on each notification on `channel`."""
        await self.conn.add_listener(channel, lambda *_: heard())


async def notify(db: Database, channel: str) -> None:
    """Wake the processes listening on `channel` (after a commit)."""
    await db.fetchval("SELECT pg_notify(?, '')", (channel,))
