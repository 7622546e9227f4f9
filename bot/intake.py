"""Complaint intake: validate a resident's draft, commit it, notify whoever handles it.

The complaint, its photos, its first event and the staff notices (outbox rows) are written
in one transaction; the resident hears the number only after that commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.clock import to_iso
from bot.roles import admin_ids
from bot.services import Services
from storage import complaints, geo, outbox, people
from storage.complaints import NewComplaint


class DraftError(ValueError):
    """The draft is incomplete or refers to something that no longer exists."""


@dataclass(frozen=True)
class Submitted:
    complaint_id: int
    number: str
    notified: int


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


async def recipients(services: Services, grid_id: int, department_id: int | None) -> list[int]:
    """Who is told of a new complaint: the department or the grid staff, else the admins."""
    if department_id is not None:
        found = await people.staff_of_department(services.db, department_id)
    else:
        found = await people.staff_of_grid(services.db, grid_id)
    # Telegram only lets us write to people who have opened the bot (and so consented).
    reachable = [uid for uid in found if await people.get(services.db, uid) is not None]
    if reachable:
        return reachable
    return [uid for uid in await admin_ids(services) if await people.get(services.db, uid)]


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
    staff = await recipients(services, grid.id, category.department_id)
    languages = {pid: (await people.get(db, pid)) for pid in staff}
    now = services.clock.now()
    local_year = now.astimezone(services.settings.tz).year
    async with db.transaction() as conn:
        complaint_id, number = await complaints.insert(
            conn, new, now, year=local_year, department_id=category.department_id
        )
        for staff_id in staff:
            person = languages[staff_id]
            lang = person.language if person else "zh-CN"
            await outbox.enqueue(
                conn,
                chat_id=staff_id,
                kind="complaint.new",
                template="notices.new_complaint",
                context={
                    "language": lang,
                    "number": number,
                    "category": category.label(lang),
                    "hazard": category.is_hazard,
                    "grid": grid.full_name,
                    "description": new.description,
                    "address": new.address,
                    "has_location": location is not None,
                    "reporter": None if new.anonymous else reporter.first_name,
                    "photo_count": len(new.photos),
                    "photos": [p[0] for p in new.photos],
                    "location": list(location) if location else None,
                    "submitted_at": to_iso(now),
                },
                due_at=now,
                dedupe_key=f"complaint.new:{complaint_id}:{staff_id}",
                now=now,
            )
    return Submitted(complaint_id, number, len(staff))
