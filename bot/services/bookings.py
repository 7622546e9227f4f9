"""Booking a slot at a service point (no Telegram): the days and times free, the booking with its
reminders and the staff's notice (one transaction), cancellation, the staff's mark (came / did
not come), and the admins' edits of a point.

Privacy: at a private point (心理咨询) the topic reaches the point's staff only — their notice of
the booking and their list (`/appointments`). The resident's confirmation and reminders say
neither the topic nor the kind of point beyond its name (reminders show on a locked phone), and
no list anyone else reads carries it; services are in no bulletin.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.people.roles import has_role
from bot.runtime import notices
from bot.runtime.services import Services
from bot.services import buttons
from bot.services.rules import (
    DAYS,
    TOPIC,
    ServicesGone,
    ServicesInvalid,
    ServicesRefused,
    ServicesStale,
    parse_hours,
    slots,
)
from bot.services.search import resident
from storage import services as store
from storage.codec import to_iso
from storage.models import Role
from storage.services import ATTENDED, CANCELLED, NO_SHOW, Booking, Point

REMINDERS = (timedelta(hours=24), timedelta(hours=1))
STAFF_WINDOW = (timedelta(days=2), timedelta(days=7))  # the staff's list: back, ahead


async def _bookable(services: Services, point_id: int) -> Point:
    point = await store.point(services.db, point_id)
    if point is None or not point.visible:
        raise ServicesGone("gone")
    if point.slot_minutes <= 0:
        raise ServicesInvalid("no_slots", name=point.name)
    return point


def _checks(
    services: Services,
) -> tuple[ZoneInfo, Callable[[date], bool], Callable[[date], bool]]:
    cal = services.calendar
    return services.settings.tz, cal.is_holiday, cal.is_workday


async def free_slots(services: Services, point: Point, day: date) -> list[datetime]:
    """The slots of a local day not yet full."""
    tz, holiday, workday = _checks(services)
    now = services.clock.now()
    found = slots(point, day, now, tz, holiday, workday)
    if not found:
        return []
    taken = await store.taken(services.db, point.id, found[0], found[-1] + timedelta(minutes=1))
    return [s for s in found if taken.get(to_iso(s), 0) < point.slot_capacity]


async def days(services: Services, point_id: int, user_id: int) -> tuple[Point, list[date]]:
    """The point and the next DAYS local days with a free slot; refused at once for someone
    who holds a booking ahead at this point already (one at a time, as `book` keeps it), not
    after they chose a day, a time and typed a topic."""
    await resident(services, user_id)
    point = await _bookable(services, point_id)
    ahead = await store.of_person(services.db, user_id, services.clock.now())
    if any(b.point_id == point.id for b in ahead):
        raise ServicesStale("already_booked", name=point.name)
    today = services.clock.now().astimezone(services.settings.tz).date()
    found = [
        today + timedelta(days=n)
        for n in range(DAYS + 1)
        if await free_slots(services, point, today + timedelta(days=n))
    ]
    if not found:
        raise ServicesInvalid("no_slots", name=point.name)
    return point, found


async def times(services: Services, point_id: int, day: date) -> tuple[Point, list[datetime]]:
    """The point and the free slots of one day."""
    point = await _bookable(services, point_id)
    found = await free_slots(services, point, day)
    if not found:
        raise ServicesStale("full", name=point.name)
    return point, found


async def book(
    services: Services, point_id: int, user_id: int, starts_at: datetime, topic: str
) -> tuple[Point, int]:
    """Take a slot: the booking, the resident's reminders (24 h and 1 h before, while ahead)
    and the staff's notice, in one transaction; (the point, the booking's id)."""
    person = await resident(services, user_id)
    point = await _bookable(services, point_id)
    topic = topic.strip()
    if not TOPIC[0] <= len(topic) <= TOPIC[1]:
        raise ServicesInvalid("bad_topic", max=TOPIC[1])
    local = starts_at.astimezone(services.settings.tz)
    if starts_at not in await free_slots(services, point, local.date()):
        raise ServicesStale("full", name=point.name)
    now = services.clock.now()
    ctx = {"point": point.name, "address": point.address, "starts_at": starts_at.isoformat()}
    async with services.db.transaction() as conn:
        booking_id = await store.book_in(
            conn, point.id, person.id, starts_at, topic, point.slot_capacity, now
        )
        if booking_id is None:
            raise ServicesStale("full", name=point.name)
        if booking_id < 0:
            raise ServicesStale("already_booked", name=point.name)
        for lead in REMINDERS:
            if starts_at - lead > now:
                await notices.send(
                    conn,
                    services,
                    [person.id],
                    template="services.remind",
                    key=f"svc:b{booking_id}:r{int(lead.total_seconds())}",
                    now=now,
                    due_at=starts_at - lead,
                    expires_at=starts_at,
                    context=ctx,
                    buttons=[[("services.btn_cancel_booking", buttons.CANCEL.pack(booking_id))]],
                )
        staff = await notices.reachable(services, await store.staff_of(services.db, point.id))
        await notices.send(
            conn,
            services,
            staff,
            template="services.booked_notice",
            key=f"svc:b{booking_id}:new",
            now=now,
            expires_at=starts_at,
            context=ctx | {"name": person.first_name, "topic": topic, "private": point.private},
        )
    services.delivery.kick_soon()
    return point, booking_id


async def cancel(services: Services, booking_id: int, user_id: int) -> Booking:
    """The resident cancels their booking (before it starts): reminders dropped, staff told."""
    found = await store.booking(services.db, booking_id)
    if found is None or found.person_id != user_id:
        raise ServicesGone("gone")
    now = services.clock.now()
    if found.status != store.BOOKED:
        raise ServicesStale("not_booked", name=found.point_name)
    if found.starts_at <= now:
        raise ServicesStale("past", name=found.point_name)
    async with services.db.transaction() as conn:
        if not await store.set_status(conn, booking_id, CANCELLED, now):
            raise ServicesStale("not_booked", name=found.point_name)
        await store.drop_reminders(conn, booking_id)
        staff = await notices.reachable(services, await store.staff_of(services.db, found.point_id))
        await notices.send(
            conn,
            services,
            staff,
            template="services.cancelled_notice",
            key=f"svc:b{booking_id}:x",
            now=now,
            context={"point": found.point_name, "starts_at": found.starts_at.isoformat()},
        )
    services.delivery.kick_soon()
    return found


async def mark(services: Services, booking_id: int, staff_id: int, came: bool) -> Booking:
    """The point's staff mark a booking, once its time has come: came, or did not (no-show)."""
    found = await store.booking(services.db, booking_id)
    if found is None:
        raise ServicesGone("gone")
    if found.point_id not in await store.staffed_by(services.db, staff_id):
        raise ServicesRefused("not_staff")
    now = services.clock.now()
    if found.starts_at > now:
        raise ServicesStale("not_started", name=found.point_name)
    async with services.db.transaction() as conn:
        if not await store.set_status(conn, booking_id, ATTENDED if came else NO_SHOW, now):
            raise ServicesStale("not_booked", name=found.point_name)
    result = await store.booking(services.db, booking_id)
    assert result is not None
    return result


async def appointments(services: Services, user_id: int) -> tuple[list[Booking], list[Booking]]:
    """(the resident's bookings still ahead, the bookings of the points they staff)."""
    now = services.clock.now()
    mine = await store.of_person(services.db, user_id, now)
    points = await store.staffed_by(services.db, user_id)
    back, ahead = STAFF_WINDOW
    staffed = await store.of_points(services.db, points, now - back, now + ahead)
    return mine, staffed


# ---- admins ---------------------------------------------------------------------------------


async def _admin(services: Services, user_id: int) -> None:
    if not await has_role(services, user_id, Role.ADMIN):
        raise ServicesRefused("not_admin")


async def admin_point(services: Services, user_id: int, code: str) -> Point:
    """A point by code, for an admin."""
    await _admin(services, user_id)
    point = await store.by_code(services.db, code)
    if point is None:
        raise ServicesGone("no_code", code=code)
    return point


async def set_visible(services: Services, user_id: int, point_id: int, visible: bool) -> bool:
    """An admin shows or hides a point; False when it already was so."""
    await _admin(services, user_id)
    if await store.point(services.db, point_id) is None:
        raise ServicesGone("gone")
    return await store.update(services.db, point_id, services.clock.now(), visible=int(visible))


async def set_hours(services: Services, user_id: int, code: str, text: str) -> Point:
    """An admin sets a point's opening hours from words ("周一至周五 8:30-17:00")."""
    point = await admin_point(services, user_id, code)
    hours = parse_hours(text)
    if hours is None:
        raise ServicesInvalid("bad_hours", text=text[:100])
    await store.update(services.db, point.id, services.clock.now(), hours=store.hours_json(hours))
    result = await store.point(services.db, point.id)
    assert result is not None
    return result


async def set_phone(services: Services, user_id: int, code: str, phone: str) -> Point:
    """An admin sets a point's phone ("-" clears it)."""
    from bot.services.importer import PHONE

    point = await admin_point(services, user_id, code)
    phone = "" if phone.strip() == "-" else phone.strip()
    if phone and not PHONE.match(phone):
        raise ServicesInvalid("bad_phone", text=phone[:30])
    await store.update(services.db, point.id, services.clock.now(), phone=phone)
    result = await store.point(services.db, point.id)
    assert result is not None
    return result


async def set_staff(services: Services, user_id: int, code: str, staff_id: int, on: bool) -> bool:
    """An admin adds or removes a point's staff member; False when it already was so."""
    point = await admin_point(services, user_id, code)
    return await store.set_staff(services.db, point.id, staff_id, on, services.clock.now())
