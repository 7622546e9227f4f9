"""Who hears about a complaint, in their own language, through the outbox (same transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.complaints.buttons import work_row
from bot.complaints.rules import Action
from bot.core.buttons import declared
from bot.dispatch.buttons import EXTEND
from bot.people.roles import admin_ids
from bot.runtime.services import Services
from storage import complaints, geo, outbox, people
from storage.models import Complaint

Buttons = list[list[tuple[str, str]]]
STAFF_ACTIONS = ("accept", "reject", "transfer")


async def language(services: Services, user_id: int) -> str:
    """A person's language (zh-CN for staff who never registered)."""
    person = await people.get(services.db, user_id)
    return person.language if person else "zh-CN"


async def reachable(services: Services, user_ids: list[int]) -> list[int]:
    """Those who opened the bot and have not blocked it (Telegram lets us write to no one
    else); the same rule as `storage.reach`."""
    return await people.reachable_ids(services.db, user_ids)


async def assignees(services: Services, grid_id: int, department_id: int | None) -> list[int]:
    """The department's officers when routed there, else the grid's workers."""
    if department_id is not None:
        return await reachable(
            services, await people.staff_of_department(services.db, department_id)
        )
    return await reachable(services, await people.staff_of_grid(services.db, grid_id))


async def zone_admins(services: Services, grid_id: int) -> list[int]:
    """Admins of the grid's zone, town-wide admins, and the configured ones."""
    grid = await geo.grid(services.db, grid_id)
    ids = await people.admins_of_zone(services.db, grid.zone_id if grid else None)
    ids += sorted(services.settings.admin_ids)
    return await reachable(services, ids)


async def all_admins(services: Services) -> list[int]:
    """Every admin who can be reached (granted or configured)."""
    return await reachable(services, await admin_ids(services))


async def followers(services: Services, complaint: Complaint) -> list[int]:
    """The reporter and everyone who said "me too"."""
    supporters = await complaints.supporter_ids(services.db, complaint.id)
    ids = ([complaint.reporter_id] if complaint.reporter_id else []) + supporters
    return await reachable(services, ids)


async def send(
    conn: aiosqlite.Connection,
    services: Services,
    recipients: Sequence[int | tuple[int, str]],
    *,
    template: str,
    key: str,
    now: datetime,
    context: dict[str, Any],
    buttons: Buttons | None = None,
    button_labels: dict[str, str] | None = None,
    lane: int = outbox.LANE_PERSONAL,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> None:
    """One outbox row per recipient (dedupe key `key:id`) — a person's id, or (id, language)
    when it is known already; `buttons` hold label keys rendered in their language. A row due
    later may expire (`expires_at`: dropped unsent once its moment has passed)."""
    for recipient in recipients:
        if isinstance(recipient, tuple):
            user_id, lang = recipient
        else:
            user_id, lang = recipient, await language(services, recipient)
        ctx: dict[str, Any] = {"language": lang, **context}
        if buttons:
            ctx["buttons"] = [
                [[services.renderer.render(lang, label), declared(data)] for label, data in row]
                for row in buttons
            ]
        await outbox.enqueue(
            conn,
            chat_id=user_id,
            kind=template,
            template=template,
            context=ctx,
            due_at=due_at or now,
            dedupe_key=f"{key}:{user_id}",
            now=now,
            lane=lane,
            expires_at=expires_at,
        )


def staff_buttons(complaint_id: int) -> Buttons:
    """Accept / reject / transfer under a new (or reopened, or transferred) complaint."""
    return [
        work_row(complaint_id, Action.ACCEPT),
        work_row(complaint_id, Action.REJECT, Action.TRANSFER),
    ]


def work_buttons(complaint_id: int) -> Buttons:
    """Progress note / resolve, once accepted; and 延期申请 (asked of the dispatch centre)."""
    return [
        work_row(complaint_id, Action.NOTE, Action.RESOLVE),
        [("dispatch.btn_extend", EXTEND.pack(complaint_id))],
    ]
