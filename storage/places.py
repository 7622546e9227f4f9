"""Grid boundaries and place names (属地 routing): what `minhu import-grids` and the demo town
write, and what routing reads. Polygons are JSON text in GeoJSON's [longitude, latitude]
order; a counter ('places:version') moves on every write, so a running bot knows to reload
them (`bot.places.service`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import to_iso
from storage.db import Database

VERSION = "places:version"
PLACE_KINDS = ("estate", "building", "road", "landmark")

Ring = list[list[float]]  # [[lng, lat], ...], closed or not
Polygon = list[Ring]  # outer ring, then holes


@dataclass(frozen=True)
class GridShape:
    """One grid's boundary (possibly none) and its place names, as imported."""

    code: str
    polygons: list[Polygon]
    places: tuple[tuple[str, str], ...] = ()  # (kind, name)
    line: int = 0  # the feature's number in its file, for error messages


@dataclass(frozen=True)
class Boundary:
    grid_id: int
    polygons: list[Polygon]
    bbox: tuple[float, float, float, float]  # min_lat, min_lng, max_lat, max_lng


def bbox_of(polygons: list[Polygon]) -> tuple[float, float, float, float]:
    """The bounding box (min_lat, min_lng, max_lat, max_lng) of the outer rings."""
    points = [p for polygon in polygons for p in polygon[0]]
    lngs, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lats), min(lngs), max(lats), max(lngs)


async def version(db: Database) -> int:
    """Moves on every write of boundaries or place names (0 before the first)."""
    found = await db.fetchval("SELECT value FROM counters WHERE name = ?", (VERSION,))
    return int(found or 0)


async def boundaries(db: Database) -> list[Boundary]:
    """Every grid's boundary."""
    rows = await db.fetchall(
        "SELECT grid_id, polygons, min_lat, min_lng, max_lat, max_lng FROM grid_boundaries"
        " ORDER BY grid_id"
    )
    return [
        Boundary(
            int(r["grid_id"]),
            json.loads(r["polygons"]),
            (r["min_lat"], r["min_lng"], r["max_lat"], r["max_lng"]),
        )
        for r in rows
    ]


async def names(db: Database) -> list[tuple[int, str]]:
    """(grid id, name) of every place name, and every grid's own name."""
    rows = await db.fetchall(
        "SELECT grid_id, name FROM grid_places UNION SELECT id, name FROM grids ORDER BY 1, 2"
    )
    return [(int(r[0]), str(r[1])) for r in rows]


async def place_names(db: Database, grid_id: int) -> list[tuple[str, str]]:
    """A grid's (kind, name) place names."""
    rows = await db.fetchall(
        "SELECT kind, name FROM grid_places WHERE grid_id = ? ORDER BY kind, name", (grid_id,)
    )
    return [(str(r[0]), str(r[1])) for r in rows]


async def write(conn: aiosqlite.Connection, grid_id: int, shape: GridShape, now: datetime) -> None:
    """Replace one grid's boundary (when the shape has one) and place names, inside the
    caller's transaction."""
    if shape.polygons:
        min_lat, min_lng, max_lat, max_lng = bbox_of(shape.polygons)
        await conn.execute(
            """INSERT INTO grid_boundaries
                 (grid_id, polygons, min_lat, min_lng, max_lat, max_lng, imported_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(grid_id) DO UPDATE SET polygons = excluded.polygons,
                 min_lat = excluded.min_lat, min_lng = excluded.min_lng,
                 max_lat = excluded.max_lat, max_lng = excluded.max_lng,
                 imported_at = excluded.imported_at""",
            (
                grid_id,
                json.dumps(shape.polygons, separators=(",", ":")),
                min_lat,
                min_lng,
                max_lat,
                max_lng,
                to_iso(now),
            ),
        )
    await conn.execute("DELETE FROM grid_places WHERE grid_id = ?", (grid_id,))
    await conn.executemany(
        "INSERT OR IGNORE INTO grid_places (grid_id, kind, name) VALUES (?, ?, ?)",
        [(grid_id, kind, name) for kind, name in shape.places],
    )
    await conn.execute(
        "INSERT INTO counters (name, value) VALUES (?, 1)"
        " ON CONFLICT(name) DO UPDATE SET value = counters.value + 1",
        (VERSION,),
    )


async def grid_codes(db: Database) -> dict[str, int]:
    """Every grid's id by its code."""
    return {str(r["code"]): int(r["id"]) for r in await db.fetchall("SELECT id, code FROM grids")}


async def save(db: Database, shapes: list[GridShape], now: datetime) -> int:
    """Write every shape in one transaction (their grid codes exist: the caller checked);
    returns how many grids were written."""
    codes = await grid_codes(db)
    async with db.transaction() as conn:
        for shape in shapes:
            await write(conn, codes[shape.code], shape, now)
    return len(shapes)


async def save_demo(conn: aiosqlite.Connection, shapes: list[GridShape], now: datetime) -> None:
    """The demo town's shapes, inside the seed's transaction: only grids that have no
    boundary yet (so a re-seed keeps an imported one)."""
    for shape in shapes:
        async with conn.execute(
            "SELECT g.id FROM grids g LEFT JOIN grid_boundaries b ON b.grid_id = g.id"
            " WHERE g.code = ? AND b.grid_id IS NULL",
            (shape.code,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None:
            await write(conn, int(row[0]), shape, now)
