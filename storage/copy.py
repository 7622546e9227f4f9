"""`minhu db copy FROM TO`: every row of one database into another (SQLite ⇄ PostgreSQL), for
a town that has grown out of its file.

Both are opened (so both are migrated to the same version); the target's rows are replaced
table by table, parents before children, in one transaction of the target, with its
triggers held off (the copied rows already carry what the triggers derive, such as the
bulletins' sums); the identity counters then continue after the largest id copied.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storage import catalog
from storage.db import Database, StorageError

BATCH = 5000


async def _in_order(db: Database) -> list[str]:
    """The tables, each after those its foreign keys point to."""
    tables = await catalog.tables(db)
    parents = {t: (await catalog.references(db, t)) - {t} for t in tables}
    ordered: list[str] = []
    placed: set[str] = set()
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in placed and parents[t] <= placed]
        if not ready:
            raise StorageError(f"foreign keys in a cycle among {sorted(set(tables) - placed)}")
        ordered.extend(ready)
        placed.update(ready)
    return ordered


def _batches(rows: list[Any]) -> Iterable[list[Any]]:
    for at in range(0, len(rows), BATCH):
        yield rows[at : at + BATCH]


async def copy(source: Database, target: Database) -> dict[str, int]:
    """Replace the target's rows with the source's; return the rows copied per table."""
    if await source.schema_version() != await target.schema_version():
        raise StorageError("the two databases are at different schema versions")
    order = await _in_order(source)
    if set(order) != set(await catalog.tables(target)):
        raise StorageError("the two databases do not have the same tables")
    counts: dict[str, int] = {}
    async with target.transaction() as conn:
        if target.backend == "postgres":
            for table in order:
                await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            triggers: list[str] = []
        else:
            await conn.execute("PRAGMA defer_foreign_keys = ON")
            cur = await conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid"
            )
            found = await cur.fetchall()
            triggers = [r[1] for r in found]
            for row in found:
                await conn.execute(f"DROP TRIGGER {row[0]}")
        for table in reversed(order):
            await conn.execute(f"DELETE FROM {table}")
        for table in order:
            columns = await catalog.columns(source, table)
            if columns != await catalog.columns(target, table):
                raise StorageError(f"table {table} has other columns in the target")
            names = ", ".join(columns)
            rows = await source.fetchall(f"SELECT {names} FROM {table}")
            insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            for batch in _batches(rows):
                await conn.executemany(insert, [tuple(r) for r in batch])
            counts[table] = len(rows)
        if target.backend == "postgres":
            for table in order:
                await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            await target.reset_identities(conn.raw)  # type: ignore[attr-defined]
        else:
            for sql in triggers:
                await conn.execute(sql)
    return counts


async def copy_between(source: str, target: str) -> str:
    """Open both addresses, copy, and say what was done (`minhu db copy`)."""
    from storage.sql import redact

    async with Database(source) as src, Database(target) as dest:
        counts = await copy(src, dest)
    return f"copied {sum(counts.values())} rows in {len(counts)} tables to {redact(target)}"


async def table_rows(db: Database, table: str) -> list[tuple[Any, ...]]:
    """A table's rows in a stable order (every column), to compare two databases."""
    columns = await catalog.columns(db, table)
    names = ", ".join(columns)
    rows = await db.fetchall(f"SELECT {names} FROM {table}")
    return sorted((tuple(r) for r in rows), key=lambda r: [(v is None, repr(v)) for v in r])
