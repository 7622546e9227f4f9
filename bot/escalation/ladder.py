"""The escalation ladder of a complaint, on working days (configurable, `Settings.ladder_*`):

- `ladder_remind_before` (4 h) before a deadline: a reminder stating the deadline, to the
  handler;
- at the deadline: 催办 no. 1 (`escalated`) saying who is responsible, with a button opening
  the case, to the handler and the zone's dispatchers;
- each working day at `ladder_urge_at` (09:00) while overdue: 催办 no. n to the handler (to
  the dispatchers too for a safety hazard, which is urgent; else they read it in the digest);
- `ladder_report_after` (3) working days after the deadline: a 通报, marked on the case, to
  the zone's admins.

Rows first: the daily 催办 and the 通报 are `timers` rows (kinds `urge`, `report`) added by
`schedule` whenever the case is escalated (the service re-adds them after every change, so a
progress note keeps them), each run once by `bot.runtime.timers`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from bot.complaints.buttons import CARD
from bot.complaints.dispatch import dispatchers_for
from bot.complaints.rules import OPEN, Status
from bot.runtime import notices
from bot.runtime.services import Services
from storage import escalation, geo, lifecycle, people, timers
from storage.models import Complaint

URGE, REPORT = "urge", "report"  # the kinds of its timers


def remind_before(services: Services) -> timedelta:
    """How long before a deadline the handler is reminded."""
    return services.settings.ladder_remind_before


def stage_of(c: Complaint) -> str:
    """Which deadline the case is held to: to accept it ("ack"), else to resolve it."""
    return "ack" if c.accepted_at is None else "resolve"


def deadline_of(c: Complaint) -> datetime | None:
    return c.ack_due_at if c.accepted_at is None else c.resolve_due_at


def overdue(c: Complaint, now: datetime) -> bool:
    """Open and past the deadline it is held to."""
    deadline = deadline_of(c)
    return Status(c.status) in OPEN and deadline is not None and deadline <= now


def next_urge(services: Services, after: datetime) -> datetime:
    """The first working day's `ladder_urge_at` (local time) strictly after `after`."""
    tz, at = services.settings.tz, services.settings.ladder_urge_at
    day = after.astimezone(tz).date()
    while True:
        day = services.calendar.next_workday(day)
        moment = datetime.combine(day, at, tzinfo=tz)
        if moment > after:
            return moment.astimezone(after.tzinfo)
        day += timedelta(days=1)


def report_due(services: Services, deadline: datetime) -> datetime:
    """When an overdue case is reported (通报): N working days after its deadline."""
    return services.calendar.add_working_days(deadline, services.settings.ladder_report_after)


async def schedule(
    conn: aiosqlite.Connection, services: Services, c: Complaint, now: datetime
) -> None:
    """The timers of an escalated case (inside the change's transaction): its next daily
    催办 and its 通报. A deadline moved later meanwhile (an extension) is met by 催办 no. 1
    again when it passes."""
    deadline = deadline_of(c)
    if Status(c.status) is not Status.ESCALATED or deadline is None:
        return
    urge = deadline if deadline > now else next_urge(services, now)
    await timers.add(conn, URGE, c.id, urge, now)
    await timers.add(conn, REPORT, c.id, report_due(services, deadline), now)


async def escalated(
    conn: aiosqlite.Connection, services: Services, c: Complaint, now: datetime, *, key: str
) -> None:
    """催办 no. 1, at the deadline: the handler and the zone's dispatchers, at once."""
    await escalation.clear_reported(conn, c.id)  # a new time overdue: a new 通报 may follow
    await _urge(conn, services, c, now, key=key, number=1, dispatchers_too=True)


async def run(
    conn: aiosqlite.Connection,
    services: Services,
    timer: timers.Timer,
    c: Complaint,
    now: datetime,
) -> None:
    """Run one `urge` or `report` timer of `c` (its row is finished in this transaction)."""
    if Status(c.status) is not Status.ESCALATED or not overdue(c, now):
        return  # accepted, resolved, moved or extended meanwhile: the ladder stops
    deadline = deadline_of(c)
    assert deadline is not None
    days = services.calendar.working_days_between(deadline, now)
    if timer.kind == URGE:
        category = await geo.category(services.db, c.category_id, active_only=False)
        urgent = bool(category and category.is_hazard)
        first = timer.due_at == deadline  # at a deadline moved later: it starts again
        if first:
            await escalation.clear_reported(conn, c.id)
        await _urge(
            conn,
            services,
            c,
            now,
            key=f"timer:{timer.id}",
            number=1 if first else max(days, 1) + 1,
            dispatchers_too=urgent or first,
        )
        await timers.add(conn, URGE, c.id, next_urge(services, now), now)
    elif timer.kind == REPORT and await escalation.mark_reported(conn, c.id, now):
        await _report(conn, services, c, now, key=f"timer:{timer.id}", days=days)


async def _urge(
    conn: aiosqlite.Connection,
    services: Services,
    c: Complaint,
    now: datetime,
    *,
    key: str,
    number: int,
    dispatchers_too: bool,
) -> None:
    handlers = await notices.assignees(services, c.grid_id, c.department_id)
    grid = await geo.grid(services.db, c.grid_id)
    dispatchers = await notices.reachable(
        services, await dispatchers_for(services, grid.zone_id if grid else None)
    )
    dispatchers = [d for d in dispatchers if d not in handlers]
    context = await _context(services, c, now, handlers)
    context |= {"urge": number, "dispatchers_told": bool(dispatchers)}
    buttons = _open(c)
    await notices.send(
        conn,
        services,
        handlers,
        template="escalation.urge",
        key=f"{key}:h",
        now=now,
        context={**context, "to_handler": True},
        buttons=buttons,
    )
    if dispatchers_too:
        await notices.send(
            conn,
            services,
            dispatchers,
            template="escalation.urge",
            key=f"{key}:d",
            now=now,
            context={**context, "to_handler": False},
            buttons=buttons,
        )


async def _report(
    conn: aiosqlite.Connection,
    services: Services,
    c: Complaint,
    now: datetime,
    *,
    key: str,
    days: int,
) -> None:
    handlers = await notices.assignees(services, c.grid_id, c.department_id)
    admins = await notices.zone_admins(services, c.grid_id)
    context = await _context(services, c, now, handlers)
    await lifecycle.add_event(
        conn,
        c.id,
        kind="reported",
        actor_id=None,
        from_status=c.status,
        to_status=c.status,
        note="",
        now=now,
    )
    await notices.send(
        conn,
        services,
        admins,
        template="escalation.report",
        key=key,
        now=now,
        context={**context, "days": days},
        buttons=_open(c),
    )


def _open(c: Complaint) -> notices.Buttons:
    """The button that opens the case's card (with the actions the viewer may take)."""
    return [[("escalation.btn_open", CARD.pack(c.id))]]


async def _context(
    services: Services, c: Complaint, now: datetime, handlers: list[int]
) -> dict[str, object]:
    """What every rung says: the case, its deadline, and who is responsible."""
    db = services.db
    grid = await geo.grid(db, c.grid_id)
    department = await geo.department_name(db, c.department_id) if c.department_id else None
    names = [await people.granted_name(db, uid) or str(uid) for uid in handlers]
    deadline = deadline_of(c)
    return {
        "number": c.number,
        "stage": stage_of(c),
        "deadline": deadline.isoformat() if deadline else None,
        "description": c.description,
        "grid": grid.full_name if grid else "",
        "department": department,
        "handlers": names,
        "days": services.calendar.working_days_between(deadline, now) if deadline else 0,
    }
