"""Zone → community → grid buttons, shared by onboarding, settings, a complaint's transfer and
a broadcast's audience. `Picker` builds them from declared button families (bot.core.buttons)
and `zones_shown`, `zone_pressed` and `community_pressed` are its steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from bot.core.buttons import Family
from bot.runtime.services import MinhuContext
from handlers.kit.common import Row, answer, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import Callback
from storage import geo
from storage.models import Community, Grid, Zone

# The picker on declared button families (bot.core.buttons), with its three steps ------------


@dataclass(frozen=True)
class Picker:
    """One conversation's zone → community → grid buttons, and the questions that show them
    (each question gets `zone=` or `community=`, the name of what was pressed)."""

    zone: Family  # <prefix>:z:<zone id>, also "back" under the grids
    community: Family  # <prefix>:c:<community id>
    grid: Family  # <prefix>:g:<grid id>
    back: Family  # under the communities: back to the zones
    cancel: Family  # under the zones
    ask_zone: str = "onboarding.choose_zone"
    ask_community: str = "onboarding.choose_community"
    ask_grid: str = "onboarding.choose_grid"

    async def zones(self, context: MinhuContext, lang: str) -> InlineKeyboardMarkup:
        """One big button per zone, and cancel."""
        zones = await geo.zones(context.services.db)
        return _buttons(context, lang, zones, self.zone, ("common.btn_cancel", self.cancel.pack()))

    async def communities(
        self, context: MinhuContext, lang: str, zone_id: int | None
    ) -> tuple[Zone, InlineKeyboardMarkup] | None:
        """A zone and its communities' buttons with back; None if there is no such zone."""
        zone = await geo.zone(context.services.db, zone_id) if zone_id is not None else None
        return None if zone is None else (zone, await self.markup(context, lang, zone))

    async def grids(
        self, context: MinhuContext, lang: str, community_id: int | None
    ) -> tuple[Community, InlineKeyboardMarkup] | None:
        """A community and its grids' buttons with back (to its zone); None if it is not there."""
        db = context.services.db
        found = await geo.community(db, community_id) if community_id is not None else None
        return None if found is None else (found, await self.markup(context, lang, found))

    async def markup(
        self, context: MinhuContext, lang: str, under: Zone | Community | None = None
    ) -> InlineKeyboardMarkup:
        """The zones (then cancel), a zone's communities or a community's grids (then back),
        for a record already read."""
        db = context.services.db
        if isinstance(under, Community):
            items: Sequence[Zone | Community | Grid] = await geo.grids(db, under.id)
            last = ("common.btn_back", self.zone.pack(under.zone_id))
            return _buttons(context, lang, items, self.grid, last)
        if isinstance(under, Zone):
            items = await geo.communities(db, under.id)
            last = ("common.btn_back", self.back.pack())
            return _buttons(context, lang, items, self.community, last)
        return await self.zones(context, lang)


def _buttons(
    context: MinhuContext,
    lang: str,
    places: Sequence[Zone | Community | Grid],
    family: Family,
    last: tuple[str, str],
) -> InlineKeyboardMarkup:
    """One button per place, then the `last` one (its label's template key, its data)."""
    rows: list[Row] = [[(p.name, family.pack(p.id))] for p in places]
    rows.append([(t(context, lang, last[0]), last[1])])
    return keyboard(rows)


def zones_shown(picker: Picker, then: object) -> Callback:
    """A callback that shows the zones in place of the pressed message; the state is `then`."""

    async def show(update: Update, context: MinhuContext) -> object:
        await answer(update, context)
        lang = await language_of(update, context)
        await say(
            update, context, picker.ask_zone, edit=True, markup=await picker.zones(context, lang)
        )
        return then

    show.__doc__ = f"Show the zones ({picker.ask_zone})."
    return show


async def communities_shown(
    update: Update, context: MinhuContext, picker: Picker, zone_id: int | None
) -> bool:
    """Show a zone's communities in place of the pressed message (the press is answered);
    False, with an invalid-button answer, when there is no such zone."""
    lang = await language_of(update, context)
    found = await picker.communities(context, lang, zone_id)
    if found is None:
        await answer(update, context, "common.invalid_button")
        return False
    await answer(update, context)
    zone, markup = found
    await say(update, context, picker.ask_community, edit=True, markup=markup, zone=zone.name)
    return True


def zone_pressed(picker: Picker, then: object) -> Callback:
    """A zone was pressed: its communities (state `then`); a zone that is not there is an
    invalid button and the step stays."""

    async def press(update: Update, context: MinhuContext) -> object:
        zone_id = picker.zone.one(pressed(update))
        return then if await communities_shown(update, context, picker, zone_id) else None

    press.__doc__ = f"A zone was pressed ({picker.ask_community})."
    return press


def community_pressed(picker: Picker, then: object) -> Callback:
    """A community was pressed: its grids (state `then`); else an invalid button."""

    async def press(update: Update, context: MinhuContext) -> object:
        lang = await language_of(update, context)
        found = await picker.grids(context, lang, picker.community.one(pressed(update)))
        if found is None:
            await answer(update, context, "common.invalid_button")
            return None
        await answer(update, context)
        community, markup = found
        await say(
            update, context, picker.ask_grid, edit=True, markup=markup, community=community.name
        )
        return then

    press.__doc__ = f"A community was pressed ({picker.ask_grid})."
    return press
