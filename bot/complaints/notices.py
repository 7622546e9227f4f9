"""Who hears about a complaint's change, and with which buttons — outbox rows written in
the transaction of the change that causes them (the service is `bot.complaints.service`).

Kept apart from the service so the rules of who is told stay readable on their own; this
module never imports `bot.complaints.service` (the service passes in the event's name)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.complaints.buttons import RESOLVED, SUPPORTER_ANSWERS, row
from bot.complaints.dispatch import ruling_for_grid
from bot.complaints.rules import Action, Satisfaction
from bot.escalation import ladder
from bot.runtime import notices
from bot.runtime.services import Services
from storage import casefile, geo, people
from storage import proxy as proxy_store
from storage.models import Complaint

EARLIER, EARLIER_NOTE = 3, 200  # earlier reasons on a staff notice, and their length


async def tell(
    conn: aiosqlite.Connection,
    services: Services,
    c: Complaint,
    action: Action,
    *,
    event: str,
    note: str,
    rating: int | None,
    now: datetime,
    actor_id: int | None = None,
    satisfaction: Satisfaction | None = None,
) -> None:
    """The notices one change causes (not to the person who made it). Stars given after
    the answer of satisfaction are a detail for the record: nobody is told."""
    if action is Action.RATE:
        return
    key = f"{event}:{c.id}:{now.isoformat()}"
    base = {
        "number": c.number,
        "event": event,
        "note": note,
        "rating": rating,
        "resolve_due_at": c.resolve_due_at.isoformat() if c.resolve_due_at else None,
        "close_reason": c.close_reason,
    }
    # The resident's own answer goes to the staff; "me too" supporters get the step alone,
    # in their own words, and after 办结 their own question (`bot.complaints.supporters`).
    answer = {"rating": rating, "satisfaction": satisfaction.value if satisfaction else None}
    followers = [f for f in await notices.followers(services, c) if f != actor_id]
    reporter = [f for f in followers if f == c.reporter_id]
    supporters = [f for f in followers if f != c.reporter_id]
    staff = await notices.assignees(services, c.grid_id, c.department_id)
    if action is Action.RESOLVE:
        # The photo of the finished work comes with the 办结 notice (the latest 办结's).
        done = {**base, "photos": (await casefile.resolution_photos_in(conn, c.id))[-1:]}
        await notices.send(
            conn,
            services,
            reporter,
            template="notices.resolved",
            key=f"r{key}",
            now=now,
            context=done,
            buttons=[row(c.id, *RESOLVED)],
        )
        await notices.send(
            conn,
            services,
            supporters,
            template="notices.resolved_supporter",
            key=f"m{key}",
            now=now,
            context=done,
            buttons=[row(c.id, *SUPPORTER_ANSWERS)],
        )
    elif action is not Action.ESCALATE:
        await notices.send(
            conn,
            services,
            reporter,
            template="notices.status_update",
            key=f"f{key}",
            now=now,
            context={**base, "rating": None},
        )
        await notices.send(
            conn,
            services,
            supporters,
            template="notices.status_update",
            key=f"f{key}",
            now=now,
            context={**base, "rating": None, "supporter": True},
        )
    if action in (Action.TRANSFER, Action.NOT_FIXED, Action.REOPEN):
        await announce_to_staff(conn, services, c, now, key=f"s{key}", reopened=action, reason=note)
    if action is Action.CONFIRM:
        await notices.send(
            conn,
            services,
            staff,
            template="notices.staff_update",
            key=f"s{key}",
            now=now,
            context={**base, **answer},
        )
    if action is Action.ESCALATE:  # 催办 no. 1 (the ladder: bot.escalation.ladder)
        await ladder.escalated(conn, services, c, now, key=f"a{key}")


async def in_charge_reachable(services: Services, c: Complaint) -> bool:
    """Whether someone in charge of the complaint can be told (else admins must assign it)."""
    return bool(await notices.assignees(services, c.grid_id, c.department_id))


async def reporter_reachable(services: Services, c: Complaint) -> bool:
    """Whether the resident who reported the complaint can be told (not erased, not blocked)."""
    return bool(await notices.reachable(services, [c.reporter_id] if c.reporter_id else []))


async def announce_to_staff(
    conn: aiosqlite.Connection,
    services: Services,
    c: Complaint,
    now: datetime,
    *,
    key: str,
    reopened: Action | None = None,
    reason: str = "",
) -> bool:
    """Tell the assignees with action buttons, or the dispatch centre (`dispatchers_for`) when
    none can be reached (the case then waits for it to transfer it); True if someone in charge
    was told. A case sent back (不满意 → 重办, or reopened) carries the resident's reason and
    its count of 重办; a transferred one the reason of the 转办."""
    db = services.db
    staff = await notices.assignees(services, c.grid_id, c.department_id)
    told = bool(staff)  # the rule of `in_charge_reachable`
    staff = staff or await ruling_for_grid(services, c.grid_id)
    category = await geo.category(db, c.category_id, active_only=False)
    assert category is not None
    grid = await geo.grid(db, c.grid_id)
    reporter = await people.get(db, c.reporter_id) if c.reporter_id else None
    # 代办: the staff member who filed it for a resident relays it; the resident's own name and
    # phone stay in the proxy record (the filer's chat and the resident's /mydata).
    relayed_by = await proxy_store.relayed_by_in(conn, c.id)
    filer = await people.get(db, relayed_by) if relayed_by else None
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
        "proxy": relayed_by is not None,
        "proxy_by": filer.first_name if filer is not None else "",
        "photo_count": len(c.photo_file_ids),
        "photos": list(c.photo_file_ids),
        "voice_count": len(c.voice_file_ids),
        "voices": list(c.voice_file_ids),
        "location": [c.latitude, c.longitude] if c.latitude is not None else None,
        "submitted_at": c.created_at.isoformat(),
        "ack_due_at": c.ack_due_at.isoformat() if c.ack_due_at else None,
        "resolve_due_at": c.resolve_due_at.isoformat() if c.resolve_due_at else None,
        "reopened": reopened.value if reopened else None,
        "reason": reason,
        "redo_count": c.redo_count,
        "unassigned": not told,
        "supporters": await casefile.supporters_count_in(conn, c.id),
        "relapse_of": await casefile.number_in(conn, c.parent_id),
        # What happened before this step: the handler sees why it came back before too.
        "earlier": [
            {**r, "note": r["note"][:EARLIER_NOTE]}
            for r in await casefile.earlier_reasons_in(conn, c.id, now, EARLIER)
        ],
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
    return told
