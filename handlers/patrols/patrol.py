"""/patrol (grid workers): (the grid, if several) → a location or a typed address → a photo,
or none → the result: no hazard (recorded at once), or a hazard found → its category
(安全隐患 first) → what it is. `bot.patrols.service.log` writes the patrol and, for a hazard, the
hazard ticket with its rectification deadline, in one transaction."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.complaints.rules import NotAllowed
from bot.patrols import service as patrols
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from handlers.kit.common import (
    Row,
    answer,
    cancel_row,
    hint,
    keyboard,
    language_of,
    last_field,
    parse_int,
    say,
    sent_photo,
    t,
    user_draft,
)
from handlers.kit.submitted import committed, retire_buttons
from storage import geo, submissions

PREFIX = "pt"
DRAFT = "patrol_draft"


class State(IntEnum):
    GRID = 100
    LOCATION = 101
    PHOTO = 102
    RESULT = 103
    CATEGORY = 104
    DESCRIPTION = 105


async def _plain(update: Update, context: MinhuContext, key: str, markup: Any, **ctx: Any) -> None:
    """A message with a reply keyboard (or the removal of one)."""
    chat = update.effective_chat
    assert chat is not None
    lang = await language_of(update, context)
    await context.bot.send_message(
        chat.id, t(context, lang, key, **ctx), parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def start(update: Update, context: MinhuContext) -> int:
    """/patrol: grid workers only; which grid, if they have several."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    services = context.services
    grids = await patrols.grids_of(services, user.id)
    if not grids or not await has_role(services, user.id, "grid_worker"):
        await say(update, context, "common.not_allowed")
        return ConversationHandler.END
    context.user_data[DRAFT] = {"id": submissions.new_key()}  # the patrol's submission key
    if len(grids) == 1:
        user_draft(context, DRAFT)["grid_id"] = grids[0].id
        return await _ask_location(update, context)
    lang = await language_of(update, context)
    rows: list[Row] = [[(g.full_name, f"{PREFIX}:g:{g.id}")] for g in grids]
    rows.append(cancel_row(context, lang, PREFIX))
    await say(update, context, "patrol.ask_grid", markup=keyboard(rows))
    return State.GRID


async def grid(update: Update, context: MinhuContext) -> int:
    """One of the worker's grids."""
    assert update.effective_user is not None
    grid_id = parse_int(last_field(update))
    mine = {g.id for g in await patrols.grids_of(context.services, update.effective_user.id)}
    if grid_id not in mine:
        await answer(update, context, "common.invalid_button")
        return State.GRID
    await answer(update, context)
    user_draft(context, DRAFT)["grid_id"] = grid_id
    return await _ask_location(update, context)


async def _ask_location(update: Update, context: MinhuContext) -> int:
    lang = await language_of(update, context)
    share = KeyboardButton(t(context, lang, "patrol.btn_share_location"), request_location=True)
    markup = ReplyKeyboardMarkup([[share]], resize_keyboard=True, one_time_keyboard=True)
    await _plain(update, context, "patrol.ask_location", markup, max=patrols.ADDRESS[1])
    return State.LOCATION


async def location(update: Update, context: MinhuContext) -> int:
    """A shared location."""
    assert update.message is not None and update.message.location is not None
    loc = update.message.location
    user_draft(context, DRAFT).update({"location": [loc.latitude, loc.longitude], "address": None})
    return await _ask_photo(update, context)


async def address(update: Update, context: MinhuContext) -> int:
    """A typed address."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    low, high = patrols.ADDRESS
    if not low <= len(text) <= high:
        await say(update, context, "patrol.bad_address", min=low, max=high)
        return State.LOCATION
    user_draft(context, DRAFT).update({"location": None, "address": text})
    return await _ask_photo(update, context)


async def _ask_photo(update: Update, context: MinhuContext) -> int:
    has_location = user_draft(context, DRAFT).get("location") is not None
    await _plain(update, context, "patrol.place_noted", ReplyKeyboardRemove(), located=has_location)
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, "patrol.btn_no_photo"), f"{PREFIX}:nophoto")],
        cancel_row(context, lang, PREFIX),
    ]
    await say(update, context, "patrol.ask_photo", markup=keyboard(rows))
    return State.PHOTO


async def photo(update: Update, context: MinhuContext) -> int:
    """A photo of what was checked."""
    user_draft(context, DRAFT)["photo"] = list(sent_photo(update))
    return await _ask_result(update, context, edit=False)


async def no_photo(update: Update, context: MinhuContext) -> int:
    """No photo."""
    await answer(update, context)
    user_draft(context, DRAFT)["photo"] = None
    return await _ask_result(update, context, edit=True)


async def _ask_result(update: Update, context: MinhuContext, *, edit: bool) -> int:
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, "patrol.btn_no_hazard"), f"{PREFIX}:r:none")],
        [(t(context, lang, "patrol.btn_hazard"), f"{PREFIX}:r:hazard")],
        cancel_row(context, lang, PREFIX),
    ]
    photo_taken = user_draft(context, DRAFT).get("photo") is not None
    await say(
        update, context, "patrol.ask_result", edit=edit, markup=keyboard(rows), photo=photo_taken
    )
    return State.RESULT


async def result(update: Update, context: MinhuContext) -> int:
    """No hazard: recorded now. A hazard: which category?"""
    chosen = last_field(update)
    if chosen not in ("none", "hazard"):
        await answer(update, context, "common.invalid_button")
        return State.RESULT
    await answer(update, context)
    if chosen == "none":
        return await _log(update, context, hazard=False)
    lang = await language_of(update, context)
    cats = sorted(
        await geo.categories(context.services.db),
        key=lambda c: c.code != patrols.HAZARD_CATEGORY,
    )
    labels = [(c.label(lang), f"{PREFIX}:c:{c.id}") for c in cats]
    rows: list[Row] = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    rows.append(cancel_row(context, lang, PREFIX))
    await say(update, context, "patrol.ask_category", edit=True, markup=keyboard(rows))
    return State.CATEGORY


async def category(update: Update, context: MinhuContext) -> int:
    """The hazard's category; then what it is."""
    category_id = parse_int(last_field(update))
    found = await geo.category(context.services.db, category_id) if category_id else None
    if found is None:
        await answer(update, context, "common.invalid_button")
        return State.CATEGORY
    await answer(update, context)
    user_draft(context, DRAFT)["category_id"] = found.id
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


async def description(update: Update, context: MinhuContext) -> int:
    """What the hazard is: the patrol and its ticket are written now."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    low, high = patrols.DESCRIPTION
    if not low <= len(text) <= high:
        await say(update, context, "patrol.bad_length", length=len(text), min=low, max=high)
        return State.DESCRIPTION
    user_draft(context, DRAFT)["description"] = text
    return await _log(update, context, hazard=True)


async def _log(update: Update, context: MinhuContext, *, hazard: bool) -> int:
    """Record the patrol once: a draft that comes back after a crash records nothing more and
    gets the same answer; a new answer comes through the outbox, sent after the commit."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    draft = user_draft(context, DRAFT)
    context.user_data.pop(DRAFT, None)
    loc, pic = draft.get("location"), draft.get("photo")
    edit = update.callback_query is not None
    key = str(draft.setdefault("id", submissions.new_key()))
    try:
        report = patrols.Report(
            grid_id=int(draft["grid_id"]),
            latitude=loc[0] if loc else None,
            longitude=loc[1] if loc else None,
            address=draft.get("address"),
            photo=(pic[0], pic[1]) if pic else None,
            hazard=hazard,
            category_id=draft.get("category_id"),
            description=str(draft.get("description") or ""),
        )
        logged = await patrols.log(context.services, user.id, report, key=key)
    except (NotAllowed, KeyError) as refused:
        reason = refused.reason if isinstance(refused, NotAllowed) else "expired"
        await say(update, context, "patrol.refused", edit=edit, reason=reason)
        return ConversationHandler.END
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
    await committed(
        update, context, key=key, record=ticket.number if ticket else f"#{logged.patrol_id}"
    )
    await retire_buttons(update)
    return ConversationHandler.END


async def cancel(update: Update, context: MinhuContext) -> int:
    """/cancel or the cancel button: nothing is recorded."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await answer(update, context)
    if update.callback_query is not None:
        await say(update, context, "patrol.cancelled", edit=True)
    else:
        await _plain(update, context, "patrol.cancelled", ReplyKeyboardRemove())
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /patrol conversation (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    buttons_only: BaseHandler = MessageHandler(other, hint("patrol.expect_button"))
    return [
        ConversationHandler(
            entry_points=[CommandHandler("patrol", start)],
            states={
                State.GRID: [CallbackQueryHandler(grid, pattern=f"^{PREFIX}:g:"), buttons_only],
                State.LOCATION: [
                    MessageHandler(filters.LOCATION, location),
                    MessageHandler(text, address),
                    MessageHandler(other, hint("patrol.expect_location")),
                ],
                State.PHOTO: [
                    MessageHandler(filters.PHOTO, photo),
                    CallbackQueryHandler(no_photo, pattern=f"^{PREFIX}:nophoto$"),
                    MessageHandler(other, hint("patrol.expect_photo")),
                ],
                State.RESULT: [
                    CallbackQueryHandler(result, pattern=f"^{PREFIX}:r:"),
                    buttons_only,
                ],
                State.CATEGORY: [
                    CallbackQueryHandler(category, pattern=f"^{PREFIX}:c:"),
                    buttons_only,
                ],
                State.DESCRIPTION: [
                    MessageHandler(text, description),
                    MessageHandler(other, hint("patrol.expect_text")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="patrol",
            persistent=True,
            allow_reentry=True,
        )
    ]
