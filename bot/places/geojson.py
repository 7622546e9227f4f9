"""Read grid boundaries from a GeoJSON FeatureCollection, all or nothing.

Each feature names its grid by code in `properties.code` and has a Polygon or MultiPolygon
geometry ([longitude, latitude], WGS-84 as GeoJSON says) or none (place names only). Place
names are optional: `properties.places` is a list of names (landmarks), or an object of
lists by kind — `estates` / `小区`, `buildings` / `楼栋`, `roads` / `道路`, `landmarks` / `地标`.

Example feature:
    {"type": "Feature",
     "properties": {"code": "SQ-01-01", "places": {"小区": ["东升小区"], "道路": ["上强路"]}},
     "geometry": {"type": "Polygon", "coordinates": [[[119.93, 30.55], [119.94, 30.55],
                                                      [119.94, 30.56], [119.93, 30.55]]]}}
"""

from __future__ import annotations

import json
import math
from typing import Any

from storage.csv_import import ImportError_, decode_text
from storage.places import GridShape, Polygon

KIND_KEYS = {
    "estates": "estate",
    "小区": "estate",
    "buildings": "building",
    "楼栋": "building",
    "roads": "road",
    "道路": "road",
    "landmarks": "landmark",
    "地标": "landmark",
}
MAX_NAME = 64


def parse(raw: bytes) -> list[GridShape]:
    """The file's grids; ImportError_ listing (feature number, problem) when anything is
    wrong (feature numbers count from 1; 0 is the file itself)."""
    try:
        data = json.loads(decode_text(raw))
    except ValueError as exc:
        raise ImportError_([(0, f"not JSON: {exc}")]) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportError_([(0, "expected a GeoJSON FeatureCollection")])
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ImportError_([(0, "the FeatureCollection has no features")])
    problems: list[tuple[int, str]] = []
    shapes: list[GridShape] = []
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        try:
            shape = _feature(feature, number)
        except ValueError as exc:
            problems.append((number, str(exc)))
            continue
        if shape.code in seen:
            problems.append((number, f"grid {shape.code!r} appears twice"))
        seen.add(shape.code)
        shapes.append(shape)
    if problems:
        raise ImportError_(problems)
    return shapes


def _feature(feature: Any, number: int) -> GridShape:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    props = feature.get("properties")
    code = props.get("code") if isinstance(props, dict) else None
    if not isinstance(code, str) or not code.strip():
        raise ValueError("properties.code (the grid's code) is missing")
    code = code.strip()
    geometry = feature.get("geometry")
    polygons = [] if geometry is None else _geometry(geometry, code)
    places = _places(props.get("places") if isinstance(props, dict) else None, code)
    if not polygons and not places:
        raise ValueError(f"{code}: neither a boundary nor place names")
    return GridShape(code, polygons, places, number)


def _geometry(geometry: Any, code: str) -> list[Polygon]:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        return [_polygon(coords, code)]
    if kind == "MultiPolygon" and isinstance(coords, list) and coords:
        return [_polygon(p, code) for p in coords]
    raise ValueError(f"{code}: the geometry must be a Polygon or MultiPolygon, got {kind!r}")


def _polygon(coords: Any, code: str) -> Polygon:
    if not isinstance(coords, list) or not coords:
        raise ValueError(f"{code}: a polygon needs at least its outer ring")
    return [_ring(ring, code) for ring in coords]


def _ring(ring: Any, code: str) -> list[list[float]]:
    if not isinstance(ring, list):
        raise ValueError(f"{code}: a ring must be a list of [longitude, latitude] positions")
    points: list[list[float]] = []
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position)
        ):
            raise ValueError(f"{code}: a position must be [longitude, latitude] numbers")
        lng, lat = float(position[0]), float(position[1])
        if not (math.isfinite(lng) and math.isfinite(lat)):
            raise ValueError(f"{code}: a position is not a finite number")
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ValueError(
                f"{code}: [{lng}, {lat}] is off the map (positions are [longitude, latitude])"
            )
        points.append([lng, lat])
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len({(p[0], p[1]) for p in points}) < 3:
        raise ValueError(f"{code}: a ring needs at least three distinct positions")
    return points


def _places(places: Any, code: str) -> tuple[tuple[str, str], ...]:
    if places is None:
        return ()
    if isinstance(places, list):
        places = {"landmarks": places}
    if not isinstance(places, dict):
        raise ValueError(f"{code}: places must be a list of names or an object of lists")
    found: list[tuple[str, str]] = []
    for key, names in places.items():
        kind = KIND_KEYS.get(key)
        if kind is None:
            raise ValueError(f"{code}: unknown kind of place {key!r} ({', '.join(KIND_KEYS)})")
        if not isinstance(names, list):
            raise ValueError(f"{code}: places.{key} must be a list of names")
        for name in names:
            if not isinstance(name, str) or not 2 <= len(name.strip()) <= MAX_NAME:
                raise ValueError(f"{code}: a place name must be text of 2-{MAX_NAME} characters")
            found.append((kind, name.strip()))
    return tuple(found)
