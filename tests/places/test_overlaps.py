"""Overlapping grid boundaries: found (and where), while neighbours that share edges,
corners or parts of an edge are not."""

from __future__ import annotations

from pathlib import Path

from bot.places.geometry import in_polygon
from bot.places.overlaps import Outline, find
from storage.demo_places import demo_shapes
from tests.bench.routing import town
from tests.core.test_cli import minhu, query
from tests.places.test_import import collection, feature


def square(x: float, y: float, size: float = 1.0) -> list[list[list[float]]]:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size]]]


def test_neighbours_sharing_edges_and_corners_do_not_overlap() -> None:
    outlines = [Outline(s.code, s.polygons) for s in demo_shapes()]
    assert find(outlines) == []
    _, lattice = town(100, 10)  # nudged corners, sides cut into points rounded to 7 decimals
    cells = [
        Outline(f["properties"]["code"], [f["geometry"]["coordinates"]])
        for f in lattice["features"]
    ]
    assert find(cells) == []
    corner = [Outline("A", [square(0, 0)]), Outline("B", [square(1, 1)])]
    assert find(corner) == []
    # a T: one big square beside two small ones along the same line
    t = [
        Outline("big", [square(0, 0, 2)]),
        Outline("low", [square(2, 0)]),
        Outline("up", [square(2, 1)]),
    ]
    assert find(t) == []


def test_crossing_contained_and_duplicated_boundaries_overlap_with_a_point_in_both() -> None:
    cases = {
        "crossing": [Outline("A", [square(0, 0)]), Outline("B", [square(0.5, 0.5)])],
        "contained": [Outline("A", [square(0, 0, 4)]), Outline("B", [square(1, 1)])],
        "twice": [Outline("A", [square(0, 0)]), Outline("B", [square(0, 0)])],
    }
    for name, outlines in cases.items():
        [overlap] = find(outlines)
        assert (overlap.first, overlap.second) == ("A", "B"), name
        lng, lat = overlap.near
        for o in outlines:  # the point is in both, or on both boundaries where they cross
            box = o.polygons[0][0]
            assert box[0][0] <= lng <= box[2][0] and box[0][1] <= lat <= box[2][1], name
    corner = find(cases["contained"])[0].near  # a corner of the inner grid, inside the outer
    assert corner in [(1, 1), (2, 1), (2, 2), (1, 2)] and in_polygon(*corner, square(0, 0, 4))


def test_a_grid_inside_anothers_hole_does_not_overlap() -> None:
    ring = square(0, 0, 4)[0]
    hole = square(1, 1, 2)[0]
    outlines = [Outline("A", [[ring, hole]]), Outline("B", [square(1, 1, 2)])]
    assert find(outlines) == []


def test_an_import_with_overlapping_grids_is_refused_and_says_where(tmp_path: Path) -> None:
    minhu(tmp_path, "seed-demo")
    before = query(tmp_path, "SELECT grid_id, polygons FROM grid_boundaries ORDER BY 1")
    path = tmp_path / "grids.geojson"
    shifted = [[119.805, 30.405], [119.815, 30.405], [119.815, 30.415], [119.805, 30.415]]
    path.write_bytes(
        collection(
            feature("SQ-01-01"),
            feature("SQ-01-02", geometry={"type": "Polygon", "coordinates": [shifted]}),
        )
    )
    result = minhu(tmp_path, "import-grids", str(path))
    assert result.returncode == 1
    assert "feature 2: grids 'SQ-01-01' and 'SQ-01-02' overlap near latitude" in result.stderr
    assert "nothing was imported" in result.stderr
    assert query(tmp_path, "SELECT grid_id, polygons FROM grid_boundaries ORDER BY 1") == before


def test_a_boundary_overlapping_a_grid_left_as_it_is_is_refused(tmp_path: Path) -> None:
    minhu(tmp_path, "seed-demo")
    [first, second] = demo_shapes()[:2]
    path = tmp_path / "grids.geojson"
    moved = {"type": "Polygon", "coordinates": second.polygons[0]}
    path.write_bytes(collection(feature(first.code, geometry=moved)))  # drawn over its neighbour
    result = minhu(tmp_path, "import-grids", str(path))
    assert result.returncode == 1
    assert f"grids {first.code!r} and {second.code!r} overlap" in result.stderr
