"""The two backends tests run on: a SQLite file, or a fresh PostgreSQL database per test.

PostgreSQL databases are cloned from templates made once a session (`CREATE DATABASE …
TEMPLATE`): one migrated and empty, one with the demo town. The server is
`MINHU_TEST_POSTGRES_URL` (default the local socket); without one the postgres half is skipped
with one reason, and under `CI=true` it fails.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

SERVER = os.environ.get("MINHU_TEST_POSTGRES_URL", "postgresql:///postgres")
BACKENDS = ("sqlite", "postgres")


_templates: dict[str, str] = {}
_unreachable: str | None = None  # why not ('' once it answered)
_made: list[str] = []
_session = uuid.uuid4().hex[:8]


def url_of(name: str) -> str:
    """The server's address with another database name."""
    parts = urlsplit(SERVER)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"


async def admin(sql: str) -> None:
    """Run one statement on the server's maintenance database (CREATE/DROP DATABASE …)."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def server_missing() -> str | None:
    """Why no PostgreSQL work can run (None when the server answers): one line."""
    try:
        await admin("SELECT 1")
    except Exception as exc:  # any refusal: no server for this run
        return f"no PostgreSQL server at {SERVER} ({type(exc).__name__})"
    return None


async def require_server() -> None:
    """Skip (or fail under CI=true) when no PostgreSQL server answers: one reason, one line."""
    global _unreachable
    if _unreachable is None:
        try:
            await admin("SELECT 1")
            _unreachable = ""
        except Exception as exc:  # any refusal: no server for this run
            _unreachable = f"no PostgreSQL server at {SERVER} ({type(exc).__name__})"
    if _unreachable:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{_unreachable}: the postgres half must run under CI=true")
        pytest.skip(f"postgres half skipped: {_unreachable}")


async def _template(kind: str) -> str:
    """The name of the session's template database of this kind (made on first use)."""
    from storage.db import Database
    from storage.seed import seed_demo

    name = _templates.get(kind)
    if name is None:
        name = f"minhu_tpl_{kind}_{_session}"
        await admin(f"CREATE DATABASE {name}")
        _made.append(name)
        async with Database(url_of(name)) as db:
            if kind == "seeded":
                await seed_demo(db)
        await admin(f"ALTER DATABASE {name} WITH is_template = true")
        _templates[kind] = name
    return name


async def fresh_postgres(kind: str = "empty") -> str:
    """The URL of a new database: migrated and empty, or with the demo town."""
    await require_server()
    template = await _template(kind)
    name = f"minhu_t_{uuid.uuid4().hex[:12]}"
    await admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    _made.append(name)
    return url_of(name)


async def drop(url: str) -> None:
    """Drop a test database (its connections closed by force)."""
    name = urlsplit(url).path.lstrip("/")
    await admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if name in _made:
        _made.remove(name)


async def drop_all() -> None:
    """Drop what this session made (templates last)."""
    for name in list(reversed(_made)):
        if name.startswith("minhu_tpl_"):
            await admin(f"ALTER DATABASE {name} WITH is_template = false")
        await admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _made.clear()
    _templates.clear()


class _Rows(list[Any]):
    """What a sqlite3 cursor answers, for the rows already read."""

    def fetchall(self) -> list[Any]:
        return list(self)

    def fetchone(self) -> Any:
        return self[0] if self else None


class Raw:
    """A plain connection to a test's database, either backend, for tests that set rows up or
    read them behind the application's back (as another program would); on PostgreSQL each
    statement is its own transaction, run on a thread of its own."""

    def __init__(self, address: str | Path) -> None:
        self.address = address
        self._lite: sqlite3.Connection | None = None
        if not str(address).startswith("postgresql://"):
            self._lite = sqlite3.connect(address)

    def __enter__(self) -> Raw:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lite is not None:
            if exc[0] is None:
                self._lite.commit()
            self._lite.close()

    def _run(self, sql: str, rows: Sequence[Sequence[Any]], many: bool) -> _Rows:
        from storage.db import Database

        async def run() -> _Rows:
            async with Database(self.address) as db, db.transaction() as conn:
                if many:
                    await conn.executemany(sql, rows)
                    return _Rows()
                cur = await conn.execute(sql, rows[0])
                return _Rows(tuple(r) for r in await cur.fetchall())

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, run()).result()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Rows:
        if self._lite is not None:
            return _Rows(self._lite.execute(sql, params).fetchall())
        return self._run(sql, [params], many=False)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if self._lite is not None:
            self._lite.executemany(sql, rows)
            return
        self._run(sql, rows, many=True)


def raw_connection(address: str | Path) -> Raw:
    """`with raw_connection(bot.db_path) as raw: raw.execute(sql, params).fetchall()`."""
    return Raw(address)
