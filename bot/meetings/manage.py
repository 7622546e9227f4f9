"""Admins and a published meeting: moving it, changing its place, cancelling it, and checking
people in at the door — one transaction each, like everything in `bot.meetings.service`, whose
refusals they raise. Registrants hear of every change through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.meetings import notices as mn
from bot.meetings.rules import (
    PLACE,
    BookingStatus,
    Invalid,
    MeetingStatus,
    check_start,
    may_check_in,
    normalise_code,
    text_within,
)
from bot.meetings.service import NotAllowed, NotFound, Stale, Unreadable, require_admin
from bot.runtime.services import Services
from storage import meeting_bookings as bookings
from storage import meetings as store
from storage.meeting_bookings import Booking
from storage.meetings import Meeting


@dataclass(frozen=True)
class CheckedIn:
    meeting: Meeting
    booking: Booking
    present: int


async def _editable(conn: aiosqlite.Connection, meeting_id: int, now: datetime) -> Meeting:
    m = await store.get_in(conn, meeting_id, hold=True)  # an edit may change the seats
    if m is None:
        raise NotFound("not_found")
    if m.status != MeetingStatus.OPEN:
        raise Stale("not_open", status=m.status)
    if now >= m.starts_at:
        raise Stale("started")
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
            raise Stale("not_open", status=before.status)
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
            raise Stale("not_open", status=before.status)
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
            raise NotFound("not_found")
        if not await store.set_cancelled(conn, m.id, now):
            raise Stale("not_open", status=m.status)
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
        raise Unreadable("bad_code")
    async with services.db.transaction() as conn:
        b = await bookings.booking_by_code(conn, code)
        if b is None:
            raise NotFound("unknown_code", code=code)
        m = await store.get_in(conn, b.meeting_id)
        assert m is not None
        if m.status == MeetingStatus.CANCELLED:
            raise Stale("meeting_cancelled")
        if m.status == MeetingStatus.HELD:
            raise Stale("result_recorded")
        if not may_check_in(m.starts_at, now):
            raise NotAllowed("too_early", starts_at=m.starts_at)
        if b.status != BookingStatus.BOOKED:
            raise Stale("not_booked", status=b.status)
        if b.checked_in_at is not None:
            raise Stale("already_checked_in", at=b.checked_in_at, name=b.name)
        await bookings.check_in(conn, b.id, now)
    return CheckedIn(m, b, await bookings.checked_in_count(services.db, m.id))
