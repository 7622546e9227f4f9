"""The dispatch centre (指挥中心): who rules on a zone's cases that nobody else can take.

A seam shared by the dispatch centre and the escalation ladder: both ask `dispatchers_for`.
The zone's dispatchers (分中心) rule, else the town-wide dispatchers, else the admins (of the
zone, town-wide and configured) — always only people the bot can reach. `dispatches` is the
server's check that a person rules on a case of a grid (role AND scope).
"""

from __future__ import annotations

from bot.runtime.services import Services
from storage import dispatch, geo, people


async def dispatchers_for(services: Services, zone_id: int | None) -> list[int]:
    """Who rules on a case of `zone_id` (None: town-wide): user ids, sorted."""
    db = services.db
    levels = [zone_id, None] if zone_id is not None else [None]
    for level in levels:
        found = await people.reachable_ids(db, await dispatch.dispatchers(db, level))
        if found:
            return sorted(set(found))
    admins = await people.admins_of_zone(db, zone_id) + sorted(services.settings.admin_ids)
    return sorted(set(await people.reachable_ids(db, admins)))


async def zone_of(services: Services, grid_id: int) -> int | None:
    """The zone a grid lies in (None: no such grid)."""
    grid = await geo.grid(services.db, grid_id)
    return grid.zone_id if grid else None


async def ruling_for_grid(services: Services, grid_id: int) -> list[int]:
    """`dispatchers_for` the zone of a grid."""
    return await dispatchers_for(services, await zone_of(services, grid_id))


async def dispatches(services: Services, user_id: int, grid_id: int) -> bool:
    """Whether a person is a dispatcher for the zone of a grid (or for the whole town)."""
    town, zones = await dispatch.dispatch_zones(services.db, user_id)
    if town:
        return True
    return bool(zones) and await zone_of(services, grid_id) in zones
