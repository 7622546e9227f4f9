"""The board (/board): the open work a dispatcher or an admin oversees, filtered and paged.

Its scope is checked on the server at every view: admins and town-wide dispatchers see the
whole town, a zone's dispatcher (分中心) only their zones — a zone or a case outside it is
refused, whatever a button says. Bulk reassignment moves every open case the filters show
(say, those of a worker who left) with one reason, each through the ordinary 转办.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.complaints.dispatch import zone_of
from bot.complaints.rules import Action, NotAllowed
from bot.complaints.service import act
from bot.dashboard import access
from bot.dispatch.buttons import STATUSES
from bot.dispatch.rulings import Refused, staff_name
from bot.runtime.services import Services
from storage import complaints, dispatch, dispatch_board, geo
from storage.dispatch import Request
from storage.dispatch_board import Filters, Row
from storage.models import Complaint

PAGE = 10  # rows a page
BULK_MOST = 500  # cases one bulk reassignment moves
HISTORY = 12  # latest steps shown on a case opened from the board


@dataclass(frozen=True)
class View:
    """What a board message shows (all of it rides in its buttons)."""

    zone: int = 0  # 0: every zone in scope
    status: str = "all"
    overdue: bool = False
    category: int = 0
    who: int = 0
    page: int = 0

    def fields(self) -> tuple[object, ...]:
        """The button fields of this view, page last (`buttons.VIEW`)."""
        return (self.zone, self.status, self.overdue, self.category, self.who, self.page)

    def but(self, **changes: object) -> View:
        """The same view changed (back to its first page unless the page is given)."""
        return replace(self, **{"page": 0, **changes})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Board:
    """One page of the board."""

    view: View
    rows: list[Row]
    total: int
    pages: int
    zone_name: str | None
    category_name: str | None
    who_name: str | None
    pending: int  # requests waiting for a ruling in scope


@dataclass(frozen=True)
class Case:
    """A case opened from the board: the case, its latest history, its open requests."""

    complaint: Complaint
    grid: str
    history: list[tuple[datetime, str, str]]
    pending: list[Request]


async def scope(services: Services, user_id: int) -> tuple[int, ...] | None:
    """The zones a person oversees (None: the whole town); Refused for anyone else.

    The same rule as the command centre's screen (`bot.dashboard.access.staff_zones`): a
    configured admin, or an admin or dispatcher granted without a zone, sees the town; one
    granted for zones sees those zones only."""
    try:
        return await access.staff_zones(services.db, services.settings, user_id)
    except access.Refused:
        raise Refused("not_allowed") from None


async def _filters(services: Services, user_id: int, view: View) -> Filters:
    zones = await scope(services, user_id)
    if view.status not in STATUSES:
        raise Refused("not_found")
    if view.zone:
        if zones is not None and view.zone not in zones:
            raise Refused("not_allowed")
        zones = (view.zone,)
    return Filters(zones, view.status, view.overdue, view.category, view.who)


async def board(services: Services, user_id: int, view: View) -> Board:
    """One page of open work in the person's scope, as filtered."""
    f = await _filters(services, user_id, view)
    db, now = services.db, services.clock.now()
    rows, total = await dispatch_board.page(db, f, now, limit=PAGE, offset=view.page * PAGE)
    pages = max(1, -(-total // PAGE))
    if view.page and view.page >= pages:  # a stale page after cases moved on: the last one
        return await board(services, user_id, replace(view, page=pages - 1))
    zone = await geo.zone(db, view.zone) if view.zone else None
    category = await geo.category(db, view.category, active_only=False) if view.category else None
    who = await staff_name(services, view.who) if view.who else None
    pending = sum([await dispatch.pending_count(db, z) for z in f.zones or (None,)])
    return Board(
        view,
        rows,
        total,
        pages,
        zone.name if zone else None,
        category.name if category else None,
        who,
        pending,
    )


async def zones_in_scope(services: Services, user_id: int) -> list[tuple[int, str]]:
    """(id, name) of the zones a person may filter by."""
    zones = await scope(services, user_id)
    return [(z.id, z.name) for z in await geo.zones(services.db) if zones is None or z.id in zones]


async def staff_in_scope(
    services: Services, user_id: int, limit: int = 30
) -> list[tuple[int, str, int]]:
    """Staff holding open work in the person's scope: (user id, name, open cases)."""
    zones = await scope(services, user_id)
    return await dispatch_board.holders(services.db, zones, services.clock.now(), limit=limit)


async def grids_in_scope(
    services: Services, user_id: int, limit: int = 40
) -> list[tuple[int, str]]:
    """(id, name) of the grids a person may move work to."""
    return await dispatch_board.grids_of_zones(
        services.db, await scope(services, user_id), limit=limit
    )


async def case(services: Services, user_id: int, complaint_id: int | None) -> Case:
    """A case in the person's scope, with its latest history and open requests."""
    db = services.db
    c = await complaints.get(db, complaint_id) if complaint_id else None
    if c is None:
        raise Refused("not_found")
    zones = await scope(services, user_id)
    if zones is not None and await zone_of(services, c.grid_id) not in zones:
        raise Refused("not_allowed")
    grid = await geo.grid(db, c.grid_id)
    history = await dispatch_board.events(db, c.id, limit=HISTORY)
    pending = [r for r in await dispatch.requests_of(db, c.id) if r.status == dispatch.PENDING]
    return Case(c, grid.full_name if grid else "", history, pending)


@dataclass(frozen=True)
class Moved:
    """What a bulk reassignment did."""

    moved: list[str]  # case numbers
    skipped: list[str]  # moved on meanwhile, or already there


async def reassign_all(
    services: Services,
    user_id: int,
    view: View,
    reason: str,
    *,
    to_grid: int | None = None,
    to_department: int | None = None,
) -> Moved:
    """Move every open case the view shows (a worker left) with one reason (转办 each)."""
    f = await _filters(services, user_id, view)
    if not f.assignee:
        raise Refused("not_allowed")  # bulk moves are for one person's work
    if to_grid is not None:
        zones = await scope(services, user_id)
        if zones is not None and await zone_of(services, to_grid) not in zones:
            raise Refused("not_allowed")
    moved, skipped = [], []
    for cid in await dispatch_board.ids(services.db, f, services.clock.now(), limit=BULK_MOST):
        try:
            done = await act(
                services,
                cid,
                Action.TRANSFER,
                user_id,
                note=reason,
                to_grid=to_grid,
                to_department=to_department,
            )
        except NotAllowed:
            found = await complaints.get(services.db, cid)
            skipped.append(found.number if found else str(cid))
            continue
        moved.append(done.number)
    return Moved(moved, skipped)
