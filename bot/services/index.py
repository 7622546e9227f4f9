"""The visible service points in memory, bucketed by ~1 km cells, for "the nearest open ones".

Read from SQLite once per database and again only when `storage.services.version` moved (an
import, an admin's edit), like the grid boundaries (`bot.places.service`). A search walks the
cells in rings around the resident, nearest first, and stops once the next ring can hold
nothing nearer than what it has: a few hundred distances, not every point.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.services.rules import DETOUR, EARTH_M, serves, walking_m
from storage import services as store
from storage.db import Database
from storage.services import Point

CELL = 0.01  # degrees of latitude and of longitude a cell
CELL_M = CELL * math.pi / 180 * EARTH_M * math.cos(math.radians(50))  # a cell's least width
MAX_RINGS = 60  # about 40 km: the town and far beyond


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return math.floor(lat / CELL), math.floor(lng / CELL)


@dataclass
class PointIndex:
    """Points by cell (located ones) and all of them (for grid and zone listings)."""

    points: list[Point]
    cells: dict[tuple[int, int], list[Point]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for p in self.points:
            if p.latitude is not None and p.longitude is not None:
                self.cells.setdefault(_cell(p.latitude, p.longitude), []).append(p)

    def nearest(
        self,
        lat: float,
        lng: float,
        need: str,
        is_open: Callable[[Point], bool],
        count: int,
    ) -> list[tuple[Point, int, bool]]:
        """The `count` nearest open points serving `need` by walking distance, then — when fewer
        are open — the nearest closed ones after them: (point, metres, open)."""
        ci, cj = _cell(lat, lng)
        opened: list[tuple[int, int, Point]] = []
        closed: list[tuple[int, int, Point]] = []
        for ring in range(MAX_RINGS + 1):
            for p in self._ring(ci, cj, ring):
                if not serves(p, need):
                    continue
                assert p.latitude is not None and p.longitude is not None
                metres = walking_m(lat, lng, p.latitude, p.longitude)
                (opened if is_open(p) else closed).append((metres, p.id, p))
            # Anything in the next ring is at least `ring` cells away in a straight line.
            reach = ring * CELL_M * DETOUR
            opened.sort(key=lambda t: (t[0], t[1]))
            closed.sort(key=lambda t: (t[0], t[1]))
            near_open = [t for t in opened if t[0] <= reach]
            if len(near_open) >= count:
                break
            if not self.cells or ring > self._span(ci, cj):
                break
        chosen = [(p, m, True) for m, _, p in opened[:count]]
        chosen += [(p, m, False) for m, _, p in closed[: count - len(chosen)]]
        return chosen

    def _ring(self, ci: int, cj: int, ring: int) -> Iterable[Point]:
        if ring == 0:
            yield from self.cells.get((ci, cj), ())
            return
        for di in range(-ring, ring + 1):
            for dj in (-ring, ring) if abs(di) != ring else range(-ring, ring + 1):
                yield from self.cells.get((ci + di, cj + dj), ())

    def _span(self, ci: int, cj: int) -> int:
        """Rings needed to reach every cell from (ci, cj)."""
        return max(max(abs(i - ci), abs(j - cj)) for i, j in self.cells)


@dataclass(frozen=True)
class _Loaded:
    version: int
    index: PointIndex


_cache: weakref.WeakKeyDictionary[Database, _Loaded] = weakref.WeakKeyDictionary()


async def loaded(db: Database) -> PointIndex:
    """The visible points of this database, reloaded when they changed."""
    version = await store.version(db)
    found = _cache.get(db)
    if found is None or found.version != version:
        visible = [p for p in await store.all_points(db) if p.visible]
        found = _Loaded(version, PointIndex(visible))
        _cache[db] = found
    return found.index
