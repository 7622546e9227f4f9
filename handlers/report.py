"""/report: category → description (→ "me too") → photos → location → anonymity → confirm.

The draft lives in the user's persisted data, so a restart continues at the same step; the
complaint is written only on confirm, in one transaction, and only then is the number given.
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any

from telegram import KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import intake
from bot.lifecycle import NotAllowed
from bot.services import MinhuContext
from handlers.common import (
    MAX_ADDRESS,
    MAX_PHOTOS,
    MAX_TEXT,
    MIN_DESCRIPTION,
    answer,
    current_person,
    hint,
    keyboard,
    language_of,
    parse_int,
    say,
    t,
)
from handlers.report_same import join, offer
from storage import geo

PREFIX = "rp"
log = logging.getLogger(__name__)


class State(IntEnum):
    CATEGORY = 10
    DESCRIPTION = 11
    PHOTOS = 12
    LOCATION = 13
    ANONYMITY = 14
    CONFIRM = 15
    EDIT = 16
    SAME = 17  # similar open complaints were offered: join one, or go on with a new one


def _draft(context: MinhuContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft = context.user_data.get("draft")
    if not isinstance(draft, dict):
        raise LookupError("no draft")
    return draft


def _cancel_row(context: MinhuContext, lang: str) -> list[tuple[str, str]]:
    return [(t(context, lang, "common.btn_cancel"), f"{PREFIX}:cancel")]


async def _ask_category(update: Update, context: MinhuContext, *, edit: bool) -> int:
    lang = await language_of(update, context)
    cats = await geo.categories(context.services.db)
    labels = [(c.label(lang), f"{PREFIX}:cat:{c.id}") for c in cats]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    rows.append(_cancel_row(context, lang))
    await say(update, context, "report.ask_category", edit=edit, markup=keyboard(rows))
    return State.CATEGORY


async def _ask_description(update: Update, context: MinhuContext) -> int:
    lang = await language_of(update, context)
    await say(
        update,
        context,
        "report.ask_description",
        markup=keyboard([_cancel_row(context, lang)]),
        min=MIN_DESCRIPTION,
        max=MAX_TEXT,
    )
    return State.DESCRIPTION


async def _ask_photos(update: Update, context: MinhuContext) -> int:
    lang = await language_of(update, context)
    markup = keyboard(
        [
            [(t(context, lang, "report.btn_no_photos"), f"{PREFIX}:photos:done")],
            _cancel_row(context, lang),
        ]
    )
    sent = await say(update, context, "report.ask_photos", markup=markup, max=MAX_PHOTOS)
    _draft(context)["photo_prompt"] = sent.message_id if sent else None
    return State.PHOTOS


async def _ask_location(update: Update, context: MinhuContext) -> int:
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


async def _ask_anonymity(update: Update, context: MinhuContext) -> int:
    lang = await language_of(update, context)
    markup = keyboard(
        [
            [(t(context, lang, "report.btn_named"), f"{PREFIX}:anon:0")],
            [(t(context, lang, "report.btn_anonymous"), f"{PREFIX}:anon:1")],
            _cancel_row(context, lang),
        ]
    )
    await say(update, context, "report.ask_anonymity", markup=markup)
    return State.ANONYMITY


async def _show_summary(update: Update, context: MinhuContext, *, edit: bool = False) -> int:
    draft = _draft(context)
    draft["editing"] = False
    lang = await language_of(update, context)
    db = context.services.db
    category = await geo.category(db, int(draft["category_id"]))
    grid = await geo.grid(db, int(draft["grid_id"]))
    markup = keyboard(
        [
            [(t(context, lang, "report.btn_confirm"), f"{PREFIX}:confirm")],
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


async def _next(update: Update, context: MinhuContext, following: State) -> int:
    """Go to the following step, or back to the summary when editing one field."""
    if _draft(context).get("editing"):
        return await _show_summary(update, context)
    steps = {
        State.DESCRIPTION: _ask_description,
        State.PHOTOS: _ask_photos,
        State.LOCATION: _ask_location,
        State.ANONYMITY: _ask_anonymity,
        State.CONFIRM: _show_summary,
    }
    return await steps[following](update, context)


async def start(update: Update, context: MinhuContext) -> int:
    """/report: registered residents start a draft; others are sent to /start."""
    assert context.user_data is not None
    person = await current_person(update, context)
    if person is None or person.grid_id is None:
        await say(update, context, "common.need_start")
        return ConversationHandler.END
    context.user_data["draft"] = intake.new_draft(person.grid_id)
    return await _ask_category(update, context, edit=False)


async def choose_category(update: Update, context: MinhuContext) -> int:
    """A category was pressed."""
    assert update.callback_query is not None
    category_id = parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])
    category = await geo.category(context.services.db, category_id) if category_id else None
    if category is None:
        await answer(update, context, "common.invalid_button")
        return State.CATEGORY
    draft = _draft(context)
    draft["category_id"] = category.id
    await answer(update, context)
    lang = await language_of(update, context)
    await say(update, context, "report.category_chosen", edit=True, category=category.label(lang))
    return await _next(update, context, State.DESCRIPTION)


async def description(update: Update, context: MinhuContext) -> int:
    """The resident typed the description."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    if len(text) < MIN_DESCRIPTION or len(text) > MAX_TEXT:
        await say(
            update,
            context,
            "report.bad_description",
            length=len(text),
            min=MIN_DESCRIPTION,
            max=MAX_TEXT,
        )
        return State.DESCRIPTION
    draft = _draft(context)
    draft["description"] = text
    lang = await language_of(update, context)
    if await offer(update, context, draft, _cancel_row(context, lang)):
        return State.SAME
    return await _next(update, context, State.PHOTOS)


async def same(update: Update, context: MinhuContext) -> int:
    """ "Me too" on an offered complaint: follow it instead of filing a new one."""
    assert context.user_data is not None
    try:
        joined = await join(update, context, _draft(context))
    except NotAllowed:
        await answer(update, context)
        await say(update, context, "report.same_gone", edit=True)
        return await _next(update, context, State.PHOTOS)
    if joined is None:
        await answer(update, context, "common.invalid_button")
        return State.SAME
    context.user_data.pop("draft", None)
    await answer(update, context)
    number, added = joined
    await say(update, context, "report.same_joined", edit=True, number=number, added=added)
    return ConversationHandler.END


async def not_same(update: Update, context: MinhuContext) -> int:
    """None of the offered complaints: go on with a new one."""
    _draft(context).pop("same", None)
    await answer(update, context)
    await say(update, context, "report.not_same", edit=True)
    return await _next(update, context, State.PHOTOS)


async def photo(update: Update, context: MinhuContext) -> int:
    """A photo for the report (up to five)."""
    assert update.message is not None and update.message.photo
    draft = _draft(context)
    lang = await language_of(update, context)
    if len(draft["photos"]) >= MAX_PHOTOS:
        await say(update, context, "report.too_many_photos", max=MAX_PHOTOS)
        return State.PHOTOS
    biggest = update.message.photo[-1]
    draft["photos"].append([biggest.file_id, biggest.file_unique_id])
    markup = keyboard(
        [
            [(t(context, lang, "report.btn_photos_done"), f"{PREFIX}:photos:done")],
            _cancel_row(context, lang),
        ]
    )
    await _retire_photo_prompt(update, context, draft)
    sent = await say(
        update,
        context,
        "report.photo_received",
        markup=markup,
        count=len(draft["photos"]),
        max=MAX_PHOTOS,
    )
    draft["photo_prompt"] = sent.message_id if sent else None
    return State.PHOTOS


async def _retire_photo_prompt(
    update: Update, context: MinhuContext, draft: dict[str, Any]
) -> None:
    """Take the buttons off the previous photo prompt, so only the latest one can be pressed."""
    prompt, chat = draft.pop("photo_prompt", None), update.effective_chat
    if prompt and chat is not None:
        try:
            await context.bot.edit_message_reply_markup(chat.id, prompt, reply_markup=None)
        except BadRequest as exc:
            log.info("could not retire the photo prompt: %s", exc.message)


async def photos_done(update: Update, context: MinhuContext) -> int:
    """No (more) photos."""
    await answer(update, context)
    draft = _draft(context)
    await say(update, context, "report.photos_done", edit=True, count=len(draft["photos"]))
    return await _next(update, context, State.LOCATION)


async def location(update: Update, context: MinhuContext) -> int:
    """A Telegram location was shared."""
    assert update.message is not None and update.message.location is not None
    loc = update.message.location
    draft = _draft(context)
    draft["location"] = [loc.latitude, loc.longitude]
    await _location_received(update, context, "report.location_received")
    return await _next(update, context, State.ANONYMITY)


async def address(update: Update, context: MinhuContext) -> int:
    """A typed address, or the 'skip' button of the reply keyboard."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    lang = await language_of(update, context)
    draft = _draft(context)
    if text == t(context, lang, "report.btn_skip_location"):
        draft["address"], draft["location"] = None, None
        await _location_received(update, context, "report.location_skipped")
        return await _next(update, context, State.ANONYMITY)
    if not 2 <= len(text) <= MAX_ADDRESS:
        await say(update, context, "report.bad_address", max=MAX_ADDRESS)
        return State.LOCATION
    draft["address"] = text
    await _location_received(update, context, "report.address_received", address=text)
    return await _next(update, context, State.ANONYMITY)


async def _location_received(update: Update, context: MinhuContext, key: str, **ctx: Any) -> None:
    chat = update.effective_chat
    assert chat is not None
    lang = await language_of(update, context)
    await context.bot.send_message(
        chat.id,
        t(context, lang, key, **ctx),
        parse_mode=ParseMode.HTML,
        reply_markup=ReplyKeyboardRemove(),
    )


async def anonymity(update: Update, context: MinhuContext) -> int:
    """Named or anonymous."""
    assert update.callback_query is not None
    value = (update.callback_query.data or "").rsplit(":", 1)[-1]
    if value not in ("0", "1"):
        await answer(update, context, "common.invalid_button")
        return State.ANONYMITY
    _draft(context)["anonymous"] = value == "1"
    await answer(update, context)
    await say(update, context, "report.anonymity_chosen", edit=True, anonymous=value == "1")
    return await _show_summary(update, context)


async def edit_menu(update: Update, context: MinhuContext) -> int:
    """Which part to change."""
    await answer(update, context)
    lang = await language_of(update, context)
    fields = ("category", "description", "photos", "location", "anonymity")
    rows = [[(t(context, lang, f"report.btn_edit_{f}"), f"{PREFIX}:e:{f}")] for f in fields]
    rows.append([(t(context, lang, "common.btn_back"), f"{PREFIX}:e:back")])
    await say(update, context, "report.edit_which", edit=True, markup=keyboard(rows))
    return State.EDIT


async def edit_field(update: Update, context: MinhuContext) -> int:
    """Go back to one step; afterwards the summary is shown again."""
    assert update.callback_query is not None
    field = (update.callback_query.data or "").rsplit(":", 1)[-1]
    draft = _draft(context)
    if field == "back":
        await answer(update, context)
        return await _show_summary(update, context, edit=True)
    steps = {
        "description": State.DESCRIPTION,
        "location": State.LOCATION,
        "anonymity": State.ANONYMITY,
    }
    if field == "category":
        await answer(update, context)
        draft["editing"] = True
        return await _ask_category(update, context, edit=True)
    if field == "photos":
        await answer(update, context)
        draft["editing"] = True
        draft["photos"] = []
        return await _ask_photos(update, context)
    if field not in steps:
        await answer(update, context, "common.invalid_button")
        return State.EDIT
    await answer(update, context)
    draft["editing"] = True
    return await {
        "description": _ask_description,
        "location": _ask_location,
        "anonymity": _ask_anonymity,
    }[field](update, context)


async def confirm(update: Update, context: MinhuContext) -> int:
    """Commit the complaint, then (and only then) give the number."""
    assert update.callback_query is not None and update.effective_user is not None
    assert context.user_data is not None
    draft = _draft(context)
    try:
        submitted = await intake.submit(context.services, update.effective_user.id, draft)
    except intake.DraftError:
        await answer(update, context, "common.invalid_button")
        return await _show_summary(update, context, edit=True)
    context.user_data.pop("draft", None)
    await answer(update, context)
    if isinstance(update.callback_query.message, Message):
        await update.callback_query.message.edit_reply_markup(None)
    await say(
        update,
        context,
        "report.submitted",
        number=submitted.number,
        ack_due=submitted.ack_due,
        resolve_due=submitted.resolve_due,
    )
    context.services.delivery.kick(context.application)
    return ConversationHandler.END


async def cancel(update: Update, context: MinhuContext) -> int:
    """Leave the report; the draft is dropped."""
    if context.user_data is not None:
        context.user_data.pop("draft", None)
    await answer(update, context)
    chat = update.effective_chat
    assert chat is not None
    lang = await language_of(update, context)
    if update.callback_query is not None:
        await say(update, context, "common.cancelled", edit=True)
    else:
        await context.bot.send_message(
            chat.id,
            t(context, lang, "common.cancelled"),
            parse_mode=ParseMode.HTML,
            reply_markup=ReplyKeyboardRemove(),
        )
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /report conversation (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND & ~filters.UpdateType.EDITED
    return [
        ConversationHandler(
            entry_points=[CommandHandler("report", start)],
            states={
                State.CATEGORY: [
                    CallbackQueryHandler(choose_category, pattern=f"^{PREFIX}:cat:"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
                State.DESCRIPTION: [
                    MessageHandler(text, description),
                    MessageHandler(other, hint("report.expect_text")),
                ],
                State.SAME: [
                    CallbackQueryHandler(same, pattern=f"^{PREFIX}:same:"),
                    CallbackQueryHandler(not_same, pattern=f"^{PREFIX}:new$"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
                State.PHOTOS: [
                    MessageHandler(filters.PHOTO, photo),
                    CallbackQueryHandler(photos_done, pattern=f"^{PREFIX}:photos:done$"),
                    MessageHandler(other, hint("report.expect_photo")),
                ],
                State.LOCATION: [
                    MessageHandler(filters.LOCATION, location),
                    MessageHandler(text, address),
                    MessageHandler(other, hint("report.expect_location")),
                ],
                State.ANONYMITY: [
                    CallbackQueryHandler(anonymity, pattern=f"^{PREFIX}:anon:"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
                State.CONFIRM: [
                    CallbackQueryHandler(confirm, pattern=f"^{PREFIX}:confirm$"),
                    CallbackQueryHandler(edit_menu, pattern=f"^{PREFIX}:edit$"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
                State.EDIT: [
                    CallbackQueryHandler(edit_field, pattern=f"^{PREFIX}:e:"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="report",
            persistent=True,
            allow_reentry=True,
        )
    ]
