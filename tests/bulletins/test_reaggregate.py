"""The pre-aggregates are rebuilt from the raw rows: by migration 0009 over a town that already
has its history, and by `minhu db reaggregate` after anything went wrong."""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import subprocess
import sys
from importlib import resources
from pathlib import Path

from storage.db import Database, latest_version
from tests.support.aggregates import Stream, sums_of

MIGRATION = "0009_bulletin_aggregates.sql"


def _since(first: str) -> list[str]:
    """The migration files from `first` on, the latest first (the order to undo them)."""
    names = [p.name for p in resources.files("storage.migrations").iterdir()]
    return sorted((n for n in names if n.endswith(".sql") and n >= first), reverse=True)


async def _town_with_history(path: Path) -> list[tuple[object, ...]]:
    async with Database(path) as db:
        await Stream(db, random.Random(14)).run(80)
        return await sums_of(db)


async def test_the_migration_sums_the_complaints_already_there(seeded_db: Path) -> None:
    expected = await _town_with_history(seeded_db)
    assert expected
    # Back to schema 8: every object migration 0009 and the later ones create is dropped, the
    # history stays; opening the database applies them again.
    with sqlite3.connect(seeded_db) as conn:
        for migration in _since(MIGRATION):
            sql = resources.files("storage.migrations").joinpath(migration).read_text("utf-8")
            made = re.findall(r"^CREATE (TRIGGER|VIEW|INDEX|TABLE) (\w+)", sql, re.MULTILINE)
            for kind in ("TRIGGER", "VIEW", "INDEX", "TABLE"):
                for _, name in (m for m in made if m[0] == kind):
                    conn.execute(f"DROP {kind} {name}")
        conn.execute("PRAGMA user_version = 8")
    async with Database(seeded_db) as db:
        assert await db.schema_version() == latest_version()
        assert await sums_of(db) == expected


async def test_minhu_db_reaggregate_rebuilds_sums_that_went_wrong(seeded_db: Path) -> None:
    expected = await _town_with_history(seeded_db)
    with sqlite3.connect(seeded_db) as conn:
        conn.execute("UPDATE complaint_sums SET received = received + 1 WHERE span = 'd'")
        conn.execute("DELETE FROM complaint_sums WHERE span = 'm' AND origin = 0")
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "db", "reaggregate"],
        cwd=seeded_db.parent,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MINHU_DATABASE": str(seeded_db)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "pre-aggregates rebuilt" in done.stdout
    async with Database(seeded_db) as db:
        assert await sums_of(db) == expected
