"""A category pressed under the offer made for a message sent outside a conversation
(`handlers.complaints.said`): the /report conversation starts with that message already in
the draft — its words as the description, its photos and voice notes, its location (routed to
the grid that contains it) — and the steps whose answer is there are passed.

Only the latest offer's buttons work (its key is the kept item's); an older offer's press, or
one after the resident declined, files nothing and says so.
"""

from __future__ import annotations

from typing import Any, cast

from telegram import Update
from telegram.ext import ConversationHandler

from bot.complaints import said
from bot.complaints.buttons import SAID
from bot.runtime.services import MinhuContext
from handlers.complaints.report.prompts import DRAFT, State, ask_description, next_step
from handlers.complaints.report.where import located
from handlers.kit import conversation as kit
from handlers.kit.common import answer, language_of, pressed, shown_above
from handlers.kit.submitted import retire_buttons
from storage import geo

SAID_SLOT = "said"  # the user's data slot of what was sent (bot.complaints.said.Said)


async def live_offer(
    update: Update, context: MinhuContext, offer_id: object, *, retire: bool = True
) -> dict[str, Any] | None:
    """What was kept, when a press names the latest offer; else (an older offer, one declined,
    a forged press) the press is answered as expired, the pressed message loses its buttons
    (with `retire`) and None comes back."""
    assert context.user_data is not None
    item = context.user_data.get(SAID_SLOT)
    if offer_id is not None and isinstance(item, dict) and item.get("id") == offer_id:
        return item
    await answer(update, context, "said.expired")
    if retire:
        await retire_buttons(update, context)
    return None


async def accepted(update: Update, context: MinhuContext) -> int | None:
    """File what was sent under the pressed category: the report goes on from the first step
    whose answer is missing. An older offer's press (or a second press of this one, its report
    under way) changes nothing: a report in progress stays at its step."""
    assert context.user_data is not None
    parsed = SAID.parse(pressed(update))
    # A report under way keeps its step's message as it is (it may be this offer, edited).
    retire = DRAFT not in context.user_data
    item = await live_offer(update, context, parsed[0] if parsed else None, retire=retire)
    if parsed is None or item is None:
        return None
    person = await kit.registered(update, context, with_grid=True)
    if person is None or person.grid_id is None:
        await answer(update, context)
        return ConversationHandler.END
    category = await geo.category(context.services.db, parsed[1])
    if category is None:
        await answer(update, context, "common.invalid_button")
        return ConversationHandler.END
    draft = said.draft_of(cast(said.Said, item), person.grid_id, category.id)
    location = draft.get("location")
    if location:
        await located(context, draft, location[0], location[1])
    context.user_data.pop(SAID_SLOT, None)
    context.user_data[DRAFT] = draft
    await answer(update, context)
    lang = await language_of(update, context)
    await shown_above(update, context, "report.category_chosen", category=category.label(lang))
    if not draft.get("description"):
        return await ask_description(update, context, draft)
    return await next_step(update, context, draft, State.PHOTOS)
