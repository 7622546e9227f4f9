"""Reception days (接待日): a representative publishes a session at a liaison station or point
(time, number of slots); residents of its zone book a slot and say their topic; both are
reminded (outbox rows that expire when the session starts); afterwards the representative
records what came of each booking and can turn it into a suggestion (意见建议) for a
department, which then follows the complaint lifecycle."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.complaints import intake
from bot.complaints.rules import NotAllowed as ComplaintRefused
from bot.core.dates import parse_moment
from bot.people import service as people_service
from bot.people.roles import has_role
from bot.reception import buttons
from bot.reception import notices as tell
from bot.reception.notices import context_of
from bot.reception.rules import Invalid, NotAllowed, NotFound, SessionStatus, Stale
from bot.runtime import notices
from bot.runtime.services import Services
from bot.supervision import service as supervision
from storage import geo, people, submissions
from storage import reception as store
from storage.db import Database
from storage.models import Person, Role

REMINDERS = (timedelta(hours=24), timedelta(hours=1))  # before the session starts
DURATION = timedelta(hours=2)  # the representative is asked for outcomes after this
MAX_AHEAD = timedelta(days=180)
SLOTS = (1, 50)
TOPIC = (5, 500)
OUTCOME = (2, 1000)
OTHER_CATEGORY = "other"  # a suggestion from a reception is filed under 其他


def reminders_ahead(starts_at: datetime, now: datetime) -> list[int]:
    """Minutes before the start of a booking's reminders still ahead: those sent, and the
    only ones its confirmation promises."""
    return [int(lead.total_seconds() // 60) for lead in REMINDERS if starts_at - lead > now]


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """ "2026-03-10 09:00", "3月10日 9:30", "3-10 9点": a local date and time; None if not."""
    return parse_moment(text, tz, now)


async def _registered(db: Database, user_id: int, *, with_grid: bool = False) -> Person:
    """The registered person, or NotAllowed("need_start") in reception's words."""
    try:
        return await people_service.registered(db, user_id, with_grid=with_grid)
    except people_service.NeedStart as refused:
        raise NotAllowed(refused.reason) from refused


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
    if not await has_role(services, representative_id, Role.REPRESENTATIVE):
        raise NotAllowed("not_allowed")
    await _registered(db, representative_id)
    station = await store.station(db, station_id)
    if station is None:
        raise NotFound("not_found")
    if starts_at <= now:
        raise Invalid("past")
    if starts_at > now + MAX_AHEAD:
        raise Invalid("too_far")
    if not SLOTS[0] <= slots <= SLOTS[1]:
        raise Invalid("bad_input")
    minutes = int(DURATION.total_seconds() // 60)
    async with db.transaction() as conn:
        if key and await submissions.find_in(conn, key) is not None:
            raise Stale("expired")  # a press racing this one published it
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
            SessionStatus.OPEN,
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
            context=context_of(found),
            buttons=[[("reception.btn_outcomes", buttons.SESSION.pack(session_id))]],
        )
        await tell.announce(conn, services, found, now)  # to the zone's followers
        if key:
            await submissions.record(conn, key, "reception_session", session_id, now)
    services.delivery.kick_soon()
    return found


async def bookable(services: Services, session_id: int, person_id: int) -> store.Session:
    """The session if this resident may book a slot of it now; else NotAllowed."""
    db, now = services.db, services.clock.now()
    person = await _registered(db, person_id, with_grid=True)
    found = await store.session(db, session_id)
    if found is None or found.status != SessionStatus.OPEN or found.starts_at <= now:
        raise Stale("closed")
    grid = await geo.grid(db, person.grid_id) if person.grid_id else None
    if found.zone_id is not None and (grid is None or grid.zone_id != found.zone_id):
        raise NotAllowed("not_allowed")
    if session_id in await store.booked_sessions(db, person_id, now):
        raise Stale("already_booked")
    if found.full:
        raise Stale("full")
    return found


async def book(services: Services, session_id: int, person_id: int, topic: str) -> int:
    """Take a slot with a topic; the resident's reminders and the representative's notice are
    written with it. Stale("full") when the last slot went to someone else first."""
    found = await bookable(services, session_id, person_id)
    topic = topic.strip()
    if not TOPIC[0] <= len(topic) <= TOPIC[1]:
        raise Invalid("bad_input")
    now = services.clock.now()
    person = await people.get(services.db, person_id)
    async with services.db.transaction() as conn:
        if await store.has_booked(conn, session_id, person_id):
            raise Stale("already_booked")
        booking_id = await store.book(conn, session_id, person_id, topic, now)
        if booking_id is None:
            raise Stale("full")
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
        raise NotFound("not_found")
    if session.representative_id != representative_id or not await has_role(
        services, representative_id, Role.REPRESENTATIVE
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
        raise Stale("already_done")
    if not OUTCOME[0] <= len(outcome) <= OUTCOME[1]:
        raise Invalid("bad_input")
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
        raise Stale("already_done")
    if not found.outcome:
        raise NotAllowed("no_outcome")
    categories = await geo.categories(db)
    departments = await geo.departments(db)
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
    try:
        category = await supervision.check(services, representative_id, item)
    except ComplaintRefused as refused:  # the suggestion's own rules, in reception's words
        raise NotAllowed(refused.reason) from refused
    now = services.clock.now()
    async with db.transaction() as conn:
        submitted = await supervision.file_in(
            conn, services, representative_id, item, category, now
        )
        if not await store.link_complaint(conn, booking_id, submitted.complaint_id):
            raise Stale("already_done")
        department = next((d.name for d in departments if d.id == department_id), "")
        await tell.became_case(
            conn,
            services,
            found,
            complaint_id=submitted.complaint_id,
            number=submitted.number,
            department=department,
            resolve_due=submitted.resolve_due,
            now=now,
        )
    services.delivery.kick_soon()
    return submitted
