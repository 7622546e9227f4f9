"""Zone → community → grid buttons, shared by onboarding and settings."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.core.buttons import Family
from bot.runtime.services import MinhuContext
from handlers.kit.common import keyboard, t
from storage import geo
from storage.models import Community, Zone


async def zone_keyboard(context: MinhuContext, lang: str, prefix: str) -> InlineKeyboardMarkup:
    """One big button per zone (callback `<prefix>:z:<id>`)."""
    zones = await geo.zones(context.services.db)
    rows = [[(z.name, f"{prefix}:z:{z.id}")] for z in zones]
    rows.append([(t(context, lang, "common.btn_cancel"), f"{prefix}:cancel")])
    return keyboard(rows)


async def community_keyboard(
    context: MinhuContext, lang: str, prefix: str, zone_id: int
) -> InlineKeyboardMarkup | None:
    """The communities of a zone, with a back button; None if the zone does not exist."""
    if await geo.zone(context.services.db, zone_id) is None:
        return None
    items = await geo.communities(context.services.db, zone_id)
    rows = [[(c.name, f"{prefix}:c:{c.id}")] for c in items]
    rows.append([(t(context, lang, "common.btn_back"), f"{prefix}:back")])
    return keyboard(rows)


async def grid_keyboard(
    context: MinhuContext, lang: str, prefix: str, community_id: int
) -> InlineKeyboardMarkup | None:
    """The grids of a community, with a back button; None if it does not exist."""
    found = await geo.community(context.services.db, community_id)
    if found is None:
        return None
    items = await geo.grids(context.services.db, community_id)
    rows = [[(g.name, f"{prefix}:g:{g.id}")] for g in items]
    rows.append([(t(context, lang, "common.btn_back"), f"{prefix}:z:{found.zone_id}")])
    return keyboard(rows)


@dataclass(frozen=True)
class GeoButtons:
    """The button families of one conversation's zone → community → grid picker."""

    zone: Family  # a zone (also "back" from a community's grids to its zone's communities)
    community: Family
    grid: Family
    back: Family  # from a zone's communities back to the zones
    cancel: Family

    async def markup(
        self, context: MinhuContext, lang: str, under: Zone | Community | None = None
    ) -> InlineKeyboardMarkup:
        """The zones (then cancel), a zone's communities or a community's grids (then back)."""
        db = context.services.db
        if isinstance(under, Community):
            rows = [[(g.name, self.grid.pack(g.id))] for g in await geo.grids(db, under.id)]
            last = ("common.btn_back", self.zone.pack(under.zone_id))
        elif isinstance(under, Zone):
            found = await geo.communities(db, under.id)
            rows = [[(c.name, self.community.pack(c.id))] for c in found]
            last = ("common.btn_back", self.back.pack())
        else:
            rows = [[(z.name, self.zone.pack(z.id))] for z in await geo.zones(db)]
            last = ("common.btn_cancel", self.cancel.pack())
        rows.append([(t(context, lang, last[0]), last[1])])
        return keyboard(rows)
