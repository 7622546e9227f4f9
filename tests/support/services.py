"""Service points at known places for the service circle's tests."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.rules import parse_hours
from storage import services as store
from storage.db import Database
from storage.services import PointIn

HERE = (30.60, 119.95)  # the resident (in 上强社区第一网格's cell of the demo lattice)


def point(
    code: str,
    name: str,
    north_m: float,
    east_m: float,
    *,
    kind: str = "health",
    hours: str = "每天 8:00-18:00",
    holidays_closed: bool = True,
    slot_minutes: int = 0,
    private: bool = False,
    services: tuple[str, ...] = (),
    grid: str | None = "SQ-01-01",
) -> PointIn:
    """A point `north_m` and `east_m` metres (straight line) from HERE."""
    import math

    lat = HERE[0] + north_m / 111_194.9
    lng = HERE[1] + east_m / (111_194.9 * math.cos(math.radians(HERE[0])))
    parsed = parse_hours(hours)
    assert parsed is not None
    return PointIn(code, name, kind, f"{name}门口", lat, lng, grid, parsed, holidays_closed,
                   "0572-1234567", services, "", slot_minutes, 1, private)  # fmt: skip


async def only(db: Database, *points: PointIn) -> None:
    """These points, and the demo's hidden."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE service_points SET visible = 0")
        cur = await conn.execute("SELECT code, id FROM grids")
        grids = {r[0]: int(r[1]) for r in await cur.fetchall()}
        await store.save(
            conn, [(p, grids.get(p.grid_code or "")) for p in points], datetime.now(UTC), demo=False
        )
