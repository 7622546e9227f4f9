"""Complaint service: applies the rules of `bot.complaints.rules` to stored complaints.

Every change is one transaction: the conditional update (nobody changed it meanwhile), the
history event, the notices (outbox rows) and the timers for what comes next. Who is told
what lives in `bot.complaints.notices`; `announce_to_staff` is re-exported from here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.complaints.dispatch import dispatches
from bot.complaints.notices import announce_to_staff, tell
from bot.complaints.rules import (
    Action,
    Actor,
    NotAllowed,
    Satisfaction,
    Status,
    Ticket,
    decide,
)
from bot.escalation import ladder
from bot.people.roles import Role, has_role
from bot.runtime import notices as outbox_notices
from bot.runtime.services import Services
from storage import complaints, dispatch, geo, lifecycle, people, timers
from storage.models import Category, Complaint

STAFF_ROLES = frozenset({Role.GRID_WORKER, Role.DEPARTMENT})
FOLLOW_UP_AFTER = timedelta(days=30)
CONFIRM_AFTER = timedelta(days=3)
# A pending request to the dispatch centre that a step settles: (kind, how it ended).
SETTLES: dict[Action, tuple[tuple[str, str], ...]] = {
    Action.REJECT: (("reject", "approved"), ("extend", "withdrawn")),
    Action.TRANSFER: (("reject", "rerouted"), ("extend", "withdrawn")),
    Action.ACCEPT: (("reject", "withdrawn"),),
    Action.RESOLVE: (("extend", "withdrawn"),),
}
EVENT_OF = {
    Action.ACCEPT: "accepted",
    Action.REJECT: "rejected",
    Action.TRANSFER: "transferred",
    Action.NOTE: "note",
    Action.RESOLVE: "resolved",
    Action.CONFIRM: "closed",
    Action.NOT_FIXED: "redo",  # 不满意: sent back for 重办
    Action.REOPEN: "reopened",
    Action.AUTO_CLOSE: "closed",
    Action.ESCALATE: "escalated",
    Action.RATE: "rated",
}


async def actors_for(services: Services, complaint: Complaint, user_id: int) -> frozenset[Actor]:
    """The roles a person holds towards one complaint (checked on the server, always)."""
    roles: set[Actor] = set()
    if await has_role(services, user_id, Role.ADMIN):
        roles.add(Actor.ADMIN)
    if await dispatches(services, user_id, complaint.grid_id):
        roles.add(Actor.DISPATCHER)
    if complaint.department_id is not None:
        staff = await people.staff_of_department(services.db, complaint.department_id)
    else:
        staff = await people.staff_of_grid(services.db, complaint.grid_id)
    if user_id in staff:
        roles.add(Actor.ASSIGNEE)
    elif {g.role for g in await people.roles(services.db, user_id)} & STAFF_ROLES:
        roles.add(Actor.STAFF)
    if complaint.reporter_id == user_id:
        roles.add(Actor.REPORTER)
    if await lifecycle.is_supporter(services.db, complaint.id, user_id):
        roles.add(Actor.SUPPORTER)
    return frozenset(roles or {Actor.RESIDENT})


def ticket_of(complaint: Complaint, category: Category) -> Ticket:
    """What the rules look at."""
    return Ticket(
        Status(complaint.status),
        accepted=complaint.accepted_at is not None,
        resolved_at=complaint.resolved_at,
        is_hazard=category.is_hazard,
        close_reason=complaint.close_reason,
        rated=complaint.rating is not None,
    )


async def _category(services: Services, complaint: Complaint) -> Category:
    found = await geo.category(services.db, complaint.category_id, active_only=False)
    assert found is not None
    return found


async def act(
    services: Services,
    complaint_id: int,
    action: Action,
    user_id: int | None,
    *,
    note: str = "",
    rating: int | None = None,
    satisfaction: Satisfaction | None = None,
    photo: tuple[str, str] | None = None,
    to_grid: int | None = None,
    to_department: int | None = None,
) -> Complaint:
    """Do `action` as `user_id` (None: the system); raises NotAllowed and changes nothing."""
    db, now = services.db, services.clock.now()
    complaint = await complaints.get(db, complaint_id)
    if complaint is None:
        raise NotAllowed("not_found")
    category = await _category(services, complaint)
    actors = (
        frozenset({Actor.SYSTEM})
        if user_id is None
        else await actors_for(services, complaint, user_id)
    )
    decision = decide(
        ticket_of(complaint, category),
        action,
        actors,
        now,
        note=note,
        rating=rating,
        photo=photo is not None,
        satisfaction=satisfaction,
    )
    after = decision.ticket
    fields: dict[str, Any] = {"status": after.status.value}
    if action is Action.ACCEPT:
        fields["accepted_at"] = now
    if action in (Action.TRANSFER, Action.NOT_FIXED, Action.REOPEN):
        fields["accepted_at"] = None
        fields["ack_due_at"] = services.calendar.add_working_days(now, category.ack_days)
        fields["resolve_due_at"] = services.calendar.add_working_days(now, category.resolve_days)
    if action is Action.TRANSFER:
        fields |= await _transfer_target(services, complaint, to_grid, to_department)
    if action is Action.RESOLVE:
        fields |= {"resolved_at": now, "resolution_note": note}
    if action in (Action.CONFIRM, Action.AUTO_CLOSE):
        fields |= {"closed_at": now, "close_reason": decision.close_reason, "rating": rating}
        fields["satisfaction"] = satisfaction.value if satisfaction else None
    if action is Action.NOT_FIXED:  # 不满意: back to the same handler for 重办
        fields |= {"satisfaction": None, "redo_count": complaint.redo_count + 1}
    if action is Action.REOPEN:  # the next 办结 is answered again
        fields["satisfaction"] = None
    if action is Action.RATE:
        fields["rating"] = rating
    if action is Action.ESCALATE:
        fields["escalated_at"] = now
    async with db.transaction() as conn:
        if not await lifecycle.change(
            conn, complaint.id, expected_status=complaint.status, now=now, **fields
        ):
            raise NotAllowed("stale")
        await lifecycle.add_event(
            conn,
            complaint.id,
            kind=EVENT_OF[action],
            actor_id=user_id,
            from_status=complaint.status,
            to_status=after.status.value,
            note=note,
            now=now,
        )
        await _settle_requests(conn, services, complaint, action, user_id, now)
        if photo is not None:
            await lifecycle.add_resolution_photo(conn, complaint.id, *photo)
        changed = _reload(complaint, fields)
        if action is not Action.RATE:  # stars change no deadline (the follow-up stays)
            await _schedule(conn, services, changed, category, now)
        await tell(
            conn,
            services,
            changed,
            action,
            event=EVENT_OF[action],
            note=note,
            rating=rating,
            satisfaction=satisfaction,
            now=now,
            actor_id=user_id,
        )
    services.delivery.kick_soon()
    result = await complaints.get(db, complaint_id)
    assert result is not None
    return result


async def _settle_requests(
    conn: aiosqlite.Connection,
    services: Services,
    c: Complaint,
    action: Action,
    user_id: int | None,
    now: datetime,
) -> None:
    """Close the requests to the dispatch centre this step answers; a handler whose 退回 was
    approved or re-routed by someone else is told so (same transaction)."""
    for kind, outcome in SETTLES.get(action, ()):
        asked_by = await dispatch.pending_requester(conn, c.id, kind)
        await dispatch.settle_pending(conn, c.id, kind, outcome, user_id, now)
        if kind == "reject" and outcome != "withdrawn" and asked_by not in (None, user_id):
            assert asked_by is not None
            await outbox_notices.send(
                conn,
                services,
                [asked_by],
                template="dispatch.reject_settled",
                key=f"dp:settled:{c.id}:{now.isoformat()}",
                now=now,
                context={"number": c.number, "outcome": outcome},
            )


def _reload(before: Complaint, fields: dict[str, Any]) -> Complaint:
    """The complaint as the update left it (without reading it back mid-transaction)."""
    return replace(before, **fields)


async def _transfer_target(
    services: Services, complaint: Complaint, to_grid: int | None, to_department: int | None
) -> dict[str, Any]:
    if to_department is not None:
        found = [d for d in await geo.departments(services.db) if d.id == to_department]
        if not found or to_department == complaint.department_id:
            raise NotAllowed("bad_target")
        return {"department_id": to_department}
    if to_grid is not None:
        grid = await geo.grid(services.db, to_grid)
        if grid is None or (to_grid == complaint.grid_id and complaint.department_id is None):
            raise NotAllowed("bad_target")
        return {"grid_id": to_grid, "department_id": None}
    raise NotAllowed("bad_target")


async def _schedule(
    conn: aiosqlite.Connection, services: Services, c: Complaint, category: Category, now: datetime
) -> None:
    """Drop the old timers; add those the new status needs."""
    await timers.cancel_all(conn, c.id)
    status, remind = Status(c.status), ladder.remind_before(services)
    if status in (Status.SUBMITTED, Status.TRANSFERRED, Status.REOPENED) and c.ack_due_at:
        if c.ack_due_at - remind > now:
            await timers.add(conn, "ack_remind", c.id, c.ack_due_at - remind, now)
        await timers.add(conn, "ack_due", c.id, c.ack_due_at, now)
    if status in (Status.ACCEPTED, Status.ESCALATED) and c.accepted_at and c.resolve_due_at:
        if c.resolve_due_at - remind > now:
            await timers.add(conn, "resolve_remind", c.id, c.resolve_due_at - remind, now)
        await timers.add(conn, "resolve_due", c.id, c.resolve_due_at, now)
    await ladder.schedule(conn, services, c, now)  # escalated: daily 催办, 通报
    if status is Status.RESOLVED and c.resolved_at:
        await timers.add(conn, "auto_close", c.id, c.resolved_at + CONFIRM_AFTER, now)
    if status is Status.CLOSED and c.closed_at:
        await timers.add(conn, "followup", c.id, c.closed_at + FOLLOW_UP_AFTER, now)


async def deadline_moved(
    conn: aiosqlite.Connection, services: Services, c: Complaint, now: datetime
) -> None:
    """A deadline moved (an extension, 延期, approved): its reminders and escalation follow."""
    await _schedule(conn, services, c, await _category(services, c), now)


async def open_new(
    conn: aiosqlite.Connection,
    services: Services,
    complaint_id: int,
    category: Category,
    now: datetime,
    *,
    resolve_due: datetime | None = None,
) -> tuple[datetime, datetime, bool]:
    """After intake (same transaction): deadlines, timers and the staff notices; whether
    someone in charge was told (else the case waits for an admin to assign it).

    `resolve_due` replaces the category's deadline (a representative's rectification item
    sets its own); the deadline to accept is never later than it."""
    ack_due = services.calendar.add_working_days(now, category.ack_days)
    if resolve_due is None:
        resolve_due = services.calendar.add_working_days(now, category.resolve_days)
    ack_due = min(ack_due, resolve_due)
    await lifecycle.set_due(conn, complaint_id, ack_due, resolve_due)
    created = await complaints.get_in(conn, complaint_id)
    await _schedule(conn, services, created, category, now)
    told = await announce_to_staff(
        conn, services, created, now, key=f"complaint.new:{complaint_id}"
    )
    return ack_due, resolve_due, told


async def relapse(services: Services, complaint_id: int, user_id: int) -> Complaint:
    """The follow-up says the problem came back: a new complaint linked to the old one."""
    db, now = services.db, services.clock.now()
    old = await _closed_of(services, complaint_id, user_id)
    already = await complaints.relapse_of(db, old.id)
    if already is not None:
        raise NotAllowed("already_done")
    category = await _category(services, old)
    new = complaints.NewComplaint(
        reporter_id=user_id,
        category_id=old.category_id,
        grid_id=old.grid_id,
        description=old.description,
        anonymous=old.anonymous,
        address=old.address,
        latitude=old.latitude,
        longitude=old.longitude,
        kind=old.kind,
        parent_id=old.id,
        photos=(),
    )
    year = now.astimezone(services.settings.tz).year
    async with db.transaction() as conn:
        new_id, _ = await complaints.insert(
            conn, new, now, year=year, department_id=old.department_id
        )
        await _followed_up(conn, old, "relapse", user_id, now)
        await open_new(conn, services, new_id, category, now)
    services.delivery.kick_soon()
    created = await complaints.get(db, new_id)
    assert created is not None
    return created


async def still_fine(services: Services, complaint_id: int, user_id: int) -> None:
    """The follow-up says the problem has not come back (recorded in the history)."""
    old = await _closed_of(services, complaint_id, user_id)
    async with services.db.transaction() as conn:
        await _followed_up(conn, old, "followup_ok", user_id, services.clock.now())


async def _closed_of(services: Services, complaint_id: int, user_id: int) -> Complaint:
    """The closed complaint a follow-up answers, if this person filed it; else NotAllowed."""
    old = await complaints.get(services.db, complaint_id)
    if old is None or old.reporter_id != user_id or Status(old.status) is not Status.CLOSED:
        raise NotAllowed("not_allowed")
    return old


async def _followed_up(
    conn: aiosqlite.Connection, old: Complaint, kind: str, user_id: int, now: datetime
) -> None:
    """The follow-up's answer in the old complaint's history (its status stays)."""
    await lifecycle.add_event(
        conn,
        old.id,
        kind=kind,
        actor_id=user_id,
        from_status=old.status,
        to_status=old.status,
        note="",
        now=now,
    )


async def support(
    services: Services, complaint_id: int, user_id: int, *, grids: Collection[int] | None = None
) -> bool:
    """ "Me too": the person follows an open complaint of their grid (or of `grids`: the grids
    around theirs that /nearby shows, or the grid their /report goes to) instead of filing
    anew."""
    db = services.db
    c = await complaints.get(db, complaint_id)
    person = await people.get(db, user_id)
    if (
        c is None
        or person is None
        or Status(c.status)
        not in (
            Status.SUBMITTED,
            Status.ACCEPTED,
            Status.TRANSFERRED,
            Status.REOPENED,
            Status.ESCALATED,
        )
        or (c.grid_id != person.grid_id if grids is None else c.grid_id not in grids)
        or c.reporter_id == user_id
    ):
        raise NotAllowed("not_allowed")
    return await lifecycle.support(db, complaint_id, user_id, services.clock.now())
