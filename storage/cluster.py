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


class SessionLost(StorageError):
    """The session's connection is gone, and with it every lock it held."""


class Session:
    """One dedicated connection of this process: leadership, its outbox claimer's lock, and
    the channels it listens to. `reopen` makes a new connection after a loss and takes the
    claimer's lock and the channels again (not the leader's lock: a leader that lost it
    stops)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._claimer: str | None = None
        self._listening: list[tuple[str, Callable[..., None]]] = []

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

    async def reopen(self) -> Session:
        """A new connection for a lost one: the claimer's lock and the channels taken again."""
        old, self._conn = self._conn, None
        if old is not None:
            old.terminate()
        await self.open()
        if self._claimer is not None:
            await self.hold_claimer(self._claimer)
        for name, heard in self._listening:
            await self.conn.add_listener(name, heard)
        return self

    def on_lost(self, heard: Callable[[], None]) -> None:
        """Call `heard()` the moment this connection closes (a kill, a cut: not `close`)."""
        conn = self.conn
        conn.add_termination_listener(lambda _: None if self._conn is not conn else heard())

    async def try_lead(self, key: int | None = None) -> bool:
        """Take the leader's lock (this town's) if it is free (held until this connection
        closes). Raises `SessionLost` when the connection is gone."""
        import asyncpg

        lock = leader_lock(self.url) if key is None else key
        try:
            return bool(await self.conn.fetchval("SELECT pg_try_advisory_lock($1)", lock))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise SessionLost(str(exc)) from exc

    async def hold_claimer(self, claimer: str) -> None:
        """Hold the lock that says the outbox claimer `claimer` lives (this process): freed by
        the server when this connection dies, and then its rows are put back at once (the
        process claims nothing until `reopen` took it again: bot/runtime/leadership.py)."""
        await self.conn.execute("SELECT pg_advisory_lock($1, hashtext($2))", CLAIMERS, claimer)
        self._claimer = claimer

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
        await self._listen(channel(name, self.url), lambda *_: heard())

    async def listen_keys(self, name: str, heard: Callable[[str], None]) -> None:
        """Call `heard(payload)` on each notification on `name` (a stored update's: its chat
        key)."""
        await self._listen(channel(name, self.url), lambda _c, _p, _n, payload: heard(payload))

    async def _listen(self, name: str, heard: Callable[..., None]) -> None:
        await self.conn.add_listener(name, heard)
        self._listening.append((name, heard))


async def notify(db: Database, name: str) -> None:
    """Wake the processes listening on `name` in this town (after a commit)."""
    await db.fetchval("SELECT pg_notify(?, '')", (channel(name, db.path),))
