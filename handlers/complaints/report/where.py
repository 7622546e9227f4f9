"""Where the problem is (属地): the grid a report goes to. A location inside a grid's boundary
or a typed address that names a grid's place decides it (`routed`); with neither, the resident
is asked "your home grid or elsewhere?" — elsewhere is the zone → community → grid picker.
The summary's "change the grid" asks the same question again.
"""

from __future__ import annotations

from telegram import Update

from bot.complaints.buttons import (
    CHANGE_GRID,
    REPORT_CANCEL,
    WHERE,
    WHERE_BACK,
    WHERE_COMMUNITY,
    WHERE_GRID,
    WHERE_ZONE,
)
from bot.complaints.intake import Draft
from bot.places import service as places
from bot.runtime.services import MinhuContext
from handlers.complaints.report.prompts import State, ask_where, home_of, next_step, with_draft
from handlers.kit import conversation as kit
from handlers.kit.common import answer, pressed, say
from handlers.kit.geo_picker import Picker, community_pressed, zone_pressed, zones_shown
from storage import geo

PICKER = Picker(
    zone=WHERE_ZONE,
    community=WHERE_COMMUNITY,
    grid=WHERE_GRID,
    back=WHERE_BACK,
    cancel=REPORT_CANCEL,
    ask_zone="report.where_zone",
    ask_community="report.where_community",
    ask_grid="report.where_grid",
)


async def located(context: MinhuContext, draft: Draft, latitude: float, longitude: float) -> bool:
    """Send the report to the grid containing the point; False when no grid does."""
    found = await places.grid_at(context.services.db, latitude, longitude)
    return _routed(draft, found, "location")


async def addressed(context: MinhuContext, draft: Draft, address: str) -> bool:
    """Send the report to the grid the address names; False when none does (or two)."""
    found = await places.grid_named(context.services.db, address)
    return _routed(draft, found, "address")


def _routed(draft: Draft, grid_id: int | None, how: str) -> bool:
    if grid_id is None:
        draft["routed"] = None
        return False
    draft["grid_id"], draft["routed"] = grid_id, how
    return True


@with_draft
async def where(update: Update, context: MinhuContext, draft: Draft) -> int | None:
    """Home grid (then on to the next step) or elsewhere (the zones)."""
    if WHERE.one(pressed(update)) == "else":
        return await zones_shown(PICKER, State.WHERE)(update, context)
    await answer(update, context)
    draft["grid_id"], draft["routed"] = home_of(draft), "home"
    return await _chosen(update, context, draft)


@with_draft
async def grid_picked(update: Update, context: MinhuContext, draft: Draft) -> int | None:
    """A grid was picked."""
    grid_id = WHERE_GRID.one(pressed(update))
    grid = await geo.grid(context.services.db, grid_id) if grid_id is not None else None
    if grid is None:
        await answer(update, context, "common.invalid_button")
        return None
    await answer(update, context)
    draft["grid_id"], draft["routed"] = grid.id, "chosen"
    return await _chosen(update, context, draft)


async def _chosen(update: Update, context: MinhuContext, draft: Draft) -> int:
    grid = await geo.grid(context.services.db, draft["grid_id"])
    name = grid.full_name if grid else "?"
    await say(update, context, "report.where_chosen", edit=True, grid=name)
    return await next_step(update, context, draft, State.ANONYMITY)


@with_draft
async def change_grid(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The summary's "change the grid": the question again, then back to the summary."""
    await answer(update, context)
    draft["editing"] = True
    return await ask_where(update, context, draft, edit=True)


def where_step(expect: str) -> kit.Handlers:
    """The step's buttons: home or elsewhere, and the picker's."""
    return kit.buttons_step(
        expect,
        (WHERE, where),
        (WHERE_ZONE, zone_pressed(PICKER, State.WHERE)),
        (WHERE_COMMUNITY, community_pressed(PICKER, State.WHERE)),
        (WHERE_BACK, zones_shown(PICKER, State.WHERE)),
        (WHERE_GRID, grid_picked),
    )


__all__ = ["CHANGE_GRID", "addressed", "ask_where", "change_grid", "located", "where_step"]
