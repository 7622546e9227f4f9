"""Zone → community → grid buttons, shared by onboarding and settings."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.core.buttons import Family
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, keyboard, language_of, say, t
from storage import geo


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
class Picker:
    """The button families of one zone → community → grid picker (declared by its capability):
    a zone, a community, a grid (each with its id), back from the communities, cancel."""

    zone: Family
    community: Family
    grid: Family
    back: Family
    cancel: Family


async def zones_of(context: MinhuContext, lang: str, pick: Picker) -> InlineKeyboardMarkup:
    """One big button per zone, and cancel."""
    rows = [[(z.name, pick.zone.pack(z.id))] for z in await geo.zones(context.services.db)]
    rows.append([(t(context, lang, "common.btn_cancel"), pick.cancel.pack())])
    return keyboard(rows)


async def communities_of(
    context: MinhuContext, lang: str, pick: Picker, zone_id: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The zone's name and its communities, with a back button; None if it does not exist."""
    db = context.services.db
    zone = await geo.zone(db, zone_id)
    if zone is None:
        return None
    rows = [[(c.name, pick.community.pack(c.id))] for c in await geo.communities(db, zone_id)]
    rows.append([(t(context, lang, "common.btn_back"), pick.back.pack())])
    return zone.name, keyboard(rows)


async def grids_of(
    context: MinhuContext, lang: str, pick: Picker, community_id: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The community's name and its grids, with a back button (to its zone); None if it does
    not exist."""
    db = context.services.db
    found = await geo.community(db, community_id)
    if found is None:
        return None
    rows = [[(g.name, pick.grid.pack(g.id))] for g in await geo.grids(db, community_id)]
    rows.append([(t(context, lang, "common.btn_back"), pick.zone.pack(found.zone_id))])
    return found.name, keyboard(rows)


def deeper(
    pick: Picker, pressed: Family, template: str, state: object
) -> Callable[[Update, MinhuContext], Coroutine[Any, Any, object]]:
    """The step after a zone (`pick.zone`: its communities) or a community (`pick.community`:
    its grids) was pressed: `template` (given the place's name as `zone` or `community`) with
    the next buttons, in place of the pressed message; an unknown id is answered "invalid"
    and the step stays."""
    listing, named = (communities_of, "zone") if pressed is pick.zone else (grids_of, "community")

    async def step(update: Update, context: MinhuContext) -> object:
        assert update.callback_query is not None
        lang = await language_of(update, context)
        found = await listing(context, lang, pick, pressed.one(update.callback_query.data))
        if found is None:
            await answer(update, context, "common.invalid_button")
            return None
        await answer(update, context)
        await say(update, context, template, edit=True, markup=found[1], **{named: found[0]})
        return state

    step.__doc__ = f"A {named} was pressed: {template}."
    return step
