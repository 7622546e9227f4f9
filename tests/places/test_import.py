"""`minhu import-grids`: a GeoJSON file of grid boundaries and place names, all or nothing;
a running bot's routing sees the new boundaries at its next lookup."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.places import service
from bot.places.geojson import parse
from storage.csv_import import ImportError_
from storage.db import Database
from tests.core.test_cli import minhu, query

SQUARE = [[119.80, 30.40], [119.81, 30.40], [119.81, 30.41], [119.80, 30.41], [119.80, 30.40]]


def feature(code: Any, geometry: Any = "square", places: Any = None) -> dict[str, Any]:
    props: dict[str, Any] = {"code": code}
    if places is not None:
        props["places"] = places
    if geometry == "square":
        geometry = {"type": "Polygon", "coordinates": [SQUARE]}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_a_file_replaces_a_grids_boundary_and_names(tmp_path: Path) -> None:
    minhu(tmp_path, "seed-demo")
    path = tmp_path / "grids.geojson"
    path.write_bytes(
        collection(
            feature("SQ-01-01", places={"小区": ["新月小区"], "roads": ["新月路"]}),
            feature("YS-02-01", geometry=None, places=["大冲水库"]),  # names only
        )
    )
    result = minhu(tmp_path, "import-grids", str(path))
    assert result.returncode == 0, result.stderr
    assert "2 grids" in result.stdout
    [(polygons,)] = query(
        tmp_path,
        "SELECT polygons FROM grid_boundaries b JOIN grids g ON g.id = b.grid_id"
        " WHERE g.code = 'SQ-01-01'",
    )
    assert json.loads(str(polygons)) == [[SQUARE[:-1]]]  # the closing position dropped
    assert query(
        tmp_path,
        "SELECT g.code, p.kind, p.name FROM grid_places p JOIN grids g ON g.id = p.grid_id"
        " WHERE g.code IN ('SQ-01-01', 'YS-02-01') ORDER BY 1, 2, 3",
    ) == [
        ("SQ-01-01", "estate", "新月小区"),
        ("SQ-01-01", "road", "新月路"),
        ("YS-02-01", "landmark", "大冲水库"),
    ]


def test_a_bad_file_imports_nothing_and_names_each_feature(tmp_path: Path) -> None:
    minhu(tmp_path, "seed-demo")
    before = query(tmp_path, "SELECT * FROM grid_boundaries ORDER BY grid_id")
    swapped = {"type": "Polygon", "coordinates": [[[p[1], p[0]] for p in SQUARE]]}
    path = tmp_path / "bad.geojson"
    path.write_bytes(
        collection(
            feature("SQ-01-01"),  # good, but the file is refused as a whole
            feature("NOPE-1"),
            feature("SQ-01-02", geometry=swapped),
            feature("SQ-02-01", geometry={"type": "Point", "coordinates": [119.9, 30.5]}),
            feature("SQ-01-01", places={"shops": ["x店"]}),
        )
    )
    result = minhu(tmp_path, "import-grids", str(path))
    assert result.returncode == 1
    assert "feature 3: SQ-01-02: [30.4, 119.8] is off the map" in result.stderr
    assert "feature 4: SQ-02-01: the geometry must be a Polygon or MultiPolygon" in result.stderr
    assert "feature 5: SQ-01-01: unknown kind of place 'shops'" in result.stderr
    assert "nothing was imported" in result.stderr
    assert query(tmp_path, "SELECT * FROM grid_boundaries ORDER BY grid_id") == before
    path.write_bytes(collection(feature("SQ-01-01"), feature("NOPE-1")))
    result = minhu(tmp_path, "import-grids", str(path))
    assert result.returncode == 1 and "feature 2: unknown grid 'NOPE-1'" in result.stderr
    assert query(tmp_path, "SELECT * FROM grid_boundaries ORDER BY grid_id") == before
    path.write_text("{not json", encoding="utf-8")
    assert "file: not JSON" in minhu(tmp_path, "import-grids", str(path)).stderr


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b'{"type": "Feature"}', "expected a GeoJSON FeatureCollection"),
        (collection(), "has no features"),
        (collection(feature(None)), "properties.code"),
        (collection(feature("A", geometry=None)), "neither a boundary nor place names"),
        (
            collection(
                feature("A", {"type": "Polygon", "coordinates": [[[1, 1], [2, 2], [1, 1]]]})
            ),
            "at least three distinct positions",
        ),
        (collection(feature("A"), feature("A")), "grid 'A' appears twice"),
        (collection(feature("A", places={"小区": ["x"]})), "2-64 characters"),
    ],
)
def test_what_the_parser_refuses(raw: bytes, problem: str) -> None:
    with pytest.raises(ImportError_) as refused:
        parse(raw)
    assert problem in str(refused.value)


async def test_a_running_bot_sees_an_import_at_its_next_lookup(
    seeded_db: Path, tmp_path: Path
) -> None:
    async with Database(seeded_db) as db:
        assert await service.grid_at(db, 30.405, 119.805) is None  # outside the town
        path = tmp_path / "more.geojson"
        path.write_bytes(collection(feature("MF-02-01", places=["三合大桥"])))
        assert await service.import_file(db, path, datetime(2026, 11, 30, tzinfo=UTC)) == 1
        grid_id = await db.fetchval("SELECT id FROM grids WHERE code = 'MF-02-01'")
        assert await service.grid_at(db, 30.405, 119.805) == grid_id
        assert await service.grid_named(db, "三合大桥北头") == grid_id
