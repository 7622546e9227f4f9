"""Complaint intake: validate a resident's draft, commit it, notify whoever handles it.

The complaint, its photos, its first event, its deadlines, its timers, the staff notices
(outbox rows), its submission key and the resident's answer with the number (an outbox row on
the reply lane) are written in one transaction; the number goes out only after that commit,
and a second confirm of the same draft (after a crash, from any state) files nothing and
finds the first complaint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

import aiosqlite

from bot.complaints import service as lifecycle_service
from bot.core import refusals
from bot.proxy import filing as proxy_filing
from bot.proxy.rules import ProxyDraft
from bot.runtime import submissions as replies
from bot.runtime.services import Services
from storage import complaints, geo, people, submissions
from storage.complaints import NewComplaint
from storage.models import Category


class DraftError(refusals.Invalid):
    """The draft is incomplete or refers to something that no longer exists (a press of an
    old or forged confirm button: answered as one)."""

    template = "common.invalid_button"


class Draft(TypedDict, total=False):
    """A /report draft, kept in the user's persisted data between steps (JSON)."""

    id: str  # the submission key, carried by the confirm button
    grid_id: int  # where the case goes (属地): the home grid until the location says
    home_grid_id: int  # the reporter's home grid
    routed: str | None  # how grid_id was found: location, address, home or chosen
    category_id: int | None
    description: str | None
    photos: list[list[str]]  # [file_id, file_unique_id]
    voices: list[list[str | int]]  # [file_id, file_unique_id, seconds]; drafts before: none
    address: str | None
    location: list[float] | None  # [latitude, longitude]
    anonymous: bool | None
    editing: bool  # one part is being changed: back to the summary after it
    photo_prompt: int | None  # the message whose buttons the next photo retires
    same: list[int]  # the complaints offered for "me too"
    same_checked: bool  # "me too" was looked for, in the grid the report goes to
    proxy: ProxyDraft | None  # filed by staff for a resident (代办): bot.proxy
    prefilled: list[str]  # steps whose answer came with a message sent first (bot.complaints.said)
    said_text: str | None  # words sent first that were too short for a description


@dataclass(frozen=True)
class Submitted:
    complaint_id: int
    number: str
    ack_due: datetime
    resolve_due: datetime
    told: bool = True  # someone in charge was told; else it waits for an admin to assign it
    again: bool = False  # the draft had been submitted already: this is that complaint


def new_draft(grid_id: int) -> Draft:
    """An empty draft (kept in the user's persisted data between steps) with its key."""
    return {
        "id": submissions.new_key(),
        "grid_id": grid_id,
        "home_grid_id": grid_id,
        "routed": None,
        "category_id": None,
        "description": None,
        "photos": [],
        "voices": [],
        "address": None,
        "location": None,
        "anonymous": None,
        "editing": False,
    }


def key_of(draft: Draft) -> str:
    """The draft's submission key (one is given to a draft saved before keys existed)."""
    key = draft.get("id")
    if not isinstance(key, str) or not key:
        key = draft["id"] = submissions.new_key()
    return key


async def already(services: Services, key: str, reporter_id: int) -> Submitted | None:
    """The complaint this key filed, if any (only for the person who filed it)."""
    done = await submissions.find(services.db, key)
    if done is None or done.kind != "complaint":
        return None
    return await filed(services, done.record_id, reporter_id)


async def filed(services: Services, complaint_id: int, reporter_id: int) -> Submitted | None:
    """A complaint already filed by this person, as the answer to a second confirm."""
    c = await complaints.get(services.db, complaint_id)
    if c is None or c.reporter_id != reporter_id:
        return None
    assert c.ack_due_at is not None and c.resolve_due_at is not None
    return Submitted(c.id, c.number, c.ack_due_at, c.resolve_due_at, again=True)


async def submit(services: Services, reporter_id: int, draft: Draft) -> Submitted:
    """Commit a confirmed draft with its staff notices and the resident's answer (one
    transaction); a draft already submitted gives back its complaint and files nothing."""
    db = services.db
    key = key_of(draft)
    before = await already(services, key, reporter_id)
    if before is not None:
        return before
    proxy = draft.get("proxy")
    if proxy is not None and not await proxy_filing.may_submit(services, reporter_id, proxy):
        raise DraftError("代办: only staff file for a resident, with the consent recorded")
    category_id, description = draft.get("category_id"), draft.get("description")
    if not category_id or not description:
        raise DraftError("category and description are required")
    category = await geo.category(db, int(category_id))
    grid = await geo.grid(db, int(draft["grid_id"]))
    reporter = await people.get(db, reporter_id)
    if category is None or grid is None or reporter is None:
        raise DraftError("category, grid or reporter no longer exists")
    location = draft.get("location")
    new = NewComplaint(
        reporter_id=reporter_id,
        category_id=category.id,
        grid_id=grid.id,
        description=str(description),
        anonymous=bool(draft.get("anonymous")) and proxy is None,
        photos=tuple((p[0], p[1]) for p in draft.get("photos", [])),
        voices=tuple((str(v[0]), str(v[1]), int(v[2])) for v in draft.get("voices") or []),
        address=draft.get("address"),
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
        kind="hazard" if category.is_hazard else "complaint",
    )
    now = services.clock.now()
    async with db.transaction() as conn:
        raced = await submissions.find_in(conn, key)
        if raced is None:
            submitted = await open_item(
                conn,
                services,
                new,
                category,
                now,
                department_id=category.department_id,
                key=key,
                proxy=proxy,
            )
            answer = "proxy" if proxy is not None else "report"  # 代办: the staff's own words
            await replies.queue_reply(
                conn,
                services,
                reporter_id,
                key=key,
                template=f"{answer}.submitted{'' if submitted.told else '_unassigned'}",
                now=now,
                number=submitted.number,
                ack_due=submitted.ack_due.isoformat(),
                resolve_due=submitted.resolve_due.isoformat(),
            )
            return submitted
    found = await filed(services, raced.record_id, reporter_id)
    if found is None:
        raise DraftError("this draft's key belongs to another record")
    return found


async def open_item(
    conn: aiosqlite.Connection,
    services: Services,
    new: NewComplaint,
    category: Category,
    now: datetime,
    *,
    department_id: int | None,
    resolve_due: datetime | None = None,
    key: str | None = None,
    proxy: ProxyDraft | None = None,
) -> Submitted:
    """Insert a complaint and start its lifecycle inside the caller's transaction (residents'
    reports, representatives' suggestions and rectification items, hazards found on patrol);
    `key` is the form's submission key, recorded with it; `proxy` the record of a report filed
    for someone (代办), written before the staff are told so their notice says so."""
    local_year = now.astimezone(services.settings.tz).year
    complaint_id, number = await complaints.insert(
        conn, new, now, year=local_year, department_id=department_id
    )
    if proxy is not None:
        await proxy_filing.record(conn, complaint_id, proxy, new.reporter_id, now)
    ack_due, resolve_due, told = await lifecycle_service.open_new(
        conn, services, complaint_id, category, now, resolve_due=resolve_due
    )
    if key is not None:
        await submissions.record(conn, key, "complaint", complaint_id, now)
    return Submitted(complaint_id, number, ack_due, resolve_due, told)
