"""A meeting's decisions followed to completion in public: when the assignment (交办) made from
a decision is verified as completed, everyone who was booked or waiting for that meeting hears
it, and so does the meeting's audience (its zone's or community's residents and the zone's
followers, unless they muted announcements) — one outbox row each, key mt:M:done:A:U, written
in the step's own transaction, so a second verification or a retry never tells anyone twice."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.meetings import notices as mn
from bot.runtime.services import Services
from storage import meetings as store
from storage import outbox
from storage.assignments import Assignment


async def decision_completed(
    conn: aiosqlite.Connection, services: Services, a: Assignment, now: datetime
) -> list[int]:
    """Tell the registrants and the audience of the decision's meeting that it is done; who
    was written to
    (nobody for an assignment that did not come from a meeting's decision)."""
    if a.subject_kind != "decision" or a.decision_id is None:
        return []
    decision = await store.decision(services.db, a.decision_id)
    m = await store.get(services.db, decision.meeting_id) if decision else None
    if decision is None or m is None:
        return []
    context = await mn.context_of(services, m) | {
        "decision": decision.text,
        "position": decision.position,
        "number": a.id,
        "done_at": now.isoformat(),
    }
    key = mn.key(m.id, "done", a.id)
    told = await mn.to_registrants(
        conn, services, m, template="followup.decision_done", key=key, now=now, context=context
    )
    registrants = set(told)
    audience = [
        (user_id, lang)
        for user_id, lang in await store.audience(services.db, m, include_muted=False)
        if user_id not in registrants
    ]
    await mn.send(
        conn,
        services,
        audience,
        template="followup.decision_done_public",
        key=key,
        now=now,
        context=context,
        lane=outbox.LANE_BULK,
    )
    return told + [user_id for user_id, _ in audience]
