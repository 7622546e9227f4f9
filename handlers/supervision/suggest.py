"""/suggest (representatives): a suggestion (意见建议) or rectification item (督促整改) from a
supervision visit — announced, or unannounced (暗访): kind → visit → category → department →
description → photos → location → deadline → confirm. It is filed by `bot.supervision.service` as a
complaint routed to the chosen department, and follows the complaint lifecycle from there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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

from bot.assignments.rules import check_deadline, deadline_of, parse_day
from bot.complaints import intake
from bot.complaints.rules import NotAllowed
from bot.core.clock import from_iso
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from bot.supervision import service as supervision
from handlers.kit.common import (
    MAX_ADDRESS,
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
from handlers.kit.submitted import committed, end_if_open, key_in, outside, retire_buttons, toast
from storage import geo, people, submissions

PREFIX = "sv"
DRAFT = "supervision_draft"
CONFIRM_PATTERN = "ok(:[0-9a-f]{1,32})?$"  # after the prefix: ok:<the form's key>
SOURCES = ("announced", "unannounced")


class State(IntEnum):
    KIND = 90
    SOURCE = 91
    CATEGORY = 92
    DEPARTMENT = 93
    DESCRIPTION = 94
    PHOTOS = 95
    LOCATION = 96
    DEADLINE = 97
    CONFIRM = 98


async def _ask(
    update: Update,
    context: MinhuContext,
    key: str,
    rows: Sequence[Row],
    *,
    edit: bool = False,
    **ctx: Any,
) -> None:
    lang = await language_of(update, context)
    rows = [*rows, cancel_row(context, lang, PREFIX)]
    await say(update, context, f"supervision.{key}", edit=edit, markup=keyboard(rows), **ctx)


async def _plain(update: Update, context: MinhuContext, key: str, markup: Any, **ctx: Any) -> None:
    """A message with a reply keyboard (or the removal of one)."""
    chat = update.effective_chat
    assert chat is not None
    lang = await language_of(update, context)
    text = t(context, lang, f"supervision.{key}", **ctx)
    await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def start(update: Update, context: MinhuContext) -> int:
    """/suggest: representatives only."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    services = context.services
    if not await has_role(services, user.id, "representative"):
        await say(update, context, "common.not_allowed")
        return ConversationHandler.END
    person = await people.get(services.db, user.id)
    if person is None or person.grid_id is None:
        await say(update, context, "common.need_start")
        return ConversationHandler.END
    context.user_data[DRAFT] = {
        "id": submissions.new_key(),
        "grid_id": person.grid_id,
        "photos": [],
    }
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, f"supervision.btn_{k}"), f"{PREFIX}:k:{k}")] for k in supervision.KINDS
    ]
    await _ask(update, context, "ask_kind", rows)
    return State.KIND


async def kind(update: Update, context: MinhuContext) -> int:
    """意见建议 or 督促整改; then which visit it came from."""
    chosen = last_field(update)
    if chosen not in supervision.KINDS:
        await answer(update, context, "common.invalid_button")
        return State.KIND
    await answer(update, context)
    user_draft(context, DRAFT)["kind"] = chosen
    lang = await language_of(update, context)
    rows = [[(t(context, lang, f"supervision.btn_{s}"), f"{PREFIX}:s:{s}")] for s in SOURCES]
    await _ask(update, context, "ask_source", rows, edit=True, kind=chosen)
    return State.SOURCE


async def source(update: Update, context: MinhuContext) -> int:
    """An announced visit, or an unannounced one (暗访); then the category."""
    chosen = last_field(update)
    if chosen not in SOURCES:
        await answer(update, context, "common.invalid_button")
        return State.SOURCE
    await answer(update, context)
    user_draft(context, DRAFT)["source"] = chosen
    lang = await language_of(update, context)
    cats = await geo.categories(context.services.db)
    labels = [(c.label(lang), f"{PREFIX}:c:{c.id}") for c in cats]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    await _ask(update, context, "ask_category", rows, edit=True, source=chosen)
    return State.CATEGORY


async def category(update: Update, context: MinhuContext) -> int:
    """The category sets the default deadline; then the department (its own one first)."""
    db = context.services.db
    category_id = parse_int(last_field(update))
    found = await geo.category(db, category_id) if category_id else None
    if found is None:
        await answer(update, context, "common.invalid_button")
        return State.CATEGORY
    await answer(update, context)
    user_draft(context, DRAFT)["category_id"] = found.id
    departments = sorted(
        await geo.departments(db), key=lambda d: (d.id != found.department_id, d.id)
    )
    labels = [(d.name, f"{PREFIX}:d:{d.id}") for d in departments]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    lang = await language_of(update, context)
    await _ask(update, context, "ask_department", rows, edit=True, category=found.label(lang))
    return State.DEPARTMENT


async def department(update: Update, context: MinhuContext) -> int:
    """The department it goes to; then the description."""
    department_id = parse_int(last_field(update))
    found = [d for d in await geo.departments(context.services.db) if d.id == department_id]
    if not found:
        await answer(update, context, "common.invalid_button")
        return State.DEPARTMENT
    await answer(update, context)
    user_draft(context, DRAFT).update({"department_id": found[0].id, "department": found[0].name})
    await say(
        update,
        context,
        "supervision.ask_description",
        edit=True,
        department=found[0].name,
        min=supervision.MIN_TEXT,
        max=supervision.MAX_TEXT,
    )
    return State.DESCRIPTION


async def description(update: Update, context: MinhuContext) -> int:
    """What was found; then photos."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    low, high = supervision.MIN_TEXT, supervision.MAX_TEXT
    if not low <= len(text) <= high:
        await say(update, context, "supervision.bad_length", length=len(text), min=low, max=high)
        return State.DESCRIPTION
    user_draft(context, DRAFT)["description"] = text
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "supervision.btn_photos_done"), f"{PREFIX}:photos")]]
    await _ask(update, context, "ask_photos", rows, max=supervision.MAX_PHOTOS)
    return State.PHOTOS


async def photo(update: Update, context: MinhuContext) -> int:
    """A photo of what was found (up to five)."""
    draft = user_draft(context, DRAFT)
    if len(draft["photos"]) >= supervision.MAX_PHOTOS:
        await say(update, context, "supervision.too_many_photos", max=supervision.MAX_PHOTOS)
        return State.PHOTOS
    draft["photos"].append(list(sent_photo(update)))
    await say(update, context, "supervision.photo_received", count=len(draft["photos"]))
    return State.PHOTOS


async def photos_done(update: Update, context: MinhuContext) -> int:
    """No (more) photos: where was it?"""
    await answer(update, context)
    lang = await language_of(update, context)
    share = KeyboardButton(
        t(context, lang, "supervision.btn_share_location"), request_location=True
    )
    skip = KeyboardButton(t(context, lang, "supervision.btn_skip_location"))
    markup = ReplyKeyboardMarkup([[share], [skip]], resize_keyboard=True, one_time_keyboard=True)
    await _plain(update, context, "ask_location", markup, max=MAX_ADDRESS)
    return State.LOCATION


async def location(update: Update, context: MinhuContext) -> int:
    """A shared location."""
    assert update.message is not None and update.message.location is not None
    user_draft(context, DRAFT)["location"] = [
        update.message.location.latitude,
        update.message.location.longitude,
    ]
    return await _ask_deadline(update, context)


async def address(update: Update, context: MinhuContext) -> int:
    """A typed address, or the skip button."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    lang = await language_of(update, context)
    if text != t(context, lang, "supervision.btn_skip_location"):
        if not 2 <= len(text) <= MAX_ADDRESS:
            await say(update, context, "supervision.bad_address", max=MAX_ADDRESS)
            return State.LOCATION
        user_draft(context, DRAFT)["address"] = text
    return await _ask_deadline(update, context)


async def _ask_deadline(update: Update, context: MinhuContext) -> int:
    services = context.services
    draft = user_draft(context, DRAFT)
    found = await geo.category(services.db, int(draft["category_id"]), active_only=False)
    assert found is not None
    default = services.calendar.add_working_days(services.clock.now(), found.resolve_days)
    lang = await language_of(update, context)
    noted = {"has_location": "location" in draft}
    await _plain(update, context, "location_noted", ReplyKeyboardRemove(), **noted)
    rows = [[(t(context, lang, "supervision.btn_default_due", due_at=default), f"{PREFIX}:due")]]
    await _ask(update, context, "ask_deadline", rows, due_at=default)
    return State.DEADLINE


async def deadline_default(update: Update, context: MinhuContext) -> int:
    """The category's working-day deadline."""
    await answer(update, context)
    user_draft(context, DRAFT)["due_at"] = None
    return await _summary(update, context)


async def deadline_typed(update: Update, context: MinhuContext) -> int:
    """A typed date: to be fixed by 18:00 that day."""
    assert update.message is not None
    services = context.services
    today = services.clock.now().astimezone(services.settings.tz).date()
    day = parse_day(update.message.text or "", today)
    if day is None:
        await say(update, context, "supervision.bad_date")
        return State.DEADLINE
    due_at = deadline_of(day, services.settings.tz)
    try:
        check_deadline(due_at, services.clock.now())
    except NotAllowed as refused:
        await say(update, context, "supervision.refused", reason=refused.reason)
        return State.DEADLINE
    user_draft(context, DRAFT)["due_at"] = due_at.isoformat()
    return await _summary(update, context)


async def _summary(update: Update, context: MinhuContext) -> int:
    draft = user_draft(context, DRAFT)
    lang = await language_of(update, context)
    found = await geo.category(context.services.db, int(draft["category_id"]), active_only=False)
    due: datetime | None = from_iso(draft["due_at"]) if draft.get("due_at") else None
    key = draft.setdefault("id", submissions.new_key())
    rows = [[(t(context, lang, "supervision.btn_confirm"), f"{PREFIX}:ok:{key}")]]
    await _ask(
        update,
        context,
        "summary",
        rows,
        edit=update.callback_query is not None,
        kind=draft["kind"],
        source=draft["source"],
        category=found.label(lang) if found else "",
        department=draft["department"],
        description=draft["description"],
        photo_count=len(draft["photos"]),
        address=draft.get("address"),
        has_location="location" in draft,
        due_at=due,
    )
    return State.CONFIRM


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """File it once; the number comes through the outbox, sent right after the commit. Pressed
    again — from any state, after a crash or a restart — it answers with the same number."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    key = key_in(update)
    before = await intake.already(context.services, key, user.id) if key else None
    if before is not None:
        await retire_buttons(update)
        await toast(update, context, "supervision.already_filed", number=before.number)
        return end_if_open(context, DRAFT, key)
    draft = context.user_data.get(DRAFT)
    if not inside or not isinstance(draft, dict) or (key and draft.get("id") != key):
        await answer(update, context)
        await say(update, context, "supervision.refused", edit=True, reason="expired")
        return end_if_open(context, DRAFT, key)
    context.user_data.pop(DRAFT, None)
    await answer(update, context)
    key = str(draft.setdefault("id", submissions.new_key()))
    try:
        filed = await supervision.file(
            context.services,
            user.id,
            supervision.from_draft(draft),
            key=key,
            department=str(draft.get("department", "")),
        )
    except (NotAllowed, KeyError) as refused:
        reason = refused.reason if isinstance(refused, NotAllowed) else "expired"
        await say(update, context, "supervision.refused", edit=True, reason=reason)
        return ConversationHandler.END
    if filed.again:
        await toast(update, context, "supervision.already_filed", number=filed.number)
    else:
        await committed(update, context, key=key, record=filed.number)
    await retire_buttons(update)
    return ConversationHandler.END


async def cancel(update: Update, context: MinhuContext) -> int:
    """/cancel or the cancel button: nothing is filed."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await answer(update, context)
    if update.callback_query is not None:
        await say(update, context, "supervision.cancelled", edit=True)
    else:
        await _plain(update, context, "cancelled", ReplyKeyboardRemove())
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /suggest conversation (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    buttons_only: BaseHandler = MessageHandler(other, hint("supervision.expect_button"))

    def on(callback: Any, pattern: str) -> CallbackQueryHandler[Any, Any]:
        return CallbackQueryHandler(callback, pattern=f"^{PREFIX}:{pattern}")

    return [
        ConversationHandler(
            entry_points=[CommandHandler("suggest", start)],
            states={
                State.KIND: [on(kind, "k:"), buttons_only],
                State.SOURCE: [on(source, "s:"), buttons_only],
                State.CATEGORY: [on(category, "c:"), buttons_only],
                State.DEPARTMENT: [on(department, "d:"), buttons_only],
                State.DESCRIPTION: [
                    MessageHandler(text, description),
                    MessageHandler(other, hint("supervision.expect_text")),
                ],
                State.PHOTOS: [
                    MessageHandler(filters.PHOTO, photo),
                    on(photos_done, "photos$"),
                    MessageHandler(other, hint("supervision.expect_photo")),
                ],
                State.LOCATION: [
                    MessageHandler(filters.LOCATION, location),
                    MessageHandler(text, address),
                    MessageHandler(other, hint("supervision.expect_location")),
                ],
                State.DEADLINE: [
                    on(deadline_default, "due$"),
                    MessageHandler(text, deadline_typed),
                    MessageHandler(other, hint("supervision.expect_date")),
                ],
                State.CONFIRM: [on(confirm, CONFIRM_PATTERN), buttons_only],
            },
            fallbacks=[CommandHandler("cancel", cancel), on(cancel, "cancel$")],
            name="supervision",
            persistent=True,
            allow_reentry=True,
        ),
        on(outside(confirm), CONFIRM_PATTERN),
    ]
