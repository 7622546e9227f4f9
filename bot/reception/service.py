"""Reception days (接待日): a representative publishes a session at a liaison station or point
(time, number of slots); residents of its zone book a slot and say their topic; both are
reminded (outbox rows that expire when the session starts); afterwards the representative
records what came of each booking and can turn it into a suggestion (意见建议) for a
department, which then follows the complaint lifecycle."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.assignments.rules import parse_day
from bot.complaints import intake
from bot.complaints.rules import NotAllowed
from bot.people.roles import has_role
from bot.runtime import notices
from bot.runtime.services import Services
from bot.supervision import service as supervision
from storage import geo, people, submissions
from storage import reception as store

REMINDERS = (timedelta(hours=24), timedelta(hours=1))  # before the session starts
DURATION = timedelta(hours=2)  # the representative is asked for outcomes after this
MAX_AHEAD = timedelta(days=180)
SLOTS = (1, 50)
TOPIC = (5, 500)
OUTCOME = (2, 1000)
OTHER_CATEGORY = "other"  # a suggestion from a reception is filed under 其他
_TIME = re.compile(r"^(.*?)\s+(\d{1,2})\s*[:：点]\s*(\d{2})?\s*分?$")


def reminders_ahead(starts_at: datetime, now: datetime) -> list[int]:
    """Minutes before the start of a booking's reminders still ahead: those sent, and the
    only ones its confirmation promises."""
    return [int(lead.total_seconds() // 60) for lead in REMINDERS if starts_at - lead > now]


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """ "2026-03-10 09:00", "3月10日 9:30", "3-10 9点": a local date and time; None if not."""
    found = _TIME.match(text.strip())
    if found is None:
        return None
    day = parse_day(found[1], now.astimezone(tz).date())
    hour, minute = int(found[2]), int(found[3] or 0)
    if day is None or hour > 23 or minute > 59:
        return None
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def context_of(s: store.Session) -> dict[str, Any]:
    """What every reception notice shows."""
    return {
        "session": s.id,
        "station": s.station_name,
        "address": s.station_address,
        "starts_at": s.starts_at.isoformat(),
        "slots": s.slots,
    }


async def publish(
    services: Services,
    representative_id: int,
    station_id: int,
    starts_at: datetime,
    slots: int,
    *,
    key: str | None = None,
) -> store.Session:
    """A representative opens a session; their reminders and the later outcome prompt are
    written in the same transaction. With the form's `key`, a form published already gives
    back its session and publishes nothing more."""
    db, now = services.db, services.clock.now()
    done = await submissions.find(db, key) if key else None
    if done is not None and done.kind == "reception_session":
        again = await store.session(db, done.record_id)
        if again is not None and again.representative_id == representative_id:
            return again
    if not await has_role(services, representative_id, "representative"):
        raise NotAllowed("not_allowed")
    if await people.get(db, representative_id) is None:
        raise NotAllowed("need_start")
    station = await store.station(db, station_id)
    if station is None:
        raise NotAllowed("not_found")
    if starts_at <= now:
        raise NotAllowed("past")
    if starts_at > now + MAX_AHEAD:
        raise NotAllowed("too_far")
    if not SLOTS[0] <= slots <= SLOTS[1]:
        raise NotAllowed("bad_input")
    minutes = int(DURATION.total_seconds() // 60)
    async with db.transaction() as conn:
        if key and await submissions.find_in(conn, key) is not None:
            raise NotAllowed("expired")  # a press racing this one published it
        session_id = await store.create_session(
            conn,
            station_id=station_id,
            representative_id=representative_id,
            starts_at=starts_at,
            slots=slots,
            duration_minutes=minutes,
            now=now,
        )
        found = store.Session(
            session_id,
            station.id,
            station.name,
            station.address,
            station.zone_id,
            representative_id,
            starts_at,
            minutes,
            slots,
            "open",
            0,
        )
        for lead in REMINDERS:
            if starts_at - lead > now:
                await notices.send(
                    conn,
                    services,
                    [representative_id],
                    template="reception.remind_representative",
                    key=f"rcp:{session_id}:rep:{int(lead.total_seconds())}",
                    now=now,
                    due_at=starts_at - lead,
                    expires_at=starts_at,
                    context=context_of(found),
                )
        await notices.send(
            conn,
            services,
            [representative_id],
            template="reception.after",
            key=f"rcp:{session_id}:after",
            now=now,
            due_at=starts_at + DURATION,
            expires_at=None,
            context=context_of(found),
            buttons=[[("reception.btn_outcomes", f"rv:m:{session_id}")]],
        )
        if key:
            await submissions.record(conn, key, "reception_session", session_id, now)
    services.delivery.kick_soon()
    return found


async def bookable(services: Services, session_id: int, person_id: int) -> store.Session:
    """The session if this resident may book a slot of it now; else NotAllowed."""
    db, now = services.db, services.clock.now()
    person = await people.get(db, person_id)
    if person is None or person.grid_id is None:
        raise NotAllowed("need_start")
    found = await store.session(db, session_id)
    if found is None or found.status != "open" or found.starts_at <= now:
        raise NotAllowed("closed")
    grid = await geo.grid(db, person.grid_id)
    if found.zone_id is not None and (grid is None or grid.zone_id != found.zone_id):
        raise NotAllowed("not_allowed")
    if session_id in await store.booked_sessions(db, person_id, now):
        raise NotAllowed("already_booked")
    if found.full:
        raise NotAllowed("full")
    return found


async def book(services: Services, session_id: int, person_id: int, topic: str) -> int:
    """Take a slot with a topic; the resident's reminders and the representative's notice are
    written with it. NotAllowed("full") when the last slot went to someone else first."""
    found = await bookable(services, session_id, person_id)
    topic = topic.strip()
    if not TOPIC[0] <= len(topic) <= TOPIC[1]:
        raise NotAllowed("bad_input")
    now = services.clock.now()
    person = await people.get(services.db, person_id)
    async with services.db.transaction() as conn:
        if await store.has_booked(conn, session_id, person_id):
            raise NotAllowed("already_booked")
        booking_id = await store.book(conn, session_id, person_id, topic, now)
        if booking_id is None:
            raise NotAllowed("full")
        for minutes in reminders_ahead(found.starts_at, now):
            lead = timedelta(minutes=minutes)
            await notices.send(
                conn,
                services,
                [person_id],
                template="reception.remind_resident",
                key=f"rcp:{session_id}:b{booking_id}:{int(lead.total_seconds())}",
                now=now,
                due_at=found.starts_at - lead,
                expires_at=found.starts_at,
                context=context_of(found) | {"topic": topic},
            )
        if await notices.reachable(services, [found.representative_id]):
            await notices.send(
                conn,
                services,
                [found.representative_id],
                template="reception.booked_notice",
                key=f"rcp:{session_id}:b{booking_id}:new",
                now=now,
                due_at=now,
                expires_at=found.starts_at,
                context=context_of(found)
                | {"name": person.first_name if person else "", "topic": topic},
            )
    services.delivery.kick_soon()
    return booking_id


async def own_booking(
    services: Services, booking_id: int, representative_id: int
) -> tuple[store.Booking, store.Session]:
    """A booking of one of this representative's sessions that has started; else NotAllowed."""
    db = services.db
    found = await store.booking(db, booking_id)
    session = await store.session(db, found.session_id) if found else None
    if found is None or session is None:
        raise NotAllowed("not_found")
    if session.representative_id != representative_id or not await has_role(
        services, representative_id, "representative"
    ):
        raise NotAllowed("not_allowed")
    if session.starts_at > services.clock.now():
        raise NotAllowed("not_started")
    return found, session


async def record_outcome(
    services: Services, booking_id: int, representative_id: int, outcome: str
) -> store.Booking:
    """What came of a booking (until it became a suggestion)."""
    found, _ = await own_booking(services, booking_id, representative_id)
    outcome = outcome.strip()
    if found.complaint_id is not None:
        raise NotAllowed("already_done")
    if not OUTCOME[0] <= len(outcome) <= OUTCOME[1]:
        raise NotAllowed("bad_input")
    async with services.db.transaction() as conn:
        await store.set_outcome(conn, booking_id, outcome, services.clock.now())
    result = await store.booking(services.db, booking_id)
    assert result is not None
    return result


async def to_suggestion(
    services: Services, booking_id: int, representative_id: int, department_id: int
) -> intake.Submitted:
    """One action: a recorded outcome becomes a suggestion (意见建议) to a department."""
    db = services.db
    found, _ = await own_booking(services, booking_id, representative_id)
    if found.complaint_id is not None:
        raise NotAllowed("already_done")
    if not found.outcome:
        raise NotAllowed("no_outcome")
    categories = await geo.categories(db)
    category = next((c for c in categories if c.code == OTHER_CATEGORY), categories[-1])
    representative = await people.get(db, representative_id)
    grid_id = found.grid_id or (representative.grid_id if representative else None)
    item = supervision.Item(
        kind="suggestion",
        source="reception",
        category_id=category.id,
        department_id=department_id,
        grid_id=grid_id or 0,
        description=f"{found.topic}\n\n{found.outcome}",
        booking_id=booking_id,
    )
    category = await supervision.check(services, representative_id, item)
    now = services.clock.now()
    async with db.transaction() as conn:
        submitted = await supervision.file_in(
            conn, services, representative_id, item, category, now
        )
        if not await store.link_complaint(conn, booking_id, submitted.complaint_id):
            raise NotAllowed("already_done")
    services.delivery.kick_soon()
    return submitted
