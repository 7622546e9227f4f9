"""Complaint intake: validate a resident's draft, commit it, notify whoever handles it.

The complaint, its photos, its first event, its deadlines, its timers and the staff notices
(outbox rows) are written in one transaction; the resident hears the number only after that
commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot import complaints as lifecycle_service
from bot.services import Services
from storage import complaints, geo, people
from storage.complaints import NewComplaint
from storage.models import Category


class DraftError(ValueError):
    """The draft is incomplete or refers to something that no longer exists."""


@dataclass(frozen=True)
class Submitted:
    complaint_id: int
    number: str
    ack_due: datetime
    resolve_due: datetime
    told: bool = True  # someone in charge was told; else it waits for an admin to assign it


def new_draft(grid_id: int) -> dict[str, Any]:
    """An empty draft (kept in the user's persisted data between steps)."""
    return {
        "grid_id": grid_id,
        "category_id": None,
        "description": None,
        "photos": [],
        "address": None,
        "location": None,
        "anonymous": None,
        "editing": False,
    }


async def submit(services: Services, reporter_id: int, draft: dict[str, Any]) -> Submitted:
    """Commit a confirmed draft and queue the staff notices in the same transaction."""
    db = services.db
    if not draft.get("category_id") or not draft.get("description"):
        raise DraftError("category and description are required")
    category = await geo.category(db, int(draft["category_id"]))
    grid = await geo.grid(db, int(draft["grid_id"]))
    reporter = await people.get(db, reporter_id)
    if category is None or grid is None or reporter is None:
        raise DraftError("category, grid or reporter no longer exists")
    location = draft.get("location")
    new = NewComplaint(
        reporter_id=reporter_id,
        category_id=category.id,
        grid_id=grid.id,
        description=str(draft["description"]),
        anonymous=bool(draft.get("anonymous")),
        photos=tuple((p[0], p[1]) for p in draft.get("photos", [])),
        address=draft.get("address"),
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
        kind="hazard" if category.is_hazard else "complaint",
    )
    now = services.clock.now()
    async with db.transaction() as conn:
        return await open_item(
            conn, services, new, category, now, department_id=category.department_id
        )


async def open_item(
    conn: aiosqlite.Connection,
    services: Services,
    new: NewComplaint,
    category: Category,
    now: datetime,
    *,
    department_id: int | None,
    resolve_due: datetime | None = None,
) -> Submitted:
    """Insert a complaint and start its lifecycle inside the caller's transaction (residents'
    reports, representatives' suggestions and rectification items, hazards found on patrol)."""
    local_year = now.astimezone(services.settings.tz).year
    complaint_id, number = await complaints.insert(
        conn, new, now, year=local_year, department_id=department_id
    )
    ack_due, resolve_due, told = await lifecycle_service.open_new(
        conn, services, complaint_id, category, now, resolve_due=resolve_due
    )
    return Submitted(complaint_id, number, ack_due, resolve_due, told)
