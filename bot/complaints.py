"""Complaint service: applies the rules of `bot.lifecycle` to stored complaints.

Every change is one transaction: the conditional update (nobody changed it meanwhile), the
history event, the notices (outbox rows) and the timers for what comes next.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot import notices
from bot.lifecycle import Action, Actor, NotAllowed, Status, Ticket, decide
from bot.roles import has_role
from bot.services import Services
from storage import complaints, geo, lifecycle, people, timers
from storage.models import Category, Complaint

REMIND_BEFORE = timedelta(hours=4)
FOLLOW_UP_AFTER = timedelta(days=30)
CONFIRM_AFTER = timedelta(days=3)
EVENT_OF = {
    Action.ACCEPT: "accepted",
    Action.REJECT: "rejected",
    Action.TRANSFER: "transferred",
    Action.NOTE: "note",
    Action.RESOLVE: "resolved",
    Action.CONFIRM: "closed",
    Action.NOT_FIXED: "reopened",
    Action.REOPEN: "reopened",
    Action.AUTO_CLOSE: "closed",
    Action.ESCALATE: "escalated",
}


async def actors_for(services: Services, complaint: Complaint, user_id: int) -> frozenset[Actor]:
    """The roles a person holds towards one complaint (checked on the server, always)."""
    roles: set[Actor] = set()
    if await has_role(services, user_id, "admin"):
        roles.add(Actor.ADMIN)
    if complaint.department_id is not None:
        staff = await people.staff_of_department(services.db, complaint.department_id)
    else:
        staff = await people.staff_of_grid(services.db, complaint.grid_id)
    if user_id in staff:
        roles.add(Actor.ASSIGNEE)
    elif {g.role for g in await people.roles(services.db, user_id)} & {"grid_worker", "department"}:
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
        if photo is not None:
            await lifecycle.add_resolution_photo(conn, complaint.id, *photo)
        changed = _reload(complaint, fields)
        await _schedule(conn, services, changed, category, now)
        await _tell(
            conn, services, changed, action, note=note, rating=rating, now=now, actor_id=user_id
        )
    services.delivery.kick_soon()
    result = await complaints.get(db, complaint_id)
    assert result is not None
    return result


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
    status = Status(c.status)
    if status in (Status.SUBMITTED, Status.TRANSFERRED, Status.REOPENED) and c.ack_due_at:
        if c.ack_due_at - REMIND_BEFORE > now:
            await timers.add(conn, "ack_remind", c.id, c.ack_due_at - REMIND_BEFORE, now)
        await timers.add(conn, "ack_due", c.id, c.ack_due_at, now)
    if status in (Status.ACCEPTED, Status.ESCALATED) and c.accepted_at and c.resolve_due_at:
        if c.resolve_due_at - REMIND_BEFORE > now:
            await timers.add(conn, "resolve_remind", c.id, c.resolve_due_at - REMIND_BEFORE, now)
        await timers.add(conn, "resolve_due", c.id, c.resolve_due_at, now)
    if status is Status.RESOLVED and c.resolved_at:
        await timers.add(conn, "auto_close", c.id, c.resolved_at + CONFIRM_AFTER, now)
    if status is Status.CLOSED and c.closed_at:
        await timers.add(conn, "followup", c.id, c.closed_at + FOLLOW_UP_AFTER, now)


async def _tell(
    conn: aiosqlite.Connection,
    services: Services,
    c: Complaint,
    action: Action,
    *,
    note: str,
    rating: int | None,
    now: datetime,
    actor_id: int | None = None,
) -> None:
    """The notices one change causes (not to the person who made it)."""
    key = f"{EVENT_OF[action]}:{c.id}:{now.isoformat()}"
    base = {
        "number": c.number,
        "event": EVENT_OF[action],
        "note": note,
        "rating": rating,
        "resolve_due_at": c.resolve_due_at.isoformat() if c.resolve_due_at else None,
        "close_reason": c.close_reason,
    }
    followers = [f for f in await notices.followers(services, c) if f != actor_id]
    staff = await notices.assignees(services, c.grid_id, c.department_id)
    if action is Action.RESOLVE and c.reporter_id in followers:
        buttons = [
            [
                ("notices.btn_fixed", f"cr:fixed:{c.id}"),
                ("notices.btn_not_fixed", f"cr:notfixed:{c.id}"),
            ]
        ]
        await notices.send(
            conn,
            services,
            [c.reporter_id],
            template="notices.resolved",
            key=f"r{key}",
            now=now,
            context=base,
            buttons=buttons,
        )
        followers = [f for f in followers if f != c.reporter_id]
    if action not in (Action.ESCALATE,):
        await notices.send(
            conn,
            services,
            followers,
            template="notices.status_update",
            key=f"f{key}",
            now=now,
            context=base,
        )
    if action in (Action.TRANSFER, Action.NOT_FIXED, Action.REOPEN):
        await announce_to_staff(conn, services, c, now, key=f"s{key}", reopened=action)
    if action is Action.CONFIRM:
        await notices.send(
            conn,
            services,
            staff,
            template="notices.staff_update",
            key=f"s{key}",
            now=now,
            context=base,
        )
    if action is Action.ESCALATE:
        admins = await notices.zone_admins(services, c.grid_id)
        late = {"stage": "resolve" if c.accepted_at else "ack", **base}
        await notices.send(
            conn,
            services,
            admins,
            template="notices.escalation",
            key=f"a{key}",
            now=now,
            context=late,
        )
        await notices.send(
            conn, services, staff, template="notices.overdue", key=f"s{key}", now=now, context=late
        )


async def announce_to_staff(
    conn: aiosqlite.Connection,
    services: Services,
    c: Complaint,
    now: datetime,
    *,
    key: str,
    reopened: Action | None = None,
) -> None:
    """Tell the assignees (or the admins when nobody can be reached) with action buttons."""
    db = services.db
    staff = await notices.assignees(services, c.grid_id, c.department_id)
    staff = staff or await notices.zone_admins(services, c.grid_id)
    category = await _category(services, c)
    grid = await geo.grid(db, c.grid_id)
    reporter = await people.get(db, c.reporter_id) if c.reporter_id else None
    context = {
        "number": c.number,
        "kind": c.kind,
        "hazard": category.is_hazard,
        "category": category.name,
        "category_en": category.name_en,
        "grid": grid.full_name if grid else "",
        "description": c.description,
        "address": c.address,
        "has_location": c.latitude is not None,
        "reporter": None if c.anonymous or reporter is None else reporter.first_name,
        "photo_count": len(c.photo_file_ids),
        "photos": list(c.photo_file_ids),
        "location": [c.latitude, c.longitude] if c.latitude is not None else None,
        "submitted_at": c.created_at.isoformat(),
        "ack_due_at": c.ack_due_at.isoformat() if c.ack_due_at else None,
        "resolve_due_at": c.resolve_due_at.isoformat() if c.resolve_due_at else None,
        "reopened": reopened.value if reopened else None,
    }
    await notices.send(
        conn,
        services,
        staff,
        template="notices.new_complaint",
        key=key,
        now=now,
        context=context,
        buttons=notices.staff_buttons(c.id),
    )


async def open_new(
    conn: aiosqlite.Connection,
    services: Services,
    complaint_id: int,
    category: Category,
    now: datetime,
    *,
    resolve_due: datetime | None = None,
) -> tuple[datetime, datetime]:
    """After intake (same transaction): deadlines, timers and the staff notices.

    `resolve_due` replaces the category's deadline (a representative's rectification item
    sets its own); the deadline to accept is never later than it."""
    ack_due = services.calendar.add_working_days(now, category.ack_days)
    if resolve_due is None:
        resolve_due = services.calendar.add_working_days(now, category.resolve_days)
    ack_due = min(ack_due, resolve_due)
    await lifecycle.set_due(conn, complaint_id, ack_due, resolve_due)
    cur = await conn.execute("SELECT * FROM complaints WHERE id = ?", (complaint_id,))
    row = await cur.fetchone()
    assert row is not None
    cur = await conn.execute(
        "SELECT file_id FROM complaint_photos WHERE complaint_id = ? ORDER BY position",
        (complaint_id,),
    )
    photos = tuple(r[0] for r in await cur.fetchall())
    created = complaints.row_to_complaint(row, photos)
    await _schedule(conn, services, created, category, now)
    await announce_to_staff(conn, services, created, now, key=f"complaint.new:{complaint_id}")
    return ack_due, resolve_due


async def relapse(services: Services, complaint_id: int, user_id: int) -> Complaint:
    """The follow-up says the problem came back: a new complaint linked to the old one."""
    db, now = services.db, services.clock.now()
    old = await complaints.get(db, complaint_id)
    if old is None or old.reporter_id != user_id or Status(old.status) is not Status.CLOSED:
        raise NotAllowed("not_allowed")
    already = await db.fetchval("SELECT id FROM complaints WHERE parent_id = ?", (old.id,))
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
        await lifecycle.add_event(
            conn,
            old.id,
            kind="relapse",
            actor_id=user_id,
            from_status=old.status,
            to_status=old.status,
            note="",
            now=now,
        )
        await open_new(conn, services, new_id, category, now)
    services.delivery.kick_soon()
    created = await complaints.get(db, new_id)
    assert created is not None
    return created


async def still_fine(services: Services, complaint_id: int, user_id: int) -> None:
    """The follow-up says the problem has not come back (recorded in the history)."""
    db, now = services.db, services.clock.now()
    old = await complaints.get(db, complaint_id)
    if old is None or old.reporter_id != user_id or Status(old.status) is not Status.CLOSED:
        raise NotAllowed("not_allowed")
    async with db.transaction() as conn:
        await lifecycle.add_event(
            conn,
            old.id,
            kind="followup_ok",
            actor_id=user_id,
            from_status=old.status,
            to_status=old.status,
            note="",
            now=now,
        )


async def support(services: Services, complaint_id: int, user_id: int) -> bool:
    """ "Me too": the person follows an open complaint of their grid instead of filing anew."""
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
        or c.grid_id != person.grid_id
        or c.reporter_id == user_id
    ):
        raise NotAllowed("not_allowed")
    return await lifecycle.support(db, complaint_id, user_id, services.clock.now())
