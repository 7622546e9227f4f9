"""Patrols (巡查) by grid workers: a location, an optional photo, and the result — no hazard,
or a hazard found, which becomes a hazard ticket (kind "hazard") with its rectification
deadline in the complaint lifecycle (`bot.intake.open_item`), in the same transaction as the
patrol record."""

from __future__ import annotations

from dataclasses import dataclass

from bot import intake
from bot.lifecycle import NotAllowed
from bot.services import Services
from storage import geo, people
from storage import patrols as store
from storage.complaints import NewComplaint
from storage.models import Grid

DESCRIPTION = (5, 2000)
ADDRESS = (2, 200)
HAZARD_CATEGORY = "safety"  # 安全隐患, offered first


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


async def grids_of(services: Services, user_id: int) -> list[Grid]:
    """The grids a person patrols (their grid worker grants)."""
    grants = await people.roles(services.db, user_id)
    ids = sorted({g.grid_id for g in grants if g.role == "grid_worker" and g.grid_id is not None})
    found = [await geo.grid(services.db, i) for i in ids]
    return [g for g in found if g is not None]


async def log(services: Services, worker_id: int, report: Report) -> Logged:
    """Record a patrol; a hazard found becomes a ticket for its department (or grid)."""
    db = services.db
    if report.grid_id not in {g.id for g in await grids_of(services, worker_id)}:
        raise NotAllowed("not_allowed")
    if await people.get(db, worker_id) is None:
        raise NotAllowed("need_start")
    if report.latitude is None and not (
        report.address and ADDRESS[0] <= len(report.address) <= ADDRESS[1]
    ):
        raise NotAllowed("bad_input")
    category = None
    if report.hazard:
        category = await geo.category(db, report.category_id) if report.category_id else None
        text = report.description.strip()
        if category is None or not DESCRIPTION[0] <= len(text) <= DESCRIPTION[1]:
            raise NotAllowed("bad_input")
    now = services.clock.now()
    async with db.transaction() as conn:
        ticket = None
        if category is not None:
            new = NewComplaint(
                reporter_id=worker_id,
                category_id=category.id,
                grid_id=report.grid_id,
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
    if ticket is not None:
        services.delivery.kick_soon()
    return Logged(patrol_id, ticket)
