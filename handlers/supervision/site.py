"""/suggest from the site on: where it is (属地) — the grid the location or address names, or,
when neither does, the representative's answer (their home grid, or elsewhere through the
zone → community → grid picker) — then the deadline and the summary, whose "change the grid"
asks where again."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.assignments.rules import typed_deadline
from bot.core.clock import from_iso
from bot.runtime.services import MinhuContext
from bot.supervision import buttons as b
from bot.supervision import service as supervision
from bot.supervision.service import Draft
from handlers.kit import conversation as kit
from handlers.kit import menu
from handlers.kit.common import answer, language_of, pressed, say, say_with_keyboard, t
from handlers.kit.geo_picker import Picker, community_pressed, zone_pressed, zones_shown
from handlers.supervision.steps import State, form
from storage import geo, submissions


def place(draft: Draft, grid_id: int | None) -> None:
    """The item belongs to the grid of its site (属地) when the location or address names one;
    else the representative is asked where it is."""
    draft["routed"] = grid_id is not None
    if grid_id is not None:
        draft["grid_id"] = grid_id


async def after_location(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The location step is over (its keyboard goes); where, if it did not say; the deadline."""
    noted = {"has_location": "location" in draft}
    await say_with_keyboard(
        update, context, "supervision.location_noted", await menu.home(update, context), **noted
    )
    if not draft.get("routed"):
        return await _ask_where(update, context, draft, edit=False)
    return await _deadline_question(update, context, draft)


async def _deadline_question(update: Update, context: MinhuContext, draft: Draft) -> int:
    services = context.services
    found = await geo.category(services.db, draft["category_id"], active_only=False)
    assert found is not None
    default = services.calendar.add_working_days(services.clock.now(), found.resolve_days)
    lang = await language_of(update, context)
    label = t(context, lang, "supervision.btn_default_due", due_at=default)
    rows = [[(label, b.DEFAULT_DUE.pack())]]
    await kit.ask(update, context, "supervision.ask_deadline", rows, b.CANCEL, due_at=default)
    return State.DEADLINE


# Where the site is, when the location or address does not say (and the summary's "change
# the grid"): the home grid, or elsewhere through the zone → community → grid picker.
PICKER = Picker(
    zone=b.WHERE_ZONE,
    community=b.WHERE_COMMUNITY,
    grid=b.WHERE_GRID,
    back=b.WHERE_BACK,
    cancel=b.CANCEL,
    ask_zone="supervision.where_zone",
    ask_community="supervision.where_community",
    ask_grid="supervision.where_grid",
)


def _home(draft: Draft) -> int:
    """The representative's grid (a form saved before it was kept: the grid it had)."""
    return int(draft.get("home_grid_id") or draft["grid_id"])


async def _ask_where(update: Update, context: MinhuContext, draft: Draft, *, edit: bool) -> int:
    lang = await language_of(update, context)
    home = await geo.grid(context.services.db, _home(draft))
    label = t(context, lang, "supervision.btn_where_home", grid=home.name if home else "?")
    rows = [
        [(label, b.WHERE.pack("home"))],
        [(t(context, lang, "supervision.btn_where_else"), b.WHERE.pack("else"))],
    ]
    await kit.ask(update, context, "supervision.ask_where", rows, b.CANCEL, edit=edit)
    return State.WHERE


@form
async def where(update: Update, context: MinhuContext, draft: Draft) -> int | None:
    """The home grid (then on), or elsewhere (the zones)."""
    if b.WHERE.one(pressed(update)) == "else":
        return await zones_shown(PICKER, State.WHERE)(update, context)
    await answer(update, context)
    draft["grid_id"] = _home(draft)
    return await _where_chosen(update, context, draft)


@form
async def grid_picked(update: Update, context: MinhuContext, draft: Draft) -> int | None:
    """A grid was picked in the picker."""
    grid_id = b.WHERE_GRID.one(pressed(update))
    grid = await geo.grid(context.services.db, grid_id) if grid_id is not None else None
    if grid is None:
        await answer(update, context, "common.invalid_button")
        return None
    await answer(update, context)
    draft["grid_id"] = grid.id
    return await _where_chosen(update, context, draft)


async def _where_chosen(update: Update, context: MinhuContext, draft: Draft) -> int:
    grid = await geo.grid(context.services.db, draft["grid_id"])
    name = grid.full_name if grid else "?"
    await say(update, context, "supervision.where_chosen", edit=True, grid=name)
    draft["routed"] = True
    if draft.pop("editing", False):
        return await summary(update, context, draft, edit=False)
    return await _deadline_question(update, context, draft)


@form
async def change_grid(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The summary's "change the grid": where again, then back to the summary."""
    await answer(update, context)
    draft["editing"] = True
    return await _ask_where(update, context, draft, edit=True)


@form
async def deadline_default(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The category's working-day deadline."""
    await answer(update, context)
    draft["due_at"] = None
    return await summary(update, context, draft)


@form
async def deadline_typed(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A typed date: to be fixed by 18:00 that day (Refused, answered, if past or too far)."""
    assert update.message is not None
    services = context.services
    now = services.clock.now()
    due_at = typed_deadline(update.message.text or "", services.settings.tz, now)
    if due_at is None:
        await say(update, context, "supervision.bad_date")
        return State.DEADLINE
    supervision.check_due(due_at, now)
    draft["due_at"] = due_at.isoformat()
    return await summary(update, context, draft)


async def summary(
    update: Update, context: MinhuContext, draft: Draft, *, edit: bool | None = None
) -> int:
    """The summary with confirm and "change the grid"; it replaces a pressed message unless
    `edit` says otherwise."""
    lang = await language_of(update, context)
    found = await geo.category(context.services.db, draft["category_id"], active_only=False)
    grid = await geo.grid(context.services.db, draft["grid_id"])
    due_at = draft.get("due_at")
    due: datetime | None = from_iso(due_at) if due_at else None
    key = draft.setdefault("id", submissions.new_key())
    rows = [
        [(t(context, lang, "supervision.btn_confirm"), b.CONFIRM.pack(key))],
        [(t(context, lang, "supervision.btn_change_grid"), b.CHANGE_GRID.pack())],
    ]
    await kit.ask(
        update,
        context,
        "supervision.summary",
        rows,
        b.CANCEL,
        edit=update.callback_query is not None if edit is None else edit,
        kind=draft["kind"],
        source=draft["source"],
        category=found.label(lang) if found else "",
        department=draft["department"],
        grid=grid.full_name if grid else "?",
        description=draft["description"],
        photo_count=len(draft["photos"]),
        address=draft.get("address"),
        has_location="location" in draft,
        due_at=due,
    )
    return State.CONFIRM


def where_step(expect: str) -> kit.Handlers:
    """The where step's buttons: home or elsewhere, and the picker's."""
    return kit.buttons_step(
        expect,
        (b.WHERE, where),
        (b.WHERE_ZONE, zone_pressed(PICKER, State.WHERE)),
        (b.WHERE_COMMUNITY, community_pressed(PICKER, State.WHERE)),
        (b.WHERE_BACK, zones_shown(PICKER, State.WHERE)),
        (b.WHERE_GRID, grid_picked),
    )
