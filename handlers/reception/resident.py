"""/reception: the reception days (接待日) of the resident's zone, and booking a slot with a
topic. Representatives also get their own sessions and the publishing of a new one
(`handlers.reception.publish`). A booking is committed by `bot.reception.service.book`, which
checks the zone and the free slots again inside the transaction: the last slot goes to one
person."""

from __future__ import annotations

from enum import IntEnum

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.people.roles import has_role
from bot.reception import buttons, service
from bot.reception.rules import Refused, Stale
from bot.runtime.services import MinhuContext
from handlers.kit import edits, menu
from handlers.kit.common import Row, answer, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import (
    ask,
    cancelled,
    conversation,
    refuse,
    registered,
    renumbered,
    typed_step,
    typed_within,
)
from handlers.reception.steps import taken
from storage import geo
from storage import reception as store
from storage.models import Role

SLOT = "reception_slot"  # user_data: the session being booked
PROMPT = "reception_prompt"  # user_data: the question whose cancel button goes afterwards


# The step, numbered 400 (110 before this version: see `kit.renumbered`).
class State(IntEnum):
    TOPIC = 400


async def listing(update: Update, context: MinhuContext) -> None:
    """/reception: upcoming sessions of the resident's zone, with a book button each."""
    person = await registered(update, context, with_grid=True)
    if person is None or person.grid_id is None:
        return
    services = context.services
    now = services.clock.now()
    grid = await geo.grid(services.db, person.grid_id)
    sessions = await store.upcoming(services.db, grid.zone_id if grid else None, now)
    booked = await store.booked_sessions(services.db, person.id, now)
    lang = await language_of(update, context)
    rows: list[Row] = [
        [(t(context, lang, "reception.btn_book", **_item(s, booked)), buttons.BOOK.pack(s.id))]
        for s in sessions
        if s.id not in booked and not s.full
    ]
    if await has_role(services, person.id, Role.REPRESENTATIVE):
        rows.append(
            [
                (t(context, lang, "reception.btn_publish"), buttons.PUBLISH.pack()),
                (t(context, lang, "reception.btn_mine"), buttons.MINE.pack()),
            ]
        )
    await say(
        update,
        context,
        "reception.listing",
        markup=keyboard(rows) if rows else None,
        items=[_item(s, booked) for s in sessions],
        can_book=any(s.id not in booked and not s.full for s in sessions),
    )


def _item(s: store.Session, booked: set[int]) -> dict[str, object]:
    return {
        "id": s.id,
        "station": s.station_name,
        "address": s.station_address,
        "starts_at": s.starts_at,
        "slots": s.slots,
        "free": max(0, s.slots - s.booked),
        "booked": s.id in booked,
    }


async def start_booking(update: Update, context: MinhuContext) -> int | None:
    """A book button: check now (the zone, a free slot), then ask for the topic."""
    user = update.effective_user
    assert update.callback_query is not None and user is not None
    assert context.user_data is not None
    session_id = buttons.BOOK.one(pressed(update))
    try:
        if session_id is None:
            raise Stale("closed")
        found = await service.bookable(context.services, session_id, user.id)
    except Refused as refused:
        await refuse(update, context, refused)
        return None
    await answer(update, context)
    context.user_data[SLOT] = found.id
    low, high = service.TOPIC
    sent = await ask(
        update,
        context,
        "reception.ask_topic",
        [],
        buttons.BOOK_CANCEL,
        station=found.station_name,
        starts_at=found.starts_at,
        min=low,
        max=high,
    )
    context.user_data[PROMPT] = sent.message_id if sent else None
    return State.TOPIC


async def topic(update: Update, context: MinhuContext) -> int | None:
    """The topic: the slot is taken now, or the resident hears it is full."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    text = await typed_within(update, context, service.TOPIC, "reception.bad_length")
    if text is None:
        return None
    await edits.retire(update, context, context.user_data.pop(PROMPT, None))  # its cancel button
    try:
        session_id = taken(context, SLOT, "closed")
        booking_id = await service.book(context.services, session_id, user.id, text)
    except Refused as refused:
        await refuse(update, context, refused)
        return ConversationHandler.END
    found = await store.session(context.services.db, session_id)
    assert found is not None
    context.services.commits.mark(update.update_id, f"{found.station_name} #{booking_id}")
    await say(
        update,
        context,
        "reception.booked",
        station=found.station_name,
        address=found.station_address,
        starts_at=found.starts_at,
        topic=text,
        reminders=service.reminders_ahead(found.starts_at, context.services.clock.now()),
    )
    return ConversationHandler.END


async def _retire_prompt(update: Update, context: MinhuContext) -> None:
    """The topic question's cancel button goes."""
    if context.user_data is not None:
        await edits.retire(update, context, context.user_data.pop(PROMPT, None))


def handlers() -> list[BaseHandler]:
    """/reception and the booking conversation (persistent: it survives a restart)."""
    booking = conversation(
        "reception_book",
        entry_points=[CallbackQueryHandler(start_booking, pattern=buttons.BOOK.pattern)],
        states={State.TOPIC: typed_step(topic, "reception.expect_text")},
        cancel=cancelled("reception.cancelled", SLOT, before=_retire_prompt),
        cancel_button=buttons.BOOK_CANCEL,
    )
    return [renumbered(booking, State, was=110), *menu.command("reception", listing)]
