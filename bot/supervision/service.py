"""Representatives' suggestions (意见建议) and rectification items (督促整改): filed from a
supervision visit — announced, or unannounced (暗访) — or from a reception day, routed to a
department with a deadline, then handled through the same complaint lifecycle as any report
(`bot.complaints.intake.open_item`, `bot.complaints.service`): nothing here is a second
lifecycle.

A refusal is a `Refused` (a `bot.core.refusals.NotAllowed`, worded by `supervision.refused`;
still a `bot.complaints.rules.NotAllowed` for the callers that catch that)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

import aiosqlite

from bot.assignments import rules as assignment_rules
from bot.complaints import intake
from bot.complaints import rules as complaint_rules
from bot.core import refusals
from bot.core.clock import from_iso
from bot.core.limits import MAX_PHOTOS, MAX_TEXT, MIN_DESCRIPTION
from bot.people.roles import Role, has_role
from bot.runtime import submissions as replies
from bot.runtime.services import Services
from storage import geo, people, submissions, supervision
from storage.complaints import NewComplaint
from storage.models import Category

KINDS = ("suggestion", "rectification")
SOURCES = ("announced", "unannounced")  # of /suggest; a reception day's are filed from there


class Refused(complaint_rules.NotAllowed, refusals.NotAllowed):
    """The item cannot be filed as it is; nothing was filed."""

    template = "supervision.refused"


class Draft(TypedDict, total=False):
    """What a /suggest conversation collected so far (JSON in the user's data)."""

    id: str  # the form's submission key
    grid_id: int  # the grid of the site (属地): where it is counted
    home_grid_id: int  # the representative's own grid (offered when the site does not say)
    routed: bool  # the location or address named the grid, or the representative chose it
    editing: bool  # "change the grid" from the summary: back to it after the choice
    photos: list[list[str]]  # [file_id, file_unique_id]
    kind: str
    source: str
    category_id: int
    department_id: int
    department: str
    description: str
    location: list[float]  # [latitude, longitude]
    address: str
    due_at: str | None  # ISO; None: the category's working-day deadline


MIN_TEXT = MIN_DESCRIPTION  # a suggestion's description: the limits of a resident's report


@dataclass(frozen=True)
class Item:
    """What a representative confirmed."""

    kind: str
    source: str
    category_id: int
    department_id: int
    grid_id: int
    description: str
    photos: tuple[tuple[str, str], ...] = ()
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    resolve_due: datetime | None = None  # None: the category's working-day deadline
    booking_id: int | None = None


def from_draft(draft: Draft) -> Item:
    """The item a /suggest conversation collected; Refused("expired") if a step is missing."""
    loc, due = draft.get("location"), draft.get("due_at")
    try:
        return Item(
            kind=draft["kind"],
            source=draft["source"],
            category_id=draft["category_id"],
            department_id=draft["department_id"],
            grid_id=draft["grid_id"],
            description=draft["description"],
            photos=tuple((p[0], p[1]) for p in draft["photos"]),
            address=draft.get("address"),
            latitude=loc[0] if loc else None,
            longitude=loc[1] if loc else None,
            resolve_due=from_iso(due) if due else None,
        )
    except KeyError as missing:
        raise Refused("expired") from missing


async def check(services: Services, representative_id: int, item: Item) -> Category:
    """The item's category if a representative may file it as it is; else NotAllowed."""
    db = services.db
    if not await has_role(services, representative_id, Role.REPRESENTATIVE):
        raise Refused("not_allowed")
    if await people.get(db, representative_id) is None:
        raise Refused("need_start")
    if item.kind not in KINDS or item.source not in supervision.SOURCES:
        raise Refused("bad_input")
    if not MIN_TEXT <= len(item.description.strip()) <= MAX_TEXT or len(item.photos) > MAX_PHOTOS:
        raise Refused("bad_input")
    category = await geo.category(db, item.category_id)
    departments = {d.id for d in await geo.departments(db)}
    if category is None or item.department_id not in departments:
        raise Refused("bad_target")
    if await geo.grid(db, item.grid_id) is None:
        raise Refused("bad_target")
    if item.resolve_due is not None:
        check_due(item.resolve_due, services.clock.now())
    return category


def check_due(due_at: datetime, now: datetime) -> None:
    """Refused("past") or ("too_far") unless a deadline is a sensible future moment."""
    try:
        assignment_rules.check_deadline(due_at, now)
    except assignment_rules.NotAllowed as refused:
        raise Refused(refused.reason) from refused


async def file_in(
    conn: aiosqlite.Connection,
    services: Services,
    representative_id: int,
    item: Item,
    category: Category,
    now: datetime,
    *,
    key: str | None = None,
) -> intake.Submitted:
    """File a checked item inside the caller's transaction; the department is told."""
    new = NewComplaint(
        reporter_id=representative_id,
        category_id=category.id,
        grid_id=item.grid_id,
        description=item.description.strip(),
        anonymous=False,
        photos=item.photos,
        address=item.address,
        latitude=item.latitude,
        longitude=item.longitude,
        kind=item.kind,
    )
    submitted = await intake.open_item(
        conn,
        services,
        new,
        category,
        now,
        department_id=item.department_id,
        resolve_due=item.resolve_due,
        key=key,
    )
    await supervision.add(
        conn,
        submitted.complaint_id,
        representative_id=representative_id,
        source=item.source,
        now=now,
        booking_id=item.booking_id,
    )
    return submitted


async def file(
    services: Services,
    representative_id: int,
    item: Item,
    *,
    key: str | None = None,
    department: str = "",
) -> intake.Submitted:
    """Check and file a suggestion or rectification item; the number comes after the commit.

    With the form's `key`, the representative's answer (the number) is an outbox row of the
    same transaction, and a form filed already gives back its item (`again`), filing nothing."""
    if key is not None:
        before = await intake.already(services, key, representative_id)
        if before is not None:
            return before
    category = await check(services, representative_id, item)
    now = services.clock.now()
    async with services.db.transaction() as conn:
        raced = key is not None and await submissions.find_in(conn, key) is not None
        if not raced:
            submitted = await file_in(
                conn, services, representative_id, item, category, now, key=key
            )
        if key is not None and not raced:
            await replies.queue_reply(
                conn,
                services,
                representative_id,
                key=key,
                template="supervision.filed",
                now=now,
                kind=item.kind,
                number=submitted.number,
                department=department,
                resolve_due=submitted.resolve_due.isoformat(),
                told=submitted.told,
            )
    if raced:  # a press racing this one filed it
        assert key is not None
        before = await intake.already(services, key, representative_id)
        if before is None:
            raise Refused("expired")
        return before
    services.delivery.kick_soon()
    return submitted
