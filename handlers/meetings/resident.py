"""Residents and deliberation meetings (议事会): /meetings lists the upcoming meetings of their
zone; a meeting's card books a seat (or a place on the waiting list when it is full), cancels,
sends the .ics again, and proposes a topic before the registration deadline.

Buttons: mt:v:<meeting> card, mt:b:<meeting> book, mt:w:<meeting> waiting list,
mt:x:<booking> / mt:xy:<booking> cancel and confirm, mt:ics:<booking>, mt:t:<meeting> topic.
Every press is checked again by `bot.meetings.service` (a forged booking id is refused).
"""

from __future__ import annotations

import html
from enum import IntEnum
from typing import Any

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.meetings import ics, service
from bot.meetings.notices import context_of
from bot.meetings.rules import PROPOSAL, Invalid, Seats
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from handlers.kit.common import (
    answer,
    current_person,
    hint,
    keyboard,
    language_of,
    parse_int,
    say,
    t,
)
from storage import meeting_bookings as bookings
from storage import meetings as store
from storage.meeting_bookings import Booking
from storage.meetings import Meeting

PREFIX = "mt"
TOPIC_DRAFT = "meeting_topic"  # user_data: the meeting a topic is being proposed for
SHOWN = 10


class State(IntEnum):
    TOPIC = 60


def plain(context: MinhuContext, lang: str, key: str, **values: Any) -> str:
    """A button label from a template: buttons show plain text, so the HTML escaping that
    protects messages is undone (a title with "&" reads "&", not "&amp;")."""
    return html.unescape(t(context, lang, key, **values))


def _pressed(update: Update) -> int | None:
    assert update.callback_query is not None
    return parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])


async def refuse(update: Update, context: MinhuContext, reason: str, **values: Any) -> None:
    """Why nothing happened: answer the button, then a message from the template."""
    await answer(update, context)
    await say(update, context, "meetings.refused", reason=reason, **values)


async def list_meetings(update: Update, context: MinhuContext) -> None:
    """/meetings: upcoming meetings of the resident's zone, a button each."""
    person = await current_person(update, context)
    if person is None or person.grid_id is None:
        await say(update, context, "common.need_start")
        return
    services = context.services
    items = await store.upcoming_for(
        services.db, person.id, person.grid_id, services.clock.now(), SHOWN
    )
    lang = await language_of(update, context)
    rows = [
        [
            (
                plain(context, lang, "meetings.btn_item", title=m.title, starts_at=m.starts_at),
                _v(m.id),
            )
        ]
        for m in items
    ]
    shown = [await context_of(services, m) for m in items]
    await say(
        update, context, "meetings.list", markup=keyboard(rows) if rows else None, items=shown
    )


def _v(meeting_id: int) -> str:
    return f"{PREFIX}:v:{meeting_id}"


async def _card(update: Update, context: MinhuContext, m: Meeting, user_id: int) -> None:
    """A meeting as a resident sees it, with what they may do now."""
    services = context.services
    now = services.clock.now()
    representative = await has_role(services, user_id, "representative")
    seats = Seats(m.capacity, m.reserved_seats, *await bookings.seats_now(services.db, m.id))
    ahead = m.status == "open" and now < m.starts_at
    mine = await bookings.my_booking(services.db, m.id, user_id) if ahead else None
    waiting = len(await bookings.of_status(services.db, m.id, "waitlisted"))
    waitlisted = mine is not None and mine.status == "waitlisted"
    position = await bookings.waiting_position(services.db, mine) if mine and waitlisted else 0
    lang = await language_of(update, context)
    open_ = ahead and now < m.registration_until
    rows: list[list[tuple[str, str]]] = []
    if mine is None and open_:
        verb = "book" if seats.fits(representative) else "waitlist"
        action = "b" if verb == "book" else "w"
        rows.append([(t(context, lang, f"meetings.btn_{verb}"), f"{PREFIX}:{action}:{m.id}")])
    if mine is not None and mine.status == "booked":
        rows.append([(t(context, lang, "meetings.btn_ics"), f"{PREFIX}:ics:{mine.id}")])
    if mine is not None:
        label = (
            "meetings.btn_cancel_booking" if mine.status == "booked" else "meetings.btn_leave_line"
        )
        rows.append([(t(context, lang, label), f"{PREFIX}:x:{mine.id}")])
    if open_:
        rows.append([(t(context, lang, "meetings.btn_topic"), f"{PREFIX}:t:{m.id}")])
    await say(
        update,
        context,
        "meetings.card",
        markup=keyboard(rows) if rows else None,
        **await context_of(services, m),
        status=m.status,
        open=open_,
        free=max(0, m.capacity - m.reserved_seats - seats.public_taken),
        waiting=waiting,
        mine=mine.status if mine else None,
        code=mine.code if mine else None,
        position=position,
    )


async def view(update: Update, context: MinhuContext) -> None:
    """A meeting's card (from /meetings or an announcement)."""
    user = update.effective_user
    assert user is not None
    meeting_id = _pressed(update)
    m = await store.get(context.services.db, meeting_id) if meeting_id else None
    if m is None or not await service.for_person(context.services, m, user.id):
        await answer(update, context, "common.invalid_button")
        return
    await answer(update, context)
    await _card(update, context, m, user.id)


async def send_ics(update: Update, context: MinhuContext, m: Meeting, b: Booking) -> None:
    """The booking's calendar file, as a document."""
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    lang = await language_of(update, context)
    values = await context_of(services, m)
    event = ics.Event(
        uid=f"minhu-meeting-{m.id}-booking-{b.id}@minhu",
        summary=m.title,
        location=m.place,
        # Rendered for HTML like every message; a calendar wants the plain words back.
        description=html.unescape(
            t(context, lang, "meetings.ics_description", **values, code=b.code)
        ),
        starts_at=m.starts_at,
        ends_at=m.ends_at,
        stamp=services.clock.now(),
        sequence=m.revision,
    )
    await context.bot.send_document(
        chat.id,
        InputFile(ics.calendar(event, services.settings.tz), filename=f"meeting-{m.id}.ics"),
        caption=services.renderer.caption(lang, "meetings.ics_caption", **values),
        parse_mode=ParseMode.HTML,
    )


async def _book(update: Update, context: MinhuContext, *, waitlist: bool) -> None:
    user = update.effective_user
    assert user is not None
    meeting_id = _pressed(update)
    if meeting_id is None:
        await answer(update, context, "common.invalid_button")
        return
    try:
        done = await service.book(context.services, meeting_id, user.id, waitlist=waitlist)
    except service.Refused as refused:
        if refused.reason == "full":
            await answer(update, context)
            lang = await language_of(update, context)
            row = [(t(context, lang, "meetings.btn_waitlist"), f"{PREFIX}:w:{meeting_id}")]
            await say(update, context, "meetings.full", markup=keyboard([row]))
            return
        await refuse(update, context, refused.reason, **refused.values)
        return
    code = done.booking.code or f"#{done.booking.id}"
    context.services.commits.mark(update.update_id, code)  # never "not completed" from here on
    await answer(update, context)
    values = await context_of(context.services, done.meeting)
    if done.booking.status == "booked":
        # The reminders queued are the ones promised (a late booking gets fewer, or none).
        reminders = list(done.reminders)
        await say(
            update,
            context,
            "meetings.booked",
            **values,
            code=done.booking.code,
            reminders=reminders,
        )
        await send_ics(update, context, done.meeting, done.booking)
    else:
        await say(update, context, "meetings.waitlisted", **values, position=done.position)


async def book(update: Update, context: MinhuContext) -> None:
    """报名: a seat, or the offer of the waiting list when the meeting is full."""
    await _book(update, context, waitlist=False)


async def join_waitlist(update: Update, context: MinhuContext) -> None:
    """排队候补: a seat if one came free meanwhile, else a place in line."""
    await _book(update, context, waitlist=True)


async def _own_booking(update: Update, context: MinhuContext) -> tuple[Booking, Meeting] | None:
    """The pressed booking if it is the presser's own (else a refusal and None)."""
    user = update.effective_user
    assert user is not None
    booking_id = _pressed(update)
    b = await bookings.booking(context.services.db, booking_id) if booking_id else None
    m = await store.get(context.services.db, b.meeting_id) if b else None
    if b is None or m is None or b.person_id != user.id:
        await refuse(update, context, "not_yours")
        return None
    return b, m


async def ask_cancel(update: Update, context: MinhuContext) -> None:
    """取消报名 / 退出候补: confirm first."""
    found = await _own_booking(update, context)
    if found is None:
        return
    b, m = found
    await answer(update, context)
    lang = await language_of(update, context)
    markup = keyboard([[(t(context, lang, "meetings.btn_confirm_cancel"), f"{PREFIX}:xy:{b.id}")]])
    values = await context_of(context.services, m)
    await say(update, context, "meetings.confirm_cancel", markup=markup, **values, status=b.status)


async def cancel_booking(update: Update, context: MinhuContext) -> None:
    """The cancellation is confirmed: the seat goes to the first in line."""
    user = update.effective_user
    assert user is not None
    booking_id = _pressed(update)
    try:
        if booking_id is None:
            raise service.Refused("not_yours")
        b, _ = await service.cancel_booking(context.services, booking_id, user.id)
    except service.Refused as refused:
        await refuse(update, context, refused.reason, **refused.values)
        return
    m = await store.get(context.services.db, b.meeting_id)
    assert m is not None
    await answer(update, context)
    values = await context_of(context.services, m)
    await say(update, context, "meetings.booking_cancelled", edit=True, **values, status=b.status)


async def resend_ics(update: Update, context: MinhuContext) -> None:
    """📅 the calendar file of one's own seat."""
    found = await _own_booking(update, context)
    if found is None:
        return
    b, m = found
    if b.status != "booked" or m.status != "open":
        await refuse(update, context, "not_booked", status=b.status)
        return
    await answer(update, context)
    await send_ics(update, context, m, b)


# Proposing a topic (a small persistent conversation) --------------------------------------


async def start_topic(update: Update, context: MinhuContext) -> int | None:
    """提议题: ask for the words."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    meeting_id = _pressed(update)
    services = context.services
    m = await store.get(services.db, meeting_id) if meeting_id else None
    now = services.clock.now()
    if m is None or await current_person(update, context) is None:
        await refuse(update, context, "not_found")
        return ConversationHandler.END
    if m.status != "open" or now >= m.registration_until or now >= m.starts_at:
        await refuse(
            update, context, "registration_closed", registration_until=m.registration_until
        )
        return ConversationHandler.END
    await answer(update, context)
    context.user_data[TOPIC_DRAFT] = m.id
    lang = await language_of(update, context)
    markup = keyboard([[(t(context, lang, "common.btn_cancel"), f"{PREFIX}:tc")]])
    await say(update, context, "meetings.ask_topic", markup=markup, title=m.title, max=PROPOSAL[1])
    return State.TOPIC


async def topic_text(update: Update, context: MinhuContext) -> int | None:
    """The proposed topic: stored, or a polite reason to try again."""
    user, message = update.effective_user, update.message
    assert user is not None and message is not None and context.user_data is not None
    meeting_id = context.user_data.get(TOPIC_DRAFT)
    if not isinstance(meeting_id, int):
        await say(update, context, "meetings.refused", reason="expired")
        return ConversationHandler.END
    try:
        await service.propose(context.services, meeting_id, user.id, message.text or "")
    except Invalid as bad:
        await say(update, context, "meetings.invalid", reason=bad.reason, **bad.values)
        return None
    except service.Refused as refused:
        context.user_data.pop(TOPIC_DRAFT, None)
        await say(update, context, "meetings.refused", reason=refused.reason, **refused.values)
        return ConversationHandler.END
    context.user_data.pop(TOPIC_DRAFT, None)
    await say(update, context, "meetings.topic_saved")
    return ConversationHandler.END


async def cancel_topic(update: Update, context: MinhuContext) -> int:
    """Leave without proposing."""
    if context.user_data is not None:
        context.user_data.pop(TOPIC_DRAFT, None)
    await answer(update, context)
    await say(update, context, "common.cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """/meetings, the card's buttons, and the topic conversation ("meeting_topic")."""
    other = ~filters.COMMAND
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(start_topic, pattern=rf"^{PREFIX}:t:\d+$")],
            states={
                State.TOPIC: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, topic_text),
                    MessageHandler(other, hint("meetings.expect_text")),
                ]
            },
            fallbacks=[
                CommandHandler("cancel", cancel_topic),
                CallbackQueryHandler(cancel_topic, pattern=f"^{PREFIX}:tc$"),
            ],
            name="meeting_topic",
            persistent=True,
            allow_reentry=True,
        ),
        CommandHandler("meetings", list_meetings),
        CallbackQueryHandler(view, pattern=rf"^{PREFIX}:v:"),
        CallbackQueryHandler(book, pattern=rf"^{PREFIX}:b:"),
        CallbackQueryHandler(join_waitlist, pattern=rf"^{PREFIX}:w:"),
        CallbackQueryHandler(ask_cancel, pattern=rf"^{PREFIX}:x:"),
        CallbackQueryHandler(cancel_booking, pattern=rf"^{PREFIX}:xy:"),
        CallbackQueryHandler(resend_ics, pattern=rf"^{PREFIX}:ics:"),
    ]
