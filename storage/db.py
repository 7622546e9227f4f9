"""One SQLite database: a writer connection behind a lock and a reader connection (WAL)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from storage.codec import to_iso

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
READERS = 3


class StorageError(Exception):
    """Base class of storage errors."""


class MigrationError(StorageError):
    """A migration file is missing, out of order or failed."""


def _migration_files() -> list[tuple[int, str, str]]:
    """Return (version, name, sql) for every numbered migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        version = int(name.split("_", 1)[0])
        found.append((version, name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migrations must be numbered 1..N without gaps, got {versions}")
    return found


def latest_version() -> int:
    """The schema version the code expects."""
    return len(_migration_files())


async def _configure(conn: aiosqlite.Connection) -> None:
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")
    # Deleted rows are overwritten with zeros, so an erased person cannot be read back from
    # the file's free space (see `checkpoint` for the write-ahead log).
    await conn.execute("PRAGMA secure_delete = ON")


class Database:
    """The database: `transaction()` for writes, `fetch*` for reads."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[tuple[asyncio.Lock, aiosqlite.Connection]] = []
        self._turn = itertools.count()
        self._lock = asyncio.Lock()

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    async def open(self, *, migrate: bool = True) -> Database:
        """Open both connections, switch to WAL and apply pending migrations (idempotent)."""
        if self._writer is not None:
            return self
        self._writer = await aiosqlite.connect(self.path, isolation_level=None)
        self._writer.row_factory = sqlite3.Row
        await self._writer.execute("PRAGMA journal_mode = WAL")
        await _configure(self._writer)
        if migrate:
            await self.upgrade()
        # Each reader serves one query at a time and finishes it, so no read transaction
        # lingers: every read sees everything committed before it started.
        for _ in range(READERS):
            reader = await aiosqlite.connect(self.path, isolation_level=None)
            reader.row_factory = sqlite3.Row
            await _configure(reader)
            await reader.execute("PRAGMA query_only = ON")
            self._readers.append((asyncio.Lock(), reader))
        return self

    async def close(self) -> None:
        """Close both connections."""
        for conn in [*(r for _, r in self._readers), self._writer]:
            if conn is not None:
                await conn.close()
        self._readers, self._writer = [], None

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise StorageError("database is not open")
        return self._writer

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[aiosqlite.Connection]:
        if not self._readers:
            raise StorageError("database is not open")
        lock, conn = self._readers[next(self._turn) % len(self._readers)]
        async with lock:  # FIFO: one query at a time per reader, nobody starves
            yield conn

    async def schema_version(self) -> int:
        """The version recorded in the file (PRAGMA user_version)."""
        async with self.writer.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def upgrade(self) -> list[str]:
        """Apply every migration newer than the file's version; return the names applied."""
        applied = []
        current = await self.schema_version()
        for version, name, sql in _migration_files():
            if version <= current:
                continue
            async with self._lock:
                try:
                    await self.writer.execute("BEGIN IMMEDIATE")
                    for statement in _split_sql(sql):
                        await self.writer.execute(statement)
                    await self.writer.execute(f"PRAGMA user_version = {version}")
                    await self.writer.execute("COMMIT")
                except sqlite3.Error as exc:
                    await self.writer.execute("ROLLBACK")
                    raise MigrationError(f"migration {name} failed: {exc}") from exc
            log.info("applied migration %s", name)
            applied.append(name)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction (BEGIN IMMEDIATE); commits on success, rolls back on error."""
        async with self._lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """Run a read query and return its first row."""
        async with self._reader() as conn, conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Run a read query and return all rows."""
        async with self._reader() as conn, conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run a read query and return the first column of its first row."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def checkpoint(self) -> bool:
        """Copy the write-ahead log into the file and empty it; False if a reader held it."""
        async with self._lock, self.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            row = await cur.fetchone()
        busy = bool(row[0]) if row else True
        if busy:
            log.warning("checkpoint incomplete: a reader held the write-ahead log")
        return not busy

    async def backup(self, target: str | Path) -> None:
        """Write a consistent copy of the live database to `target` (SQLite online backup)."""
        async with self._lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await self.writer.backup(dest)
            finally:
                await dest.close()


def _split_sql(script: str) -> Iterable[str]:
    """Split a migration script into statements (no triggers with inner semicolons)."""
    buffer: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        buffer.append(line)
        if stripped.endswith(";") and sqlite3.complete_statement("\n".join(buffer)):
            yield "\n".join(buffer)
            buffer = []
    if buffer:
        yield "\n".join(buffer)


class GuardedChange(Protocol):
    """`change(conn, id, expected_status=…, now=…, **columns) -> bool` (`guarded_change`)."""

    async def __call__(
        self,
        conn: aiosqlite.Connection,
        row_id: int,
        /,
        *,
        expected_status: str,
        now: datetime,
        **fields: Any,
    ) -> bool: ...


def guarded_change(table: str, allowed: frozenset[str]) -> GuardedChange:
    """The update of some `allowed` columns of a row of `table` (and its updated_at) inside the
    caller's transaction, made only if the row is still in `expected_status` — else someone
    was faster, nothing changes and it returns False."""

    async def change(
        conn: aiosqlite.Connection,
        row_id: int,
        /,
        *,
        expected_status: str,
        now: datetime,
        **fields: Any,
    ) -> bool:
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        values = [to_iso(v) if isinstance(v, datetime) else v for v in fields.values()]
        sets = "".join(f"{name} = ?, " for name in fields)
        cur = await conn.execute(
            f"UPDATE {table} SET {sets}updated_at = ? WHERE id = ? AND status = ?",
            (*values, to_iso(now), row_id, expected_status),
        )
        return cur.rowcount == 1

    return change
