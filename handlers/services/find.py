"""/services (and its keyboard button): choose a need → share a location (the nearest open points
by walking distance) or "near my home" (the home grid's and zone's) → a list; a point's card
with its hours and phone, and its location as a Telegram pin."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.refusals import Refusal
from bot.runtime.services import MinhuContext
from bot.services import buttons, search
from bot.services.rules import NEED_CODES, hours_text
from handlers.kit import menu
from handlers.kit.common import (
    Row,
    answer,
    keyboard,
    language_of,
    pressed,
    say,
    say_with_keyboard,
    t,
)
from handlers.kit.conversation import (
    ANYTHING,
    cancelled_with_keyboard,
    conversation,
    refuse,
    refuse_pressed,
)

NEED_SLOT = "services_need"  # user_data: the need being searched


class State(IntEnum):
    NEED = 760
    WHERE = 761


def found_rows(context: MinhuContext, lang: str, found: list[search.Found]) -> list[Row]:
    """A card button for each point listed."""
    return [
        [(t(context, lang, "services.btn_card", name=f.point.name), buttons.CARD.pack(f.point.id))]
        for f in found
    ]


def item(f: search.Found) -> dict[str, Any]:
    """What a list shows of a point."""
    return {
        "name": f.point.name,
        "kind": f.point.kind,
        "address": f.point.address,
        "open": f.state.open,
        "until": f.state.until,
        "opens_at": f.state.opens_at,
        "days_ahead": f.state.days_ahead,
        "metres": f.metres,
        "minutes": f.minutes,
        "in_circle": f.in_circle,
        "bookable": f.point.slot_minutes > 0,
    }


async def start(update: Update, context: MinhuContext) -> int | None:
    """/services: which need."""
    assert update.effective_user is not None
    try:
        await search.resident(context.services, update.effective_user.id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return ConversationHandler.END
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, f"services.need_{code}"), buttons.NEED.pack(code))]
        for code in NEED_CODES
    ]
    rows.append([(t(context, lang, "services.btn_mine"), buttons.MINE.pack())])
    rows.append([(t(context, lang, "common.btn_cancel"), buttons.LEAVE.pack())])
    await say(update, context, "services.ask_need", markup=keyboard(rows))
    return State.NEED


async def need(update: Update, context: MinhuContext) -> int | None:
    """A need pressed (or 📍 from a typed question's answer): ask where."""
    assert context.user_data is not None
    data = pressed(update)
    code = buttons.NEED.one(data) or buttons.BY_LOCATION.one(data)
    if code is None:
        await answer(update, context, "common.invalid_button")
        return None
    assert update.effective_user is not None
    try:
        await search.resident(context.services, update.effective_user.id)
    except Refusal as refusal:
        await refuse_pressed(update, context, refusal)
        return ConversationHandler.END
    await answer(update, context)
    context.user_data[NEED_SLOT] = code
    lang = await language_of(update, context)
    if buttons.NEED.one(data) is not None:
        await say(update, context, "services.chosen", edit=True, need=code)
    markup = ReplyKeyboardMarkup(
        [
            [KeyboardButton(t(context, lang, "services.btn_share"), request_location=True)],
            [KeyboardButton(t(context, lang, "services.btn_home"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await say_with_keyboard(update, context, "services.ask_where", markup, need=code)
    return State.WHERE


async def located(update: Update, context: MinhuContext) -> int:
    """A shared location: the nearest open points serving the need."""
    assert update.message is not None and update.message.location is not None
    assert context.user_data is not None
    code = str(context.user_data.pop(NEED_SLOT, "all"))
    where = update.message.location
    found = await search.nearest(context.services, where.latitude, where.longitude, code)
    await _listed(update, context, "services.nearest", found, need=code, total=len(found))
    return ConversationHandler.END


async def at_home(update: Update, context: MinhuContext) -> int | None:
    """ "Near my home" typed (the reply button): the home grid's and zone's points."""
    assert update.message is not None and context.user_data is not None
    lang = await language_of(update, context)
    if (update.message.text or "").strip() != t(context, lang, "services.btn_home"):
        await say(update, context, "services.expect_where")
        return None
    assert update.effective_user is not None
    code = str(context.user_data.pop(NEED_SLOT, "all"))
    try:
        person = await search.resident(context.services, update.effective_user.id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return ConversationHandler.END
    found, total = await search.at_home(context.services, person, code)
    await _listed(update, context, "services.at_home", found, need=code, total=total)
    return ConversationHandler.END


async def _listed(
    update: Update, context: MinhuContext, key: str, found: list[search.Found], **ctx: Any
) -> None:
    """The list (with a card button each), the resident's keyboard back under it."""
    lang = await language_of(update, context)
    await say_with_keyboard(
        update, context, "services.searching", await menu.home(update, context), **ctx
    )
    rows = found_rows(context, lang, found)
    items = [item(f) for f in found]
    await say(update, context, key, markup=keyboard(rows) if rows else None, items=items, **ctx)


async def show_card(update: Update, context: MinhuContext) -> None:
    """A point's card (a new message: the list stays) and its location pin."""
    point_id = buttons.CARD.one(pressed(update))
    try:
        if point_id is None:
            raise search.ServicesGone("gone")
        found = await search.card(context.services, point_id)
    except Refusal as refusal:
        await refuse_pressed(update, context, refusal)
        return
    await answer(update, context)
    await send_card(update, context, found)


async def send_card(update: Update, context: MinhuContext, found: search.Found) -> None:
    """The card, then the pin (sendLocation) when the point has a location."""
    lang = await language_of(update, context)
    p = found.point
    rows: list[Row] = []
    if p.slot_minutes > 0:
        rows.append([(t(context, lang, "services.btn_book"), buttons.BOOK.pack(p.id))])
    days = t(context, lang, "services.day_names").split()
    await say(
        update,
        context,
        "services.card",
        language=lang,
        markup=keyboard(rows) if rows else None,
        **item(found),
        hours=hours_text(p.hours, days),
        holidays_closed=p.holidays_closed,
        phone=p.phone,
        services=list(p.services),
        accessibility=p.accessibility,
        private=p.private,
    )
    chat = update.effective_chat
    if chat is not None and p.latitude is not None and p.longitude is not None:
        await context.bot.send_location(chat.id, p.latitude, p.longitude)


async def leave(update: Update, context: MinhuContext) -> int:
    """The cancel button of the need question."""
    if context.user_data is not None:
        context.user_data.pop(NEED_SLOT, None)
    await answer(update, context)
    await say(update, context, "services.left", edit=True)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /services conversation and the cards."""
    where_step: list[BaseHandler] = [
        MessageHandler(filters.LOCATION, located),
        MessageHandler(ANYTHING, at_home),  # the 🏠 words, or a hint
    ]
    finding = conversation(
        "services_find",
        entry_points=[
            *menu.command("services", start),
            CallbackQueryHandler(need, pattern=buttons.BY_LOCATION.pattern),
        ],
        states={
            State.NEED: [CallbackQueryHandler(need, pattern=buttons.NEED.pattern)],
            State.WHERE: where_step,
        },
        cancel=cancelled_with_keyboard("services.left", NEED_SLOT),
        cancel_button=buttons.LEAVE,
    )
    return [finding, CallbackQueryHandler(show_card, pattern=buttons.CARD.pattern)]
