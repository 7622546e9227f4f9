"""The screen's JSON: the open cases of a scope (for the map and the board), the town's names,
the map's shapes, today's counts, and one case's card.

Nothing here names a resident: no reporter, no name, no phone. A case's description, address
and notes reach only a session whose scope holds the case, with anything that looks like a
phone number masked (names cannot be told from words, so the board shows the category and
place, and the words only on the card a dispatcher of that zone opens).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.dashboard.access import Scope
from storage import dashboard_board as q
from storage import people, places
from storage.dashboard_board import CaseRow
from storage.db import Database

WIDTH = 1000.0  # the map's SVG width; its height follows the town's shape
HISTORY = 12
PHONE = re.compile(r"\+?\d[\d\s-]{5,}\d")


def masked(text: str | None, most: int) -> str:
    """Free text for the card: phone-like numbers masked, cut to `most` characters."""
    if not text:
        return ""
    text = PHONE.sub("***", text)
    return text if len(text) <= most else text[: most - 1] + "…"


def case_row(c: CaseRow) -> list[Any]:
    """A case as a compact JSON array (the page's `CASE` fields, in this order)."""
    return [
        c.id,
        c.number,
        c.status,
        int(c.accepted),
        c.due_at,
        c.grid_id,
        c.zone_id,
        c.category_id,
        c.department_id or 0,
        None if c.latitude is None else round(c.latitude, 5),
        None if c.longitude is None else round(c.longitude, 5),
        int(c.asks_reject),
        int(c.asks_extend),
        int(c.reported),
        c.created_at,
    ]


def day_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Local midnight of today."""
    return datetime.combine(now.astimezone(tz).date(), time(0), tz)


class Projection:
    """Longitude and latitude onto the map's SVG plane (equirectangular, north up)."""

    def __init__(self, bbox: tuple[float, float, float, float]) -> None:
        min_lat, min_lng, max_lat, max_lng = bbox
        self.lng0, self.lat1 = min_lng, max_lat
        self.kx = math.cos(math.radians((min_lat + max_lat) / 2))
        span = max((max_lng - min_lng) * self.kx, 1e-9)
        self.scale = WIDTH / span
        self.height = max((max_lat - min_lat) * self.scale, 1.0)

    def point(self, lng: float, lat: float) -> tuple[float, float]:
        return (
            round((lng - self.lng0) * self.kx * self.scale, 1),
            round((self.lat1 - lat) * self.scale, 1),
        )

    def path(self, polygons: list[places.Polygon]) -> str:
        """An SVG path (even-odd: holes stay holes)."""
        parts = []
        for polygon in polygons:
            for ring in polygon:
                points = [self.point(p[0], p[1]) for p in ring]
                parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
        return "".join(parts)

    def as_json(self) -> list[float]:
        """What the page needs to place a new point: [lng0, lat1, kx * scale, scale]."""
        return [self.lng0, self.lat1, self.kx * self.scale, self.scale]


async def shapes(db: Database, grid_ids: set[int]) -> dict[str, Any]:
    """The map of these grids: SVG paths in a viewBox, and the projection."""
    found = [b for b in await places.boundaries(db) if b.grid_id in grid_ids]
    if not found:
        return {"grids": [], "size": [WIDTH, WIDTH / 2], "projection": None}
    boxes = [b.bbox for b in found]
    bbox = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    projection = Projection(bbox)
    return {
        "grids": [[b.grid_id, projection.path(b.polygons)] for b in found],
        "size": [WIDTH, round(projection.height, 1)],
        "projection": projection.as_json(),
    }


async def town(db: Database, scope: Scope) -> dict[str, Any]:
    """What changes seldom (names, staff, the map) as a scope may see it."""
    names = await q.names(db)
    zones = [z for z in names["zones"] if scope.sees(int(z[0]))]  # type: ignore[call-overload]
    grids = [g for g in names["grids"] if scope.sees(int(g[3]))]  # type: ignore[call-overload]
    grid_ids = {int(g[0]) for g in grids}  # type: ignore[call-overload]
    holders: dict[str, dict[int, list[list[Any]]]] = {"g": {}, "d": {}}
    for user_id, name, grid_id, department_id in await q.holders(db):
        if grid_id is not None and grid_id in grid_ids:
            holders["g"].setdefault(grid_id, []).append([user_id, name])
        elif department_id is not None:
            holders["d"].setdefault(department_id, []).append([user_id, name])
    return {
        "scope": None if scope.zones is None else list(scope.zones),
        "zones": zones,
        "grids": grids,
        "categories": names["categories"],
        "departments": names["departments"],
        "holders": holders,
        "map": await shapes(db, grid_ids),
    }


async def viewer(db: Database, scope: Scope) -> dict[str, Any]:
    """Who looks: a kiosk, or a person (and their language)."""
    language = "zh-CN"
    if scope.user_id is not None:
        person = await people.get(db, scope.user_id)
        language = person.language if person is not None else language
    return {"kiosk": scope.kiosk_id is not None, "language": language}


async def today(db: Database, scope: Scope, now: datetime, tz: ZoneInfo) -> dict[str, int]:
    """Today's new, accepted and closed cases of a scope."""
    new, accepted, closed = await q.today(db, scope.zones, day_start(now, tz))
    return {"new": new, "accepted": accepted, "closed": closed}


async def card(db: Database, scope: Scope, case_id: int) -> dict[str, Any] | None:
    """One case's card with its latest history, or None when it is not in the scope (the
    same answer as a case that does not exist)."""
    row = await q.case_card(db, case_id)
    if row is None or not scope.sees(int(row[5])):  # type: ignore[call-overload]
        return None
    (
        number,
        kind,
        description,
        address,
        created,
        _zone,
        category,
        grid,
        department,
        rating,
        resolved,
        closed,
        status,
    ) = row
    asks = [c for c in await q.cases(db, [case_id])]
    return {
        "id": case_id,
        "number": number,
        "kind": kind,
        "status": status,
        "category": category,
        "grid": grid,
        "department": department or 0,
        "created_at": created,
        "resolved_at": resolved,
        "closed_at": closed,
        "rating": rating,
        "description": masked(str(description), 300),
        "address": masked(None if address is None else str(address), 120),
        "asks_reject": bool(asks and asks[0].asks_reject),
        "asks_extend": bool(asks and asks[0].asks_extend),
        "history": [
            [at, kind_, masked(note, 200)]
            for at, kind_, note in await q.history(db, case_id, limit=HISTORY)
        ],
    }
