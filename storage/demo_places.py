"""The demo town's invented grid boundaries and place names (属地 routing), around 埭溪镇
(Daixi, Wuxing district, Huzhou; about 30.55° N, 119.93° E).

The town is a 4 × 4 lattice of cells about 1.9 km wide and 2 km tall whose inner corners are
nudged a little (the same nudge for every cell sharing a corner, so neighbours share edges and
never overlap); each grid is one cell or two: 阳山 in the north-west, 上强 (the town centre)
in the north-east, 老虎潭 (the reservoir) in the south-west, 梅峰 in the south-east. Every
name is invented for the demo.
"""

from __future__ import annotations

import math

from storage.places import GridShape

WEST, SOUTH = 119.89, 30.515  # the lattice's south-west corner
CELL_LNG, CELL_LAT = 0.02, 0.018
COLUMNS, ROWS = 4, 4

# grid code: (cells as (column from the west, row from the south), place names by kind)
DEMO_GRIDS: dict[str, tuple[list[tuple[int, int]], dict[str, list[str]]]] = {
    "SQ-01-01": (
        [(2, 3)],
        {
            "estate": ["东升小区", "埭溪花园"],
            "road": ["上强路", "东升路"],
            "landmark": ["埭溪镇人民政府", "上强社区党群服务中心", "埭溪老街", "埭溪镇卫生院"],
        },
    ),
    "SQ-01-02": (
        [(3, 3)],
        {
            "estate": ["锦绣家园", "新街小区"],
            "building": ["锦绣家园1幢", "锦绣家园2幢"],
            "road": ["振兴路", "商城路"],
            "landmark": ["埭溪农贸市场", "埭溪中学"],
        },
    ),
    "SQ-02-01": (
        [(2, 2)],
        {
            "estate": ["东红新村"],
            "road": ["东红路"],
            "landmark": ["东红村文化礼堂", "东红桥"],
        },
    ),
    "SQ-02-02": (
        [(3, 2)],
        {"estate": ["红星苑"], "road": ["104国道埭溪段"], "landmark": ["东红粮站"]},
    ),
    "YS-01-01": (
        [(0, 3)],
        {
            "estate": ["阳山新村", "阳光小区"],
            "road": ["阳山路"],
            "landmark": ["阳山社区党群服务中心", "阳山小学"],
        },
    ),
    "YS-01-02": (
        [(1, 2), (1, 3)],
        {
            "road": ["园区大道", "工业二路"],
            "landmark": ["升华物流园", "阳山工业园管委会"],
        },
    ),
    "YS-02-01": (
        [(0, 2)],
        {"estate": ["大冲新村"], "road": ["大冲路"], "landmark": ["大冲村文化礼堂"]},
    ),
    "MF-01-01": (
        [(2, 1)],
        {
            "estate": ["梅峰新村"],
            "road": ["梅峰路"],
            "landmark": ["梅峰村便民服务中心", "梅峰小学"],
        },
    ),
    "MF-01-02": ([(3, 1)], {"road": ["梅溪路"], "landmark": ["梅峰茶厂", "梅峰桥"]}),
    "MF-02-01": (
        [(2, 0), (3, 0)],
        {"estate": ["三合新村"], "road": ["三合路"], "landmark": ["三合村文化礼堂", "三合竹林"]},
    ),
    "LHT-01-01": (
        [(1, 1)],
        {
            "estate": ["老虎潭新村"],
            "road": ["潭山路"],
            "landmark": ["老虎潭村便民服务中心"],
        },
    ),
    "LHT-01-02": (
        [(0, 0), (0, 1)],
        {"road": ["环库路"], "landmark": ["老虎潭水库", "水源保护区界碑"]},
    ),
    "LHT-02-01": (
        [(1, 0)],
        {"estate": ["鲁家庄新村"], "road": ["鲁家庄路"], "landmark": ["鲁家庄村文化礼堂"]},
    ),
}


def corner(column: int, row: int) -> list[float]:
    """A lattice corner as [longitude, latitude]; inner corners nudged by up to a sixth of a
    cell, the same for every cell that shares them."""
    lng, lat = WEST + column * CELL_LNG, SOUTH + row * CELL_LAT
    if 0 < column < COLUMNS and 0 < row < ROWS:
        lng += CELL_LNG / 6 * math.sin(column * 2.3 + row * 1.1)
        lat += CELL_LAT / 6 * math.cos(column * 1.7 + row * 2.9)
    return [round(lng, 6), round(lat, 6)]


def outline(cells: list[tuple[int, int]]) -> list[list[float]]:
    """The outer ring of one cell or of two neighbouring cells (side by side or stacked),
    counter-clockwise from the south-west corner."""
    (c, r), *rest = sorted(cells)
    if not rest:
        walk = [(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)]
    elif rest[0] == (c, r + 1):
        walk = [(c, r), (c + 1, r), (c + 1, r + 1), (c + 1, r + 2), (c, r + 2), (c, r + 1)]
    else:
        walk = [(c, r), (c + 1, r), (c + 2, r), (c + 2, r + 1), (c + 1, r + 1), (c, r + 1)]
    return [corner(*point) for point in walk]


def demo_shapes() -> list[GridShape]:
    """Every demo grid's boundary and place names."""
    return [
        GridShape(
            code,
            [[outline(cells)]],
            tuple((kind, name) for kind, names in places.items() for name in names),
        )
        for code, (cells, places) in DEMO_GRIDS.items()
    ]


def centre(code: str) -> tuple[float, float]:
    """(latitude, longitude) of a point well inside a demo grid (its first cell's middle)."""
    ring = outline([DEMO_GRIDS[code][0][0]])
    return sum(p[1] for p in ring) / 4, sum(p[0] for p in ring) / 4
