"""Assignments (交办): the service that applies `bot.assignments.rules` to stored assignments,
and the runner of their timers.

assigned → 签收 accepted → 进展 notes → 完成 done (a note, maybe a photo) → an admin verifies
it (verified) or returns it with a reason (returned: the assignee works on) → 30 days after
verification the re-check (回头看) asks the representative whether the fix held. A reminder
comes a day before the deadline; at the deadline open work is escalated (催办). Every change is
one transaction: the conditional update, the history event, the timers and the notices.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import aiosqlite

from bot.assignments import notices as tell
from bot.assignments.rules import (
    EVENT_OF,
    OPEN,
    RECHECK_AFTER,
    REMIND_BEFORE,
    TARGETS,
    Actor,
    Card,
    NotAllowed,
    Recheck,
    Status,
    Step,
    check_deadline,
    decide,
)
from bot.meetings import followup
from bot.people.roles import Role, has_role
from bot.runtime.services import Services
from storage import assignments as store
from storage import complaints, geo, people, submissions

log = logging.getLogger(__name__)


# The service --------------------------------------------------------------------------


async def checker_of(services: Services, a: store.Assignment) -> int:
    """Who answers the re-check: a representative assignee, else whoever assigned it."""
    if a.assignee_id is not None and await has_role(services, a.assignee_id, Role.REPRESENTATIVE):
        return a.assignee_id
    return a.assigned_by


async def roles_of(services: Services, a: store.Assignment, user_id: int) -> frozenset[Actor]:
    """Who a person is towards one assignment (checked on the server, always)."""
    roles: set[Actor] = set()
    if await has_role(services, user_id, Role.ADMIN):
        roles.add(Actor.ADMIN)
    if a.assignee_id == user_id or (
        a.department_id is not None
        and user_id in await people.staff_of_department(services.db, a.department_id)
    ):
        roles.add(Actor.ASSIGNEE)
    if user_id == await checker_of(services, a):
        roles.add(Actor.CHECKER)
    return frozenset(roles)


def card_of(d: store.Details, now: datetime) -> Card:
    """What the rules look at."""
    return Card(
        Status(d.assignment.status),
        escalated=d.escalated_at is not None,
        rechecked=d.recheck_result is not None,
        recheck_open=d.verified_at is not None and d.verified_at + RECHECK_AFTER <= now,
    )


async def choices(
    services: Services, kind: str, zone_id: int | None = None
) -> list[tuple[int, str]]:
    """(id, name) of who can be given work: representatives and grid workers who opened the
    bot (grid workers of one zone when it is given), or departments."""
    db = services.db
    if kind == Role.DEPARTMENT:
        return [(d.id, d.name) for d in await geo.departments(db)]
    return await people.holders(db, kind, zone_id)


async def assign(
    services: Services,
    admin_id: int,
    *,
    text: str,
    complaint_id: int | None,
    target_kind: str,
    target_id: int,
    due_at: datetime,
    key: str | None = None,
) -> int:
    """An admin gives a complaint or a task to a representative, department or grid worker.

    `key` is the form's submission key: a form confirmed already gives back its assignment
    and assigns nothing more."""
    db, now = services.db, services.clock.now()
    if not await has_role(services, admin_id, Role.ADMIN):
        raise NotAllowed("not_allowed")
    check_deadline(due_at, now)
    if target_kind not in TARGETS:
        raise NotAllowed("bad_target")
    if not await _is_target(services, target_kind, target_id):
        raise NotAllowed("bad_target")
    if complaint_id is not None and await complaints.get(db, complaint_id) is None:
        raise NotAllowed("not_found")
    target: dict[str, Any] = (
        {"department_id": target_id}
        if target_kind == Role.DEPARTMENT
        else {"assignee_id": target_id}
    )
    async with db.transaction() as conn:
        done = await submissions.find_in(conn, key) if key else None
        if done is not None:
            return done.record_id
        assignment_id = await store.create(
            conn,
            subject_kind="complaint" if complaint_id is not None else "text",
            complaint_id=complaint_id,
            text=text,
            due_at=due_at,
            assigned_by=admin_id,
            now=now,
            **target,
        )
        await schedule(conn, assignment_id, Status.ASSIGNED, due_at, None, now)
        await tell.new(conn, services, assignment_id, now)
        if key:
            await submissions.record(conn, key, "assignment", assignment_id, now)
    services.delivery.kick_soon()
    return assignment_id


async def _is_target(services: Services, kind: str, target_id: int) -> bool:
    """A department that exists, or someone holding the role who opened the bot."""
    if kind == Role.DEPARTMENT:
        return target_id in {d.id for d in await geo.departments(services.db)}
    return await people.holds(services.db, kind, target_id)


async def schedule(
    conn: aiosqlite.Connection,
    assignment_id: int,
    status: Status,
    due_at: datetime,
    verified_at: datetime | None,
    now: datetime,
    *,
    escalated: bool = False,
    rechecked: bool = False,
) -> None:
    """Drop the old timers; add those the new status needs (inside the caller's transaction)."""
    await store.cancel_timers(conn, assignment_id)
    if status in OPEN:
        if due_at - REMIND_BEFORE > now:
            await store.add_timer(conn, "remind", assignment_id, due_at - REMIND_BEFORE, now)
        if not escalated:
            await store.add_timer(conn, "due", assignment_id, due_at, now)
    if status is Status.VERIFIED and verified_at is not None and not rechecked:
        await store.add_timer(conn, "recheck", assignment_id, verified_at + RECHECK_AFTER, now)


async def act(
    services: Services,
    assignment_id: int,
    step: Step,
    user_id: int | None,
    *,
    note: str = "",
    photo: tuple[str, str] | None = None,
    held: bool | None = None,
) -> store.Details:
    """Take `step` as `user_id` (None: the system); raises NotAllowed and changes nothing."""
    db, now = services.db, services.clock.now()
    found = await store.details(db, assignment_id)
    if found is None:
        raise NotAllowed("not_found")
    a = found.assignment
    roles = frozenset({Actor.SYSTEM}) if user_id is None else await roles_of(services, a, user_id)
    after = decide(card_of(found, now), step, roles, note=note)
    fields: dict[str, Any] = {"status": after.value}
    answer = Recheck.HELD if held else Recheck.FAILED
    if step is Step.ACCEPT:
        fields["accepted_at"] = now
    if step is Step.DONE:
        fields["done_at"] = now
    if step is Step.RETURN:
        fields["done_at"] = None
    if step is Step.VERIFY:
        fields["verified_at"] = now
    if step is Step.ESCALATE:
        fields["escalated_at"] = now
    if step is Step.RECHECK:
        fields |= {"recheck_result": answer.value, "rechecked_at": now}
    kind = EVENT_OF[step] + (f"_{answer}" if step is Step.RECHECK else "")
    async with db.transaction() as conn:
        if not await store.change(conn, a.id, expected_status=a.status, now=now, **fields):
            raise NotAllowed("stale")
        event_id = await store.add_event(
            conn,
            a.id,
            kind=kind,
            actor_id=user_id,
            now=now,
            note=note,
            photo_file_id=photo[0] if photo else None,
        )
        await schedule(
            conn,
            a.id,
            after,
            a.due_at,
            now if step is Step.VERIFY else found.verified_at,
            now,
            escalated=step is Step.ESCALATE or found.escalated_at is not None,
            rechecked=step is Step.RECHECK,
        )
        await tell.step(
            conn, services, found, kind, event_id, now, note=note, photo=photo, actor_id=user_id
        )
        # A meeting's decision followed in public: its registrants (and more) hear it, once.
        if step is Step.PROGRESS:
            await followup.decision_progress(conn, services, a, event_id, note, now)
        if step is Step.VERIFY:
            await followup.decision_completed(conn, services, a, now)
    services.delivery.kick_soon()
    result = await store.details(db, assignment_id)
    assert result is not None
    return result


class AssignmentTimers:
    """A source of due rows for `bot.runtime.timers.TimerRunner`: reminders, escalation, re-checks.

    Open assignments made elsewhere with `storage.assignments.create` (meeting decisions)
    get their timers here on the next pass."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = asyncio.Lock()

    async def run_due(self) -> int:
        """Handle every due timer once; returns how many were handled."""
        services, done = self.services, 0
        async with self._lock:
            await self._adopt()
            while due := await store.due_timers(services.db, services.clock.now()):
                for timer in due:
                    await self._run(timer)
                    done += 1
        return done

    async def next_due(self) -> datetime | None:
        """When the earliest pending timer falls due."""
        return await store.next_timer(self.services.db)

    async def _adopt(self) -> None:
        services, now = self.services, self.services.clock.now()
        for a in await store.unscheduled(services.db):
            async with services.db.transaction() as conn:
                await schedule(conn, a.id, Status(a.status), a.due_at, None, now)

    async def _run(self, timer: store.AssignmentTimer) -> None:
        services, now = self.services, self.services.clock.now()
        if timer.kind == "due":
            try:
                await act(services, timer.assignment_id, Step.ESCALATE, None)
            except NotAllowed as exc:
                log.info("assignment timer %s: nothing to do (%s)", timer.id, exc.reason)
        d = await store.details(services.db, timer.assignment_id)
        async with services.db.transaction() as conn:
            if not await store.finish_timer(conn, timer.id, now) or d is None:
                return
            status = Status(d.assignment.status)
            # A reminder whose deadline passed while the bot was down is not sent late.
            if timer.kind == "remind" and status in OPEN and d.assignment.due_at > now:
                await tell.remind(conn, services, d, timer.id, now)
            if timer.kind == "recheck" and status is Status.VERIFIED and not d.recheck_result:
                checker = await checker_of(services, d.assignment)
                await tell.recheck(conn, services, d, checker, timer.id, now)
