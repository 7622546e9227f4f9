"""Point in polygon, pure Python: a grid's boundary is one or more polygons (outer ring,
then holes) in GeoJSON's [longitude, latitude] order. `GridIndex` keeps each grid's bounding
box, so a lookup tests the rings of only the few grids whose box holds the point; among 500
grids that is a few microseconds of box tests and one or two ring walks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

Ring = Sequence[Sequence[float]]  # [[lng, lat], ...]
Polygon = Sequence[Ring]
Point = tuple[float, float]  # (lng, lat)
Segment = tuple[Point, Point]


def in_ring(lng: float, lat: float, ring: Ring) -> bool:
    """Even-odd rule (ray casting to the east). A point exactly on an edge may fall either
    way; neighbouring grids share edges, so it lands in one of them."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def in_polygon(lng: float, lat: float, polygon: Polygon) -> bool:
    """Inside the outer ring and in none of the holes."""
    if not polygon or not in_ring(lng, lat, polygon[0]):
        return False
    return not any(in_ring(lng, lat, hole) for hole in polygon[1:])


def box(polygons: Sequence[Polygon]) -> tuple[float, float, float, float]:
    """The bounding box (min_lng, min_lat, max_lng, max_lat) of the outer rings."""
    points = [p for polygon in polygons for p in polygon[0]]
    return (
        min(p[0] for p in points),
        min(p[1] for p in points),
        max(p[0] for p in points),
        max(p[1] for p in points),
    )


def edges(polygons: Sequence[Polygon]) -> Iterator[Segment]:
    """Every edge of every ring (closing edges included, zero-length ones left out)."""
    for polygon in polygons:
        for ring in polygon:
            for k in range(len(ring)):
                p, q = ring[k - 1], ring[k]
                if (p[0], p[1]) != (q[0], q[1]):
                    yield (p[0], p[1]), (q[0], q[1])


def distance(c: Point, edge: Segment) -> float:
    """From a point to the nearest point of a segment (in degrees, as the coordinates)."""
    (ax, ay), (bx, by) = edge
    dx, dy = bx - ax, by - ay
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else max(0.0, min(1.0, ((c[0] - ax) * dx + (c[1] - ay) * dy) / span))
    return float(((c[0] - ax - t * dx) ** 2 + (c[1] - ay - t * dy) ** 2) ** 0.5)


@dataclass(frozen=True)
class Shape:
    grid_id: int
    polygons: Sequence[Polygon]
    bbox: tuple[float, float, float, float]  # min_lat, min_lng, max_lat, max_lng


class GridIndex:
    """The grids' shapes, searched by bounding box first."""

    def __init__(self, shapes: Sequence[Shape]) -> None:
        self._shapes = tuple(shapes)
        self._boxes = tuple(s.bbox for s in self._shapes)

    def __len__(self) -> int:
        return len(self._shapes)

    def locate(self, latitude: float, longitude: float) -> int | None:
        """The grid whose boundary contains the point (the first by id where two overlap),
        or None."""
        for shape, (min_lat, min_lng, max_lat, max_lng) in zip(
            self._shapes, self._boxes, strict=True
        ):
            if (
                min_lat <= latitude <= max_lat
                and min_lng <= longitude <= max_lng
                and any(in_polygon(longitude, latitude, p) for p in shape.polygons)
            ):
                return shape.grid_id
        return None
