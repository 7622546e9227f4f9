"""/suggest (representatives): a suggestion (意见建议) or rectification item (督促整改) from a
supervision visit — announced, or unannounced (暗访): kind → visit → category → department →
description → photos → location → (where, when neither the location nor the address names a
grid) → deadline → confirm. It is filed by `bot.supervision.service` as a complaint routed to
the chosen department, counted for the grid of its site (属地), and follows the complaint
lifecycle from there."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)

from bot.complaints import intake
from bot.people.roles import Role
from bot.places import service as places
from bot.runtime.services import MinhuContext
from bot.supervision import buttons as b
from bot.supervision import service as supervision
from bot.supervision.service import Draft, Refused
from handlers.kit import conversation as kit
from handlers.kit.common import (
    MAX_ADDRESS,
    add_photo,
    answer,
    current_person,
    in_rows,
    language_of,
    pressed,
    say,
    say_with_keyboard,
    t,
    word_buttons,
)
from handlers.kit.submitted import (
    committed,
    end_if_open,
    open_form,
    outside,
    retire_buttons,
    toast,
)
from handlers.supervision import site
from handlers.supervision.steps import DRAFT, State, form
from storage import geo, submissions


@kit.form_start(DRAFT, Role.REPRESENTATIVE)
async def start(update: Update, context: MinhuContext, draft: Draft) -> int:
    """/suggest: representatives only, from their home grid."""
    person = await current_person(update, context)
    if person is None or person.grid_id is None:
        await say(update, context, "common.need_start")
        return ConversationHandler.END
    draft |= {"grid_id": person.grid_id, "home_grid_id": person.grid_id, "photos": []}
    lang = await language_of(update, context)
    rows = word_buttons(context, lang, b.KIND, supervision.KINDS, "supervision.btn_")
    await kit.ask(update, context, "supervision.ask_kind", rows, b.CANCEL)
    return State.KIND


@form
async def kind(update: Update, context: MinhuContext, draft: Draft) -> int:
    """意见建议 or 督促整改; then which visit it came from."""
    chosen = await kit.picked(update, context, b.KIND, supervision.KINDS)
    if chosen is None:
        return State.KIND
    draft["kind"] = chosen
    lang = await language_of(update, context)
    rows = word_buttons(context, lang, b.SOURCE, supervision.SOURCES, "supervision.btn_")
    await kit.ask(update, context, "supervision.ask_source", rows, b.CANCEL, edit=True, kind=chosen)
    return State.SOURCE


@form
async def source(update: Update, context: MinhuContext, draft: Draft) -> int:
    """An announced visit, or an unannounced one (暗访); then the category."""
    chosen = await kit.picked(update, context, b.SOURCE, supervision.SOURCES)
    if chosen is None:
        return State.SOURCE
    draft["source"] = chosen
    lang = await language_of(update, context)
    cats = await geo.categories(context.services.db)
    rows = in_rows([(c.label(lang), b.CATEGORY.pack(c.id)) for c in cats], 2)
    await kit.ask(
        update, context, "supervision.ask_category", rows, b.CANCEL, edit=True, source=chosen
    )
    return State.CATEGORY


@form
async def category(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The category sets the default deadline; then the department (its own one first)."""
    db = context.services.db
    category_id = b.CATEGORY.one(pressed(update))
    found = await geo.category(db, category_id) if category_id else None
    if found is None:
        await answer(update, context, "common.invalid_button")
        return State.CATEGORY
    await answer(update, context)
    draft["category_id"] = found.id
    departments = sorted(
        await geo.departments(db), key=lambda d: (d.id != found.department_id, d.id)
    )
    rows = in_rows([(d.name, b.DEPARTMENT.pack(d.id)) for d in departments], 2)
    label = found.label(await language_of(update, context))
    await kit.ask(
        update, context, "supervision.ask_department", rows, b.CANCEL, edit=True, category=label
    )
    return State.DEPARTMENT


@form
async def department(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The department it goes to; then the description."""
    departments = {d.id: d.name for d in await geo.departments(context.services.db)}
    department_id = await kit.picked(update, context, b.DEPARTMENT, departments)
    if department_id is None:
        return State.DEPARTMENT
    name = departments[department_id]
    draft |= {"department_id": department_id, "department": name}
    await say(
        update,
        context,
        "supervision.ask_description",
        edit=True,
        department=name,
        min=supervision.MIN_TEXT,
        max=supervision.MAX_TEXT,
    )
    return State.DESCRIPTION


@form
async def description(update: Update, context: MinhuContext, draft: Draft) -> int:
    """What was found; then photos."""
    limits = (supervision.MIN_TEXT, supervision.MAX_TEXT)
    text = await kit.typed_within(update, context, limits, "supervision.bad_length")
    if text is None:
        return State.DESCRIPTION
    draft["description"] = text
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "supervision.btn_photos_done"), b.PHOTOS_DONE.pack())]]
    await kit.ask(
        update, context, "supervision.ask_photos", rows, b.CANCEL, max=supervision.MAX_PHOTOS
    )
    return State.PHOTOS


@form
async def photo(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A photo of what was found (up to five)."""
    photos = draft.setdefault("photos", [])
    if len(photos) >= supervision.MAX_PHOTOS:
        await say(update, context, "supervision.too_many_photos", max=supervision.MAX_PHOTOS)
        return State.PHOTOS
    add_photo(photos, update)
    await say(update, context, "supervision.photo_received", count=len(photos))
    return State.PHOTOS


@form
async def photos_done(update: Update, context: MinhuContext, draft: Draft) -> int:
    """No (more) photos: where was it?"""
    await answer(update, context)
    lang = await language_of(update, context)
    share = KeyboardButton(
        t(context, lang, "supervision.btn_share_location"), request_location=True
    )
    skip = KeyboardButton(t(context, lang, "supervision.btn_skip_location"))
    markup = ReplyKeyboardMarkup([[share], [skip]], resize_keyboard=True, one_time_keyboard=True)
    await say_with_keyboard(update, context, "supervision.ask_location", markup, max=MAX_ADDRESS)
    return State.LOCATION


@form
async def location(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A shared location."""
    assert update.message is not None and update.message.location is not None
    latitude, longitude = update.message.location.latitude, update.message.location.longitude
    draft["location"] = [latitude, longitude]
    site.place(draft, await places.grid_at(context.services.db, latitude, longitude))
    return await site.after_location(update, context, draft)


@form
async def address(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A typed address, or the skip button."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    lang = await language_of(update, context)
    if text != t(context, lang, "supervision.btn_skip_location"):
        if not 2 <= len(text) <= MAX_ADDRESS:
            await say(update, context, "supervision.bad_address", max=MAX_ADDRESS)
            return State.LOCATION
        draft["address"] = text
        site.place(draft, await places.grid_named(context.services.db, text))
    return await site.after_location(update, context, draft)


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """File it once; the number comes through the outbox, sent right after the commit. Pressed
    again — from any state, after a crash or a restart — it answers with the same number."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    key = b.CONFIRM.one(pressed(update))
    before = await intake.already(context.services, key, user.id) if key else None
    if before is not None:
        await retire_buttons(update, context)
        await toast(update, context, "supervision.already_filed", number=before.number)
        return end_if_open(context, DRAFT, key)
    expired = Refused("expired")
    draft = await open_form(update, context, DRAFT, key, inside=inside, expired=expired)
    if draft is None:
        return end_if_open(context, DRAFT, key)
    key = str(draft.setdefault("id", submissions.new_key()))
    try:
        filed = await supervision.file(
            context.services,
            user.id,
            supervision.from_draft(draft),
            key=key,
            department=str(draft.get("department", "")),
        )
    except Refused as refused:
        await kit.refuse(update, context, refused, edit=True)
        return ConversationHandler.END
    if filed.again:
        await toast(update, context, "supervision.already_filed", number=filed.number)
    else:
        await answer(update, context)
        await committed(update, context, key=key, record=filed.number)
    await retire_buttons(update, context)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /suggest conversation (persistent: it survives a restart)."""
    buttons = "supervision.expect_button"
    form = kit.conversation(
        "supervision",
        entry_points=[CommandHandler("suggest", start)],
        states={
            State.KIND: kit.buttons_step(buttons, (b.KIND, kind)),
            State.SOURCE: kit.buttons_step(buttons, (b.SOURCE, source)),
            State.CATEGORY: kit.buttons_step(buttons, (b.CATEGORY, category)),
            State.DEPARTMENT: kit.buttons_step(buttons, (b.DEPARTMENT, department)),
            State.DESCRIPTION: kit.typed_step(description, "supervision.expect_text"),
            State.PHOTOS: kit.photo_step(
                photo, (b.PHOTOS_DONE, photos_done), "supervision.expect_photo"
            ),
            State.LOCATION: kit.location_step(location, address, "supervision.expect_location"),
            State.DEADLINE: kit.typed_or_pressed(
                site.deadline_typed,
                "supervision.expect_date",
                (b.DEFAULT_DUE, site.deadline_default),
            ),
            State.CONFIRM: kit.buttons_step(
                buttons, (b.CONFIRM, confirm), (b.CHANGE_GRID, site.change_grid)
            ),
            State.WHERE: site.where_step(buttons),
        },
        cancel=kit.cancelled_with_keyboard("supervision.cancelled", DRAFT),
        cancel_button=b.CANCEL,
    )
    return [
        kit.renumbered(form, list(State)[:9], was=90),  # WHERE came after
        CallbackQueryHandler(outside(confirm), pattern=b.CONFIRM.pattern),
    ]
