"""What the dispatch centre rules on: a handler's 退回 (reject) and 延期申请 (extension).

A handler's 退回 is a request: the case stays where it is until a dispatcher of its zone (or
of the town, else an admin: `dispatchers_for`) approves it — then it is rejected and the
resident is told the reason — or re-routes it with the staff's 转办 (the request is then
settled as re-routed), or refuses it (the handler carries on). An admin's or a dispatcher's
own 退回 is final. A handler who has accepted a case may ask for a later deadline to resolve
it, with a reason, at most `MAX_EXTENSIONS` times per case; approved, the deadline moves and
its reminder and escalation timers with it (`service.deadline_moved`).

    Refusal (bot.core.refusals)
    └── NotAllowed
        └── Refused          "dispatch.refused" (reason: not_found, not_allowed, pending,
                              too_many, wrong_state, bad_day, stale)
Every ruling is one transaction: the request settled (only if still pending), the case's
history, its timers and the notices (outbox rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import aiosqlite

from bot.complaints.buttons import CARD, WORK
from bot.complaints.dispatch import ruling_for_grid
from bot.complaints.rules import RULERS, Action, Actor, Status, decide, needs_ruling
from bot.complaints.service import act, actors_for, deadline_moved, ticket_of
from bot.core import refusals
from bot.dispatch.buttons import EXTEND_NO, EXTEND_OK, REJECT_NO, REJECT_OK
from bot.runtime import notices
from bot.runtime.services import Services
from storage import complaints, dispatch, geo, lifecycle, people
from storage.dispatch import Request
from storage.models import Category, Complaint

MAX_EXTENSIONS = 2  # 延期申请 a handler may make per case
LONGEST_EXTENSION = timedelta(days=60)  # beyond the current deadline


class Refused(refusals.NotAllowed):
    """A request or a ruling that cannot be made now, or not by this person."""

    template = "dispatch.refused"


@dataclass(frozen=True)
class Rejection:
    """A 退回: done at once (by a ruler) or asked of the dispatch centre."""

    complaint: Complaint
    asked: bool
    told: bool  # someone was told: the resident (done) or the dispatch centre (asked)


async def _case(services: Services, complaint_id: int | None) -> Complaint:
    found = await complaints.get(services.db, complaint_id) if complaint_id else None
    if found is None:
        raise Refused("not_found")
    return found


async def _category(services: Services, c: Complaint) -> Category:
    found = await geo.category(services.db, c.category_id, active_only=False)
    assert found is not None
    return found


async def reject(services: Services, complaint_id: int, user_id: int, reason: str) -> Rejection:
    """退回: final for a ruler; for a handler, a request to the dispatch centre."""
    c = await _case(services, complaint_id)
    actors = await actors_for(services, c, user_id)
    if not needs_ruling(actors):
        done = await act(services, c.id, Action.REJECT, user_id, note=reason)
        told = await notices.reachable(services, [done.reporter_id] if done.reporter_id else [])
        return Rejection(done, asked=False, told=bool(told))
    now = services.clock.now()
    decide(ticket_of(c, await _category(services, c)), Action.REJECT, actors, now, note=reason)
    rulers = await ruling_for_grid(services, c.grid_id)
    async with services.db.transaction() as conn:
        request_id = await dispatch.add_request(conn, c.id, "reject", user_id, reason, now)
        if request_id is None:
            raise Refused("pending")
        await _event(conn, c, "reject_asked", user_id, reason, now)
        await notices.send(
            conn,
            services,
            rulers,
            template="dispatch.reject_asked",
            key=f"dp:r{request_id}",
            now=now,
            context={**await _about(services, c, user_id), "reason": reason},
            buttons=[
                [("dispatch.btn_approve_reject", REJECT_OK.pack(request_id))],
                [("dispatch.btn_reroute", WORK[Action.TRANSFER].pack(c.id))],
                [("dispatch.btn_refuse_reject", REJECT_NO.pack(request_id))],
            ],
        )
    services.delivery.kick_soon()
    return Rejection(c, asked=True, told=bool(rulers))


async def ask_extension(
    services: Services, complaint_id: int, user_id: int, day: date, reason: str
) -> Request:
    """延期申请: a later day to resolve by (a working day), with a reason."""
    c = await _case(services, complaint_id)
    await may_extend(services, c, user_id)
    due = check_day(services, c, day)
    assert c.resolve_due_at is not None  # check_day refuses a case without one
    now = services.clock.now()
    rulers = await ruling_for_grid(services, c.grid_id)
    async with services.db.transaction() as conn:
        request_id = await dispatch.add_request(
            conn, c.id, "extend", user_id, reason, now, due_before=c.resolve_due_at, new_due_at=due
        )
        if request_id is None:
            raise Refused("pending")
        await _event(conn, c, "extension_asked", user_id, reason, now)
        await notices.send(
            conn,
            services,
            rulers,
            template="dispatch.extension_asked",
            key=f"dp:e{request_id}",
            now=now,
            context={
                **await _about(services, c, user_id),
                "reason": reason,
                "due_before": c.resolve_due_at.isoformat(),
                "new_due_at": due.isoformat(),
            },
            buttons=[
                [
                    ("dispatch.btn_approve_extend", EXTEND_OK.pack(request_id)),
                    ("dispatch.btn_refuse_extend", EXTEND_NO.pack(request_id)),
                ]
            ],
        )
    services.delivery.kick_soon()
    found = await dispatch.request(services.db, request_id)
    assert found is not None
    return found


def check_day(services: Services, c: Complaint, day: date) -> datetime:
    """The new deadline (the day's end of work) if the day will do; Refused("bad_day") else:
    a working day, after the current deadline, at most `LONGEST_EXTENSION` later."""
    due = _deadline(services, day)
    current = c.resolve_due_at
    if (
        current is None
        or not services.calendar.is_workday(day)
        or due <= current
        or due > current + LONGEST_EXTENSION
    ):
        raise Refused("bad_day", due=current)
    return due


async def may_extend(services: Services, c: Complaint, user_id: int) -> None:
    """Refused unless this handler may ask for more time on this case now."""
    actors = await actors_for(services, c, user_id)
    status = Status(c.status)
    if not actors & {*RULERS, Actor.ASSIGNEE}:
        raise Refused("not_allowed")
    if status not in (Status.ACCEPTED, Status.ESCALATED) or c.accepted_at is None:
        raise Refused("wrong_state")
    asked = [r for r in await dispatch.requests_of(services.db, c.id) if r.kind == "extend"]
    if any(r.status == dispatch.PENDING for r in asked):
        raise Refused("pending")
    if len(asked) >= MAX_EXTENSIONS:
        raise Refused("too_many", most=MAX_EXTENSIONS)


async def rule(services: Services, request_id: int | None, user_id: int, approve: bool) -> Request:
    """A dispatcher (or an admin) approves or refuses a request; the request as settled."""
    found = await dispatch.request(services.db, request_id) if request_id else None
    if found is None:
        raise Refused("not_found")
    c = await _case(services, found.complaint_id)
    if not await actors_for(services, c, user_id) & RULERS:
        raise Refused("not_allowed")
    if found.status != dispatch.PENDING:
        raise Refused("stale", status=found.status)
    if found.kind == "reject" and approve:
        # 退回 for good; `act` settles the request and tells the handler, in its transaction.
        await act(services, c.id, Action.REJECT, user_id, note=found.reason)
    elif found.kind == "extend" and approve:
        await _extend(services, found, c, user_id)
    else:
        await _refuse(services, found, c, user_id)
    settled = await dispatch.request(services.db, found.id)
    assert settled is not None
    return settled


async def _extend(services: Services, r: Request, c: Complaint, user_id: int) -> None:
    """The deadline moves (an overdue case is in hand again), and its timers with it."""
    now = services.clock.now()
    assert r.new_due_at is not None
    status = Status.ACCEPTED.value if c.status == Status.ESCALATED.value else c.status
    async with services.db.transaction() as conn:
        if not await dispatch.settle(conn, r.id, "approved", user_id, now):
            raise Refused("stale", status="approved")
        fields = {"resolve_due_at": r.new_due_at, "status": status}
        if not await lifecycle.change(conn, c.id, expected_status=c.status, now=now, **fields):
            raise Refused("stale", status="pending")
        await _event(conn, c, "extended", user_id, r.reason, now, to_status=status)
        moved = await complaints.get_in(conn, c.id)
        await deadline_moved(conn, services, moved, now)
        context = {"number": c.number, "new_due_at": r.new_due_at.isoformat(), "reason": r.reason}
        await notices.send(
            conn,
            services,
            await notices.assignees(services, c.grid_id, c.department_id),
            template="dispatch.extension_approved",
            key=f"dp:eok{r.id}",
            now=now,
            context=context,
        )
        await notices.send(
            conn,
            services,
            await notices.followers(services, c),
            template="dispatch.extended_for_resident",
            key=f"dp:eres{r.id}",
            now=now,
            context=context,
        )
    services.delivery.kick_soon()


async def _refuse(services: Services, r: Request, c: Complaint, user_id: int) -> None:
    now = services.clock.now()
    kind = "reject_refused" if r.kind == "reject" else "extension_refused"
    async with services.db.transaction() as conn:
        if not await dispatch.settle(conn, r.id, "refused", user_id, now):
            raise Refused("stale", status="refused")
        await _event(conn, c, kind, user_id, "", now)
        if r.requested_by is not None:
            await notices.send(
                conn,
                services,
                [r.requested_by],
                template="dispatch.refused_to_requester",
                key=f"dp:no{r.id}",
                now=now,
                context={"number": c.number, "kind": r.kind},
                buttons=[[("dispatch.btn_open_case", CARD.pack(c.id))]],
            )
    services.delivery.kick_soon()


def _deadline(services: Services, day: date) -> datetime:
    cal = services.calendar
    return datetime.combine(day, cal.end_of_day, tzinfo=cal.tz).astimezone(UTC)


async def _about(services: Services, c: Complaint, user_id: int) -> dict[str, object]:
    grid = await geo.grid(services.db, c.grid_id)
    department = (
        await geo.department_name(services.db, c.department_id) if c.department_id else None
    )
    return {
        "number": c.number,
        "description": c.description,
        "grid": grid.full_name if grid else "",
        "department": department,
        "by": await staff_name(services, user_id),
        "resolve_due_at": c.resolve_due_at.isoformat() if c.resolve_due_at else None,
    }


async def staff_name(services: Services, user_id: int) -> str:
    """The name a staff member was granted a role under, else their first name, else the id."""
    return await people.granted_name(services.db, user_id) or str(user_id)


async def _event(
    conn: aiosqlite.Connection,
    c: Complaint,
    kind: str,
    user_id: int,
    note: str,
    now: datetime,
    *,
    to_status: str | None = None,
) -> None:
    await lifecycle.add_event(
        conn,
        c.id,
        kind=kind,
        actor_id=user_id,
        from_status=c.status,
        to_status=to_status or c.status,
        note=note,
        now=now,
    )
