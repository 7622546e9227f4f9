"""Volunteer activities: the service the handlers call.

Every change is one transaction (`BEGIN IMMEDIATE`); the checks that depend on the current
state (places, the waiting list, the status) are made inside it, and the notices it causes
are outbox rows of the same transaction: a sign-up and its reminders, a cancellation and the
promotion of the first waiting, a confirmation and its credits are all or nothing. Points are
credited once per sign-up (the ledger's (cause, ref) is unique), however often the organiser
presses ✅.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.people.roles import Role, has_role
from bot.points import ledger
from bot.points import notices as vn
from bot.points.rules import (
    EARLY_CHECKIN,
    LATE_CHECKOUT,
    ActivityForm,
    ActivityStatus,
    Cause,
    NotAllowed,
    NotFound,
    SignupStatus,
    Stale,
    new_code,
    normal_code,
    points_for,
    served_minutes,
)
from bot.runtime import notices
from bot.runtime.services import Services
from storage import activities as store
from storage import geo, people
from storage import points as points_store
from storage.activities import Activity, NewActivity, Signup


@dataclass(frozen=True)
class Placed:
    activity: Activity
    signup: Signup
    position: int = 0  # place on the waiting list; 0 when a place was taken


@dataclass(frozen=True)
class CalledOff:
    activity: Activity
    told: int  # the people booked or waiting, each told once


@dataclass(frozen=True)
class Confirmed:
    activity: Activity
    attended: int
    no_show: int
    points: int


async def _fresh_code(conn: aiosqlite.Connection) -> str:
    while await store.code_taken(conn, code := new_code()):
        pass
    return code


async def _audience(services: Services, user_id: int, code: str) -> tuple[int, int | None]:
    """(zone, community) an organiser may publish for: admins any, a grid worker their own
    community (or its zone's code, narrowed to their community)."""
    found = await geo.find_by_code(services.db, code)
    if found is None or found[0] == "grid":
        raise NotFound("audience", code=code)
    kind, record = found
    if kind == "zone":
        zone_id, community_id = record, None
    else:
        community = await geo.community(services.db, record)
        assert community is not None
        zone_id, community_id = community.zone_id, community.id
    if await has_role(services, user_id, Role.ADMIN):
        return zone_id, community_id
    for grant in await people.roles(services.db, user_id):
        grid = await geo.grid(services.db, grant.grid_id) if grant.grid_id else None
        if grant.role != Role.GRID_WORKER or grid is None or grid.zone_id != zone_id:
            continue
        if community_id in (None, grid.community_id):
            return zone_id, grid.community_id
    raise NotAllowed("not_organiser")


async def may_organise(services: Services, user_id: int) -> bool:
    """Admins and community staff (grid workers) publish activities."""
    return await has_role(services, user_id, Role.ADMIN) or await has_role(
        services, user_id, Role.GRID_WORKER
    )


async def publish(services: Services, user_id: int, form: ActivityForm) -> Activity:
    """A new activity, announced to its audience through the outbox."""
    if not await may_organise(services, user_id):
        raise NotAllowed("not_organiser")
    zone_id, community_id = await _audience(services, user_id, form.audience_code)
    now = services.clock.now()
    new = NewActivity(
        title=form.title,
        task=form.task,
        place=form.place,
        starts_at=form.starts_at,
        duration_minutes=form.duration_minutes,
        places=form.places,
        points_per_hour=form.points_per_hour,
        zone_id=zone_id,
        community_id=community_id,
        campaign=form.campaign,
    )
    async with services.db.transaction() as conn:
        codes = (await _fresh_code(conn), await _fresh_code(conn))
        activity_id = await store.insert(conn, new, codes, user_id, now)
        a = await store.get_in(conn, activity_id)
        assert a is not None
        await vn.announce(conn, services, a, now)
        await vn.ask_to_confirm(conn, services, a, now)
    services.delivery.kick_soon()
    return a


async def _organiser(services: Services, a: Activity | None, user_id: int) -> Activity:
    if a is None:
        raise NotFound("not_found")
    if a.created_by != user_id and not await has_role(services, user_id, Role.ADMIN):
        raise NotAllowed("not_organiser")
    return a


async def organised(services: Services, activity_id: int, user_id: int) -> Activity:
    """An activity its organiser (or an admin) may manage."""
    return await _organiser(services, await store.get(services.db, activity_id), user_id)


def _not_cancelled(a: Activity) -> None:
    if a.status == ActivityStatus.CANCELLED:
        raise Stale("cancelled")


def _open(a: Activity | None, now: datetime) -> Activity:
    if a is None:
        raise NotFound("not_found")
    _not_cancelled(a)
    if a.status != ActivityStatus.OPEN or now >= a.starts_at:
        raise Stale("started")
    return a


async def sign_up(services: Services, activity_id: int, user_id: int) -> Placed:
    """A place if one is free, else the waiting list; once per person, before the start."""
    db, now = services.db, services.clock.now()
    if await people.get(db, user_id) is None:
        raise NotAllowed("need_start")
    async with db.transaction() as conn:
        a = _open(await store.get_in(conn, activity_id, hold=True), now)  # places: one at a time
        existing = await store.live_signup(conn, a.id, user_id)
        if existing is not None:
            raise Stale("already", status=existing.status)
        taken = await store.booked_count(conn, a.id)
        status = SignupStatus.BOOKED if taken < a.places else SignupStatus.WAITLISTED
        signup_id = await store.add_signup(
            conn, a.id, user_id, status=status, code=await _fresh_code(conn), now=now
        )
        s = await store.live_signup(conn, a.id, user_id)
        assert s is not None and s.id == signup_id
        position = 0
        if status == SignupStatus.BOOKED:
            await vn.remind(conn, services, a, s, now)
        else:
            waiting = await store.signups_in(conn, a.id, SignupStatus.WAITLISTED)
            position = [w.id for w in waiting].index(s.id) + 1
    services.delivery.kick_soon()
    return Placed(a, s, position)


async def cancel(services: Services, activity_id: int, user_id: int) -> Signup | None:
    """Give up a place (or a waiting-list place); the first waiting takes a freed place and
    is told. Returns the promoted sign-up, if any."""
    db, now = services.db, services.clock.now()
    async with db.transaction() as conn:
        a = _open(await store.get_in(conn, activity_id, hold=True), now)  # places: one at a time
        s = await store.live_signup(conn, a.id, user_id)
        if s is None:
            raise Stale("not_signed_up")
        promoted = await _give_up(conn, services, a, s, now)
    services.delivery.kick_soon()
    return promoted


async def _give_up(
    conn: aiosqlite.Connection, services: Services, a: Activity, s: Signup, now: datetime
) -> Signup | None:
    """Cancel a place; a freed place goes to the first waiting who can be told (one who
    blocked the bot would hold it unaware, a sure no-show: they keep their turn instead)."""
    await store.set_status(conn, s.id, SignupStatus.CANCELLED, now)
    await vn.unremind(conn, a, s)
    if s.status != SignupStatus.BOOKED:
        return None
    waiting = await store.signups_in(conn, a.id, SignupStatus.WAITLISTED)
    told = set(await notices.reachable(services, [w.person_id for w in waiting]))
    promoted = next((w for w in waiting if w.person_id in told), None)
    if promoted is None:
        return None
    await store.set_status(conn, promoted.id, SignupStatus.BOOKED, now)
    promoted = dataclasses.replace(promoted, status=SignupStatus.BOOKED)
    await vn.promoted(conn, services, a, promoted, now)
    return promoted


async def give_up_all(
    conn: aiosqlite.Connection, services: Services, user_id: int, now: datetime
) -> int:
    """Before a person is erased (/deleteme), inside the erasing transaction: their places in
    coming activities go to the first waiting, who is told. Returns how many."""
    given_up = 0
    for activity_id in await store.live_activities_of(conn, user_id):
        a = await store.get_in(conn, activity_id, hold=True)
        s = await store.live_signup(conn, activity_id, user_id)
        if a is None or s is None or a.status != ActivityStatus.OPEN or now >= a.starts_at:
            continue
        await _give_up(conn, services, a, s, now)
        given_up += 1
    return given_up


async def may_call_off(services: Services, activity_id: int, user_id: int) -> Activity:
    """The activity, if this person may call it off now: its organiser (or an admin), while it
    is open and has not started; else the refusal saying why."""
    a = await organised(services, activity_id, user_id)
    _not_cancelled(a)
    if a.status != ActivityStatus.OPEN or services.clock.now() >= a.starts_at:
        raise Stale("started")
    return a


async def call_off(services: Services, activity_id: int, user_id: int) -> CalledOff:
    """The organiser (or an admin) calls an open activity off before its start: everyone
    booked or waiting loses their place and is told once; their reminders, an announcement
    not yet sent and the request to confirm attendance are dropped; nothing is credited (the
    activity is never open again, so no check-in or confirmation can follow)."""
    now = services.clock.now()
    async with services.db.transaction() as conn:
        a = await _organiser(services, await store.get_in(conn, activity_id), user_id)
        _not_cancelled(a)
        if a.status != ActivityStatus.OPEN:
            raise Stale("confirmed")
        if now >= a.starts_at:
            raise Stale("started")
        live = [
            *await store.signups_in(conn, a.id, SignupStatus.BOOKED),
            *await store.signups_in(conn, a.id, SignupStatus.WAITLISTED),
        ]
        if not await store.cancel(conn, a.id):
            raise Stale("cancelled")
        for s in live:
            await store.set_status(conn, s.id, SignupStatus.CANCELLED, now)
        await vn.called_off(conn, services, a, [s.person_id for s in live], now)
    services.delivery.kick_soon()
    return CalledOff(a, len(live))


async def check(services: Services, user_id: int, code: str) -> tuple[Activity, str]:
    """A volunteer types the organiser's check-in or check-out code: (activity, 'in'|'out')."""
    now = services.clock.now()
    async with services.db.transaction() as conn:
        found = await store.by_code(conn, normal_code(code))
        if found is None:
            raise NotFound("code")
        a, which = found
        _not_cancelled(a)
        s = await store.live_signup(conn, a.id, user_id)
        if s is None or s.status != SignupStatus.BOOKED:
            raise NotAllowed("not_booked")
        await _stamp(conn, a, s, which, now)
    return a, which


async def check_for(
    services: Services, organiser_id: int, activity_id: int, code: str, which: str
) -> tuple[Activity, Signup]:
    """The organiser types a volunteer's own code to check them in or out."""
    now = services.clock.now()
    async with services.db.transaction() as conn:
        a = await _organiser(services, await store.get_in(conn, activity_id), organiser_id)
        _not_cancelled(a)
        s = await store.signup_by_code(conn, normal_code(code))
        if s is None or s.activity_id != a.id:
            raise NotFound("code")
        if s.status != SignupStatus.BOOKED:
            raise NotAllowed("not_booked")
        await _stamp(conn, a, s, which, now)
    return a, s


async def _stamp(
    conn: aiosqlite.Connection, a: Activity, s: Signup, which: str, now: datetime
) -> None:
    _not_cancelled(a)
    if a.status != ActivityStatus.OPEN:
        raise Stale("confirmed")
    if not a.starts_at - EARLY_CHECKIN <= now <= a.ends_at + LATE_CHECKOUT:
        raise Stale("not_now", starts_at=a.starts_at.isoformat())
    if which == "in" and s.checked_in_at is not None:
        raise Stale("checked_in_already")
    if which == "out" and s.checked_in_at is None:
        raise Stale("not_checked_in")
    if which == "out" and s.checked_out_at is not None:
        raise Stale("checked_out_already")
    await store.stamp(conn, s.id, which, now)


async def confirm(services: Services, activity_id: int, user_id: int) -> Confirmed:
    """The organiser confirms attendance after the activity (not before its end): those who
    checked in and out are credited for the minutes that fixed (once); the others are
    no-shows and earn nothing."""
    now = services.clock.now()
    attended = no_show = total = 0
    async with services.db.transaction() as conn:
        a = await _organiser(services, await store.get_in(conn, activity_id), user_id)
        _not_cancelled(a)
        if now < a.ends_at:  # while it is on, the volunteers still serving would be no-shows
            raise Stale("not_ended", ends_at=a.ends_at.isoformat())
        if not await store.confirm(conn, a.id, now):
            raise Stale("confirmed")
        await vn.confirmed(conn, a)
        for s in await store.signups_in(conn, a.id, SignupStatus.BOOKED):
            if s.checked_in_at is None or s.checked_out_at is None:
                await store.set_status(conn, s.id, SignupStatus.NO_SHOW, now)
                no_show += 1
                continue
            minutes = served_minutes(s.checked_in_at, s.checked_out_at, a.duration_minutes)
            await store.set_status(conn, s.id, SignupStatus.ATTENDED, now, minutes)
            points = points_for(minutes, a.points_per_hour)
            await ledger.credit(
                conn, s.person_id, points, Cause.ACTIVITY, now=now, ref=str(s.id), note=a.title
            )
            balance = await points_store.balance_in(conn, s.person_id)
            done = dataclasses.replace(s, minutes=minutes)
            await vn.credited(conn, services, a, done, points, balance, now)
            attended, total = attended + 1, total + points
        for s in await store.signups_in(conn, a.id, SignupStatus.WAITLISTED):
            await store.set_status(conn, s.id, SignupStatus.CANCELLED, now)
    services.delivery.kick_soon()
    return Confirmed(a, attended, no_show, total)
