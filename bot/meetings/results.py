"""After a deliberation meeting: its result, recorded once and told to every registrant and
its audience exactly once, and its decisions turned into assignments (交办) — one transaction
each, like everything in `bot.meetings.service`."""

from __future__ import annotations

from datetime import datetime

from bot.assignments.notices import buttons as assignment_buttons
from bot.meetings import followup
from bot.meetings import notices as mn
from bot.meetings.rules import (
    ASSIGNEE_KINDS,
    ATTENDANCE,
    DECISION,
    MAX_DECISIONS,
    SUMMARY,
    Invalid,
    MeetingStatus,
    text_within,
)
from bot.meetings.service import NotAllowed, NotFound, Stale, require_admin
from bot.people.roles import Role
from bot.runtime.services import Services
from storage import assignments, geo, outbox, people
from storage import meetings as store
from storage.meetings import Meeting

__all__ = ["ASSIGNEE_KINDS", "assign", "record_result"]


async def record_result(
    services: Services,
    meeting_id: int,
    admin_id: int,
    *,
    summary: str,
    decisions: list[str],
    attendance: int,
) -> tuple[Meeting, list[int], int]:
    """The result, once: registrants and the audience get the notice exactly once each
    (registrants first, on the personal lane); pending result reminders are dropped.
    Returns the meeting, the decision ids and how many people are told."""
    await require_admin(services, admin_id)
    now = services.clock.now()
    summary = text_within(summary, SUMMARY)
    decisions = [text_within(d, DECISION) for d in decisions]
    if len(decisions) > MAX_DECISIONS:
        raise Invalid("too_many_decisions", max=MAX_DECISIONS)
    if not ATTENDANCE[0] <= attendance <= ATTENDANCE[1]:
        raise Invalid("bad_attendance", min=ATTENDANCE[0], max=ATTENDANCE[1])
    async with services.db.transaction() as conn:
        m = await store.get_in(conn, meeting_id)
        if m is None:
            raise NotFound("not_found")
        if m.status != MeetingStatus.OPEN:
            raise Stale("not_open", status=m.status)
        if now < m.starts_at:
            raise NotAllowed("not_yet", starts_at=m.starts_at)
        ids = await store.set_result(conn, m.id, summary, attendance, decisions, admin_id, now)
        if ids is None:
            raise Stale("not_open", status=m.status)
        await store.drop_pending(conn, mn.prefix(m.id, "late"), "result recorded")
        ctx = await mn.context_of(services, m) | {
            "summary": summary,
            "decisions": decisions,
            "attendance": attendance,
        }
        result_key = mn.key(m.id, "result")
        told = set(
            await mn.to_registrants(
                conn, services, m, template="meetings.result", key=result_key, now=now, context=ctx
            )
        )
        audience = await store.audience(services.db, m, include_muted=False)
        told |= {user_id for user_id, _ in audience}
        await mn.send(
            conn,
            services,
            audience,
            template="meetings.result",
            key=result_key,
            now=now,
            context=ctx,
            lane=outbox.LANE_BULK,
        )
        held = await store.get_in(conn, m.id)
    assert held is not None
    services.delivery.kick_soon()
    return held, ids, len(told)


async def assign(
    services: Services,
    decision_id: int,
    admin_id: int,
    *,
    kind: str,
    target_id: int,
    due_at: datetime,
) -> int:
    """A decision becomes an assignment (交办) to a representative, a department or a grid
    worker of the meeting's zone, with a deadline; the assignee is told, and so are the
    meeting's registrants and the zone's followers (`bot.meetings.followup`)."""
    await require_admin(services, admin_id)
    db, now = services.db, services.clock.now()
    if due_at <= now:
        raise Invalid("past_time")
    decision = await store.decision(db, decision_id)
    m = await store.get(db, decision.meeting_id) if decision else None
    held = m is not None and m.status == MeetingStatus.HELD
    if decision is None or m is None or not held or kind not in ASSIGNEE_KINDS:
        raise NotFound("not_found")
    if kind == Role.DEPARTMENT:
        if target_id not in {d.id for d in await geo.departments(db)}:
            raise NotFound("not_found")
        told = await people.staff_of_department(db, target_id)
        target = {"department_id": target_id}
    else:
        if target_id not in {uid for uid, _ in await store.staff_choices(db, kind, m.zone_id)}:
            raise NotFound("not_found")
        told = [target_id]
        target = {"assignee_id": target_id}
    async with db.transaction() as conn:
        assignment_id = await assignments.create(
            conn,
            subject_kind="decision",
            decision_id=decision.id,
            text=decision.text,
            due_at=due_at,
            assigned_by=admin_id,
            now=now,
            **target,
        )
        await mn.send(
            conn,
            services,
            await mn.with_languages(services, told),
            template="meetings.assigned",
            key=mn.key(m.id, "asg", assignment_id),
            now=now,
            context=await mn.context_of(services, m)
            | {"decision": decision.text, "due_at": due_at.isoformat(), "number": assignment_id},
            buttons=assignment_buttons("accept", assignment_id=assignment_id),
        )
        made = await assignments.get_in(conn, assignment_id)
        assert made is not None
        await followup.decision_assigned(conn, services, made, now)  # told in public
    services.delivery.kick_soon()
    return assignment_id
