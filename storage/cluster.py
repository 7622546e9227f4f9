"""What processes sharing one PostgreSQL database say to each other: who leads (an advisory
lock, held by a connection of its own and freed by the server when that connection dies) and
wake-ups (LISTEN/NOTIFY: an update stored, an outbox row to send).

Several towns share one database, a schema each (`?search_path=<key>`): each town has its own
leader (a lock keyed by its schema) and its own channels (NOTIFY reaches the whole database,
so a channel's name carries the schema)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

from storage.db import Database, StorageError
from storage.sql import redact, schema_of

LEADER_LOCK = 0x6D696E68_6C656164  # "minh" "lead": not the migration lock
INBOUND = "minhu_inbound"  # an update was stored
OUTBOX = "minhu_outbox"  # a worker committed outbox rows: the leader sends them
CLAIMERS = 0x5C  # the outbox claimers' locks' first key (the submissions' is 0x5B)


def leader_lock(url: str) -> int:
    """The leader's lock of the town at this address (the deployment's without a schema)."""
    schema = schema_of(url)
    if schema is None:
        return LEADER_LOCK
    digest = hashlib.sha256(f"minhu-lead:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def channel(name: str, url: str) -> str:
    """A channel's name for the town at this address (NOTIFY is heard database-wide)."""
    schema = schema_of(url)
    return name if schema is None else f"{name}_{schema}"


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

    async def try_lead(self, key: int | None = None) -> bool:
        """Take the leader's lock (this town's) if it is free (held until this connection
        closes)."""
        lock = leader_lock(self.url) if key is None else key
        return bool(await self.conn.fetchval("SELECT pg_try_advisory_lock($1)", lock))

    async def hold_claimer(self, claimer: str) -> None:
        """Hold the lock that says the outbox claimer `claimer` lives (this process): freed by
        the server when this connection dies, and then its rows are put back at once."""
        await self.conn.execute("SELECT pg_advisory_lock($1, hashtext($2))", CLAIMERS, claimer)

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

    async def listen(self, name: str, heard: Callable[[], None]) -> None:
        """Call `heard()` on each notification on `name` (this town's channel of that name)."""
        await self.conn.add_listener(channel(name, self.url), lambda *_: heard())


async def notify(db: Database, name: str) -> None:
    """Wake the processes listening on `name` in this town (after a commit)."""
    await db.fetchval("SELECT pg_notify(?, '')", (channel(name, db.path),))
