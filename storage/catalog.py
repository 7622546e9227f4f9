"""What tables and columns a database has, on either backend (for `minhu db copy`, exports and
tests that walk the whole schema)."""

from __future__ import annotations

from storage.db import Database

_TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    " ORDER BY rowid",
    "postgres": """SELECT c.relname FROM pg_class c
                   WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
                     AND c.relname <> 'minhu_schema' ORDER BY c.oid""",
}
_TYPED = {
    "sqlite": "SELECT name, type FROM pragma_table_info(?) ORDER BY cid",
    "postgres": """SELECT column_name, data_type FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = ?
                   ORDER BY ordinal_position""",
}
_KEYS = {
    "sqlite": 'SELECT "from", "table" FROM pragma_foreign_key_list(?)',
    "postgres": """SELECT a.attname, f.relname FROM pg_constraint k
                   JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)
                   WHERE k.contype = 'f' AND t.relname = ?
                     AND t.relnamespace = current_schema()::regnamespace""",
}
INTEGER_TYPES = frozenset({"integer", "bigint"})


async def tables(db: Database) -> list[str]:
    """Every table of ours, in the order it was made."""
    return [r[0] for r in await db.fetchall(_TABLES[db.backend])]


async def columns(db: Database, table: str) -> list[str]:
    """A table's columns, in order."""
    return [name for name, _ in await typed_columns(db, table)]


async def references(db: Database, table: str) -> set[str]:
    """The tables a table's foreign keys point to."""
    return set((await column_references(db, table)).values())


async def typed_columns(db: Database, table: str) -> list[tuple[str, str]]:
    """A table's columns with their declared types (lower case: `integer` on SQLite is
    `bigint` on PostgreSQL; both are in `INTEGER_TYPES`), in order."""
    return [(r[0], str(r[1]).lower()) for r in await db.fetchall(_TYPED[db.backend], (table,))]


async def column_references(db: Database, table: str) -> dict[str, str]:
    """Each foreign-key column of a table and the table it points to."""
    return {r[0]: r[1] for r in await db.fetchall(_KEYS[db.backend], (table,))}
