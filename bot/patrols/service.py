"""Patrols (巡查) by grid workers: a location, an optional photo, and the result — no hazard,
or a hazard found, which becomes a hazard ticket (kind "hazard") with its rectification
deadline in the complaint lifecycle (`bot.complaints.intake.open_item`), in the same transaction as
the patrol record. A refusal is a `Refused` (a `bot.core.refusals.NotAllowed`, worded by
`patrol.refused`): nothing was recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from bot.complaints import intake
from bot.core import refusals
from bot.places import service as places
from bot.runtime import submissions as replies
from bot.runtime.services import Services
from storage import geo, people, submissions
from storage import patrols as store
from storage.complaints import NewComplaint
from storage.models import Grid, Role

DESCRIPTION = (5, 2000)
ADDRESS = (2, 200)
HAZARD_CATEGORY = "safety"  # 安全隐患, offered first
HAZARD, NO_HAZARD = "hazard", "none"  # the result of a patrol


class Refused(refusals.NotAllowed):
    """The patrol cannot be recorded as it is; nothing was."""

    template = "patrol.refused"


class Draft(TypedDict, total=False):
    """What a /patrol conversation collected so far (JSON in the user's data)."""

    id: str  # the form's submission key
    grid_id: int
    location: list[float] | None  # [latitude, longitude]
    address: str | None
    photo: list[str] | None  # [file_id, file_unique_id]
    category_id: int
    description: str


@dataclass(frozen=True)
class Report:
    """What a grid worker recorded on one patrol."""

    grid_id: int
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    photo: tuple[str, str] | None = None  # (file_id, file_unique_id)
    hazard: bool = False
    category_id: int | None = None
    description: str = ""


@dataclass(frozen=True)
class Logged:
    patrol_id: int
    ticket: intake.Submitted | None
    again: bool = False  # the form had been recorded already: this is that patrol


def report_of(draft: Draft, *, hazard: bool) -> Report:
    """The report a /patrol conversation collected; Refused("expired") if a step is missing."""
    loc, pic = draft.get("location"), draft.get("photo")
    if "grid_id" not in draft:
        raise Refused("expired")
    return Report(
        grid_id=draft["grid_id"],
        latitude=loc[0] if loc else None,
        longitude=loc[1] if loc else None,
        address=draft.get("address"),
        photo=(pic[0], pic[1]) if pic else None,
        hazard=hazard,
        category_id=draft.get("category_id"),
        description=draft.get("description", ""),
    )


async def grids_of(services: Services, user_id: int) -> list[Grid]:
    """The grids a person patrols (their grid worker grants)."""
    grants = await people.roles(services.db, user_id)
    ids = sorted(
        {g.grid_id for g in grants if g.role == Role.GRID_WORKER and g.grid_id is not None}
    )
    found = [await geo.grid(services.db, i) for i in ids]
    return [g for g in found if g is not None]


async def log(
    services: Services, worker_id: int, report: Report, *, key: str | None = None
) -> Logged:
    """Record a patrol; a hazard found becomes a ticket for its department (or grid), placed
    in the grid where it was found (the patrol itself stays with the patrolled grid).

    With the form's `key`, the worker's answer is an outbox row of the same transaction, and
    a form recorded already (the draft came back after a crash) gives back that patrol."""
    db = services.db
    if key is not None and (before := await _recorded(services, key, worker_id)) is not None:
        return before
    if report.grid_id not in {g.id for g in await grids_of(services, worker_id)}:
        raise Refused("not_allowed")
    if await people.get(db, worker_id) is None:
        raise Refused("need_start")
    if report.latitude is None and not (
        report.address and ADDRESS[0] <= len(report.address) <= ADDRESS[1]
    ):
        raise Refused("bad_input")
    category = None
    if report.hazard:
        category = await geo.category(db, report.category_id) if report.category_id else None
        text = report.description.strip()
        if category is None or not DESCRIPTION[0] <= len(text) <= DESCRIPTION[1]:
            raise Refused("bad_input")
    site = await _site(services, report) if category is not None else None
    now = services.clock.now()
    async with db.transaction() as conn:
        if key is not None and await submissions.find_in(conn, key) is not None:
            raise Refused("expired")  # a press racing this one recorded it
        ticket = None
        if category is not None:
            new = NewComplaint(
                reporter_id=worker_id,
                category_id=category.id,
                grid_id=site or report.grid_id,
                description=report.description.strip(),
                anonymous=False,
                photos=(report.photo,) if report.photo else (),
                address=report.address,
                latitude=report.latitude,
                longitude=report.longitude,
                kind="hazard",
            )
            ticket = await intake.open_item(
                conn, services, new, category, now, department_id=category.department_id
            )
        patrol_id = await store.insert(
            conn,
            worker_id=worker_id,
            grid_id=report.grid_id,
            now=now,
            latitude=report.latitude,
            longitude=report.longitude,
            address=report.address,
            photo_file_id=report.photo[0] if report.photo else None,
            hazard_found=report.hazard,
            complaint_id=ticket.complaint_id if ticket else None,
        )
        if key is not None:
            await submissions.record(conn, key, "patrol", patrol_id, now)
            await replies.queue_reply(
                conn,
                services,
                worker_id,
                key=key,
                template="patrol.logged",
                now=now,
                hazard=ticket is not None,
                number=ticket.number if ticket else None,
                resolve_due=ticket.resolve_due.isoformat() if ticket else None,
                told=ticket.told if ticket else True,
            )
    services.delivery.kick_soon()
    return Logged(patrol_id, ticket)


async def _site(services: Services, report: Report) -> int | None:
    """The grid where a hazard was found (属地): the one containing its location, or the one
    its address names; None when neither says (the ticket stays with the patrolled grid)."""
    if report.latitude is not None and report.longitude is not None:
        return await places.grid_at(services.db, report.latitude, report.longitude)
    return await places.grid_named(services.db, report.address) if report.address else None


async def _recorded(services: Services, key: str, worker_id: int) -> Logged | None:
    """The patrol this form recorded already, if any (only for the worker who did)."""
    done = await submissions.find(services.db, key)
    if done is None or done.kind != "patrol":
        return None
    found = await store.worker_and_complaint(services.db, done.record_id)
    if found is None or found[0] != worker_id:
        return None
    complaint_id = found[1]
    ticket = await intake.filed(services, int(complaint_id), worker_id) if complaint_id else None
    return Logged(done.record_id, ticket, again=True)
