"""Deliberation meetings (议事会): the service the handlers call.

Every change is one transaction (`BEGIN IMMEDIATE`): the checks that depend on the current
state (seats, the waiting list, the status) are made inside it, and the notices it causes are
outbox rows in the same transaction, so a booking and its reminders, a cancellation and the
promotion it causes, a result and its notices are all or nothing. What breaks a rule raises
one of the `Refused` kinds (or `rules.Invalid` for typed values) and changes nothing: a
`bot.core.refusals.Refusal` worded by `meetings.refused` (`meetings.invalid`). Changes to a
published meeting and check-in are in `bot.meetings.manage`, results and assignments in
`bot.meetings.results`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.core import refusals
from bot.meetings import notices as mn
from bot.meetings.buttons import ICS
from bot.meetings.rules import (
    CAPACITY,
    DURATION,
    MAX_PROPOSALS,
    PLACE,
    PROPOSAL,
    TITLE,
    TOPIC,
    BookingStatus,
    Invalid,
    MeetingStatus,
    Seats,
    check_deadline,
    check_reserved,
    check_start,
    new_code,
    promotions,
    text_within,
)
from bot.people.roles import Role, has_role
from bot.runtime.services import Services
from storage import geo, people, submissions
from storage import meeting_bookings as bookings
from storage import meetings as store
from storage.meeting_bookings import Booking
from storage.meetings import Meeting, NewMeeting


class Refused(refusals.Refusal):
    """The action is not possible now; `reason` picks the words of `meetings.refused`. Raised
    as one of the kinds below."""

    template = "meetings.refused"


class NotAllowed(Refused, refusals.NotAllowed):
    """Not for this person: their role, not registered, not yet, too many topics."""


class NotFound(Refused, refusals.NotFound):
    """No such meeting, booking or code (or not one for this person)."""


class Stale(Refused, refusals.Stale):
    """The meeting or booking has moved on: started, closed, cancelled, full, done already."""


class Unreadable(Refused, refusals.Invalid):
    """A registration code that cannot be one."""


@dataclass(frozen=True)
class Booked:
    meeting: Meeting
    booking: Booking
    position: int = 0  # place on the waiting list; 0 when a seat was booked
    reminders: tuple[int, ...] = ()  # minutes before the start of the reminders queued


async def require_admin(services: Services, user_id: int) -> None:
    """Checked on the server for every privileged action."""
    if not await has_role(services, user_id, Role.ADMIN):
        raise NotAllowed("not_allowed")


def validate(new: NewMeeting, now: datetime) -> NewMeeting:
    """Every rule of a new meeting (the conversation checks each step too)."""
    text_within(new.title, TITLE)
    text_within(new.topic, TOPIC)
    text_within(new.place, PLACE)
    check_start(new.starts_at, now)
    if not DURATION[0] <= new.duration_minutes <= DURATION[1]:
        raise Invalid("bad_duration", min=DURATION[0], max=DURATION[1])
    if not CAPACITY[0] <= new.capacity <= CAPACITY[1]:
        raise Invalid("bad_capacity", min=CAPACITY[0], max=CAPACITY[1])
    check_reserved(new.reserved_seats, new.capacity)
    check_deadline(new.registration_until, new.starts_at, now)
    return new


async def create(
    services: Services, admin_id: int, new: NewMeeting, *, key: str | None = None
) -> Meeting:
    """A new meeting, announced to its audience; admins reminded later if no result.

    `key` is the form's submission key: a form published already gives back its meeting
    and announces nothing again."""
    await require_admin(services, admin_id)
    now = services.clock.now()
    validate(new, now)
    community = await geo.community(services.db, new.community_id) if new.community_id else None
    if await geo.zone(services.db, new.zone_id) is None or (
        new.community_id is not None and (community is None or community.zone_id != new.zone_id)
    ):
        raise NotFound("not_found")
    async with services.db.transaction() as conn:
        done = await submissions.find_in(conn, key) if key else None
        if done is not None:
            found = await store.get_in(conn, done.record_id)
            assert found is not None
            return found
        meeting_id = await store.insert(conn, new, admin_id, now)
        m = await store.get_in(conn, meeting_id)
        assert m is not None
        await mn.announce(conn, services, m, now)
        await mn.result_reminders(conn, services, m, now)
        if key:
            await submissions.record(conn, key, "meeting", meeting_id, now)
    services.delivery.kick_soon()
    return m


async def for_person(services: Services, m: Meeting, user_id: int) -> bool:
    """Whether a meeting is meant for this person: their zone (or community), a zone they
    follow, any meeting for a representative, and one they booked (they may have moved)."""
    if await has_role(services, user_id, Role.REPRESENTATIVE):
        return True
    if await bookings.my_booking(services.db, m.id, user_id) is not None:
        return True
    person = await people.get(services.db, user_id)
    grid = await geo.grid(services.db, person.grid_id) if person and person.grid_id else None
    lives_there = grid is not None and grid.zone_id == m.zone_id
    if lives_there and m.community_id in (None, grid.community_id if grid else None):
        return True
    return await store.follows(services.db, user_id, m.zone_id)


def _refuse_if_closed(m: Meeting | None, now: datetime) -> Meeting:
    if m is None:
        raise NotFound("not_found")
    if m.status == MeetingStatus.CANCELLED:
        raise Stale("meeting_cancelled")
    if m.status != MeetingStatus.OPEN or now >= m.starts_at:
        raise Stale("started")
    if now >= m.registration_until:
        raise Stale("registration_closed", registration_until=m.registration_until)
    return m


async def _fresh_code(conn: aiosqlite.Connection) -> str:
    while await bookings.code_taken(conn, code := new_code()):
        pass
    return code


async def book(services: Services, meeting_id: int, user_id: int, *, waitlist: bool) -> Booked:
    """A seat if one is free; else a place on the waiting list when asked for, else
    Refused("full"). Before the registration deadline, once per person."""
    db, now = services.db, services.clock.now()
    if await people.get(db, user_id) is None:
        raise NotAllowed("need_start")
    found = await store.get(db, meeting_id)
    if found is None or not await for_person(services, found, user_id):
        raise NotFound("not_found")
    representative = await has_role(services, user_id, Role.REPRESENTATIVE)
    async with db.transaction() as conn:
        # the meeting's row is held: two workers booking its last seat take turns
        m = _refuse_if_closed(await store.get_in(conn, meeting_id, hold=True), now)
        existing = await bookings.live_booking(conn, m.id, user_id)
        if existing is not None:
            raise Stale("already", status=existing.status, code=existing.code)
        seats = Seats(m.capacity, m.reserved_seats, *await bookings.seat_counts(conn, m.id))
        if seats.fits(representative):
            status = BookingStatus.BOOKED
        elif waitlist:
            status = BookingStatus.WAITLISTED
        else:
            raise Stale("full")
        booking_id = await bookings.add_booking(
            conn,
            m.id,
            user_id,
            status=status,
            code=await _fresh_code(conn),
            representative=representative,
            now=now,
        )
        b = await bookings.booking_in(conn, booking_id)
        assert b is not None
        reminders: list[int] = []
        if status == BookingStatus.BOOKED:
            reminders = await mn.remind(conn, services, m, b, now)
            await mn.fill(conn, services, m, seats.booked, seats.booked + 1, now)
    services.delivery.kick_soon()
    position = await bookings.waiting_position(db, b) if status == BookingStatus.WAITLISTED else 0
    return Booked(m, b, position, tuple(reminders))


async def cancel_booking(
    services: Services, booking_id: int, user_id: int
) -> tuple[Booking, list[Booking]]:
    """A person gives up their seat (or place in line); the first in line who fits is
    promoted and told at once. Returns the cancelled booking and who was promoted."""
    now = services.clock.now()
    async with services.db.transaction() as conn:
        b, promoted = await _give_up(conn, services, booking_id, user_id, now)
    services.delivery.kick_soon()
    return b, promoted


async def _give_up(
    conn: aiosqlite.Connection, services: Services, booking_id: int, user_id: int, now: datetime
) -> tuple[Booking, list[Booking]]:
    """Cancel one booking inside the caller's transaction and promote who is next in line."""
    promoted: list[Booking] = []
    b = await bookings.booking_in(conn, booking_id)
    if b is None or b.person_id != user_id:
        raise NotFound("not_yours")
    if b.status == BookingStatus.CANCELLED:
        raise Stale("already_cancelled")
    m = await store.get_in(conn, b.meeting_id, hold=True)  # seats are decided one at a time
    assert m is not None
    if m.status == MeetingStatus.CANCELLED:
        raise Stale("meeting_cancelled")
    if m.status != MeetingStatus.OPEN or now >= m.starts_at:
        raise Stale("started")
    await bookings.set_status(conn, b.id, b.status, BookingStatus.CANCELLED, now)
    await store.drop_pending(conn, mn.prefix(m.id, "rem", f"b{b.id}"), "booking cancelled")
    if b.status == BookingStatus.BOOKED:
        seats = Seats(m.capacity, m.reserved_seats, *await bookings.seat_counts(conn, m.id))
        line = await bookings.waiting(conn, m.id)
        chosen = promotions(seats, [(w.id, w.representative) for w in line])
        for w in line:
            if w.id in chosen and await bookings.set_status(
                conn, w.id, BookingStatus.WAITLISTED, BookingStatus.BOOKED, now
            ):
                promoted.append(w)
                await _promote(conn, services, m, w, now)
    return b, promoted


async def give_up_all(
    conn: aiosqlite.Connection, services: Services, user_id: int, now: datetime
) -> int:
    """Before a person is erased (/deleteme), inside the erasing transaction: give up their
    seats and places in line on coming meetings, so the next in line is promoted and told.
    Returns how many."""
    given_up = 0
    for booking_id in await bookings.live_of_person(conn, user_id):
        try:
            await _give_up(conn, services, booking_id, user_id, now)
        except Refused:  # the meeting started or was cancelled: nothing to hand on
            continue
        given_up += 1
    return given_up


async def _promote(
    conn: aiosqlite.Connection, services: Services, m: Meeting, w: Booking, now: datetime
) -> None:
    seat = await bookings.booking_in(conn, w.id)
    assert seat is not None and seat.person_id is not None
    await mn.remind(conn, services, m, seat, now)
    await mn.send(
        conn,
        services,
        await mn.with_languages(services, [seat.person_id]),
        template="meetings.promoted",
        key=mn.key(m.id, "promo", f"b{seat.id}"),
        now=now,
        context=await mn.context_of(services, m) | {"code": seat.code},
        buttons=[[("meetings.btn_ics", ICS.pack(seat.id))]],
    )


async def propose(services: Services, meeting_id: int, user_id: int, text: str) -> int:
    """A topic proposed before the registration deadline (up to MAX_PROPOSALS each)."""
    db, now = services.db, services.clock.now()
    words = text_within(text, PROPOSAL)
    found = await store.get(db, meeting_id)
    if found is None or await people.get(db, user_id) is None:
        raise NotFound("not_found")
    if not await for_person(services, found, user_id):
        raise NotFound("not_found")
    async with db.transaction() as conn:
        m = _refuse_if_closed(await store.get_in(conn, meeting_id), now)
        if await store.topics_by(conn, m.id, user_id) >= MAX_PROPOSALS:
            raise NotAllowed("too_many_topics", max=MAX_PROPOSALS)
        return await store.add_topic(conn, m.id, user_id, words, now)
