"""One PostgreSQL database (`MINHU_DATABASE=postgresql://…`) with the SQLite `Database`'s
surface: `transaction()` yields a connection whose `execute` answers like aiosqlite's (a
cursor with `rowcount`, `lastrowid`, `fetchone`, `fetchall`), `fetch*` read.

Storage modules write SQLite's dialect once; `sql.translate` turns each distinct statement
into PostgreSQL's (cached by its text) and `sql.migration_statements` does the same for the
migrations, with the triggers and views that cannot be translated taken from
`storage/migrations/postgres/`. asyncpg is imported only here, so the SQLite default needs
nothing of it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Generator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from storage import sql as dialect
from storage.db import Database, MigrationError, StorageError, _commits, _migration_files

log = logging.getLogger(__name__)

POOL_SIZE = 5
# Several processes may start at once: one applies the migrations, the others wait on this.
MIGRATION_LOCK = 0x6D696E6875  # "minhu"
_STATUS_COUNT = re.compile(r"(\d+)$")


class Cursor:
    """What an aiosqlite cursor answers, after the statement ran."""

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Any]:
        return list(self._rows)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Running:
    """`await conn.execute(…)` and `async with conn.execute(…) as cur`, as aiosqlite allows."""

    def __init__(self, run: Awaitable[Cursor]) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._run.__await__()

    async def __aenter__(self) -> Cursor:
        return await self._run

    async def __aexit__(self, *exc: object) -> None:
        return None


def _value(value: Any) -> Any:
    """SQLite takes a bool for an integer; asyncpg wants the int."""
    if value is True or value is False:
        return int(value)
    return value


_TEXT = {"text", "varchar", "bpchar", "name"}
_INTEGER = {"int2", "int4", "int8"}


def _convert(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in _TEXT and not isinstance(value, str):
        return str(value)
    if kind in _INTEGER and isinstance(value, str):
        return int(value)
    if kind in {"float4", "float8", "numeric"} and isinstance(value, int | str):
        return float(value)
    return value


class Connection:
    """The connection of one transaction, speaking the storage modules' SQLite dialect."""

    def __init__(self, raw: Any, database: PostgresDatabase) -> None:
        self.raw = raw
        self._db = database

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Running:
        return _Running(self._execute(sql, params))

    async def _execute(self, sql: str, params: Sequence[Any]) -> Cursor:
        try:
            return await self._run(sql, params)
        except asyncpg.PostgresError as exc:
            exc.add_note(f"in: {' '.join(sql.split())[:400]}")
            raise

    async def _run(self, sql: str, params: Sequence[Any]) -> Cursor:
        stmt = self._db.statement(sql)
        args = await self._db.arguments(self.raw, stmt.text, stmt.bind(params))
        if stmt.returns_rows:
            rows = await self.raw.fetch(stmt.text, *args)
            if stmt.added_returning:
                last = rows[-1][0] if rows else None
                return Cursor([], len(rows), last)
            return Cursor(rows, len(rows) if stmt.writes else -1, None)
        status = await self.raw.execute(stmt.text, *args)
        found = _STATUS_COUNT.search(status or "")
        if stmt.sets_ids:
            await self._db.reset_identity(self.raw, stmt.table)
        return Cursor([], int(found.group(1)) if found else -1, None)

    async def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> Cursor:
        stmt = self._db.statement(sql, many=True)
        rows = [await self._db.arguments(self.raw, stmt.text, stmt.bind(p)) for p in seq]
        if rows:
            await self.raw.executemany(stmt.text, rows)
            if stmt.sets_ids:
                await self._db.reset_identity(self.raw, stmt.table)
        return Cursor([], len(rows), None)


class PostgresDatabase(Database):
    """The database on a PostgreSQL server: `transaction()` for writes, `fetch*` for reads.
    `Database(url)` makes one; it shares the SQLite class's surface, none of its state."""

    backend = "postgres"

    def __init__(self, url: str | Path) -> None:
        self.path = str(url)
        try:  # one town of several: its own schema (`?search_path=<key>`), made on first open
            self.schema = dialect.schema_of(self.path)
        except ValueError as exc:
            raise StorageError(f"{dialect.redact(self.path)}: {exc}") from None
        self._pool: Any = None
        self._lock = asyncio.Lock()
        self._id_tables: frozenset[str] = frozenset()
        self._statements: dict[tuple[str, bool], dialect.Statement] = {}
        self._types: dict[str, tuple[str, ...]] = {}

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def open(self, *, migrate: bool = True) -> PostgresDatabase:
        """Connect and apply pending migrations (idempotent)."""
        if self._pool is not None:
            return self
        try:
            self._pool = await asyncpg.create_pool(
                self.path,
                min_size=1,
                max_size=POOL_SIZE,
                statement_cache_size=2000,
                reset=_keep_session,
            )
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"cannot connect to {dialect.redact(self.path)}: {exc}") from exc
        if migrate:
            await self.upgrade()
        await self._learn_tables()
        return self

    async def close(self) -> None:
        """Close every connection."""
        if self._pool is not None:
            await self._pool.close()
        self._pool = None

    async def __aenter__(self) -> PostgresDatabase:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def pool(self) -> Any:
        if self._pool is None:
            raise StorageError("database is not open")
        return self._pool

    async def arguments(self, conn: Any, text: str, params: Sequence[Any]) -> list[Any]:
        """The parameters as the statement's types want them. SQLite converts a number for a
        text column and a numeric text for an integer one (type affinity); asyncpg refuses
        them, so a statement's parameter types are asked once and values converted the same
        way."""
        args = [_value(v) for v in params]
        types = self._types.get(text)
        if types is None:
            statement = await conn.prepare(text)
            types = self._types[text] = tuple(t.name for t in statement.get_parameters())
        return [_convert(v, t) for v, t in zip(args, types, strict=False)]

    def statement(self, sql: str, *, many: bool = False) -> dialect.Statement:
        """The PostgreSQL form of one of the storage modules' statements (cached)."""
        key = (sql, many)
        found = self._statements.get(key)
        if found is None:
            found = self._statements[key] = dialect.translate(sql, self._id_tables, many=many)
        return found

    async def _learn_tables(self) -> None:
        rows = await self.pool.fetch(
            """SELECT table_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND column_name = 'id'
                 AND is_identity = 'YES'"""
        )
        self._id_tables = frozenset(r[0] for r in rows)
        self._statements.clear()

    async def reset_identity(self, conn: Any, table: str | None) -> None:
        """After rows given their own ids, the next generated id comes after the largest."""
        if table is None:
            return
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        )

    async def reset_identities(self, conn: Any) -> None:
        """Every identity sequence after its table's largest id (after a copy or a rebuild)."""
        rows = await conn.fetch(
            """SELECT table_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND column_name = 'id'
                 AND is_identity = 'YES'"""
        )
        for row in rows:
            await self.reset_identity(conn, row[0])

    async def schema_version(self) -> int:
        """The version recorded in the minhu_schema table (0 before the first migration)."""
        async with self.pool.acquire() as conn:
            return await _version(conn)

    async def upgrade(self) -> list[str]:
        """Apply every migration newer than the database's version; return the names applied.
        A town's schema is made first if missing (its version table is its own)."""
        applied = []
        async with self._lock, self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            if self.schema is not None:  # every connection's search_path names it
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            await conn.execute("CREATE TABLE IF NOT EXISTS minhu_schema (version INTEGER NOT NULL)")
            for statement in dialect.prelude():
                await conn.execute(statement)
            current = await _version(conn)
            for version, name, sql in _migration_files():
                if version <= current:
                    continue
                try:
                    async with conn.transaction():
                        for statement in dialect.migration_statements(name, sql):
                            await conn.execute(statement)
                        await self.reset_identities(conn)
                        await conn.execute("DELETE FROM minhu_schema")
                        await conn.execute(
                            "INSERT INTO minhu_schema (version) VALUES ($1)", version
                        )
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"migration {name} failed: {exc}") from exc
                log.info("applied migration %s", name)
                applied.append(name)
        return applied

    @asynccontextmanager  # its connection answers as aiosqlite's does
    async def transaction(self) -> AsyncIterator[Connection]:  # type: ignore[override]
        """One write transaction; commits on success, rolls back on error. Writes of this
        process queue behind one another as they do on SQLite; rows that several processes
        compete for are locked by the statements that claim them."""
        async with self._lock, self.pool.acquire() as raw:
            async with raw.transaction():
                yield Connection(raw, self)
            counted = _commits.get(None)
            if counted is not None:
                counted[0] += 1

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run a read query and return its first row."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run a read query and return all rows."""
        stmt = self.statement(sql)
        async with self.pool.acquire() as conn:
            try:
                args = await self.arguments(conn, stmt.text, stmt.bind(params))
                rows: list[Any] = await conn.fetch(stmt.text, *args)
            except asyncpg.PostgresError as exc:
                exc.add_note(f"in: {' '.join(sql.split())[:400]}")
                raise
            return rows

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run a read query and return the first column of its first row."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def checkpoint(self) -> bool:
        """Nothing to do: the server keeps its own write-ahead log."""
        return True

    async def backup(self, target: str | Path) -> None:
        """A copy is `minhu db copy` (or pg_dump) on PostgreSQL."""
        raise StorageError("use `minhu db copy` or pg_dump to back up a PostgreSQL database")

    def __repr__(self) -> str:
        return f"PostgresDatabase({dialect.redact(self.path)!r})"


async def _keep_session(conn: Any) -> None:
    """A connection back in the pool: asyncpg has rolled back any open transaction already;
    its default reset would also send `RESET ALL; UNLISTEN *; CLOSE ALL` and unlock advisory
    locks, a round trip on every release for session state this pool never sets (LISTEN and
    the leader's lock live on a connection of their own, storage/cluster.py)."""
    return None


async def _version(conn: Any) -> int:
    exists = await conn.fetchval("SELECT to_regclass('minhu_schema') IS NOT NULL")
    if not exists:
        return 0
    found = await conn.fetchval("SELECT MAX(version) FROM minhu_schema")
    return int(found or 0)
