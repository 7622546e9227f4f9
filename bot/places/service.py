"""Where a report goes (属地): the grid whose boundary contains its location, or whose place
names its typed address names; None when neither says (then the resident is asked).

The boundaries and names are read from SQLite once and kept per database; every lookup
reads one counter (`storage.places.version`, moved by every import) and reloads when it
moved, so `minhu import-grids` run beside a live bot takes effect at the next report.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.places import geojson, overlaps
from bot.places.geometry import GridIndex, Polygon, Shape
from bot.places.matching import PlaceNames
from storage import places
from storage.csv_import import ImportError_
from storage.db import Database


@dataclass(frozen=True)
class _Loaded:
    version: int
    index: GridIndex
    names: PlaceNames
    outlines: dict[int, Sequence[Polygon]]  # grid id -> its polygons (for /nearby)


_cache: weakref.WeakKeyDictionary[Database, _Loaded] = weakref.WeakKeyDictionary()


async def _loaded(db: Database) -> _Loaded:
    version = await places.version(db)
    found = _cache.get(db)
    if found is None or found.version != version:
        shapes = [Shape(b.grid_id, b.polygons, b.bbox) for b in await places.boundaries(db)]
        outlines = {s.grid_id: s.polygons for s in shapes}
        found = _Loaded(version, GridIndex(shapes), PlaceNames(await places.names(db)), outlines)
        _cache[db] = found
    return found


async def grid_at(db: Database, latitude: float, longitude: float) -> int | None:
    """The grid whose boundary contains the point, or None."""
    return (await _loaded(db)).index.locate(latitude, longitude)


async def boundaries_of(db: Database) -> dict[int, Sequence[Polygon]]:
    """Every grid's boundary by grid id (grids without one are absent)."""
    return (await _loaded(db)).outlines


async def grid_named(db: Database, address: str) -> int | None:
    """The one grid the typed address names, or None."""
    return (await _loaded(db)).names.match(address)


async def import_file(db: Database, path: Path, now: datetime) -> int:
    """Import a GeoJSON file of grid boundaries and place names, all or nothing (raises
    storage.csv_import.ImportError_ listing the problems); returns how many grids."""
    shapes = geojson.parse(await asyncio.to_thread(path.read_bytes))
    codes = await places.grid_codes(db)
    problems = [
        (shape.line, f"unknown grid {shape.code!r} (import the town first)")
        for shape in shapes
        if shape.code not in codes
    ]
    if problems:
        raise ImportError_(problems)
    if found := await _overlapping(db, shapes, codes):
        raise ImportError_(found)
    return await places.save(db, shapes, now)


async def _overlapping(
    db: Database, shapes: list[places.GridShape], codes: dict[str, int]
) -> list[tuple[int, str]]:
    """The file's boundaries against each other and against the grids it leaves as they
    are: (feature number, which grids overlap and where)."""
    drawn = {shape.code: shape for shape in shapes if shape.polygons}
    code_of = {grid_id: code for code, grid_id in codes.items()}
    kept = [
        overlaps.Outline(code_of[b.grid_id], b.polygons)
        for b in await places.boundaries(db)
        if code_of.get(b.grid_id) not in drawn
    ]
    outlines = [overlaps.Outline(s.code, s.polygons) for s in drawn.values()] + kept
    line = {code: shape.line for code, shape in drawn.items()}
    return [
        (
            max(line.get(o.first, 0), line.get(o.second, 0)),
            f"grids {o.first!r} and {o.second!r} overlap near latitude {o.near[1]:.6f},"
            f" longitude {o.near[0]:.6f} (a report there could go to either)",
        )
        for o in overlaps.find(outlines)
    ]
