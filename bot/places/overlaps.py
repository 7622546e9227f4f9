"""Grids whose boundaries overlap: a point in both would go to whichever comes first, so
`minhu import-grids` refuses such a file and says where.

Neighbouring grids share edges and corners; that is not an overlap. Two boundaries overlap
when an edge of one crosses an edge of the other (a proper crossing, not a touch), when a
corner of one lies inside the other away from its edges, or when a point inside one lies
inside the other (one grid drawn twice). Distances below TOLERANCE (about 10 cm in degrees)
count as touching, so boundaries digitised from the same line (rounded to 6 or 7 decimals)
do not trip it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.places.geometry import Point, Polygon, Segment, box, distance, edges, in_polygon

TOLERANCE = 1e-6  # degrees (~10 cm)


@dataclass(frozen=True)
class Outline:
    """A grid's boundary for the check: its code and polygons ([lng, lat] rings)."""

    code: str
    polygons: Sequence[Polygon]


@dataclass(frozen=True)
class Overlap:
    first: str
    second: str
    near: Point  # (lng, lat) in both, or where their edges cross


def find(outlines: Sequence[Outline]) -> list[Overlap]:
    """Every pair of grids that overlap, with a point where they do (by bounding box first)."""
    boxes = [box(o.polygons) for o in outlines]
    found = []
    for i, a in enumerate(outlines):
        for j in range(i + 1, len(outlines)):
            both = _meet(boxes[i], boxes[j])
            if both is not None and (near := _overlap(a.polygons, outlines[j].polygons, both)):
                found.append(Overlap(a.code, outlines[j].code, near))
    return found


def _overlap(a: Sequence[Polygon], b: Sequence[Polygon], both: tuple) -> Point | None:
    edges_a = [e for e in edges(a) if _touches(e, both)]
    edges_b = [e for e in edges(b) if _touches(e, both)]
    for p, q in edges_a:
        for r, s in edges_b:
            if (cross := _crossing(p, q, r, s)) is not None:
                return cross
    for inner, outer, near in ((a, b, edges_b), (b, a, edges_a)):
        for point in [p for p, _ in edges(inner)] + [_inside_point(inner)]:
            if not _within(point, both):
                continue  # outside one of the two bounding boxes: in one grid at most
            if _inside(point, outer) and all(distance(point, e) > TOLERANCE for e in near):
                return point
    return None


def _inside(point: Point, polygons: Sequence[Polygon]) -> bool:
    return any(in_polygon(point[0], point[1], polygon) for polygon in polygons)


def _crossing(p: Point, q: Point, r: Point, s: Point) -> Point | None:
    """Where two segments cross properly (each strictly on both sides of the other)."""
    d1, d2 = _side(r, s, p), _side(r, s, q)
    d3, d4 = _side(p, q, r), _side(p, q, s)
    if d1 * d2 < 0 and d3 * d4 < 0:
        t = d1 / (d1 - d2)
        return p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])
    return None


def _side(a: Point, b: Point, c: Point) -> float:
    """Signed distance of c from the line ab, zero within TOLERANCE."""
    length = ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5
    cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    distance = cross / length if length else 0.0
    return 0.0 if abs(distance) <= TOLERANCE else distance


def _inside_point(polygons: Sequence[Polygon]) -> Point:
    """A point inside the first polygon: the middle of the widest span of a horizontal line
    through it that lies inside (falls back to its first corner)."""
    ring = polygons[0][0]
    lats = sorted({p[1] for p in ring})
    for k in range(len(lats) - 1):
        lat = (lats[k] + lats[k + 1]) / 2
        xs = sorted(
            p[0] + (lat - p[1]) * (q[0] - p[0]) / (q[1] - p[1])
            for p, q in edges([polygons[0]])
            if (p[1] > lat) != (q[1] > lat)
        )
        spans = [(xs[m + 1] - xs[m], (xs[m] + xs[m + 1]) / 2) for m in range(len(xs) - 1)]
        for _, lng in sorted(spans, reverse=True):
            if in_polygon(lng, lat, polygons[0]):
                return lng, lat
    return ring[0][0], ring[0][1]


def _meet(a: tuple, b: tuple) -> tuple[float, float, float, float] | None:
    area = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return area if area[0] <= area[2] + TOLERANCE and area[1] <= area[3] + TOLERANCE else None


def _within(point: Point, area: tuple) -> bool:
    return area[0] <= point[0] <= area[2] and area[1] <= point[1] <= area[3]


def _touches(edge: Segment, area: tuple) -> bool:
    (ax, ay), (bx, by) = edge
    return not (
        max(ax, bx) < area[0] - TOLERANCE
        or min(ax, bx) > area[2] + TOLERANCE
        or max(ay, by) < area[1] - TOLERANCE
        or min(ay, by) > area[3] + TOLERANCE
    )
