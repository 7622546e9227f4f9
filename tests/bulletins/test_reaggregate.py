"""The pre-aggregates are rebuilt from the raw rows: by migrations 0009 and 0011 over a town that
already has its history, and by `minhu db reaggregate` after anything went wrong."""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from storage import aggregates
from storage.db import Database, latest_version
from tests.support.aggregates import Stream, sums_of

# Old SQLite files rolled back and migrated again, and the command run on the file.
pytestmark = pytest.mark.sqlite_only("rolls a SQLite file's schema back (PRAGMA user_version)")

MIGRATION = "0009_bulletin_aggregates.sql"
SATISFACTION = ("satisfaction", "redo_count")  # the columns 0011 adds to complaints
FIGURES_OF_0009 = 18  # the key and the figures of complaint_sums before 0011


def _since(first: str) -> list[str]:
    """The migration files from `first` on, the latest first (the order to undo them)."""
    names = [p.name for p in resources.files("storage.migrations").iterdir()]
    return sorted((n for n in names if n.endswith(".sql") and n >= first), reverse=True)


def _drop_columns_added_after_0011(conn: sqlite3.Connection) -> None:
    """Undo what later migrations make (objects they create, columns they add), so that rolling
    the schema back and opening the database runs them again."""
    for migration in _since("0012"):
        sql = resources.files("storage.migrations").joinpath(migration).read_text("utf-8")
        made = re.findall(r"^CREATE (TRIGGER|VIEW|INDEX|TABLE) (\w+)", sql, re.MULTILINE)
        for kind in ("TRIGGER", "VIEW", "INDEX", "TABLE"):
            for _, name in (m for m in made if m[0] == kind):
                conn.execute(f"DROP {kind} IF EXISTS {name}")
        for table, column in re.findall(r"^ALTER TABLE (\w+) ADD COLUMN (\w+)", sql, re.MULTILINE):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


async def _town_with_history(path: Path) -> list[tuple[object, ...]]:
    async with Database(path) as db:
        # No case filed by proxy: rolling the schema back drops 0017's table with its rows.
        await Stream(db, random.Random(14), proxies=False).run(80)
        return await sums_of(db)


async def test_the_migration_sums_the_complaints_already_there(seeded_db: Path) -> None:
    expected = await _town_with_history(seeded_db)
    assert expected
    # Back to schema 8: every object migration 0009 and the later ones create is dropped (the
    # answers of satisfaction too: 0011 reads them again from the stars and the history), the
    # history stays; opening the database applies them again.
    with sqlite3.connect(seeded_db) as conn:
        for migration in _since(MIGRATION):
            sql = resources.files("storage.migrations").joinpath(migration).read_text("utf-8")
            made = re.findall(r"^CREATE (TRIGGER|VIEW|INDEX|TABLE) (\w+)", sql, re.MULTILINE)
            for kind in ("TRIGGER", "VIEW", "INDEX", "TABLE"):
                for _, name in (m for m in made if m[0] == kind):
                    conn.execute(f"DROP {kind} IF EXISTS {name}")
        for column in SATISFACTION:
            conn.execute(f"ALTER TABLE complaints DROP COLUMN {column}")
        _drop_columns_added_after_0011(conn)
        conn.execute("PRAGMA user_version = 8")
    async with Database(seeded_db) as db:
        assert await db.schema_version() == latest_version()
        summed = await sums_of(db)
        assert [r[:FIGURES_OF_0009] for r in summed] == [r[:FIGURES_OF_0009] for r in expected]
        await aggregates.reaggregate(db)
        assert await sums_of(db) == summed  # 0011's figures: what a rebuild makes


async def test_0011_reads_the_answers_given_before_it(seeded_db: Path) -> None:
    """Stars of a confirmed close become 满意 (4–5) or 基本满意 (3); each "not fixed" after 办结
    in the history counts as a send-back for 重办."""
    with sqlite3.connect(seeded_db) as conn:
        grid, category = (
            conn.execute("SELECT MIN(id) FROM grids").fetchone()[0],
            conn.execute("SELECT MIN(id) FROM categories").fetchone()[0],
        )
        for n, (status, reason, rating) in enumerate(
            [("closed", "confirmed", 5), ("closed", "confirmed", 3), ("closed", "confirmed", 2),
             ("closed", "no_reply", None), ("accepted", None, None)]
        ):  # fmt: skip
            conn.execute(
                """INSERT INTO complaints (number, category_id, grid_id, description, status,
                       close_reason, rating, created_at, updated_at)
                   VALUES (?, ?, ?, '路灯坏了', ?, ?, ?, '2026-03-01T00:00:00+00:00',
                           '2026-03-01T00:00:00+00:00')""",
                (f"MH-2026-9{n:04d}", category, grid, status, reason, rating),
            )
        last = conn.execute("SELECT MAX(id) FROM complaints").fetchone()[0]
        for _ in range(2):
            conn.execute(
                """INSERT INTO complaint_events (complaint_id, at, kind, from_status, to_status)
                   VALUES (?, '2026-03-02T00:00:00+00:00', 'reopened', 'resolved', 'reopened')""",
                (last,),
            )
        conn.execute("DROP TRIGGER complaint_sum_change")
        for view in ("complaint_facts", "complaint_fact"):
            conn.execute(f"DROP VIEW {view}")
        for column in SATISFACTION:
            conn.execute(f"ALTER TABLE complaints DROP COLUMN {column}")
        for column in ("sat_judged", "satisfied", "basic", "redone", "ever_resolved"):
            conn.execute(f"ALTER TABLE complaint_sums DROP COLUMN {column}")
        # What the later migrations made goes first: 0017 (代办) makes the views and the trigger
        # again, which would drop those of 0009 made below.
        _drop_columns_added_after_0011(conn)
        # Schema 10's views and trigger again, as 0009 made them (0010 is grid places).
        sql = resources.files("storage.migrations").joinpath(MIGRATION).read_text("utf-8")
        for pattern in (
            r"^CREATE VIEW complaint_fact AS.*?;$",
            r"^CREATE VIEW complaint_facts.*?;$",
            r"^CREATE TRIGGER complaint_sum_change .*?^END;$",
        ):
            found = re.search(pattern, sql, re.MULTILINE | re.DOTALL)
            assert found is not None
            conn.execute(found.group(0))
        conn.execute("PRAGMA user_version = 10")  # 0011 runs again
    async with Database(seeded_db) as db:
        rows = await db.fetchall(
            "SELECT satisfaction, redo_count FROM complaints WHERE number LIKE 'MH-2026-9%' "
            "ORDER BY number"
        )
        assert [tuple(r) for r in rows] == [
            ("satisfied", 0),
            ("basic", 0),
            (None, 0),
            (None, 0),
            (None, 2),
        ]


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
