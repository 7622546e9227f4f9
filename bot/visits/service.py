"""Home visits (网格走亲): registering a household with its consent, logging a visit (a case
opened for 需要帮助 or 发现隐患, routed like any other through `bot.complaints.intake.open_item`,
in the visit's transaction), withdrawing consent (the household's erasure), who may see a
household, and the list a worker visits from (overdue first)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo

import aiosqlite

from bot.complaints import intake
from bot.escalation import ladder
from bot.patrols.service import grids_of
from bot.people.roles import Role, has_role
from bot.places import service as places
from bot.proxy import rules as proxy_rules
from bot.runtime import submissions as replies
from bot.runtime.services import Services
from bot.visits import rules
from bot.visits.rules import Refused
from storage import dispatch, geo, people, submissions
from storage import visits as store
from storage.complaints import NewComplaint
from storage.db import Database
from storage.models import Grid

HELP_CATEGORY, HAZARD_CATEGORY = "other", "safety"  # the cases a visit opens


@dataclass(frozen=True)
class Visit:
    """What a worker recorded at one household."""

    household_id: int
    finding: str  # ok / help / hazard
    note: str = ""
    latitude: float | None = None  # None: "at the door", no location shared
    longitude: float | None = None
    photo: tuple[str, str] | None = None


@dataclass(frozen=True)
class Logged:
    visit_id: int
    ticket: intake.Submitted | None
    again: bool = False


@dataclass(frozen=True)
class Due:
    """A household in a worker's list: when it is due and how late it is."""

    household: store.Household
    due_day: str  # ISO local date
    late_days: int  # 0: not overdue


def anchor_of(h: store.Household) -> datetime:
    """What its cadence counts from: the latest visit, else the registration."""
    return h.last_visit_at or h.registered_at


async def household(services: Services, household_id: int) -> store.Household | None:
    return await store.household(services.db, household_id)


def due_day_of(services: Services, h: store.Household) -> str:
    """The local day (ISO) the household is next due a visit."""
    return rules.due_day(anchor_of(h), h.cadence_days, services.settings.tz).isoformat()


async def may_see(services: Services, user_id: int, grid_id: int) -> bool:
    """The grid's workers, the dispatchers of its zone or the town, and admins."""
    if user_id in await people.staff_of_grid(services.db, grid_id):
        return True
    if await has_role(services, user_id, Role.ADMIN) or user_id in services.settings.admin_ids:
        return True
    town, zones = await dispatch.dispatch_zones(services.db, user_id)
    grid = await geo.grid(services.db, grid_id)
    return town or (grid is not None and grid.zone_id in zones)


async def worker_grids(services: Services, user_id: int) -> list[Grid]:
    return await grids_of(services, user_id)


async def register(
    services: Services,
    worker_id: int,
    new: store.NewHousehold,
    *,
    consent: bool,
    key: str | None = None,
) -> int:
    """Register a household, its oral consent recorded by the worker now, and schedule its first
    visit's reminders (one transaction). A form registered already gives back its household."""
    if key is not None and (done := await submissions.find(services.db, key)) is not None:
        if done.kind == "household":
            return done.record_id
        raise Refused("expired")
    if not consent:
        raise Refused("no_consent")
    if new.grid_id not in {g.id for g in await grids_of(services, worker_id)}:
        raise Refused("not_allowed")
    if rules.kind_named(services.settings.visit_kinds, new.kind) is None:
        raise Refused("bad_input")
    _check(new)
    if new.phone is not None:
        phone = proxy_rules.phone_of(new.phone)
        if phone is None:
            raise Refused("bad_input")
        new = replace(new, phone=phone)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        if key is not None and await submissions.find_in(conn, key) is not None:
            raise Refused("expired")
        household_id = await store.insert_household(conn, new, worker_id=worker_id, now=now)
        if key is not None:
            await submissions.record(conn, key, "household", household_id, now)
        await schedule(conn, services, household_id, now, new.cadence_days, now)
    return household_id


def _check(new: store.NewHousehold) -> None:
    def within(text: str | None, bounds: tuple[int, int]) -> bool:
        return text is None or bounds[0] <= len(text) <= bounds[1]

    ok = (
        within(new.name, rules.NAME)
        and within(new.address, rules.ADDRESS)
        and within(new.phone, rules.CONTACT)
        and within(new.emergency_contact, rules.CONTACT)
        and within(new.notes, rules.NOTE)
        and 1 <= new.cadence_days <= 366
    )
    if not ok:
        raise Refused("bad_input")


async def schedule(
    conn: aiosqlite.Connection,
    services: Services,
    household_id: int,
    anchor: datetime,
    cadence_days: int,
    now: datetime,
) -> None:
    """The household's next rows: the reminder on its due day, the worker's 催办 on the first
    working morning it is overdue, the dispatchers' notice the working morning after."""
    await store.cancel_timers(conn, household_id)
    tz, at = services.settings.tz, services.settings.ladder_urge_at
    due = datetime.combine(rules.due_day(anchor, cadence_days, tz), at, tzinfo=tz)
    late = ladder.next_urge(services, rules.overdue_from(anchor, cadence_days, tz))
    await store.add_timer(conn, "due", household_id, due, now)
    await store.add_timer(conn, "overdue", household_id, late, now)
    await store.add_timer(conn, "escalate", household_id, ladder.next_urge(services, late), now)


async def log_visit(
    services: Services, worker_id: int, visit: Visit, *, key: str | None = None
) -> Logged:
    """Record a visit; 需要帮助 or 发现隐患 opens a case placed in the household's grid (or where
    the visit's location is) and routed by its category, in the same transaction. With the
    form's `key` the worker's answer is an outbox row of it, and a form recorded already gives
    back that visit."""
    db = services.db
    if key is not None and (before := await _recorded(services, key, worker_id)) is not None:
        return before
    h = await store.household(db, visit.household_id)
    if h is None or h.status != "active":
        raise Refused("gone")
    if h.grid_id not in {g.id for g in await grids_of(services, worker_id)}:
        raise Refused("not_allowed")
    if visit.finding not in rules.FINDINGS:
        raise Refused("bad_input")
    note = visit.note.strip()
    bounds = rules.CASE_NOTE if visit.finding in rules.CASE_FINDINGS else rules.NOTE
    if not bounds[0] <= len(note) <= bounds[1]:
        raise Refused("bad_input")
    category = None
    if visit.finding in rules.CASE_FINDINGS:
        code = HAZARD_CATEGORY if visit.finding == "hazard" else HELP_CATEGORY
        category = next((c for c in await geo.categories(db) if c.code == code), None)
        if category is None:
            raise Refused("bad_input")
    site = None
    if category is not None and visit.latitude is not None and visit.longitude is not None:
        site = await places.grid_at(db, visit.latitude, visit.longitude)
    now = services.clock.now()
    async with db.transaction() as conn:
        if key is not None and await submissions.find_in(conn, key) is not None:
            raise Refused("expired")
        ticket = None
        if category is not None:
            new = NewComplaint(
                reporter_id=worker_id,
                category_id=category.id,
                grid_id=site or h.grid_id,
                description=note,
                anonymous=False,
                photos=(visit.photo,) if visit.photo else (),
                address=None if visit.latitude is not None else h.address,
                latitude=visit.latitude,
                longitude=visit.longitude,
                kind="hazard" if visit.finding == "hazard" else "complaint",
            )
            ticket = await intake.open_item(
                conn, services, new, category, now, department_id=category.department_id
            )
        visit_id = await store.insert_visit(
            conn,
            household_id=h.id,
            worker_id=worker_id,
            grid_id=h.grid_id,
            now=now,
            latitude=visit.latitude,
            longitude=visit.longitude,
            finding=visit.finding,
            note=note,
            photo_file_id=visit.photo[0] if visit.photo else None,
            complaint_id=ticket.complaint_id if ticket else None,
        )
        await schedule(conn, services, h.id, now, h.cadence_days, now)
        if key is not None:
            await submissions.record(conn, key, "visit", visit_id, now)
            await replies.queue_reply(
                conn,
                services,
                worker_id,
                key=key,
                template="visits.logged",
                now=now,
                finding=visit.finding,
                number=ticket.number if ticket else None,
                next_due=rules.due_day(now, h.cadence_days, services.settings.tz).isoformat(),
                told=ticket.told if ticket else True,
            )
    services.delivery.kick_soon()
    return Logged(visit_id, ticket)


async def _recorded(services: Services, key: str, worker_id: int) -> Logged | None:
    done = await submissions.find(services.db, key)
    if done is None or done.kind != "visit":
        return None
    found = await store.visit_worker_and_complaint(services.db, done.record_id)
    if found is None or found[0] != worker_id:
        return None
    ticket = await intake.filed(services, int(found[1]), worker_id) if found[1] else None
    return Logged(done.record_id, ticket, again=True)


async def withdraw(services: Services, user_id: int, household_id: int) -> bool:
    """The household withdrew its consent (or asked to be erased): its personal data, the
    visits' notes, photos and locations, and the names in notices about it go; the anonymised
    row and the visits stay for coverage. Workers of its grid, dispatchers and admins may.
    False if it was erased already."""
    h = await store.household(services.db, household_id)
    if h is None or not await may_see(services, user_id, h.grid_id):
        raise Refused("not_allowed")
    async with services.db.transaction() as conn:
        return await erase_in(conn, household_id, services.clock.now())


async def erase_in(conn: aiosqlite.Connection, household_id: int, now: datetime) -> bool:
    """Erase one household inside the caller's transaction (also `/deleteme` of a resident
    linked to it)."""
    erased = await store.erase_household(conn, household_id, now)
    await store.scrub_notices(conn, household_id)
    return erased


async def due_list(services: Services, grid_ids: list[int]) -> list[Due]:
    """The active households of these grids, the most overdue first, then the soonest due."""
    tz, now = services.settings.tz, services.clock.now()
    found = []
    for h in await store.of_grids(services.db, grid_ids):
        anchor = anchor_of(h)
        day = rules.due_day(anchor, h.cadence_days, tz)
        found.append(Due(h, day.isoformat(), rules.days_overdue(anchor, h.cadence_days, tz, now)))
    found.sort(key=lambda d: (-d.late_days, d.due_day, d.household.id))
    return found


async def overdue_by_grid(db: Database, tz: tzinfo, now: datetime) -> dict[int, int]:
    """How many active households of each grid are overdue a visit now (counts only)."""
    late: dict[int, int] = {}
    for h in await store.all_registered(db, now):
        if h.status == "active" and rules.is_overdue(anchor_of(h), h.cadence_days, tz, now):
            late[h.grid_id] = late.get(h.grid_id, 0) + 1
    return late


async def coverage_by_grid(
    db: Database, tz: tzinfo, start: datetime, end: datetime
) -> dict[int, rules.Coverage]:
    """Each grid's coverage over [start, end) (`end` no later than now), from the raw rows: the
    households registered before `end` and their visits since one cadence before `start` (an
    older visit cannot keep a household on cadence inside the window)."""
    households = await store.all_registered(db, end)
    longest = max((h.cadence_days for h in households), default=0)
    visits: dict[int, list[datetime]] = {}
    for v in await store.visits_between(db, start - timedelta(days=longest + 2), end):
        visits.setdefault(v.household_id, []).append(v.at)
    by_grid: dict[int, rules.Coverage] = {}
    for h in households:
        part = rules.coverage(
            h.registered_at, h.erased_at, h.cadence_days, visits.get(h.id, []), start, end, tz
        )
        by_grid[h.grid_id] = by_grid.get(h.grid_id, rules.Coverage()) + part
    return by_grid


@dataclass(frozen=True)
class GridCoverage:
    """One line of the staff view: a grid's households, visits and coverage (no names)."""

    grid: str
    households: int
    visits: int
    share: float | None
    overdue: int


async def coverage_view(services: Services, user_id: int) -> list[GridCoverage] | None:
    """This month so far, per grid the person may see (their grids; a zone's or the town's
    for dispatchers; every grid for admins); None if they may see none."""
    db, tz, now = services.db, services.settings.tz, services.clock.now()
    admin = await has_role(services, user_id, Role.ADMIN) or user_id in services.settings.admin_ids
    town, zones = await dispatch.dispatch_zones(db, user_id)
    mine = {g.id for g in await grids_of(services, user_id)}
    if not (admin or town or zones or mine):
        return None
    local = now.astimezone(tz)
    start = datetime.combine(local.date().replace(day=1), time(0), tzinfo=tz)
    covered = await coverage_by_grid(db, tz, start, now)
    rows = []
    for grid_id in sorted(covered):
        grid, cover = await geo.grid(db, grid_id), covered[grid_id]
        if grid is None or not cover.households:
            continue
        if not (admin or town or grid.zone_id in zones or grid.id in mine):
            continue
        rows.append(
            GridCoverage(
                grid.full_name, cover.households, cover.visits, cover.share, cover.overdue_now
            )
        )
    return rows
