"""Residents and deliberation meetings (议事会): /meetings lists the upcoming meetings of their
zone (and offers the past ones with their decisions: `handlers.meetings.past`); a meeting's
card books a seat (or a place on the waiting list when it is full), cancels,
sends the .ics again, and proposes a topic before the registration deadline.

Buttons: the `mt` families of `bot.meetings.buttons`. Every press is checked again by
`bot.meetings.service` (a forged booking id is refused).
"""

from __future__ import annotations

import html
from enum import IntEnum

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.core.buttons import Family
from bot.meetings import ics, service
from bot.meetings.buttons import BOOK, ICS, LEAVE, LEAVE_YES, TOPIC, TOPIC_CANCEL, VIEW, WAITLIST
from bot.meetings.notices import context_of
from bot.meetings.rules import PROPOSAL, BookingStatus, MeetingStatus, Seats
from bot.people.roles import Role, has_role
from bot.runtime.services import MinhuContext
from handlers.kit import menu
from handlers.kit.common import (
    answer,
    button_row,
    current_person,
    keyboard,
    language_of,
    pressed,
    say,
    t,
)
from handlers.kit.conversation import (
    cancelled,
    chosen,
    conversation,
    refusal_ends,
    refusals_answered,
    registered,
    renumbered,
    typed_step,
)
from handlers.meetings import past
from handlers.meetings.common import plain, say_about
from storage import meeting_bookings as bookings
from storage import meetings as store
from storage.meeting_bookings import Booking
from storage.meetings import Meeting

TOPIC_DRAFT = "meeting_topic"  # user_data: the meeting a topic is being proposed for
SHOWN = 10


class State(IntEnum):
    TOPIC = 200  # 60 before this version: see `kit.renumbered`


async def list_meetings(update: Update, context: MinhuContext) -> None:
    """/meetings: upcoming meetings of the resident's zone, a button each."""
    person = await registered(update, context, with_grid=True)
    if person is None or person.grid_id is None:
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
                VIEW.pack(m.id),
            )
        ]
        for m in items
    ]
    rows += await past.past_row(context, lang, person.id, person.grid_id)
    shown = [await context_of(services, m) for m in items]
    await say(
        update, context, "meetings.list", markup=keyboard(rows) if rows else None, items=shown
    )


async def _card(update: Update, context: MinhuContext, m: Meeting, user_id: int) -> None:
    """A meeting as a resident sees it, with what they may do now."""
    services = context.services
    now = services.clock.now()
    representative = await has_role(services, user_id, Role.REPRESENTATIVE)
    seats = Seats(m.capacity, m.reserved_seats, *await bookings.seats_now(services.db, m.id))
    ahead = m.status == MeetingStatus.OPEN and now < m.starts_at
    mine = await bookings.my_booking(services.db, m.id, user_id) if ahead else None
    waiting = len(await bookings.of_status(services.db, m.id, BookingStatus.WAITLISTED))
    waitlisted = mine is not None and mine.status == BookingStatus.WAITLISTED
    position = await bookings.waiting_position(services.db, mine) if mine and waitlisted else 0
    lang = await language_of(update, context)
    open_ = ahead and now < m.registration_until
    rows: list[list[tuple[str, str]]] = []
    if mine is None and open_:
        verb, family = ("book", BOOK) if seats.fits(representative) else ("waitlist", WAITLIST)
        rows.append(button_row(context, lang, f"meetings.btn_{verb}", family, m.id))
    booked = mine is not None and mine.status == BookingStatus.BOOKED
    if mine is not None and booked:
        rows.append(button_row(context, lang, "meetings.btn_ics", ICS, mine.id))
    if mine is not None:
        label = "meetings.btn_cancel_booking" if booked else "meetings.btn_leave_line"
        rows.append(button_row(context, lang, label, LEAVE, mine.id))
    if open_:
        rows.append(button_row(context, lang, "meetings.btn_topic", TOPIC, m.id))
    await say_about(
        update,
        context,
        "meetings.card",
        m,
        rows,
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

    async def for_them(meeting_id: int) -> Meeting | None:
        m = await store.get(context.services.db, meeting_id)
        return m if m and await service.for_person(context.services, m, user.id) else None

    m = await chosen(update, context, VIEW, for_them)
    if m is not None:
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
    meeting_id = (WAITLIST if waitlist else BOOK).one(pressed(update))
    if meeting_id is None:
        await answer(update, context, "common.invalid_button")
        return
    try:
        done = await service.book(context.services, meeting_id, user.id, waitlist=waitlist)
    except service.Stale as refused:
        if refused.reason != "full":
            raise
        await answer(update, context)
        lang = await language_of(update, context)
        row = button_row(context, lang, "meetings.btn_waitlist", WAITLIST, meeting_id)
        await say(update, context, "meetings.full", markup=keyboard([row]))
        return
    code = done.booking.code or f"#{done.booking.id}"
    context.services.commits.mark(update.update_id, code)  # never "not completed" from here on
    await answer(update, context)
    m, b = done.meeting, done.booking
    if b.status == BookingStatus.BOOKED:
        # The reminders queued are the ones promised (a late booking gets fewer, or none).
        reminders = list(done.reminders)
        await say_about(update, context, "meetings.booked", m, code=b.code, reminders=reminders)
        await send_ics(update, context, m, b)
    else:
        await say_about(update, context, "meetings.waitlisted", m, position=done.position)


@refusals_answered
async def book(update: Update, context: MinhuContext) -> None:
    """报名: a seat, or the offer of the waiting list when the meeting is full."""
    await _book(update, context, waitlist=False)


@refusals_answered
async def join_waitlist(update: Update, context: MinhuContext) -> None:
    """排队候补: a seat if one came free meanwhile, else a place in line."""
    await _book(update, context, waitlist=True)


async def _own_booking(
    update: Update, context: MinhuContext, family: Family
) -> tuple[Booking, Meeting]:
    """The pressed booking if it is the presser's own (else NotFound("not_yours"))."""
    user = update.effective_user
    assert user is not None
    booking_id = family.one(pressed(update))
    b = await bookings.booking(context.services.db, booking_id) if booking_id else None
    m = await store.get(context.services.db, b.meeting_id) if b else None
    if b is None or m is None or b.person_id != user.id:
        raise service.NotFound("not_yours")
    return b, m


@refusals_answered
async def ask_cancel(update: Update, context: MinhuContext) -> None:
    """取消报名 / 退出候补: confirm first."""
    b, m = await _own_booking(update, context, LEAVE)
    await answer(update, context)
    lang = await language_of(update, context)
    yes = button_row(context, lang, "meetings.btn_confirm_cancel", LEAVE_YES, b.id)
    await say_about(update, context, "meetings.confirm_cancel", m, [yes], status=b.status)


@refusals_answered
async def cancel_booking(update: Update, context: MinhuContext) -> None:
    """The cancellation is confirmed: the seat goes to the first in line."""
    user = update.effective_user
    assert user is not None
    booking_id = LEAVE_YES.one(pressed(update))
    if booking_id is None:
        raise service.NotFound("not_yours")
    b, _ = await service.cancel_booking(context.services, booking_id, user.id)
    m = await store.get(context.services.db, b.meeting_id)
    assert m is not None
    await answer(update, context)
    await say_about(update, context, "meetings.booking_cancelled", m, edit=True, status=b.status)


@refusals_answered
async def resend_ics(update: Update, context: MinhuContext) -> None:
    """📅 the calendar file of one's own seat."""
    b, m = await _own_booking(update, context, ICS)
    if b.status != BookingStatus.BOOKED or m.status != MeetingStatus.OPEN:
        raise service.Stale("not_booked", status=b.status)
    await answer(update, context)
    await send_ics(update, context, m, b)


# Proposing a topic (a small persistent conversation) --------------------------------------


@refusal_ends()
async def start_topic(update: Update, context: MinhuContext) -> int | None:
    """提议题: ask for the words."""
    assert context.user_data is not None
    meeting_id = TOPIC.one(pressed(update))
    services = context.services
    m = await store.get(services.db, meeting_id) if meeting_id else None
    now = services.clock.now()
    if m is None or await current_person(update, context) is None:
        raise service.NotFound("not_found")
    if m.status != MeetingStatus.OPEN or now >= m.registration_until or now >= m.starts_at:
        raise service.Stale("registration_closed", registration_until=m.registration_until)
    await answer(update, context)
    context.user_data[TOPIC_DRAFT] = m.id
    lang = await language_of(update, context)
    markup = keyboard([button_row(context, lang, "common.btn_cancel", TOPIC_CANCEL)])
    await say(update, context, "meetings.ask_topic", markup=markup, title=m.title, max=PROPOSAL[1])
    return State.TOPIC


@refusals_answered
@refusal_ends(TOPIC_DRAFT)
async def topic_text(update: Update, context: MinhuContext) -> int | None:
    """The proposed topic: stored, or a polite reason to try again."""
    user, message = update.effective_user, update.message
    assert user is not None and message is not None and context.user_data is not None
    meeting_id = context.user_data.get(TOPIC_DRAFT)
    if not isinstance(meeting_id, int):
        raise service.NotFound("expired")
    await service.propose(context.services, meeting_id, user.id, message.text or "")
    context.user_data.pop(TOPIC_DRAFT, None)
    await say(update, context, "meetings.topic_saved")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """/meetings, the card's buttons, and the topic conversation ("meeting_topic")."""
    return [
        renumbered(
            conversation(
                "meeting_topic",
                entry_points=[CallbackQueryHandler(start_topic, pattern=TOPIC.pattern)],
                states={State.TOPIC: typed_step(topic_text, "meetings.expect_text")},
                cancel=cancelled("common.cancelled", TOPIC_DRAFT),
                cancel_button=TOPIC_CANCEL,
            ),
            State,
            was=60,
        ),
        *menu.command("meetings", list_meetings),
        CallbackQueryHandler(view, pattern=VIEW.pattern),
        CallbackQueryHandler(book, pattern=BOOK.pattern),
        CallbackQueryHandler(join_waitlist, pattern=WAITLIST.pattern),
        CallbackQueryHandler(ask_cancel, pattern=LEAVE.pattern),
        CallbackQueryHandler(cancel_booking, pattern=LEAVE_YES.pattern),
        CallbackQueryHandler(resend_ics, pattern=ICS.pattern),
        *past.handlers(),
    ]
