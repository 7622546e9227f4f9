"""Point in polygon with holes and multipolygons, the bounding-box index, the demo town's
invented boundaries (they tile the town without overlapping), and fuzzy place names."""

from __future__ import annotations

import pytest

from bot.places.geometry import GridIndex, Shape, in_polygon
from bot.places.matching import PlaceNames
from storage.demo_places import COLUMNS, DEMO_GRIDS, ROWS, demo_shapes
from storage.places import bbox_of

SQUARE = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]
HOLE = [[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0]]
# An L: the notch (x 5-10, y 5-10) is outside though its bounding box holds it.
ELL = [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [5.0, 5.0], [5.0, 10.0], [0.0, 10.0]]


@pytest.mark.parametrize(
    ("lng", "lat", "inside"),
    [(1, 1, True), (5, 5, False), (3, 5, True), (11, 5, False), (-0.5, 5, False)],
)
def test_a_polygon_with_a_hole(lng: float, lat: float, inside: bool) -> None:
    assert in_polygon(lng, lat, [SQUARE, HOLE]) is inside


def test_a_concave_polygon_is_not_its_bounding_box() -> None:
    assert in_polygon(2, 8, [ELL]) and in_polygon(8, 2, [ELL])
    assert not in_polygon(8, 8, [ELL])


def _shape(grid_id: int, *polygons: list[list[list[float]]]) -> Shape:
    return Shape(grid_id, polygons, bbox_of(list(polygons)))


def test_the_index_finds_the_grid_of_a_point_or_none() -> None:
    east = [[[p[0] + 10, p[1]] for p in SQUARE]]
    far = [[[p[0] + 100, p[1] + 100] for p in SQUARE]]
    index = GridIndex([_shape(1, [ELL]), _shape(2, east, far)])  # 2 is a multipolygon
    assert index.locate(latitude=2, longitude=2) == 1
    assert index.locate(latitude=8, longitude=8) is None  # the L's notch
    assert index.locate(latitude=5, longitude=15) == 2
    assert index.locate(latitude=105, longitude=105) == 2
    assert index.locate(latitude=50, longitude=50) is None


def test_the_demo_grids_tile_the_town_without_overlapping() -> None:
    shapes = demo_shapes()
    assert len(shapes) == 13 == len(DEMO_GRIDS)
    cells = sorted(cell for cells, _ in DEMO_GRIDS.values() for cell in cells)
    assert cells == [(c, r) for c in range(COLUMNS) for r in range(ROWS)]  # each cell once
    lng0, lat0, lng1, lat1 = 119.891, 30.516, 119.969, 30.586  # inside the town's edge
    for i in range(40):
        for j in range(40):
            lng, lat = lng0 + (lng1 - lng0) * i / 39, lat0 + (lat1 - lat0) * j / 39
            holders = [s.code for s in shapes if in_polygon(lng, lat, s.polygons[0])]
            assert len(holders) == 1, (lng, lat, holders)


def test_a_place_named_in_the_address_wins_the_longest_first() -> None:
    names = PlaceNames([(1, "上强路"), (2, "上强路菜场"), (3, "阳光小区"), (4, "东红村第二网格")])
    assert names.match("上强路12号") == 1
    assert names.match("上强路菜场门口") == 2
    assert names.match("东红村第二网格") == 4


def test_one_wrong_character_still_matches_but_nothing_like_it_does_not() -> None:
    names = PlaceNames([(3, "阳光小区"), (5, "锦绣家园")])
    assert names.match("阳光晓区5幢") == 3
    assert names.match("锦秀家园2幢楼下") == 5
    assert names.match("上强社区3幢楼下") is None
    assert names.match("x") is None


def test_two_grids_equally_named_are_no_answer() -> None:
    names = PlaceNames([(1, "文化礼堂"), (2, "文化礼堂")])
    assert names.match("文化礼堂门口") is None
