"""The routing benchmark at a small size: its town imports, every lookup lands in a grid it
should, and the figures and the verdict come out."""

from __future__ import annotations

from bot.places.geometry import in_polygon
from tests.bench import routing


def test_the_synthetic_cells_tile_without_overlapping() -> None:
    columns, rows = routing.lattice(12)
    assert (columns, rows) == (4, 3)
    rings = [routing.cell_ring(c, r, columns, rows, 3) for r in range(rows) for c in range(columns)]
    assert all(len(ring) == 12 for ring in rings)
    for i in range(30):
        for j in range(30):
            lng = routing.WEST + columns * routing.CELL * (i + 0.5) / 30
            lat = routing.SOUTH + rows * routing.CELL * (j + 0.5) / 30
            assert sum(in_polygon(lng, lat, [ring]) for ring in rings) == 1


async def test_a_small_run_measures_and_judges() -> None:
    result = await routing.measure(12, repeats=2, lookups=20, sides=3)
    assert result["grids"] == 12 and result["vertices_per_grid"] == 12
    assert result["found_share"] == 1.0  # 12 grids fill the 4 × 3 lattice
    for key in ("located", "index", "address", "load"):
        s = result[key]
        assert 0 < s["min_ms"] <= s["median_ms"] <= s["max_ms"]
    assert result["verdict"] == {"located_met": result["located"]["median_ms"] <= 5.0}
    text = routing.render(result)
    assert "12 grid polygons" in text and "target: a located report ≤ 5 ms" in text
