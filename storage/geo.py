"""Geography (zones, communities, grids), departments and categories."""

from __future__ import annotations

import sqlite3

from storage.codec import record
from storage.db import Database
from storage.models import Category, Community, Department, Grid, Zone

_GRID_SQL = """
SELECT g.id, g.community_id, g.code, g.name, c.name AS community_name,
       z.id AS zone_id, z.name AS zone_name
FROM grids g JOIN communities c ON c.id = g.community_id JOIN zones z ON z.id = c.zone_id
"""


def _grid(row: sqlite3.Row) -> Grid:
    return record(Grid, row)


def _category(row: sqlite3.Row) -> Category:
    return record(Category, row)


async def zones(db: Database) -> list[Zone]:
    """All zones in order."""
    rows = await db.fetchall("SELECT id, code, name FROM zones ORDER BY id")
    return [Zone(r["id"], r["code"], r["name"]) for r in rows]


async def zone(db: Database, zone_id: int) -> Zone | None:
    """One zone by id."""
    r = await db.fetchone("SELECT id, code, name FROM zones WHERE id = ?", (zone_id,))
    return Zone(r["id"], r["code"], r["name"]) if r else None


async def communities(db: Database, zone_id: int) -> list[Community]:
    """The communities of a zone."""
    rows = await db.fetchall(
        "SELECT id, zone_id, code, name FROM communities WHERE zone_id = ? ORDER BY id",
        (zone_id,),
    )
    return [Community(r["id"], r["zone_id"], r["code"], r["name"]) for r in rows]


async def community(db: Database, community_id: int) -> Community | None:
    """One community by id."""
    r = await db.fetchone(
        "SELECT id, zone_id, code, name FROM communities WHERE id = ?", (community_id,)
    )
    return Community(r["id"], r["zone_id"], r["code"], r["name"]) if r else None


async def grids(db: Database, community_id: int) -> list[Grid]:
    """The grids of a community."""
    rows = await db.fetchall(_GRID_SQL + " WHERE g.community_id = ? ORDER BY g.id", (community_id,))
    return [_grid(r) for r in rows]


async def grid(db: Database, grid_id: int) -> Grid | None:
    """One grid with its community and zone names."""
    r = await db.fetchone(_GRID_SQL + " WHERE g.id = ?", (grid_id,))
    return _grid(r) if r else None


async def find_by_code(db: Database, code: str) -> tuple[str, int] | None:
    """Resolve a deep-link code to ('zone', id), ('community', id) or ('grid', id)."""
    for kind, table in (("grid", "grids"), ("community", "communities"), ("zone", "zones")):
        r = await db.fetchone(f"SELECT id FROM {table} WHERE code = ?", (code,))
        if r:
            return kind, int(r["id"])
    return None


async def departments(db: Database) -> list[Department]:
    """All departments."""
    rows = await db.fetchall("SELECT id, code, name FROM departments ORDER BY id")
    return [Department(r["id"], r["code"], r["name"]) for r in rows]


async def categories(db: Database, *, active_only: bool = True) -> list[Category]:
    """Complaint categories in display order (only active ones unless asked: a bulletin
    counts past cases of a category retired since)."""
    rows = await db.fetchall(
        "SELECT * FROM categories WHERE active = 1 OR ? = 0 ORDER BY sort, id", (int(active_only),)
    )
    return [_category(r) for r in rows]


async def category(db: Database, category_id: int, *, active_only: bool = True) -> Category | None:
    """One category by id (only an active one unless asked)."""
    r = await db.fetchone(
        "SELECT * FROM categories WHERE id = ? AND (active = 1 OR ? = 0)",
        (category_id, int(active_only)),
    )
    return _category(r) if r else None


async def grid_id_by_code(db: Database, code: str) -> int | None:
    """The id of the grid with this code."""
    found = await db.fetchval("SELECT id FROM grids WHERE code = ?", (code,))
    return None if found is None else int(found)


async def department_id_by_code(db: Database, code: str) -> int | None:
    """The id of the department with this code."""
    found = await db.fetchval("SELECT id FROM departments WHERE code = ?", (code,))
    return None if found is None else int(found)


async def department_name(db: Database, department_id: int) -> str | None:
    """A department's name."""
    found = await db.fetchval("SELECT name FROM departments WHERE id = ?", (department_id,))
    return None if found is None else str(found)
