"""Routing benchmark (属地): a located report among 500 grid polygons, target ≤ 5 ms.

A synthetic town of `grids` grids is imported the way a real one is — the town from CSV
(storage.csv_import), the boundaries and place names from GeoJSON (bot.places.service,
`minhu import-grids`) — into a fresh SQLite file. The boundaries tile a rectangle around
埭溪镇 as a lattice of cells whose inner corners are nudged and whose sides are cut into
`sides` points each (every polygon has 4 × `sides` vertices; neighbours share their edges).

Timed, each `repeats` times over `lookups` random points (a fixed seed), per lookup:
- located: `service.grid_at(db, lat, lng)` — what a report with a location runs: one read of
  the places counter, then the bounding boxes and the rings of the grids whose box holds it;
- index: the same lookup in the in-memory index alone (no SQLite);
- address: `service.grid_named(db, text)` against every grid's place names (reported, no
  target: an address is typed by a person, and ~1 ms either way is no one's wait);
- load: reading every boundary and building the index (once after each import).
Figures are the median of the repeats (min–max), in ms; the verdict is the located median.
Run by hand: `python -m tests.bench.routing [--grids 500] [--repeats 7]` prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.places import service
from bot.places.geometry import GridIndex, Shape
from storage import places
from storage.csv_import import import_csv
from storage.db import Database

TARGET_MS = 5.0
WEST, SOUTH, CELL = 119.80, 30.45, 0.006  # about 600 m a cell
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def lattice(grids: int) -> tuple[int, int]:
    """Columns and rows of the smallest near-square lattice with `grids` cells."""
    columns = math.ceil(math.sqrt(grids))
    return columns, math.ceil(grids / columns)


def _corner(c: int, r: int, columns: int, rows: int) -> tuple[float, float]:
    lng, lat = WEST + c * CELL, SOUTH + r * CELL
    if 0 < c < columns and 0 < r < rows:
        lng += CELL / 5 * math.sin(c * 2.3 + r * 1.1)
        lat += CELL / 5 * math.cos(c * 1.7 + r * 2.9)
    return lng, lat


def cell_ring(c: int, r: int, columns: int, rows: int, sides: int) -> list[list[float]]:
    """The ring of cell (c, r): its four nudged corners, each side cut into `sides` points."""
    corners = [(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)]
    ring: list[list[float]] = []
    for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
        (x0, y0), (x1, y1) = _corner(*a, columns, rows), _corner(*b, columns, rows)
        ring += [
            [round(x0 + (x1 - x0) * k / sides, 7), round(y0 + (y1 - y0) * k / sides, 7)]
            for k in range(sides)
        ]
    return ring


def town(grids: int, sides: int) -> tuple[str, dict[str, Any]]:
    """The town's CSV and its boundaries' GeoJSON (three place names a grid)."""
    columns, rows = lattice(grids)
    lines = ["kind,code,name,parent,user_id,role", "zone,Z,合成片区,,,", "community,C,合成社区,Z,,"]
    features = []
    for n in range(grids):
        c, r = n % columns, n // columns
        code = f"G{n:04d}"
        lines.append(f"grid,{code},合成网格{n:04d},C,,")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "places": {
                        "小区": [f"第{n:04d}号小区"],
                        "道路": [f"合成{n:04d}路"],
                        "地标": [f"合成{n:04d}号公园"],
                    },
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [cell_ring(c, r, columns, rows, sides)],
                },
            }
        )
    return "\n".join(lines) + "\n", {"type": "FeatureCollection", "features": features}


def _spread(samples: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(samples), 4),
        "min_ms": round(min(samples), 4),
        "max_ms": round(max(samples), 4),
    }


async def measure(
    grids: int = 500, *, repeats: int = 7, lookups: int = 200, sides: int = 10
) -> dict[str, Any]:
    """Import the synthetic town into a fresh database and time the lookups."""
    rng = random.Random(15)
    columns, rows = lattice(grids)
    points = [
        (SOUTH + rng.random() * rows * CELL, WEST + rng.random() * columns * CELL)
        for _ in range(lookups)
    ]
    addresses = [f"第{rng.randrange(grids):04d}号小区{rng.randrange(1, 30)}幢" for _ in points]
    csv_text, geojson = town(grids, sides)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "town.csv").write_text(csv_text, encoding="utf-8")
        (folder / "grids.geojson").write_text(json.dumps(geojson), encoding="utf-8")
        async with Database(folder / "routing.db") as db:
            await import_csv(db, folder / "town.csv", NOW)
            await service.import_file(db, folder / "grids.geojson", NOW)
            loads, located, index_only, named = [], [], [], []
            found = 0
            for _ in range(repeats):
                start = time.perf_counter()
                boundaries = await places.boundaries(db)
                index = GridIndex([Shape(b.grid_id, b.polygons, b.bbox) for b in boundaries])
                loads.append((time.perf_counter() - start) * 1000)
                await service.grid_at(db, *points[0])  # the cache is warm, as in a running bot
                start = time.perf_counter()
                for lat, lng in points:
                    found += await service.grid_at(db, lat, lng) is not None
                located.append((time.perf_counter() - start) * 1000 / lookups)
                start = time.perf_counter()
                for lat, lng in points:
                    index.locate(lat, lng)
                index_only.append((time.perf_counter() - start) * 1000 / lookups)
                start = time.perf_counter()
                for text in addresses:
                    await service.grid_named(db, text)
                named.append((time.perf_counter() - start) * 1000 / lookups)
    result = {
        "grids": grids,
        "vertices_per_grid": 4 * sides,
        "repeats": repeats,
        "lookups": lookups,
        "found_share": round(found / (repeats * lookups), 3),
        "located": _spread(located),
        "index": _spread(index_only),
        "address": _spread(named),
        "load": _spread(loads),
    }
    met = result["located"]["median_ms"] <= TARGET_MS and result["found_share"] > 0.95
    result["verdict"] = {"located_met": met}
    return result


def run(grids: int = 500, *, repeats: int = 7, lookups: int = 200) -> dict[str, Any]:
    """`measure` in its own event loop (for the bench's command)."""
    return asyncio.run(measure(grids, repeats=repeats, lookups=lookups))


def render(result: dict[str, Any]) -> str:
    """The rows and the verdict."""
    out = [
        "",
        f"Routing (属地): {result['grids']} grid polygons of {result['vertices_per_grid']} "
        f"vertices, {result['lookups']} lookups × {result['repeats']} repeats, per lookup, "
        "median (min–max)",
    ]
    for key, label in (
        ("located", "a located report (grid_at, SQLite counter included)"),
        ("index", "the in-memory index alone"),
        ("address", "a typed address (fuzzy place names)"),
        ("load", "loading every boundary (once per import)"),
    ):
        s = result[key]
        out.append(f"  {label:<54}{s['median_ms']:>9.3f} ms ({s['min_ms']:.3f}–{s['max_ms']:.3f})")
    met = result["verdict"]["located_met"]
    out.append(f"  target: a located report ≤ {TARGET_MS:g} ms: {'met' if met else 'not met'}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args()
    result = run(args.grids, repeats=args.repeats, lookups=args.lookups)
    print(render(result))
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
