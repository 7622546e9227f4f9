"""/patrol (grid workers): (the grid, if several) → a location or a typed address → a photo,
or none → the result: no hazard (recorded at once), or a hazard found → its category
(安全隐患 first) → what it is. `bot.patrols.service.log` writes the patrol and, for a hazard, the
hazard ticket with its rectification deadline, in one transaction."""

from __future__ import annotations

from enum import IntEnum

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.patrols import buttons as b
from bot.patrols import service as patrols
from bot.patrols.service import HAZARD, NO_HAZARD, Draft, Refused
from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit import menu
from handlers.kit.common import (
    answer,
    in_rows,
    language_of,
    pressed,
    say,
    say_with_keyboard,
    sent_photo,
    t,
)
from handlers.kit.submitted import committed, retire_buttons
from storage import geo, submissions

DRAFT = "patrol_draft"


# The steps, numbered 370-375 (100-105 before this version: see `kit.renumbered`).
State = IntEnum("State", "GRID LOCATION PHOTO RESULT CATEGORY DESCRIPTION", start=370)

form = kit.draft_step(DRAFT, role=Role.GRID_WORKER, expired="patrol.expired")


@kit.form_start(DRAFT, Role.GRID_WORKER)
async def start(update: Update, context: MinhuContext, draft: Draft) -> int:
    """/patrol: grid workers only; which grid, if they have several."""
    assert update.effective_user is not None
    grids = await patrols.grids_of(context.services, update.effective_user.id)
    if not grids:  # a grid worker of no grid
        await say(update, context, "common.not_allowed")
        return ConversationHandler.END
    if len(grids) == 1:
        draft["grid_id"] = grids[0].id
        return await _ask_location(update, context)
    rows = [[(g.full_name, b.GRID.pack(g.id))] for g in grids]
    await kit.ask(update, context, "patrol.ask_grid", rows, b.CANCEL)
    return State.GRID


@form
async def grid(update: Update, context: MinhuContext, draft: Draft) -> int:
    """One of the worker's grids."""
    assert update.effective_user is not None
    mine = {g.id for g in await patrols.grids_of(context.services, update.effective_user.id)}
    grid_id = await kit.picked(update, context, b.GRID, mine)
    if grid_id is None:
        return State.GRID
    draft["grid_id"] = grid_id
    return await _ask_location(update, context)


async def _ask_location(update: Update, context: MinhuContext) -> int:
    lang = await language_of(update, context)
    share = KeyboardButton(t(context, lang, "patrol.btn_share_location"), request_location=True)
    markup = ReplyKeyboardMarkup([[share]], resize_keyboard=True, one_time_keyboard=True)
    await say_with_keyboard(update, context, "patrol.ask_location", markup, max=patrols.ADDRESS[1])
    return State.LOCATION


@form
async def location(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A shared location."""
    assert update.message is not None and update.message.location is not None
    loc = update.message.location
    draft |= {"location": [loc.latitude, loc.longitude], "address": None}
    return await _ask_photo(update, context, draft)


@form
async def address(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A typed address."""
    text = await kit.typed_within(update, context, patrols.ADDRESS, "patrol.bad_address")
    if text is None:
        return State.LOCATION
    draft |= {"location": None, "address": text}
    return await _ask_photo(update, context, draft)


async def _ask_photo(update: Update, context: MinhuContext, draft: Draft) -> int:
    located = draft.get("location") is not None
    await say_with_keyboard(
        update, context, "patrol.place_noted", await menu.home(update, context), located=located
    )
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "patrol.btn_no_photo"), b.NO_PHOTO.pack())]]
    await kit.ask(update, context, "patrol.ask_photo", rows, b.CANCEL)
    return State.PHOTO


@form
async def photo(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A photo of what was checked."""
    draft["photo"] = list(sent_photo(update))
    return await _ask_result(update, context, draft, edit=False)


@form
async def no_photo(update: Update, context: MinhuContext, draft: Draft) -> int:
    """No photo."""
    await answer(update, context)
    draft["photo"] = None
    return await _ask_result(update, context, draft, edit=True)


async def _ask_result(update: Update, context: MinhuContext, draft: Draft, *, edit: bool) -> int:
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, "patrol.btn_no_hazard"), b.RESULT.pack(NO_HAZARD))],
        [(t(context, lang, "patrol.btn_hazard"), b.RESULT.pack(HAZARD))],
    ]
    taken = draft.get("photo") is not None
    await kit.ask(update, context, "patrol.ask_result", rows, b.CANCEL, edit=edit, photo=taken)
    return State.RESULT


@form
async def result(update: Update, context: MinhuContext, draft: Draft) -> int:
    """No hazard: recorded now. A hazard: which category?"""
    chosen = await kit.picked(update, context, b.RESULT, (NO_HAZARD, HAZARD), answered=False)
    if chosen is None:
        return State.RESULT
    if chosen == NO_HAZARD:
        return await _log(update, context, draft, hazard=False)
    await answer(update, context)
    lang = await language_of(update, context)
    cats = sorted(
        await geo.categories(context.services.db),
        key=lambda c: c.code != patrols.HAZARD_CATEGORY,
    )
    rows = in_rows([(c.label(lang), b.CATEGORY.pack(c.id)) for c in cats], 2)
    await kit.ask(update, context, "patrol.ask_category", rows, b.CANCEL, edit=True)
    return State.CATEGORY


@form
async def category(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The hazard's category; then what it is."""
    category_id = b.CATEGORY.one(pressed(update))
    found = await geo.category(context.services.db, category_id) if category_id else None
    if found is None:
        await answer(update, context, "common.invalid_button")
        return State.CATEGORY
    await answer(update, context)
    draft["category_id"] = found.id
    lang = await language_of(update, context)
    low, high = patrols.DESCRIPTION
    await say(
        update,
        context,
        "patrol.ask_description",
        edit=True,
        category=found.label(lang),
        min=low,
        max=high,
    )
    return State.DESCRIPTION


@form
async def description(update: Update, context: MinhuContext, draft: Draft) -> int:
    """What the hazard is: the patrol and its ticket are written now."""
    text = await kit.typed_within(update, context, patrols.DESCRIPTION, "patrol.bad_length")
    if text is None:
        return State.DESCRIPTION
    draft["description"] = text
    return await _log(update, context, draft, hazard=True)


async def _log(update: Update, context: MinhuContext, draft: Draft, *, hazard: bool) -> int:
    """Record the patrol once: a draft that comes back after a crash records nothing more and
    gets the same answer; a new answer comes through the outbox, sent after the commit."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    context.user_data.pop(DRAFT, None)
    edit = update.callback_query is not None
    key = draft.setdefault("id", submissions.new_key())
    try:
        report = patrols.report_of(draft, hazard=hazard)
        logged = await patrols.log(context.services, user.id, report, key=key)
    except Refused as refused:
        await kit.refuse(update, context, refused, edit=edit)
        return ConversationHandler.END
    await answer(update, context)
    ticket = logged.ticket
    if logged.again:
        await say(
            update,
            context,
            "patrol.logged",
            edit=edit,
            hazard=ticket is not None,
            number=ticket.number if ticket else None,
            resolve_due=ticket.resolve_due if ticket else None,
            told=ticket.told if ticket else True,
        )
        return ConversationHandler.END
    record = ticket.number if ticket else f"#{logged.patrol_id}"
    await committed(update, context, key=key, record=record)
    await retire_buttons(update, context)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /patrol conversation (persistent: it survives a restart)."""
    buttons = "patrol.expect_button"
    form = kit.conversation(
        "patrol",
        entry_points=[CommandHandler("patrol", start)],
        states={
            State.GRID: kit.buttons_step(buttons, (b.GRID, grid)),
            State.LOCATION: kit.location_step(location, address, "patrol.expect_location"),
            State.PHOTO: kit.photo_step(photo, (b.NO_PHOTO, no_photo), "patrol.expect_photo"),
            State.RESULT: kit.buttons_step(buttons, (b.RESULT, result)),
            State.CATEGORY: kit.buttons_step(buttons, (b.CATEGORY, category)),
            State.DESCRIPTION: kit.typed_step(description, "patrol.expect_text"),
        },
        cancel=kit.cancelled_with_keyboard("patrol.cancelled", DRAFT),
        cancel_button=b.CANCEL,
    )
    return [kit.renumbered(form, State, was=100)]
