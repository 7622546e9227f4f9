"""One SQLite database: a writer connection behind a lock, and readers (WAL).

`Database(address)` is this file's class for a file path and `storage.postgres`'s for a
`postgresql://` URL (the same surface; asyncpg is imported only then).

Each trip to a connection's thread and back costs far more than a small query itself (a
thread wake-up each way, ~0.1 ms of CPU), so a small read runs on the event loop's own thread
and a bigger one is one trip to a reader thread: run, fetch and close together.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from storage.codec import to_iso

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
READERS = 3
# A trip to a reader thread and back costs ~0.1 ms of CPU, ten times a lookup by key; so a
# read first runs on the event loop's thread, for at most this many SQLite steps (well under a
# millisecond; a lookup takes a few hundred). Past them, or locked out, it goes to a thread.
INLINE_STEPS = 20_000
HAND_OVER = {sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
Fetch = Callable[[sqlite3.Cursor], Any]


# Write transactions committed in the running task's context (and in the tasks it starts once
# counting began). Each update runs in its own task, so a value an update read stays true
# until this count moves: see `committed_here`.
_commits: ContextVar[list[int]] = ContextVar("minhu_commits")


def committed_here() -> int:
    """How many write transactions the running task has committed since it first asked."""
    found = _commits.get(None)
    if found is None:
        found = [0]
        _commits.set(found)
    return found[0]


def count_commit() -> None:
    """A write committed outside `transaction` (PostgreSQL: one statement is its own)."""
    counted = _commits.get(None)
    if counted is not None:
        counted[0] += 1


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


PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
    # Deleted rows are overwritten with zeros, so an erased person cannot be read back from
    # the file's free space (see `checkpoint` for the write-ahead log).
    "PRAGMA secure_delete = ON",
)


def _reader(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in (*PRAGMAS, "PRAGMA query_only = ON"):
        conn.execute(pragma)
    return conn


def _query(conn: sqlite3.Connection, fetch: Fetch, sql: str, params: Any) -> Any:
    """Run a query to its end and close its cursor, so no read transaction lingers: every
    read sees everything committed before it started."""
    cursor = conn.execute(sql, params)
    try:
        return fetch(cursor)
    finally:
        cursor.close()


class _Readers:
    """Read-only connections. A small read runs at once on the event loop's thread; one that
    outgrows `INLINE_STEPS` (or meets a lock) is stopped there and run again on a reader
    thread, where a free thread takes the next query, so a long one holds up no other."""

    def __init__(self, path: str, threads: int) -> None:
        self._path = path
        self._here = _reader(path)
        self._here.execute("PRAGMA busy_timeout = 0")  # never wait on the loop's thread
        self._here.set_progress_handler(lambda: 1, INLINE_STEPS)  # 1: stop the query
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="minhu-reader")
        self._local = threading.local()
        self._opened = [self._here]
        self._opening = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on its first query)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _reader(self._path)
            with self._opening:
                self._opened.append(conn)
        return conn

    async def run(self, fetch: Fetch, sql: str, params: Any) -> Any:
        """Run one query; `fetch` takes its rows before the cursor closes."""
        try:
            found = _query(self._here, fetch, sql, params)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in HAND_OVER:
                raise
        else:
            await asyncio.sleep(0)  # still a moment for the others, as every await of a read was
            return found
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, lambda: _query(self._connection(), fetch, sql, params)
        )

    def close(self) -> None:
        """Wait for the queries under way, then close every connection."""
        self._pool.shutdown(wait=True)
        with self._opening:
            for conn in self._opened:
                conn.close()
            self._opened.clear()


def is_postgres(address: str | Path) -> bool:
    """Whether the address names a PostgreSQL server rather than a SQLite file."""
    return str(address).startswith(("postgresql://", "postgres://"))


class Database:
    """The database: `transaction()` for writes, `fetch*` for reads."""

    backend = "sqlite"

    def __new__(cls, path: str | Path) -> Database:
        if cls is Database and is_postgres(path):
            from storage.postgres import PostgresDatabase

            return super().__new__(PostgresDatabase)
        return super().__new__(cls)

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._readers: _Readers | None = None
        self._lock = asyncio.Lock()

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    async def open(self, *, migrate: bool = True) -> Database:
        """Open the writer and the readers, switch to WAL and apply pending migrations
        (idempotent)."""
        if self._writer is not None:
            return self
        self._writer = await aiosqlite.connect(self.path, isolation_level=None)
        self._writer.row_factory = sqlite3.Row
        await self._writer.execute("PRAGMA journal_mode = WAL")
        for pragma in PRAGMAS:
            await self._writer.execute(pragma)
        if migrate:
            await self.upgrade()
        self._readers = _Readers(self.path, READERS)
        return self

    async def close(self) -> None:
        """Close every connection."""
        if self._readers is not None:
            await asyncio.to_thread(self._readers.close)
        if self._writer is not None:
            await self._writer.close()
        self._readers, self._writer = None, None

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise StorageError("database is not open")
        return self._writer

    async def _read(self, fetch: Fetch, sql: str, params: Any) -> Any:
        if self._readers is None:
            raise StorageError("database is not open")
        return await self._readers.run(fetch, sql, params)

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
                counted = _commits.get(None)
                if counted is not None:
                    counted[0] += 1

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """Run a read query and return its first row."""
        row: sqlite3.Row | None = await self._read(sqlite3.Cursor.fetchone, sql, params)
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Run a read query and return all rows."""
        rows: list[sqlite3.Row] = await self._read(sqlite3.Cursor.fetchall, sql, params)
        return rows

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
