"""Who hears about an assignment (交办) and with which buttons — outbox rows written in the
transaction of the change that causes them (templates in `assignments.html`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.assignments.buttons import BY_VERB
from bot.assignments.rules import Status
from bot.people.roles import admin_ids
from bot.runtime import notices
from bot.runtime.services import Services
from storage import assignments as store
from storage import complaints, geo, people


def buttons(*verbs: str, assignment_id: int) -> notices.Buttons:
    """One row of buttons (`bot.assignments.buttons`), labels from `assignments.btn_<verb>`."""
    return [[(f"assignments.btn_{v}", BY_VERB[v].pack(assignment_id)) for v in verbs]]


async def assignees(services: Services, a: store.Assignment) -> list[int]:
    """The person it was given to, or the department's officers (those who opened the bot)."""
    if a.department_id is not None:
        return await notices.reachable(
            services, await people.staff_of_department(services.db, a.department_id)
        )
    return await notices.reachable(services, [a.assignee_id] if a.assignee_id else [])


async def can_tell(services: Services, assignment_id: int) -> bool:
    """Whether anyone the assignment was given to can be told (else the admin hears so)."""
    given = await store.get(services.db, assignment_id)
    return given is not None and bool(await assignees(services, given))


async def admins(services: Services, a: store.Assignment) -> list[int]:
    """Whoever assigned it; every admin when that person cannot be reached."""
    found = await notices.reachable(services, [a.assigned_by])
    return found or await notices.reachable(services, await admin_ids(services))


async def assignee_name(services: Services, a: store.Assignment) -> str:
    """The department's name, or the person's name as granted (else their first name)."""
    db = services.db
    if a.department_id is not None:
        return str(await geo.department_name(db, a.department_id))
    name = None if a.assignee_id is None else await people.granted_name(db, a.assignee_id)
    return str(name or a.assignee_id)


async def context_of(services: Services, d: store.Details) -> dict[str, Any]:
    """What every assignment notice shows."""
    a = d.assignment
    return {
        "number": a.id,
        "text": a.text,
        "complaint": d.complaint_number,
        "due_at": a.due_at.isoformat(),
        "assignee": await assignee_name(services, a),
    }


async def new(
    conn: aiosqlite.Connection, services: Services, assignment_id: int, now: datetime
) -> None:
    """The assignee hears of new work, with the accept button."""
    found = await _details_in(conn, services, assignment_id)
    await _to_assignees(conn, services, found, "assignments.new", f"asg:new:{assignment_id}", now)


async def _details_in(
    conn: aiosqlite.Connection, services: Services, assignment_id: int
) -> store.Details:
    """Details read through the writer (the row is not committed yet)."""
    a = await store.get_in(conn, assignment_id)
    assert a is not None
    number = None
    if a.complaint_id is not None:
        number = await complaints.number_in(conn, a.complaint_id)
    return store.Details(a, None, None, None, None, None, number, None, None)


async def step(
    conn: aiosqlite.Connection,
    services: Services,
    before: store.Details,
    kind: str,
    event_id: int,
    now: datetime,
    *,
    note: str,
    photo: tuple[str, str] | None,
    actor_id: int | None,
) -> None:
    """The notices one change causes (never to the person who made it)."""
    a = before.assignment
    base = await context_of(services, before) | {"event": kind, "note": note}
    key = f"asg:{kind}:{a.id}:e{event_id}"
    to_admins = [u for u in await admins(services, a) if u != actor_id]
    to_assignees = [u for u in await assignees(services, a) if u != actor_id]
    if kind in ("accepted", "progress", "done", "recheck_held", "recheck_failed"):
        extra: dict[str, Any] = {"photos": [photo[0]]} if photo else {}
        await notices.send(
            conn,
            services,
            to_admins,
            template="assignments.update",
            key=f"{key}:a",
            now=now,
            context=base | extra,
            buttons=buttons("verify", "return", assignment_id=a.id) if kind == "done" else None,
        )
    if kind in ("verified", "returned"):
        await notices.send(
            conn,
            services,
            to_assignees,
            template=f"assignments.{kind}",
            key=f"{key}:s",
            now=now,
            context=base,
            buttons=buttons("note", "done", assignment_id=a.id) if kind == "returned" else None,
        )
    if kind == "escalated":
        await notices.send(
            conn,
            services,
            to_admins,
            template="assignments.escalation",
            key=f"{key}:a",
            now=now,
            context=base,
        )
        await notices.send(
            conn,
            services,
            to_assignees,
            template="assignments.overdue",
            key=f"{key}:s",
            now=now,
            context=base,
        )


async def remind(
    conn: aiosqlite.Connection, services: Services, d: store.Details, timer_id: int, now: datetime
) -> None:
    """A day before the deadline, to whoever still owes the work."""
    await _to_assignees(conn, services, d, "assignments.remind", f"asg:timer:{timer_id}", now)


async def _to_assignees(
    conn: aiosqlite.Connection,
    services: Services,
    d: store.Details,
    template: str,
    key: str,
    now: datetime,
) -> None:
    """A notice to whoever owes the work, with the buttons its status allows."""
    to = await assignees(services, d.assignment)
    found = await context_of(services, d)
    await notices.send(
        conn,
        services,
        to,
        template=template,
        key=key,
        now=now,
        context=found,
        buttons=_work_buttons(d),
    )


def _work_buttons(d: store.Details) -> notices.Buttons:
    if d.assignment.status == Status.ASSIGNED:
        return buttons("accept", assignment_id=d.assignment.id)
    return buttons("note", "done", assignment_id=d.assignment.id)


async def recheck(
    conn: aiosqlite.Connection,
    services: Services,
    d: store.Details,
    checker_id: int,
    timer_id: int,
    now: datetime,
) -> None:
    """30 days after verification: did the fix hold? (回头看)"""
    await notices.send(
        conn,
        services,
        await notices.reachable(services, [checker_id]),
        template="assignments.recheck",
        key=f"asg:timer:{timer_id}",
        now=now,
        context=await context_of(services, d)
        | {"verified_at": d.verified_at.isoformat() if d.verified_at else None},
        buttons=buttons("held", "failed", assignment_id=d.assignment.id),
    )
