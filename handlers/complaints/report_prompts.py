"""The questions /report asks: its states, the draft accessor, one prompt per step and the
summary, plus `next_step`, which moves on to the following prompt (or back to the summary
while one field is being edited).

Kept apart from the answer handlers (`handlers.complaints.report_steps`) and the wiring
(`handlers.complaints.report`) so both can reach the prompts without importing each other.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.complaints import intake
from bot.runtime.services import MinhuContext
from handlers.kit.common import (
    MAX_ADDRESS,
    MAX_PHOTOS,
    MAX_TEXT,
    MIN_DESCRIPTION,
    cancel_row,
    keyboard,
    language_of,
    say,
    t,
)
from storage import geo

PREFIX = "rp"


class State(IntEnum):
    CATEGORY = 10
    DESCRIPTION = 11
    PHOTOS = 12
    LOCATION = 13
    ANONYMITY = 14
    CONFIRM = 15
    EDIT = 16
    SAME = 17  # similar open complaints were offered: join one, or go on with a new one


def draft_of(context: MinhuContext) -> dict[str, Any]:
    """The report draft in the user's persisted data; LookupError when there is none."""
    assert context.user_data is not None
    draft = context.user_data.get("draft")
    if not isinstance(draft, dict):
        raise LookupError("no draft")
    return draft


async def ask_category(update: Update, context: MinhuContext, *, edit: bool) -> int:
    """Offer the categories, two to a row."""
    lang = await language_of(update, context)
    cats = await geo.categories(context.services.db)
    labels = [(c.label(lang), f"{PREFIX}:cat:{c.id}") for c in cats]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    rows.append(cancel_row(context, lang, PREFIX))
    await say(update, context, "report.ask_category", edit=edit, markup=keyboard(rows))
    return State.CATEGORY


async def ask_description(update: Update, context: MinhuContext) -> int:
    """Ask for the description."""
    lang = await language_of(update, context)
    await say(
        update,
        context,
        "report.ask_description",
        markup=keyboard([cancel_row(context, lang, PREFIX)]),
        min=MIN_DESCRIPTION,
        max=MAX_TEXT,
    )
    return State.DESCRIPTION


async def ask_photos(update: Update, context: MinhuContext) -> int:
    """Ask for photos; the prompt's id is kept so its buttons can be retired later. A photo
    already kept (sent with the description as its caption) is counted, not asked for."""
    lang = await language_of(update, context)
    draft = draft_of(context)
    count = len(draft["photos"])
    done = "report.btn_photos_done" if count else "report.btn_no_photos"
    markup = keyboard(
        [
            [(t(context, lang, done), f"{PREFIX}:photos:done")],
            cancel_row(context, lang, PREFIX),
        ]
    )
    key = "report.photo_received" if count else "report.ask_photos"
    sent = await say(update, context, key, markup=markup, max=MAX_PHOTOS, count=count, words=None)
    draft["photo_prompt"] = sent.message_id if sent else None
    return State.PHOTOS


async def ask_location(update: Update, context: MinhuContext) -> int:
    """Ask for a location or an address, with a reply keyboard to share or skip."""
    lang = await language_of(update, context)
    chat = update.effective_chat
    assert chat is not None
    markup = ReplyKeyboardMarkup(
        [
            [KeyboardButton(t(context, lang, "report.btn_share_location"), request_location=True)],
            [KeyboardButton(t(context, lang, "report.btn_skip_location"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await context.bot.send_message(
        chat.id,
        t(context, lang, "report.ask_location", max=MAX_ADDRESS),
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )
    return State.LOCATION


async def ask_anonymity(update: Update, context: MinhuContext) -> int:
    """Ask whether the report is named or anonymous."""
    lang = await language_of(update, context)
    markup = keyboard(
        [
            [(t(context, lang, "report.btn_named"), f"{PREFIX}:anon:0")],
            [(t(context, lang, "report.btn_anonymous"), f"{PREFIX}:anon:1")],
            cancel_row(context, lang, PREFIX),
        ]
    )
    await say(update, context, "report.ask_anonymity", markup=markup)
    return State.ANONYMITY


async def show_summary(update: Update, context: MinhuContext, *, edit: bool = False) -> int:
    """The whole draft with confirm / edit / cancel; ends any editing of one field."""
    draft = draft_of(context)
    draft["editing"] = False
    lang = await language_of(update, context)
    db = context.services.db
    category = await geo.category(db, int(draft["category_id"]))
    grid = await geo.grid(db, int(draft["grid_id"]))
    markup = keyboard(
        [
            [(t(context, lang, "report.btn_confirm"), f"{PREFIX}:confirm:{intake.key_of(draft)}")],
            [
                (t(context, lang, "report.btn_edit"), f"{PREFIX}:edit"),
                (t(context, lang, "common.btn_cancel"), f"{PREFIX}:cancel"),
            ],
        ]
    )
    await say(
        update,
        context,
        "report.summary",
        edit=edit,
        markup=markup,
        category=category.label(lang) if category else "?",
        grid=grid.full_name if grid else "?",
        description=draft["description"],
        photo_count=len(draft["photos"]),
        address=draft["address"],
        has_location=draft["location"] is not None,
        anonymous=bool(draft["anonymous"]),
    )
    return State.CONFIRM


async def next_step(update: Update, context: MinhuContext, following: State) -> int:
    """Go to the following step, or back to the summary when editing one field."""
    if draft_of(context).get("editing"):
        return await show_summary(update, context)
    steps = {
        State.DESCRIPTION: ask_description,
        State.PHOTOS: ask_photos,
        State.LOCATION: ask_location,
        State.ANONYMITY: ask_anonymity,
        State.CONFIRM: show_summary,
    }
    return await steps[following](update, context)
