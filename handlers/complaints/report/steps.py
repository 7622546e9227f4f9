"""The answers /report takes at each step: category, description, photos, location or
address (→ which grid), "me too" (among the open cases of that grid), anonymity. Each handler
stores its answer in the draft and returns the next state through `next_step`; the prompts
live in `handlers.complaints.report.prompts`, the conversation wiring, editing, confirm and
cancel in `handlers.complaints.report`.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.complaints.buttons import ANONYMOUS, CATEGORY
from bot.complaints.intake import Draft
from bot.complaints.rules import NotAllowed
from bot.runtime.services import MinhuContext
from handlers.complaints.report import voice
from handlers.complaints.report.prompts import (
    DRAFT,
    State,
    ask_photos,
    next_step,
    show_summary,
    with_draft,
)
from handlers.complaints.report.same import join
from handlers.complaints.report.where import addressed, ask_where, located
from handlers.kit import conversation as kit
from handlers.kit import edits, menu
from handlers.kit.common import (
    MAX_ADDRESS,
    MAX_PHOTOS,
    MAX_TEXT,
    MIN_DESCRIPTION,
    add_photo,
    answer,
    language_of,
    say,
    say_with_keyboard,
    shown_above,
    t,
)
from storage import geo

log = logging.getLogger(__name__)
DISPUTE = "dispute"  # the category of 矛盾纠纷 (storage/seed.py)


@with_draft
async def choose_category(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A category was pressed."""
    assert update.callback_query is not None
    category_id = CATEGORY.one(update.callback_query.data)
    category = await geo.category(context.services.db, category_id) if category_id else None
    if category is None:
        await answer(update, context, "common.invalid_button")
        return State.CATEGORY
    draft["category_id"] = category.id
    await answer(update, context)
    lang = await language_of(update, context)
    dispute = category.code == DISPUTE  # offered mediation (矛盾调解) too
    await shown_above(
        update, context, "report.category_chosen", category=category.label(lang), dispute=dispute
    )
    return await next_step(update, context, draft, State.DESCRIPTION)


@with_draft
async def description(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The resident typed the description, or sent a photo with it as the caption (then the
    caption is the description and the photo the first photo)."""
    assert update.message is not None
    text = (update.message.text or update.message.caption or "").strip()
    # A photo is kept even when its caption is no description yet (the resident is told).
    if update.message.photo and len(draft["photos"]) < MAX_PHOTOS:
        add_photo(draft["photos"], update)
    if len(text) < MIN_DESCRIPTION or len(text) > MAX_TEXT:
        await say(
            update,
            context,
            "report.bad_description",
            length=len(text),
            min=MIN_DESCRIPTION,
            max=MAX_TEXT,
            photos=len(draft["photos"]),
        )
        return State.DESCRIPTION
    draft["description"] = text
    return await next_step(update, context, draft, State.PHOTOS)


def description_step() -> kit.Handlers:
    """The step of the description: typed, or sent as a photo's caption; anything else gets
    a hint."""
    captioned = filters.PHOTO & filters.CAPTION & filters.UpdateType.MESSAGE
    return [
        MessageHandler(captioned, description),
        *voice.DESCRIPTION_HANDLERS,
        *kit.typed_step(description, "report.expect_text"),
    ]


@with_draft
async def same(update: Update, context: MinhuContext, draft: Draft) -> int:
    """ "Me too" on an offered complaint: follow it instead of filing a new one."""
    assert context.user_data is not None
    try:
        joined = await join(update, context, draft)
    except NotAllowed:
        await answer(update, context)
        await shown_above(update, context, "report.same_gone")
        return await next_step(update, context, draft, _after_same(draft))
    if joined is None:
        await answer(update, context, "common.invalid_button")
        return State.SAME
    context.user_data.pop(DRAFT, None)
    await answer(update, context)
    number, added = joined
    await say(update, context, "report.same_joined", edit=True, number=number, added=added)
    return ConversationHandler.END


@with_draft
async def not_same(update: Update, context: MinhuContext, draft: Draft) -> int:
    """None of the offered complaints: go on with a new one."""
    draft.pop("same", None)
    await answer(update, context)
    await shown_above(update, context, "report.not_same")
    return await next_step(update, context, draft, _after_same(draft))


def _after_same(draft: Draft) -> State:
    """The step after the "me too" offer: made once the grid is known, it goes on to the
    anonymity; a draft offered right after its description (before this version) to photos."""
    return State.ANONYMITY if draft.get("same_checked") else State.PHOTOS


def _caption_words(update: Update, draft: Draft) -> str | None:
    """Words sent as a later photo's caption join the description ("added"), or the resident
    is told they did not fit ("dropped"); None without a caption."""
    assert update.message is not None
    caption = (update.message.caption or "").strip()
    if not caption:
        return None
    joined = f"{draft.get('description') or ''}\n{caption}".strip()
    if len(joined) > MAX_TEXT:
        return "dropped"
    draft["description"] = joined
    return "added"


@with_draft
async def photo(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A photo for the report (up to five)."""
    if len(draft["photos"]) >= MAX_PHOTOS:
        await say(update, context, "report.too_many_photos", max=MAX_PHOTOS)
        return State.PHOTOS
    add_photo(draft["photos"], update)
    words = _caption_words(update, draft)
    await edits.retire(update, context, draft.pop("photo_prompt", None))
    return await ask_photos(update, context, draft, words=words)


@with_draft
async def photos_done(update: Update, context: MinhuContext, draft: Draft) -> int:
    """No (more) photos."""
    await answer(update, context)
    await shown_above(update, context, "report.photos_done", count=len(draft["photos"]))
    return await next_step(update, context, draft, State.LOCATION)


@with_draft
async def location(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A Telegram location was shared."""
    assert update.message is not None and update.message.location is not None
    loc = update.message.location
    draft["location"] = [loc.latitude, loc.longitude]
    if await located(context, draft, loc.latitude, loc.longitude):
        await _location_received(
            update, context, "report.location_routed", grid=await _grid(context, draft)
        )
        return await next_step(update, context, draft, State.ANONYMITY)
    await _location_received(update, context, "report.location_received")
    return await ask_where(update, context, draft, edit=False)


@with_draft
async def address(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A typed address, or the 'skip' button of the reply keyboard."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    lang = await language_of(update, context)
    if text == t(context, lang, "report.btn_skip_location"):
        draft["address"], draft["location"] = None, None
        await _location_received(update, context, "report.location_skipped")
        return await ask_where(update, context, draft, edit=False)
    if not 2 <= len(text) <= MAX_ADDRESS:
        await say(update, context, "report.bad_address", max=MAX_ADDRESS)
        return State.LOCATION
    draft["address"] = text
    if await addressed(context, draft, text):
        grid = await _grid(context, draft)
        await _location_received(update, context, "report.address_routed", address=text, grid=grid)
        return await next_step(update, context, draft, State.ANONYMITY)
    await _location_received(update, context, "report.address_received", address=text)
    return await ask_where(update, context, draft, edit=False)


async def _grid(context: MinhuContext, draft: Draft) -> str:
    """The full name of the grid the report goes to."""
    grid = await geo.grid(context.services.db, draft["grid_id"])
    return grid.full_name if grid else "?"


async def _location_received(update: Update, context: MinhuContext, key: str, **ctx: Any) -> None:
    """Acknowledge the location step and take the reply keyboard away."""
    await say_with_keyboard(update, context, key, await menu.home(update, context), **ctx)


@with_draft
async def anonymity(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Named or anonymous."""
    assert update.callback_query is not None
    draft["anonymous"] = anonymous = bool(ANONYMOUS.one(update.callback_query.data))
    await answer(update, context)
    await shown_above(update, context, "report.anonymity_chosen", anonymous=anonymous)
    return await show_summary(update, context, draft)
