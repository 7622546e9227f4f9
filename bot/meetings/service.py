"""Deliberation meetings (议事会): the service the handlers call.

Every change is one transaction (`BEGIN IMMEDIATE`): the checks that depend on the current
state (seats, the waiting list, the status) are made inside it, and the notices it causes are
outbox rows in the same transaction, so a booking and its reminders, a cancellation and the
promotion it causes, a result and its notices are all or nothing. What breaks a rule raises
`Refused` (or `meeting_rules.Invalid` for typed values) and changes nothing. Results and
assignments are in `bot.meetings.results`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.meetings import notices as mn
from bot.meetings.rules import (
    CAPACITY,
    DURATION,
    MAX_PROPOSALS,
    PLACE,
    PROPOSAL,
    TITLE,
    TOPIC,
    Invalid,
    Seats,
    check_deadline,
    check_reserved,
    check_start,
    may_check_in,
    new_code,
    normalise_code,
    promotions,
    text_within,
)
from bot.people.roles import has_role
from bot.runtime.services import Services
from storage import geo, people, submissions
from storage import meeting_bookings as bookings
from storage import meetings as store
from storage.meeting_bookings import Booking
from storage.meetings import Meeting, NewMeeting


class Refused(Exception):
    """The action is not possible now; `reason` names the template that explains why."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values: dict[str, Any] = values


@dataclass(frozen=True)
class Booked:
    meeting: Meeting
    booking: Booking
    position: int = 0  # place on the waiting list; 0 when a seat was booked
    reminders: tuple[int, ...] = ()  # minutes before the start of the reminders queued


@dataclass(frozen=True)
class CheckedIn:
    meeting: Meeting
    booking: Booking
    present: int


async def require_admin(services: Services, user_id: int) -> None:
    """Checked on the server for every privileged action."""
    if not await has_role(services, user_id, "admin"):
        raise Refused("not_allowed")


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
        raise Refused("not_found")
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
    if await has_role(services, user_id, "representative"):
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
        raise Refused("not_found")
    if m.status == "cancelled":
        raise Refused("meeting_cancelled")
    if m.status != "open" or now >= m.starts_at:
        raise Refused("started")
    if now >= m.registration_until:
        raise Refused("registration_closed", registration_until=m.registration_until)
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
        raise Refused("need_start")
    found = await store.get(db, meeting_id)
    if found is None or not await for_person(services, found, user_id):
        raise Refused("not_found")
    representative = await has_role(services, user_id, "representative")
    async with db.transaction() as conn:
        m = _refuse_if_closed(await store.get_in(conn, meeting_id), now)
        existing = await bookings.live_booking(conn, m.id, user_id)
        if existing is not None:
            raise Refused("already", status=existing.status, code=existing.code)
        seats = Seats(m.capacity, m.reserved_seats, *await bookings.seat_counts(conn, m.id))
        if seats.fits(representative):
            status = "booked"
        elif waitlist:
            status = "waitlisted"
        else:
            raise Refused("full")
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
        if status == "booked":
            reminders = await mn.remind(conn, services, m, b, now)
            await mn.fill(conn, services, m, seats.booked, seats.booked + 1, now)
    services.delivery.kick_soon()
    position = await bookings.waiting_position(db, b) if status == "waitlisted" else 0
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
        raise Refused("not_yours")
    if b.status == "cancelled":
        raise Refused("already_cancelled")
    m = await store.get_in(conn, b.meeting_id)
    assert m is not None
    if m.status == "cancelled":
        raise Refused("meeting_cancelled")
    if m.status != "open" or now >= m.starts_at:
        raise Refused("started")
    await bookings.set_status(conn, b.id, b.status, "cancelled", now)
    await store.drop_pending(conn, mn.prefix(m.id, "rem", f"b{b.id}"), "booking cancelled")
    if b.status == "booked":
        seats = Seats(m.capacity, m.reserved_seats, *await bookings.seat_counts(conn, m.id))
        line = await bookings.waiting(conn, m.id)
        chosen = promotions(seats, [(w.id, w.representative) for w in line])
        for w in line:
            if w.id in chosen and await bookings.set_status(
                conn, w.id, "waitlisted", "booked", now
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
        buttons=[[("meetings.btn_ics", f"mt:ics:{seat.id}")]],
    )


async def propose(services: Services, meeting_id: int, user_id: int, text: str) -> int:
    """A topic proposed before the registration deadline (up to MAX_PROPOSALS each)."""
    db, now = services.db, services.clock.now()
    words = text_within(text, PROPOSAL)
    found = await store.get(db, meeting_id)
    if found is None or await people.get(db, user_id) is None:
        raise Refused("not_found")
    if not await for_person(services, found, user_id):
        raise Refused("not_found")
    async with db.transaction() as conn:
        m = _refuse_if_closed(await store.get_in(conn, meeting_id), now)
        if await store.topics_by(conn, m.id, user_id) >= MAX_PROPOSALS:
            raise Refused("too_many_topics", max=MAX_PROPOSALS)
        return await store.add_topic(conn, m.id, user_id, words, now)


async def _editable(conn: aiosqlite.Connection, meeting_id: int, now: datetime) -> Meeting:
    m = await store.get_in(conn, meeting_id)
    if m is None:
        raise Refused("not_found")
    if m.status != "open":
        raise Refused("not_open", status=m.status)
    if now >= m.starts_at:
        raise Refused("started")
    return m


async def _changed(
    conn: aiosqlite.Connection, services: Services, before: Meeting, now: datetime
) -> Meeting:
    """After an edit: reminders follow, registrants are told."""
    m = await store.get_in(conn, before.id)
    assert m is not None
    await mn.remind_all(conn, services, m, now)
    ctx = await mn.context_of(services, m) | {
        "old_starts_at": before.starts_at.isoformat(),
        "old_place": before.place,
    }
    await mn.to_registrants(
        conn,
        services,
        m,
        template="meetings.changed",
        key=mn.key(m.id, "changed", f"v{m.revision}"),
        now=now,
        context=ctx,
    )
    return m


async def move(services: Services, meeting_id: int, admin_id: int, starts_at: datetime) -> Meeting:
    """A new start time; registration closes by then at the latest."""
    await require_admin(services, admin_id)
    now = services.clock.now()
    check_start(starts_at, now)
    async with services.db.transaction() as conn:
        before = await _editable(conn, meeting_id, now)
        if starts_at == before.starts_at:
            raise Invalid("same_time")
        until = min(before.registration_until, starts_at)
        if not await store.set_time(conn, before.id, before.revision, starts_at, until):
            raise Refused("not_open", status=before.status)
        m = await _changed(conn, services, before, now)
    services.delivery.kick_soon()
    return m


async def change_place(services: Services, meeting_id: int, admin_id: int, place: str) -> Meeting:
    """A new place."""
    await require_admin(services, admin_id)
    now = services.clock.now()
    where = text_within(place, PLACE)
    async with services.db.transaction() as conn:
        before = await _editable(conn, meeting_id, now)
        if not await store.set_place(conn, before.id, before.revision, where):
            raise Refused("not_open", status=before.status)
        m = await _changed(conn, services, before, now)
    services.delivery.kick_soon()
    return m


async def cancel_meeting(services: Services, meeting_id: int, admin_id: int) -> list[int]:
    """Cancel: every pending notice of the meeting is dropped, registrants are told; returns
    who was told."""
    await require_admin(services, admin_id)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        m = await store.get_in(conn, meeting_id)
        if m is None:
            raise Refused("not_found")
        if not await store.set_cancelled(conn, m.id, now):
            raise Refused("not_open", status=m.status)
        await store.drop_pending(conn, mn.prefix(m.id), "meeting cancelled")
        told = await mn.to_registrants(
            conn,
            services,
            m,
            template="meetings.cancelled",
            key=mn.key(m.id, "cancelled"),
            now=now,
            context=await mn.context_of(services, m),
        )
    services.delivery.kick_soon()
    return told


async def check_in(services: Services, typed: str, staff_id: int) -> CheckedIn:
    """Mark the holder of a registration code present."""
    await require_admin(services, staff_id)
    now = services.clock.now()
    code = normalise_code(typed)
    if code is None:
        raise Refused("bad_code")
    async with services.db.transaction() as conn:
        b = await bookings.booking_by_code(conn, code)
        if b is None:
            raise Refused("unknown_code", code=code)
        m = await store.get_in(conn, b.meeting_id)
        assert m is not None
        if m.status == "cancelled":
            raise Refused("meeting_cancelled")
        if m.status == "held":
            raise Refused("result_recorded")
        if not may_check_in(m.starts_at, now):
            raise Refused("too_early", starts_at=m.starts_at)
        if b.status != "booked":
            raise Refused("not_booked", status=b.status)
        if b.checked_in_at is not None:
            raise Refused("already_checked_in", at=b.checked_in_at, name=b.name)
        await bookings.check_in(conn, b.id, now)
    return CheckedIn(m, b, await bookings.checked_in_count(services.db, m.id))
