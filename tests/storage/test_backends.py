"""The two backends: the same migrations give the same schema on SQLite and PostgreSQL, and
the translator says SQLite's dialect in PostgreSQL's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import outbox
from storage import sql as dialect
from storage.db import Database, is_postgres
from tests.support import databases

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SQLITE_SCHEMA = {
    "tables": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    "views": "SELECT name FROM sqlite_master WHERE type = 'view'",
    "indexes": "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    "triggers": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
}
POSTGRES_SCHEMA = {
    "tables": """SELECT table_name FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                   AND table_name <> 'minhu_schema'""",
    "views": """SELECT table_name FROM information_schema.views
                WHERE table_schema = current_schema()""",
    # The indexes made by CREATE INDEX (not those behind a key or a UNIQUE column).
    "indexes": """SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
                  AND indexname NOT IN (SELECT conname FROM pg_constraint)""",
    "triggers": """SELECT DISTINCT trigger_name FROM information_schema.triggers
                   WHERE trigger_schema = current_schema()""",
}


async def _schema(db: Database, queries: dict[str, str]) -> dict[str, set[str]]:
    return {kind: {r[0] for r in await db.fetchall(sql)} for kind, sql in queries.items()}


async def _columns(db: Database, tables: set[str]) -> dict[str, list[str]]:
    found = {}
    for table in sorted(tables):
        if db.backend == "sqlite":
            rows = await db.fetchall(f"PRAGMA table_info({table})")
            found[table] = [r["name"] for r in rows]
        else:
            rows = await db.fetchall(
                """SELECT column_name FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = ?
                   ORDER BY ordinal_position""",
                (table,),
            )
            found[table] = [r[0] for r in rows]
    return found


async def test_the_same_migrations_give_the_same_schema_on_both(tmp_path: Path) -> None:
    url = await databases.fresh_postgres("empty")
    try:
        async with Database(tmp_path / "lite.db") as lite, Database(url) as pg:
            assert lite.backend == "sqlite" and pg.backend == "postgres"
            mine, theirs = await _schema(lite, SQLITE_SCHEMA), await _schema(pg, POSTGRES_SCHEMA)
            assert len(mine["tables"]) > 60
            assert mine == theirs
            assert await _columns(lite, mine["tables"]) == await _columns(pg, theirs["tables"])
            assert await lite.schema_version() == await pg.schema_version()
            # every INTEGER is 64-bit and every REAL a double, as on SQLite
            narrow = await pg.fetchall(
                """SELECT table_name, column_name, data_type FROM information_schema.columns
                   WHERE table_schema = current_schema()
                     AND data_type IN ('integer', 'real', 'smallint')
                     AND table_name IN (SELECT table_name FROM information_schema.tables
                                        WHERE table_schema = current_schema()
                                          AND table_type = 'BASE TABLE')
                     AND table_name <> 'minhu_schema'"""
            )
            assert [tuple(r) for r in narrow] == []
    finally:
        await databases.drop(url)


def test_an_address_picks_the_backend() -> None:
    assert is_postgres("postgresql://u:p@db:5432/town")
    assert is_postgres("postgresql:///town")
    assert not is_postgres("minhu.db") and not is_postgres(Path("/var/lib/minhu.db"))
    assert dialect.redact("postgresql://u:secret@db:5432/town") == "postgresql://u:***@db:5432/town"


def test_the_translator_speaks_postgresql() -> None:
    ids = frozenset({"zones"})
    insert = dialect.translate("INSERT OR IGNORE INTO zones (code, name) VALUES (?, ?)", ids)
    assert insert.text == (
        "INSERT INTO zones (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id"
    )
    assert insert.added_returning and not insert.sets_ids
    given = dialect.translate("INSERT INTO zones (id, code) VALUES (?, '?')", ids)
    assert given.text.startswith("INSERT INTO zones (id, code) VALUES ($1, '?')")
    assert given.sets_ids  # the identity moves on after rows given their own ids
    select = dialect.translate(
        "SELECT IFNULL(a, 0) FROM t WHERE json_extract(context, '$.number') = ?2 AND b = ?1", ids
    )
    assert select.text == (
        "SELECT COALESCE(a, 0) FROM t WHERE (context::jsonb ->> 'number') = $2 AND b = $1"
    )
    assert select.returns_rows and not select.writes
    update = dialect.translate(
        "UPDATE outbox SET context = json_replace(context, '$.name', '', '$.by', CAST(?1 AS TEXT))",
        ids,
    )
    assert update.text == (
        "UPDATE outbox SET context = (context::jsonb || jsonb_build_object("
        "'name', '', 'by', CAST($1 AS TEXT)))::text"
    )
    claim = dialect.translate(
        "UPDATE outbox SET a = 1 WHERE id IN (SELECT id FROM outbox LIMIT ? /* skip locked */)"
        " AND b = 2",
        ids,
    )
    assert claim.text == (
        "UPDATE outbox SET a = 1 WHERE id = ANY(ARRAY(SELECT id FROM outbox LIMIT $1"
        " FOR UPDATE SKIP LOCKED)) AND b = 2"
    )
    with pytest.raises(ValueError, match="INSERT OR REPLACE"):
        dialect.translate("INSERT OR REPLACE INTO zones (code) VALUES (?)", ids)


def test_migration_types_are_translated() -> None:
    ddl = dialect.translate_ddl(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, x REAL, b BLOB, k TEXT) WITHOUT ROWID"
    )
    assert ddl == (
        "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT,"
        " x DOUBLE PRECISION, b BYTEA, k TEXT)"
    )


async def test_two_processes_claiming_the_outbox_at_once_never_take_the_same_row(
    new_database: Callable[..., Awaitable[str | Path]],
) -> None:
    """Two Database objects on one database (as two workers): every row goes to one of them."""
    address = await new_database("claims.db")
    async with Database(address) as one, Database(address) as two:
        async with one.transaction() as conn:
            for n in range(60):
                await outbox.enqueue(
                    conn,
                    chat_id=1000 + n,
                    kind="notice",
                    template="t",
                    context={},
                    due_at=NOW,
                    dedupe_key=f"k{n}",
                    now=NOW,
                )
        claims = await asyncio.gather(
            outbox.claim(one, NOW, limit=25),
            outbox.claim(two, NOW, limit=25),
            outbox.claim(one, NOW, limit=25),
            outbox.claim(two, NOW, limit=25),
        )
        ids = [item.id for claim in claims for item in claim]
        assert len(ids) == len(set(ids)) == 60
